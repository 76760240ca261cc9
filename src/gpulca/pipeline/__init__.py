"""The pipeline end to end, behind the public API: run a study, compare its variants, validate
files. Orchestrates study -> model -> engine -> results.
"""
