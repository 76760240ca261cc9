"""``gpulca export``: a study's whole inventory for other LCA tools (bw2io Excel workbooks and
an openLCA JSON-LD package)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from gpulca.engine.export import (
    excel_workbooks,
    export_databases,
    foreground_data,
    write_foreground,
)
from gpulca.engine.gateway import open_session
from gpulca.engine.olca import write_olca_package
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.io.atomic import write_files
from gpulca.model.translate import phase_demands
from gpulca.pipeline.run import activity_quantities
from gpulca.study.resolve import load_study


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_study` wrote, and the databases it holds (in import order)."""

    files: list[Path]
    databases: list[str]
    project: str
    data_dir: Path


def phase_totals(demands: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """``{phase: {code: amount}}``: every stage of a phase summed."""
    out: dict[str, dict[str, float]] = {}
    for phase, stages in demands.items():
        total = out.setdefault(phase, {})
        for demand in stages.values():
            for code, amount in demand.items():
                total[code] = total.get(code, 0.0) + amount
    return out


def export_study(path: str | Path, directory: str | Path, data_dir: str | Path | None = None,
                 project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None
                 ) -> ExportResult:
    """Write the study's foreground, library and regional water as bw2io Excel workbooks, and
    the foreground and library as an openLCA JSON-LD package, into ``directory`` (all or
    nothing)."""
    study = load_study(path)
    demands = phase_totals(phase_demands(activity_quantities(study)))
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(study.library, study.methods, str(study.methods_file))
        data = foreground_data(study.name, prepared.database, demands, study.phases,
                               f"gpulca study {study.file}")
        foreground = write_foreground(session.bd, study.name, data)
        databases = export_databases(prepared.database, foreground)
        files = excel_workbooks(session.bd, databases)
        with tempfile.TemporaryDirectory() as folder:
            package = write_olca_package(session.bd, databases[1:],
                                         Path(folder) / f"{study.name}.olca-jsonld.zip")
            files[package.name] = package.read_bytes()
        data_dir_used = session.data_dir
    return ExportResult(write_files(directory, files), databases, project, data_dir_used)
