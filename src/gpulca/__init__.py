"""gpulca: life cycle assessment of AI research and deployment, on Brightway 2.5.

The supported API (see ``docs/api.md``); everything else is private by convention::

    import gpulca

    result = gpulca.run_study("scenarios/example.yaml")        # a StudyResult
    comparison = gpulca.compare_study("scenarios/siting-study.yaml")
    report = gpulca.validate_paths(["inventories", "scenarios"])

Importing gpulca does no work: the names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gpulca.core.version import __version__

_EXPORTS: dict[str, str] = {
    # run a study, from a file or from an in-memory study
    "run_study": "gpulca.pipeline.run",
    "run_resolved": "gpulca.pipeline.run",
    "load_study": "gpulca.study.resolve",
    "resolve_study": "gpulca.study.resolve",
    "ResolvedStudy": "gpulca.study.resolve",
    "Study": "gpulca.schemas.scenario",
    # compare variants
    "compare_study": "gpulca.pipeline.compare",
    "compare_variants": "gpulca.pipeline.compare",
    "load_variants": "gpulca.study.variants",
    # validate files
    "validate_paths": "gpulca.pipeline.validate",
    "ValidationResult": "gpulca.pipeline.validate",
    # ingest cluster logs
    "sacct_activity": "gpulca.ingest",
    "read_sacct": "gpulca.ingest",
    "read_nvidia_smi": "gpulca.ingest",
    "read_dcgm": "gpulca.ingest",
    "read_codecarbon": "gpulca.ingest",
    "load_rules": "gpulca.ingest",
    # result types
    "StudyResult": "gpulca.results.result",
    "ComparisonResult": "gpulca.results.comparison",
    # reports
    "write_workbook": "gpulca.reports.excel",
    "write_charts": "gpulca.reports.charts",
    # the library
    "list_catalogue": "gpulca.library.catalogue",
    "PARAMETERS": "gpulca.core.parameters",
    # errors
    "GpulcaError": "gpulca.core.errors",
    "InputError": "gpulca.core.errors",
    "ProjectError": "gpulca.core.errors",
    "Problem": "gpulca.core.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gpulca' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)


if TYPE_CHECKING:  # for type checkers and editors; not executed
    from gpulca.core.errors import GpulcaError, InputError, Problem, ProjectError
    from gpulca.core.parameters import PARAMETERS
    from gpulca.ingest import (
        load_rules,
        read_codecarbon,
        read_dcgm,
        read_nvidia_smi,
        read_sacct,
        sacct_activity,
    )
    from gpulca.library.catalogue import list_catalogue
    from gpulca.pipeline.compare import compare_study, compare_variants
    from gpulca.pipeline.run import run_resolved, run_study
    from gpulca.pipeline.validate import ValidationResult, validate_paths
    from gpulca.reports.charts import write_charts
    from gpulca.reports.excel import write_workbook
    from gpulca.results.comparison import ComparisonResult
    from gpulca.results.result import StudyResult
    from gpulca.schemas.scenario import Study
    from gpulca.study.resolve import ResolvedStudy, load_study, resolve_study
    from gpulca.study.variants import load_variants
