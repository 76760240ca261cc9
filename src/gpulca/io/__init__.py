"""Reading and writing files: YAML with line numbers, and all-or-nothing output.

Owns: :mod:`~gpulca.io.yamlio` (safe YAML with a line for every key path) and
:mod:`~gpulca.io.atomic` (outputs staged and moved into place only when all are ready).
"""
