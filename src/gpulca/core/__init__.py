"""Foundation shared by every stage: errors, the unit registry, the parameter table, the
presentation vocabulary, the research-phase taxonomy and the user cache.

Owns: :mod:`~gpulca.core.errors` (every user-visible error derives from ``GpulcaError``),
:mod:`~gpulca.core.units` (the one pint registry), :mod:`~gpulca.core.parameters` (every study
and hardware parameter: unit, plausible range, label, where it may be overridden),
:mod:`~gpulca.core.vocabulary` (stage and impact labels, colours, number formats),
:mod:`~gpulca.core.phases` (the research-phase taxonomy), :mod:`~gpulca.core.cache`.
Imports nothing else of gpulca.
"""
