"""gpulca export: bw2io Excel workbooks that re-import into a fresh Brightway project with no
unlinked exchange and the same scores."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from gpulca.engine.export import foreground_data


def test_foreground_has_one_process_per_phase_and_a_total() -> None:
    data = foreground_data("s", "lib", {"a": {"x": 2.0, "y": 0.0}, "b": {"x": 1.0}},
                           {"a": "Phase A"}, "test")
    assert set(data) == {("gpulca-study-s", "a"), ("gpulca-study-s", "b"),
                         ("gpulca-study-s", "total")}
    inputs = [e["input"] for e in data[("gpulca-study-s", "a")]["exchanges"]]
    assert inputs == [("gpulca-study-s", "a"), ("lib", "x")]  # zero amounts left out
    assert data[("gpulca-study-s", "a")]["name"] == "s: Phase A"


def test_export_reimports_with_identical_scores(module_bw: Path, bw_dir: Path, tmp_path: Path,
                                                repo: Path) -> None:
    import bw2calc as bc
    import bw2data as bd
    import bw2io as bi

    from gpulca.io.yamlio import load_yaml
    from gpulca.pipeline.export import export_study
    from gpulca.pipeline.run import run_study
    from gpulca.schemas import parse
    from gpulca.schemas.methods import MethodSet

    study = repo / "scenarios" / "example.yaml"
    expected = run_study(study, data_dir=module_bw).scores.groupby("impact")["score"].sum()
    result = export_study(study, tmp_path / "out", data_dir=module_bw)
    workbooks = [p for p in result.files if p.suffix == ".xlsx"]
    assert [p.name.startswith("lci-") for p in workbooks] == [True] * 3
    water, library, foreground = workbooks
    package = next(p for p in result.files if p.name.endswith(".olca-jsonld.zip"))
    check_olca_package(package)
    fresh = tmp_path / "fresh"
    shutil.copytree(bw_dir, fresh)  # a project with the background only, as `gpulca setup`
    previous_dir, previous_project = Path(bd.projects._base_data_dir), bd.projects.current
    bd.projects.change_base_directories(fresh, project_name="gpulca", update=False)
    try:
        assert not any(d.startswith("gpulca-inventory-") for d in bd.databases)
        for path in (library, foreground):
            importer = bi.ExcelImporter(str(path))
            importer.apply_strategies(verbose=False)
            importer.match_database("biosphere3")
            importer.match_database("gpulca-water-regional", fields=("name", "unit"))
            importer.match_database(fields=("name", "unit", "location"))  # its own processes
            if path == foreground:
                importer.match_database(result.databases[1], fields=("name", "unit", "location"))
            assert importer.statistics(print_stats=False)[2] == 0, path.name
            importer.write_database()
        total = next(a for a in bd.Database(result.databases[2])
                     if a["name"].endswith("whole study"))
        data, lines = load_yaml(repo / "methods" / "default.yaml")
        for category in parse(MethodSet, data, lines).impact_categories:
            lca = bc.LCA({total: 1}, category.method)
            lca.lci()
            lca.lcia()
            assert math.isclose(lca.score, expected[category.id], rel_tol=1e-7), category.id
    finally:
        bd.projects.change_base_directories(previous_dir, project_name=previous_project,
                                            update=False)
    assert water.name == "lci-gpulca-water-regional.xlsx"


def check_olca_package(path: Path) -> None:
    """Read the JSON-LD package back: every exchange names a flow of the package (or a
    biosphere3 elementary flow it carries), one quantitative reference per process, and every
    default provider is a process of the package."""
    from gpulca.engine.olca import read_olca_package

    flows, processes = read_olca_package(path)
    assert len(processes) > 100 and any(p.name.endswith("whole study")
                                        for p in processes.values())
    for process in processes.values():
        exchanges = process.exchanges or []
        assert sum(bool(e.is_quantitative_reference) for e in exchanges) == 1, process.name
        for exchange in exchanges:
            assert exchange.flow.id in flows and exchange.unit is not None
            if exchange.default_provider is not None:
                assert exchange.default_provider.id in processes
