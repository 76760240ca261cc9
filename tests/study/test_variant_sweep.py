"""A site-only sweep resolved axis by axis (``gpulca.study.variants.sweep``) gives every point
exactly what resolving it alone gives: its name, override log, validated study, resolved site,
assumption records and warnings, or the same located problems; sweeps the path does not take
are resolved point by point."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpulca.core.errors import InputError
from gpulca.study.variants import VariantStudy, load_variants
from gpulca.study.variants import apply as apply_module
from gpulca.study.variants.sweep import sweep_axes
from tests.test_variants import BASE_TEXT, line_of, write_study

REPO = Path(__file__).resolve().parents[2]
SHARED = ("library", "methods")  # loaded anew by each load_variants: the same content


def _loaded(study: Path, columnar: bool) -> Any:
    try:
        return load_variants(study, columnar=columnar)
    except InputError as exc:
        return ("problems", exc.problems)


def _fields(variants: VariantStudy) -> dict[str, Any]:
    out = {}
    for name, variant in variants.variants.items():
        resolved = variant.study
        assert resolved.library is variants.base.study.library
        out[name] = ({f.name: getattr(variant, f.name) for f in dataclasses.fields(variant)
                      if f.name != "study"},
                     {f.name: getattr(resolved, f.name) for f in dataclasses.fields(resolved)
                      if f.compare and f.name not in SHARED})
    return out


def assert_same_either_way(study: Path) -> Any:
    """Load ``study`` with and without the axis-by-axis path; both give the same."""
    fast, alone = _loaded(study, True), _loaded(study, False)
    if isinstance(fast, tuple) or isinstance(alone, tuple):
        assert fast == alone
        return fast
    assert list(fast.variants) == list(alone.variants)
    assert _fields(fast) == _fields(alone)
    return fast


def _count_resolutions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = apply_module.resolve_plan

    def counting(inputs: Any, plan: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(plan.name)
        return real(inputs, plan, *args, **kwargs)

    monkeypatch.setattr(apply_module, "resolve_plan", counting)
    return calls


def test_a_site_sweep_is_resolved_once_per_axis_value(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, PL, CA-QC, SG, FR-2019]
              site.pue: [1.1, 1.3, 1.5, {value: 1.7, source: "a survey"}]
              site.wue: [0 L/kWh, 0.5 L/kWh, 1.2 L/kWh]
    """)
    variants = assert_same_either_way(study)
    assert len(variants.variants) == 1 + 5 * 4 * 3
    calls = _count_resolutions(monkeypatch)
    load_variants(study)
    assert len(calls) == 1 + 5 + 3 + 2  # the base, then each axis value's representative
    point = variants.variants["s/PL/1.3/1.2 L/kWh"]
    assert point.study.site.grid_zone == "PL" and point.study.site.pue == 1.3
    assert [str(o) for o in point.overrides] == [
        "site.grid_zone FR -> PL (set by sweep s)", "site.pue 1.58 -> 1.3 (set by sweep s)",
        "site.wue 1.8 L/kWh -> 1.2 L/kWh (set by sweep s)"]
    assert {o.variant for o in point.overrides} == {"s/PL/1.3/1.2 L/kWh"}


def test_the_bench_sweep_and_shipped_studies_resolve_the_same() -> None:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from bench_siting import sweep_study

    with tempfile.TemporaryDirectory() as folder:
        variants = assert_same_either_way(sweep_study(Path(folder), 500))
        assert len(variants.variants) == 501
    for study in ("scenarios/siting-study.yaml", "tests/fixtures/siting/study.yaml"):
        assert_same_either_way(REPO / study)


