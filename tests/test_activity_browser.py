"""What Activity Browser (or any Brightway 2.5 tool) sees: the gpulca project opened with plain
bw2data, without gpulca, holds every database, and every process carries its provenance
(docs/activity-browser.md)."""

from __future__ import annotations

from pathlib import Path


def test_plain_bw2data_finds_every_database_and_provenance(bw_shipped_dir: Path) -> None:
    import bw2data as bd

    previous_dir, previous_project = Path(bd.projects._base_data_dir), bd.projects.current
    bd.projects.change_base_directories(bw_shipped_dir, project_name="gpulca", update=False)
    try:
        assert "gpulca" in {p.name for p in bd.projects}
        names = set(bd.databases)
        inventories = [n for n in names if n.startswith("gpulca-inventory-")]
        assert "biosphere3" in names and "gpulca-water-regional" in names
        assert len(inventories) == 1
        processes = list(bd.Database(inventories[0]))
        assert len(processes) > 100
        missing = [p["code"] for p in processes
                   if not (p.get("gpulca_source") or p.get("gpulca_assumption"))]
        assert missing == []
        assert all(p.get("gpulca_file") for p in processes)
        # every process's (the database's order is not gpulca's: the first 20 once had none)
        exchanges = [e for p in processes for e in p.technosphere()]
        assert exchanges and all(e.get("gpulca_source") or e.get("gpulca_assumption")
                                 for e in exchanges)
        assert len(bd.Database("gpulca-water-regional")) > 0
        assert any(m[0] == "IPCC 2021" for m in bd.methods)
    finally:
        bd.projects.change_base_directories(previous_dir, project_name=previous_project,
                                            update=False)
