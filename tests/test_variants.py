"""Variants: order of precedence, the override log, and every bad-input case (no Brightway).

The base study (tests/fixtures/siting/study.yaml, its ``variants:`` block replaced per test)
runs in France at PUE 1.58 and WUE 1.8 L/kWh on H100 nodes, 5-year lifetime. The fixture library
has zones FR, FR-2019, CA-QC, PL, SG, sites test-quebec and test-singapore, and accelerators
h100_sxm_80gb and a100_sxm_80gb.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from gpulca.core.errors import InputError
from gpulca.pipeline.validate import validate_paths
from gpulca.study.variants import load_variants

FIXTURES = Path(__file__).parent / "fixtures" / "siting"
BASE_TEXT = (FIXTURES / "study.yaml").read_text().split("variants:")[0]


def write_study(directory: Path, variants: str, base: str = BASE_TEXT) -> Path:
    """The fixture study with its ``variants:`` block replaced, beside copies of its library."""
    for path in FIXTURES.glob("*.yaml"):
        if path.name != "study.yaml":
            shutil.copy(path, directory / path.name)
    study = directory / "study.yaml"
    study.write_text(base + "variants:\n" + textwrap.indent(textwrap.dedent(variants), "  "))
    return study


def variants_of(tmp_path: Path, block: str) -> dict:
    return load_variants(write_study(tmp_path, block)).variants


def problems_of(tmp_path: Path, block: str) -> list:
    with pytest.raises(InputError) as caught:
        load_variants(write_study(tmp_path, block))
    return caught.value.problems


def line_of(study: Path, text: str) -> int:
    return next(i for i, line in enumerate(study.read_text().splitlines(), 1) if text in line)


# -- precedence -------------------------------------------------------------------------------

def test_parents_apply_in_order_and_the_child_wins(tmp_path: Path) -> None:
    found = variants_of(tmp_path, """
        define:
          a:
            overrides: {site.pue: 1.2, hardware.lifetime: 4 year}
          b:
            overrides: {site.wue: 0.5 L/kWh}
          c:
            inherits: [a, b]
            overrides: {site.pue: 1.3}
        """)
    c = found["c"]
    assert (c.study.site.pue, c.study.site.wue_l_per_kwh) == (1.3, 0.5)
    assert c.study.hardware["h100_sxm_80gb"].lifetime_h == 4 * 8760
    assert [(o.key, o.old, o.new, o.set_by) for o in c.overrides] == [
        ("site.pue", "1.58", "1.2", "a"), ("hardware.lifetime", "5 year", "4 year", "a"),
        ("site.wue", "1.8 L/kWh", "0.5 L/kWh", "b"), ("site.pue", "1.2", "1.3", "c")]
    assert [o.step for o in c.overrides] == [1, 2, 3, 4]


def test_sweep_axis_values_override_the_variant_they_inherit(tmp_path: Path) -> None:
    found = variants_of(tmp_path, """
        define:
          a:
            overrides: {site.pue: 1.2, hardware.lifetime: 4 year}
        sweeps:
          s:
            inherits: a
            axes:
              site.grid_zone: [FR, PL]
              site.pue: [1.1, 1.4]
        """)
    assert list(found) == ["base", "a", "s/FR/1.1", "s/FR/1.4", "s/PL/1.1", "s/PL/1.4"]
    point = found["s/PL/1.4"]
    assert (point.study.site.grid_zone, point.study.site.pue, point.kind) == ("PL", 1.4, "sweep")
    assert point.study.hardware["h100_sxm_80gb"].lifetime_h == 4 * 8760
    assert str(point.overrides[-1]) == "site.pue 1.2 -> 1.4 (set by sweep s)"


def test_library_values_are_the_lowest_layer(tmp_path: Path) -> None:
    found = variants_of(tmp_path, """
        define:
          quebec-site:
            overrides: {site.site: test-quebec}
          quebec-site-pue:
            inherits: quebec-site
            overrides: {site.pue: 1.3}
        """)
    site = found["quebec-site"].study.site
    assert (site.grid_zone, site.pue, site.wue_l_per_kwh) == ("CA-QC", 1.16, 0.34)
    dropped = [str(o) for o in found["quebec-site"].overrides if "dropped" in o.note]
    assert dropped == [f"site.{k} {v} -> (not set) (set by quebec-site; base value dropped: "
                       "site.site test-quebec supplies its own)"
                       for k, v in (("grid_zone", "FR"), ("pue", "1.58"), ("wue", "1.8 L/kWh"))]
    site = found["quebec-site-pue"].study.site
    assert (site.grid_zone, site.pue, site.wue_l_per_kwh) == ("CA-QC", 1.3, 0.34)


def test_log_lists_every_change_with_its_line(tmp_path: Path) -> None:
    study = write_study(tmp_path, """
        define:
          quebec:
            overrides:
              site.grid_zone: CA-QC
              site.pue: {value: 1.10, source: "Google fleet 2023"}
              site.cooling_type: free_air
        """)
    quebec = load_variants(study).variants["quebec"]
    assert [str(o) for o in quebec.overrides] == [
        "site.grid_zone FR -> CA-QC (set by quebec)",
        "site.pue 1.58 -> 1.1 (set by quebec)",
        "site.cooling_type (not set) -> free_air (set by quebec)",
        "site.wue 1.8 L/kWh -> 0.03 L/kWh (set by quebec; site.cooling_type free_air)"]
    assert quebec.overrides[1].origin == f"{study}:{line_of(study, 'site.pue')}"
    assert quebec.study.site.cooling_evaporation_process == "cooling_water_evaporated@CA-QC"


def test_bare_value_is_recorded_as_a_what_if_assumption(tmp_path: Path) -> None:
    found = variants_of(tmp_path, "define:\n  a:\n    overrides: {site.pue: 1.2}\n")
    record = next(a for a in found["a"].study.assumptions if a.key == "site.pue")
    assert record.value == 1.2
    assert record.source == "assumption: what-if value set by a (no source given)"
    assert record.quality == "assumption"


def test_variant_equal_to_the_base_resolves_equal(tmp_path: Path) -> None:
    found = variants_of(tmp_path, """
        define:
          same:
            overrides:
              site.grid_zone: FR
              site.pue: {value: 1.58, source: "Uptime Institute 2023 industry average"}
              hardware.accelerator: h100_sxm_80gb
        """)
    base, same = found["base"].study, found["same"].study
    assert same.site == base.site and same.hardware == base.hardware
    assert same.rows == base.rows


def test_shorthands_grid_year_and_gpu_hours_scale(tmp_path: Path) -> None:
    found = variants_of(tmp_path, """
        define:
          old-grid:
            overrides: {site.grid_year: 2019}
          a100:
            overrides:
              hardware.accelerator: a100_sxm_80gb
              activity.gpu_hours_scale: {value: 2.5, source: "test"}
        """)
    assert found["old-grid"].study.site.grid_zone == "FR-2019"
    a100 = found["a100"]
    assert [r.gpu_hours for r in a100.study.rows] == [100000.0, 30000.0]
    assert a100.study.hardware["a100_sxm_80gb"].gpu_power_w == 400.0
    assert a100.gpu_hours_scale == 2.5


def test_study_without_variants_is_the_base_only(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    write_study(tmp_path, "define: {a: {overrides: {site.pue: 1.2}}}\n")
    study.write_text(BASE_TEXT)
    assert list(load_variants(study).variants) == ["base"]


# -- bad input: located problems ----------------------------------------------------------------

BAD_INPUTS = [
    ("unknown zone", "define:\n  x:\n    overrides: {site.grid_zone: CA-QQ}\n",
     "in variant x: unknown grid zone; did you mean CA-QC", "site.grid_zone: CA-QQ"),
    ("unknown accelerator", "define:\n  x:\n    overrides: {hardware.accelerator: h100_sxm_80g}\n",
     "unknown accelerator; did you mean h100_sxm_80gb", "hardware.accelerator"),
    ("unknown key", "define:\n  x:\n    overrides: {site.peu: 1.2}\n",
     "no such override key; did you mean site.pue", "site.peu"),
    ("part of a value", "define:\n  x:\n    overrides: {site.pue.value: 1.2}\n",
     "override a whole value", "site.pue.value"),
    ("conflicting parents", "define:\n  a: {overrides: {site.pue: 1.2}}\n  b: {overrides: "
     "{site.pue: 1.3}}\n  c:\n    inherits: [a, b]\n", "conflicting overrides: parents a and b "
     "set site.pue to 1.2 and 1.3", "inherits: [a, b]"),
    ("shorthand and key", "define:\n  x:\n    overrides:\n      site.cooling_type: free_air\n"
     "      site.wue: 1 L/kWh\n", "conflicting overrides: site.cooling_type sets site.wue",
     "site.cooling_type"),
    ("cycle", "define:\n  a: {inherits: b}\n  b: {inherits: a}\n",
     "inheritance cycle: a -> b -> a", "b: {inherits: a}"),
    ("unknown parent", "define:\n  quebec: {overrides: {site.pue: 1.2}}\n  x: {inherits: "
     "quebek}\n", "unknown variant; did you mean quebec", "inherits: quebek"),
    ("empty sweep axis", "sweeps:\n  s:\n    axes: {site.pue: []}\n",
     "empty sweep: axis site.pue has no values", "axes:"),
    ("sweep without axes", "sweeps:\n  s:\n    axes: {}\n", "empty sweep", "axes:"),
    ("empty variants", "{}\n", "no variants", "variants:"),
    ("out of range in a sweep", "sweeps:\n  s:\n    axes:\n      site.pue: [1.2, 3.5]\n",
     "got 3.5; in variant s/3.5: out of range: PUE must be from 1 to 3",
     "site.pue: [1.2, 3.5]"),
    ("grid year out of range", "define:\n  x:\n    overrides: {site.grid_year: 1850}\n",
     "in variant x: out of range: Grid data year must be from 1900 to 2100", "site.grid_year"),
    ("grid year not a year", "define:\n  x:\n    overrides: {site.grid_year: recent}\n",
     "got 'recent'; in variant x: expected a year such as 2023", "site.grid_year"),
    ("non-positive GPU-hour scale",
     "define:\n  x:\n    overrides: {activity.gpu_hours_scale: 0}\n",
     "in variant x: out of range: GPU-hour scale must be above 0", "activity.gpu_hours_scale"),
    ("GPU-hour scale with a unit",
     "define:\n  x:\n    overrides: {activity.gpu_hours_scale: 2 kg}\n",
     "expected a number", "activity.gpu_hours_scale"),
    ("unknown cooling type", "define:\n  x:\n    overrides: {site.cooling_type: free-air}\n",
     "unknown cooling type; did you mean free_air", "site.cooling_type"),
    ("grid year without data", "define:\n  x:\n    overrides: {site.grid_year: 2015}\n",
     "no grid data for zone FR in 2015; available: 2019 (FR-2019), 2023 (FR)",
     "site.grid_year"),
    ("reserved name", "define:\n  base: {overrides: {site.pue: 1.2}}\n", "'base' is reserved",
     "base:"),
    ("duplicate axis value", "sweeps:\n  s:\n    axes:\n      site.pue: [1.2, 1.2]\n",
     "duplicate value in sweep axis", "site.pue: [1.2, 1.2]"),
    ("unknown baseline", "baseline: quebek\ndefine:\n  quebec: {overrides: {site.pue: 1.2}}\n",
     "no such variant; did you mean quebec", "baseline: quebek"),
    ("a missing required value", "define:\n  x:\n    overrides: {hardware.lifetime: null}\n",
     "in variant x: required key is missing", "hardware.lifetime"),
]


@pytest.mark.parametrize(("block", "message", "line_text"),
                         [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_a_located_problem(tmp_path: Path, block: str, message: str,
                                        line_text: str) -> None:
    problems = problems_of(tmp_path, block)
    study = tmp_path / "study.yaml"
    matching = [p for p in problems if message in str(p)]
    assert matching, [str(p) for p in problems]
    assert matching[0].file == str(study)
    assert matching[0].line == line_of(study, line_text), str(matching[0])


def test_problems_shared_by_sweep_points_are_reported_once(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [XX, PL]
              site.pue: [1.1, 1.2, 1.3, 1.4]
        """)
    assert len(problems) == 1
    assert str(problems[0]).count("unknown grid zone") == 1
    assert "in variants s/XX/1.1, s/XX/1.2, s/XX/1.3 and 1 more" in str(problems[0])


