"""Export a study's whole inventory in bw2io's Excel format: its foreground (one process per
research phase, and the study's total), the library database it runs against and the regional
water flows. Each database is one workbook (``lci-<database>.xlsx``, bw2io's
``write_lci_excel``), importable with ``bw2io.ExcelImporter`` into any Brightway 2.5 project that
has ``biosphere3`` (import the water flows first, then the library, then the foreground).

bw2io writes every text cell as a string (never as a formula), so nothing a user typed can run.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from gpulca.engine.project import BUILT_BY_GPULCA, check_project_name
from gpulca.engine.regional import REGIONAL_DATABASE

FOREGROUND_PREFIX = "gpulca-study-"
TOTAL_CODE = "total"


def foreground_name(study: str) -> str:
    """The database holding a study's foreground."""
    return f"{FOREGROUND_PREFIX}{study}"


def foreground_data(study: str, library: str, phases: Mapping[str, Mapping[str, float]],
                    labels: Mapping[str, str], source: str) -> dict[tuple[str, str], Any]:
    """The ``Database.write`` payload of a study's foreground (pure): one process per phase
    whose inputs are the phase's demand on the library (every stage summed), and a total with
    one unit of each phase."""
    name = foreground_name(study)
    data: dict[tuple[str, str], Any] = {}
    for phase, demand in phases.items():
        exchanges: list[dict[str, Any]] = [
            {"input": (name, phase), "amount": 1.0, "type": "production", "unit": "unit"}]
        exchanges += [{"input": (library, code), "amount": float(amount),
                       "type": "technosphere"} for code, amount in sorted(demand.items())
                      if amount]
        data[(name, phase)] = {"name": f"{study}: {labels.get(phase, phase)}",
                               "reference product": f"research phase {phase}", "unit": "unit",
                               "location": "GLO", "type": "process", "exchanges": exchanges,
                               "gpulca_source": source, "gpulca_phase": phase}
    data[(name, TOTAL_CODE)] = {
        "name": f"{study}: whole study", "reference product": "research project",
        "unit": "unit", "location": "GLO", "type": "process", "gpulca_source": source,
        "exchanges": [{"input": (name, TOTAL_CODE), "amount": 1.0, "type": "production",
                       "unit": "unit"}] +
                     [{"input": (name, phase), "amount": 1.0, "type": "technosphere"}
                      for phase in phases]}
    return data


def write_foreground(bd: ModuleType, study: str, data: dict[tuple[str, str], Any]) -> str:
    """(Re)write the study's foreground database in the current gpulca project."""
    check_project_name(bd.projects.current)
    name = foreground_name(study)
    with contextlib.redirect_stdout(sys.stderr):
        database = bd.Database(name)
        database.register(**{BUILT_BY_GPULCA: True,
                             "description": f"gpulca study {study}: one process per phase"})
        database.write(data)
    return name


def excel_workbooks(bd: ModuleType, databases: list[str]) -> dict[str, bytes]:
    """bw2io's Excel export of each database: ``{file name: content}``."""
    from bw2io.export.excel import write_lci_excel

    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(sys.stderr):
        for database in databases:
            path = Path(write_lci_excel(database, dirpath=folder))
            files[path.name] = path.read_bytes()
    return files


def export_databases(library: str, foreground: str) -> list[str]:
    """The databases of a study's export, in import order."""
    return [REGIONAL_DATABASE, library, foreground]
