"""Water withdrawal beside consumption: on site from the site's withdrawal WUE, off site from
the electricity processes, and never silently equal to consumption."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpulca.library.water import WITHDRAWAL_FLOWS, withdrawal_gaps, withdrawal_is_consumption
from gpulca.study.resolve import load_study


def test_withdrawal_flows_are_fresh_water_resources(shipped_library) -> None:  # type: ignore[no-untyped-def]
    flows = shipped_library.flows
    for code, _ in WITHDRAWAL_FLOWS:
        flow = flows.by_code[code]
        assert flow.name.startswith("Water") and flow.categories[0] == "natural resource"
        assert "salt" not in flow.name and "turbine" not in flow.name


def test_grid_water_from_consumption_only_is_flagged(shipped_library) -> None:  # type: ignore[no-untyped-def]
    assert withdrawal_is_consumption(shipped_library, "electricity_fr")
    assert not withdrawal_is_consumption(shipped_library, "cooling_water_returned")


def test_manufacturing_without_withdrawal_is_found(shipped_library) -> None:  # type: ignore[no-untyped-def]
    """The ADEME/Hubblo card data carry water evaporated (from a scarcity figure) and no
    withdrawal: found through the card's technosphere inputs, so a run can say that its
    withdrawal total is a lower bound (it was below consumption for moshi-like, unexplained)."""
    gaps = withdrawal_gaps(shipped_library, ["gpu_h100_sxm_80gb_manufacturing"])
    assert "gpu_parametric_die" in gaps
    assert withdrawal_gaps(shipped_library, ["cooling_water_returned"]) == []


def test_site_withdrawal_goes_with_the_site_wue(repo: Path, tmp_path: Path) -> None:
    """industry_average: 1.8 L/kWh evaporated, 2.25 withdrawn (COC 5); a study that sets its
    own WUE and no withdrawal withdraws what it consumes (not the site's stale 2.25)."""
    study = load_study(repo / "scenarios" / "example.yaml")
    assert study.site.wue_l_per_kwh == pytest.approx(1.8)
    assert study.site.wue_withdrawal_l_per_kwh == pytest.approx(2.25)
    text = (repo / "scenarios" / "example.yaml").read_text()
    own = tmp_path / "own-wue.yaml"
    own.write_text(text.replace("site: industry_average",
                                "site: industry_average\n  wue: {value: 3 L/kWh, assumption: t}"))
    resolved = load_study(own)
    assert resolved.site.wue_withdrawal_l_per_kwh == pytest.approx(3.0)


def test_run_reports_withdrawal_on_and_off_site(module_bw: Path, repo: Path) -> None:
    from gpulca.pipeline.run import run_study

    result = run_study(repo / "scenarios" / "example.yaml", data_dir=module_bw)
    frame = result.scores[result.scores["impact"] == "water_withdrawal"]
    by_stage = frame.groupby("stage")["score"].sum()
    it_kwh = float(result.audit["it_energy_kwh"].sum())
    assert by_stage["cooling_water"] == pytest.approx(it_kwh * 2.25 / 1000, rel=1e-6)
    consumption = result.scores[(result.scores["impact"] == "water_consumption")
                                & (result.scores["stage"] == "cooling_water")]["score"].sum()
    assert consumption == pytest.approx(it_kwh * 1.8 / 1000, rel=1e-6)
    assert by_stage["electricity"] > 0
    assert any("off-site" in w and "electricity_fr" in w for w in result.warnings)
