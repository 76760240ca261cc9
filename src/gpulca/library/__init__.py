"""The inventory library: inventory files, the catalogue (accelerators, hosts, grid zones,
sites), formulas, methods files, biosphere3 flow look-ups and the AWARE water regions.

Loading merges the YAML files, evaluates parameters and formulas, and resolves every exchange to
an amount in the unit of what it points at (:class:`~gpulca.library.inventory.ResolvedLibrary`).
Nothing here talks to Brightway: the biosphere3 flow list and the installed method names are
handed in by the caller (from :mod:`gpulca.engine`).
"""