def test_a_bad_axis_value_is_reported_as_before(tmp_path: Path) -> None:
    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, XX]
              site.pue: [1.2, 0.5]
    """)
    outcome = assert_same_either_way(study)
    assert outcome[0] == "problems"
    found = {(p.path, p.line): p.message for p in outcome[1]}
    assert ("variants.sweeps.s.axes.site.grid_zone[1]", line_of(study, "grid_zone: [FR")) \
        in found
    assert ("variants.sweeps.s.axes.site.pue[1].value", line_of(study, "pue: [1.2")) in found
    assert all("in variants s/" in message for message in found.values())


@pytest.mark.parametrize("block, base", [
    ("sweeps:\n  s:\n    axes:\n      site.pue: [1.1, 1.2]\n      hardware.lifetime: [5 year, "
     "6 year]\n", BASE_TEXT),  # a hardware axis
    ("define:\n  hot: {overrides: {site.pue: 1.4}}\nsweeps:\n  s:\n    inherits: [hot]\n"
     "    axes:\n      site.wue: [0.1 L/kWh, 0.2 L/kWh]\n", BASE_TEXT),  # inherited layers
    ("sweeps:\n  s:\n    axes:\n      site.grid_zone: [FR, PL]\n      site.pue: [1.1, 1.2]\n",
     BASE_TEXT.replace("site:\n", "site:\n  wue_withdrawal: {value: 3 L/kWh, source: w}\n",
                       1)),  # a withdrawal in the base
    ("sweeps:\n  s:\n    axes:\n      site.cooling_type: [free_air, evaporative]\n      "
     "site.pue: [1.1, 1.2]\n", BASE_TEXT),  # a shorthand
    ("sweeps:\n  s:\n    axes:\n      site.grid_year: [2019, 2023]\n      "
     "site.pue: [1.1, 1.2]\n", BASE_TEXT),  # a shorthand acting after the document
])
def test_sweeps_the_path_does_not_take_resolve_point_by_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: str, base: str) -> None:
    study = write_study(tmp_path, block, base)
    outcome = assert_same_either_way(study)
    if isinstance(outcome, VariantStudy):
        calls = _count_resolutions(monkeypatch)
        load_variants(study)
        assert len(calls) >= len(outcome.variants)  # every point resolved alone


def test_sweep_axes_need_every_combination_once(tmp_path: Path) -> None:
    from gpulca.study.resolve import load_study_inputs
    from gpulca.study.variants import expand

    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, PL]
              site.pue: [1.1, 1.2, 1.3]
    """)
    inputs = load_study_inputs(study)
    assert inputs.study.variants is not None
    plans = expand(inputs.study.variants, inputs.lines)[1:]
    axes = sweep_axes(plans)
    assert axes is not None and [(a.key, a.size) for a in axes] == [
        ("site.grid_zone", 2), ("site.pue", 3)]
    assert sweep_axes(plans[:-1]) is None  # a point missing
    assert sweep_axes(plans + plans[:1]) is None  # a point twice


ZONES = st.sampled_from(["FR", "PL", "CA-QC", "SG", "FR-2019", "XX", "fr"])
PUES = st.one_of(st.floats(0.5, 3.5).map(lambda v: round(v, 3)), st.sampled_from([1, True]),
                 st.just({"value": 1.2, "source": "s"}),
                 st.just({"value": 1.2, "assumption": "a",
                          "uncertainty": {"distribution": "normal", "sd": 0.1}}))
WUES = st.one_of(st.sampled_from(["0.5 L/kWh", "1 L/kWh", "2 m3/MWh", "1 kg", "abc",
                                  "-1 L/kWh", "0 L/kWh"]),
                 st.floats(0, 3).map(lambda v: f"{round(v, 2)} L/kWh"))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(zones=st.lists(ZONES, min_size=0, max_size=3, unique=True),
       pues=st.lists(PUES, min_size=0, max_size=3, unique_by=lambda v: json.dumps(v)),
       wues=st.lists(WUES, min_size=0, max_size=3, unique=True),
       order=st.permutations(["site.grid_zone", "site.pue", "site.wue"]))
def test_generated_site_sweeps_resolve_the_same(zones: list[str], pues: list[Any],
                                                wues: list[str], order: list[str]) -> None:
    values = {"site.grid_zone": zones, "site.pue": pues, "site.wue": wues}
    axes = {key: values[key] for key in order if values[key]}
    if not axes:
        return
    block = "sweeps:\n  s:\n    axes:\n" + "".join(
        f"      {key}: {json.dumps(v)}\n" for key, v in axes.items())
    with tempfile.TemporaryDirectory() as folder:
        assert_same_either_way(write_study(Path(folder), block))


@pytest.mark.parametrize("axes", [
    {"site.grid_zone": ["FR", "PL"], "site.pue": [1.1, {"value": 1.2, "source": "s"}],
     "site.wue": ["0.5 L/kWh"]},
    {"hardware.lifetime": ["5 year", "6 year"], "site.grid_year": [2019, 2023],
     "activity.gpu_hours_scale": [0.5, 2]},
])
def test_a_sweep_expands_as_point_by_point(tmp_path: Path, axes: dict[str, list[Any]]) -> None:
    """Each axis value's setting made once gives the plans building each point's layer did."""
    from gpulca.study.resolve import load_study_inputs
    from gpulca.study.variants.expand import _Expander

    block = "sweeps:\n  s:\n    axes:\n" + "".join(
        f"      {key}: {json.dumps(values)}\n" for key, values in axes.items())
    inputs = load_study_inputs(write_study(tmp_path, block))
    spec = inputs.study.variants
    assert spec is not None
    expander = _Expander(spec, inputs.lines)
    assert expander.sweep("s", spec.sweeps["s"]) == \
        expander.sweep_points("s", spec.sweeps["s"], ())
