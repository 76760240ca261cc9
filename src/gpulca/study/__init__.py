"""A study resolved: the study file parsed and checked, every value looked up in the library
(study first, then the catalogue entry it names), its activity loaded, and its variants and
sweeps expanded with the log of every override.
"""
