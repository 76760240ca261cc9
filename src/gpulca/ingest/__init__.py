"""Activity data from cluster logs and energy measurements.

- :func:`load_activity`: a study's activity rows from inline rows, an activity CSV or raw sacct
  logs with tagging rules, with measured energy attached to phases (what the study loader calls).
- :func:`sacct_activity`: sacct exports + rules -> activity rows and an :class:`IngestSummary`.
- :mod:`gpulca.ingest.energy`: nvidia-smi, DCGM and CodeCarbon readers.
- :func:`attach_energy`: set a phase's measured IT energy on its rows.
- :func:`sacct_activity_streaming` (bounded memory) and :func:`sacct_activity_distributed`
  (Dask): the same totals as :func:`sacct_activity`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpulca.ingest.dcgm import read_dcgm
    from gpulca.ingest.distributed import sacct_activity_distributed
    from gpulca.ingest.energy import (
        EnergyMeasurement,
        read_codecarbon,
    )
    from gpulca.ingest.loader import activity_files, activity_phases, attach_energy, load_activity
    from gpulca.ingest.nvidia_smi import read_nvidia_smi
    from gpulca.ingest.rules import Rules, load_rules
    from gpulca.ingest.sacct import SacctJobs, read_sacct
    from gpulca.ingest.streaming import sacct_activity_streaming
    from gpulca.ingest.summary import IngestSummary, SacctActivity, sacct_activity

_EXPORTS = {
    "read_dcgm": "dcgm", "sacct_activity_distributed": "distributed",
    "EnergyMeasurement": "energy", "read_codecarbon": "energy", "activity_files": "loader",
    "activity_phases": "loader", "attach_energy": "loader", "load_activity": "loader",
    "read_nvidia_smi": "nvidia_smi", "Rules": "rules", "load_rules": "rules",
    "SacctJobs": "sacct", "read_sacct": "sacct", "sacct_activity_streaming": "streaming",
    "IngestSummary": "summary", "SacctActivity": "summary", "sacct_activity": "summary",
}
"""Where each name of the package is defined: imported when first used (a study reading an
activity CSV does not import the sacct, rules and energy readers)."""

__all__ = [
    "EnergyMeasurement", "IngestSummary", "Rules", "SacctActivity", "SacctJobs",
    "activity_files", "activity_phases", "attach_energy", "load_activity", "load_rules",
    "read_codecarbon", "read_dcgm", "read_nvidia_smi", "read_sacct", "sacct_activity",
    "sacct_activity_distributed", "sacct_activity_streaming",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
