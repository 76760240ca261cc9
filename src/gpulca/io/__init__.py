"""Reading and writing files: YAML with line numbers, all-or-nothing output, the JSON cache.

Owns: :mod:`~gpulca.io.yamlio` (safe YAML with a line for every key path),
:mod:`~gpulca.io.atomic` (every file gpulca writes is staged and moved into place only when
ready) and :mod:`~gpulca.io.cache` (lists derived from installed packages, cached as JSON).
"""