def test_a_key_the_table_keeps_from_sweeps_is_refused_in_a_sweep(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Variants and sweeps set only the keys the parameter table lets them set."""
    import dataclasses
    import importlib

    expand_module = importlib.import_module("gpulca.study.variants.expand")

    table = dict(expand_module.PARAMETERS)
    table["site.pue"] = dataclasses.replace(table["site.pue"], settable=("study", "variant"))
    monkeypatch.setattr(expand_module, "PARAMETERS", table)
    problems = problems_of(tmp_path, "define:\n  x:\n    overrides: {site.pue: 1.2}\n"
                           "sweeps:\n  s:\n    axes: {site.pue: [1.1, 1.3]}\n")
    assert [p.message for p in problems] == [
        "a sweep may not set site.pue; it may be set in: study, variant"]
    assert problems[0].line == line_of(tmp_path / "study.yaml", "axes: {site.pue")


def test_gpu_hours_scale_refuses_measured_energy(tmp_path: Path) -> None:
    base = BASE_TEXT.replace("{phase: final_training, gpu_hours: 12000}",
                             "{phase: final_training, gpu_hours: 12000, it_energy: 8000 kWh}")
    study = write_study(tmp_path, "define:\n  x:\n    overrides: {activity.gpu_hours_scale: 2}\n",
                        base)
    with pytest.raises(InputError, match="activity row 2 has a measured it_energy"):
        load_variants(study)


def test_validate_reports_a_bad_variant(tmp_path: Path) -> None:
    study = write_study(tmp_path, "define:\n  x:\n    overrides: {site.grid_zone: CA-QQ}\n")
    result = validate_paths([study])
    assert [p.line for p in result.report] == [line_of(study, "CA-QQ")]
    assert "in variant x: unknown grid zone" in str(result.report.problems[0])
