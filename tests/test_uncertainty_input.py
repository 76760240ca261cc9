"""Bad distributions in a study or an inventory: one located line each, exit 2, nothing
written (checked before any Brightway work)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny"


def _study(tmp_path: Path, pue: str, inventory: str | None = None) -> Path:
    inventories = [str(TINY / "inventory.yaml")]
    if inventory is not None:
        (tmp_path / "extra.yaml").write_text(inventory)
        inventories.append(str(tmp_path / "extra.yaml"))
    text = (TINY / "study.yaml").read_text()
    text = text.replace("inventories: [inventory.yaml]", f"inventories: {inventories}")
    text = text.replace("methods: ../../../methods/default.yaml",
                        f"methods: {TINY.parent.parent.parent / 'methods' / 'default.yaml'}")
    text = text.replace("pue: {value: 1.5, assumption: test fixture}", f"pue: {pue}")
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path


BAD_PUE = {
    "unknown distribution": ("{value: 1.5, assumption: a, uncertainty: {distribution: "
                             "gamma, sd: 1}}", "distribution"),
    "zero sd": ("{value: 1.5, assumption: a, uncertainty: {distribution: normal, sd: 0}}",
                "sd"),
    "gsd 1": ("{value: 1.5, assumption: a, uncertainty: {distribution: lognormal, gsd: 1}}",
              "gsd"),
    "min above max": ("{value: 1.5, assumption: a, uncertainty: {distribution: uniform, "
                      "minimum: 2, maximum: 1}}", "above maximum"),
    "zero spread": ("{value: 1.5, assumption: a, uncertainty: {distribution: triangular, "
                    "minimum: 1.5, maximum: 1.5}}", "zero spread"),
    "mode outside": ("{value: 1.5, assumption: a, uncertainty: {distribution: triangular, "
                     "minimum: 1.1, maximum: 1.4}}", "outside the triangular range"),
}


@pytest.mark.parametrize("name", sorted(BAD_PUE))
def test_bad_study_distribution(tmp_path: Path, name: str) -> None:
    pue, expected = BAD_PUE[name]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(_study(tmp_path, pue)), "--uncertainty",
                                       "10", "-o", str(out), "--data-dir",
                                       str(tmp_path / "bw")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if "study.yaml" in line]
    assert len(lines) == 1 and "site.pue" in lines[0] and expected in lines[0], result.output
    assert "Traceback" not in result.output and not out.exists()


def test_lognormal_on_a_negative_exchange(tmp_path: Path) -> None:
    inventory = """
processes:
  - code: neg
    name: negative
    unit: unit
    reference_product: thing
    assumption: test
    exchanges:
      - {biosphere: {name: "Carbon dioxide, fossil", categories: [air]}, amount: -2,
         unit: kilogram, assumption: test, uncertainty: {distribution: lognormal, gsd: 1.2}}
"""
    path = _study(tmp_path, "{value: 1.5, assumption: a}", inventory)
    result = CliRunner().invoke(main, ["run", str(path), "--uncertainty", "10",
                                       "--data-dir", str(tmp_path / "bw")])
    assert result.exit_code == 2, result.output
    assert "extra.yaml:9" in result.output and "needs a positive value" in result.output


@pytest.mark.parametrize("args", [["--uncertainty", "1"], ["--uncertainty", "10", "--seed",
                                                           "-1"]])
def test_bad_iterations_or_seed(tmp_path: Path, args: list[str]) -> None:
    path = _study(tmp_path, "{value: 1.5, assumption: a}")
    result = CliRunner().invoke(main, ["run", str(path), *args, "--data-dir",
                                       str(tmp_path / "bw")])
    assert result.exit_code == 2, result.output
    assert args[-2] in result.output and "expected" in result.output


def test_an_uncertainty_follows_its_exchange_into_the_flow_unit() -> None:
    """2 L of water, uniform 1 to 3 L, on a flow in cubic meters: 0.001 to 0.003 m3."""
    from gpulca.engine.bundled import bundled_flow_index
    from gpulca.engine.database import brightway_data
    from gpulca.library.inventory import load_library, resolve_library

    inventory = Path(__file__).parent / "fixtures" / "uncertain" / "inventory.yaml"
    library = resolve_library(load_library([inventory]), bundled_flow_index())
    data = brightway_data("db", library)
    water = [e for e in data[("db", "u_grid")]["exchanges"] if e.get("uncertainty type") == 4]
    assert water  # the exchange (and its located water twin, which copies it)
    for exchange in water:
        assert exchange["amount"] == pytest.approx(0.002)
        assert (exchange["minimum"], exchange["maximum"]) == pytest.approx((0.001, 0.003))
