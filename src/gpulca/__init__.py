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
    # uncertainty: Monte Carlo and Sobol sensitivity
    "run_uncertainty": "gpulca.pipeline.uncertainty",
    "compare_uncertainty": "gpulca.pipeline.uncertain_compare",
    "UncertaintyResult": "gpulca.results.uncertainty",
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
    # per unit of service (a study's deployment)
    "service_frame": "gpulca.results.service",
    "traffic_frame": "gpulca.results.service",
    # reports
    "write_workbook": "gpulca.reports.excel",
    "write_charts": "gpulca.reports.charts",
    "write_html": "gpulca.reports.html",
    # the library
    "list_catalogue": "gpulca.library.catalogue",
    "audit_library": "gpulca.pipeline.audit",
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


if TYPE_CHECKING:  # for type checkers and editors; ``name as name`` marks a re-export
    from gpulca.core.errors import GpulcaError as GpulcaError
    from gpulca.core.errors import InputError as InputError
    from gpulca.core.errors import Problem as Problem
    from gpulca.core.errors import ProjectError as ProjectError
    from gpulca.core.parameters import PARAMETERS as PARAMETERS
    from gpulca.ingest import load_rules as load_rules
    from gpulca.ingest import read_codecarbon as read_codecarbon
    from gpulca.ingest import read_dcgm as read_dcgm
    from gpulca.ingest import read_nvidia_smi as read_nvidia_smi
    from gpulca.ingest import read_sacct as read_sacct
    from gpulca.ingest import sacct_activity as sacct_activity
    from gpulca.library.catalogue import list_catalogue as list_catalogue
    from gpulca.pipeline.audit import audit_library as audit_library
    from gpulca.pipeline.compare import compare_study as compare_study
    from gpulca.pipeline.compare import compare_variants as compare_variants
    from gpulca.pipeline.run import run_resolved as run_resolved
    from gpulca.pipeline.run import run_study as run_study
    from gpulca.pipeline.uncertain_compare import compare_uncertainty as compare_uncertainty
    from gpulca.pipeline.uncertainty import run_uncertainty as run_uncertainty
    from gpulca.pipeline.validate import ValidationResult as ValidationResult
    from gpulca.pipeline.validate import validate_paths as validate_paths
    from gpulca.reports.charts import write_charts as write_charts
    from gpulca.reports.excel import write_workbook as write_workbook
    from gpulca.reports.html import write_html as write_html
    from gpulca.results.comparison import ComparisonResult as ComparisonResult
    from gpulca.results.result import StudyResult as StudyResult
    from gpulca.results.service import service_frame as service_frame
    from gpulca.results.service import traffic_frame as traffic_frame
    from gpulca.results.uncertainty import UncertaintyResult as UncertaintyResult
    from gpulca.schemas.scenario import Study as Study
    from gpulca.study.resolve import ResolvedStudy as ResolvedStudy
    from gpulca.study.resolve import load_study as load_study
    from gpulca.study.resolve import resolve_study as resolve_study
    from gpulca.study.variants import load_variants as load_variants
