"""The shared validation of a sweep's values (``ResolutionCache``), and a site-only variant built
from the resolved base (``resolve_site_change``), resolve every variant exactly as resolving it
alone does: the same resolved study and override log, or the same located problems (file, key
path, line, value, message)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpulca.core.errors import InputError
from gpulca.study.resolve import load_study_inputs, resolve_parsed
from gpulca.study.variants import ResolutionCache, expand, load_variants, resolve_plan
from gpulca.study.variants.apply import _frozen
from tests.test_variants import write_study

REPO = Path(__file__).resolve().parents[2]


def _outcome(resolve: Any) -> Any:
    try:
        return resolve()
    except InputError as exc:
        return ("problems", exc.problems)


def assert_cache_changes_nothing(path: Path) -> int:
    """Resolve every variant of ``path`` alone and with one shared cache; return how many."""
    inputs = load_study_inputs(path)
    assert inputs.study.variants is not None
    plans = expand(inputs.study.variants, inputs.lines)
    base = resolve_plan(inputs, plans[0])
    cache = ResolutionCache(inputs, base.study)  # a site-only variant: from the base's parts
    for plan in plans[1:]:
        alone = _outcome(lambda p=plan: resolve_plan(inputs, p, base.study.input_files))
        shared = _outcome(lambda p=plan: resolve_plan(inputs, p, base.study.input_files,
                                                      cache))
        assert shared == alone, plan.name
    return len(plans)


def test_shipped_siting_study_resolves_the_same() -> None:
    count = assert_cache_changes_nothing(REPO / "scenarios" / "siting-study.yaml")
    assert count > 10
    variants = load_variants(REPO / "scenarios" / "siting-study.yaml").variants
    assert len(variants) == count


def test_fixture_study_resolves_the_same() -> None:
    assert_cache_changes_nothing(REPO / "tests" / "fixtures" / "siting" / "study.yaml")


def test_a_value_is_validated_once_per_distinct_value(tmp_path: Path) -> None:
    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, PL, CA-QC]
              site.wue: [0.5 L/kWh, 1 L/kWh]
    """)
    inputs = load_study_inputs(study)
    assert inputs.study.variants is not None
    plans = expand(inputs.study.variants, inputs.lines)
    cache = ResolutionCache(inputs)
    resolved = [resolve_plan(inputs, p, None, cache) for p in plans[1:]]
    wue = {id(r.study.study.site.wue) for r in resolved}
    assert len(wue) == 2  # one validated sourced value per distinct WUE, shared
    hardware = {id(r.study.study.hardware) for r in resolved}
    assert len(hardware) == 1  # the base hardware section, validated once


def test_a_site_only_variant_is_built_from_the_base(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Site-only variants resolve their site part alone; one changing the hardware (or a
    practice shorthand) is resolved in full."""
    import gpulca.study.variants.apply as apply

    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, PL]
              site.wue: [0.5 L/kWh, 1 L/kWh]
        define:
          long-life:
            overrides: {hardware.lifetime: 8 year}
          quebec-site:
            overrides: {site.site: test-quebec}
    """)
    full: list[str] = []

    def counted(study: Any, *args: Any, **kwargs: Any) -> Any:
        full.append(study.name)
        return resolve_parsed(study, *args, **kwargs)

    monkeypatch.setattr(apply, "resolve_parsed", counted)
    variants = load_variants(study).variants
    assert len(variants) == 7 and len(full) == 2  # the base and long-life
    monkeypatch.undo()
    assert_cache_changes_nothing(study)


def test_frozen_keeps_yaml_types_apart() -> None:
    keys = [_frozen(v) for v in (1, 1.0, True, "1", [1], {"value": 1}, {"value": 1.0},
                                 0.0, -0.0, None)]
    assert len(set(keys)) == len(keys)
    assert _frozen({"a": object()}) is None


ZONES = st.sampled_from(["FR", "PL", "CA-QC", "SG", "FR-2019", "XX", "fr"])
PUES = st.one_of(st.floats(0.5, 3.5).map(lambda v: round(v, 3)), st.sampled_from([1, True]),
                 st.just({"value": 1.2, "source": "s"}),
                 st.just({"value": 1.2, "assumption": "a",
                          "uncertainty": {"distribution": "normal", "sd": 0.1}}),
                 st.just({"value": 1.2, "source": "s",
                          "uncertainty": {"distribution": "uniform", "minimum": 2,
                                          "maximum": 3}}))
WUES = st.one_of(st.sampled_from(["0.5 L/kWh", "1 L/kWh", "2 m3/MWh", "1 kg", "abc", "-1 L/kWh"]),
                 st.floats(0, 3).map(lambda v: f"{round(v, 2)} L/kWh"))
LIFETIMES = st.sampled_from(["5 year", "8 year", "3 h", {"value": "6 year", "source": "s"}, 0])


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(zones=st.lists(ZONES, min_size=1, max_size=3, unique=True),
       pues=st.lists(PUES, min_size=1, max_size=3, unique_by=lambda v: json.dumps(v)),
       wues=st.lists(WUES, min_size=1, max_size=3, unique=True),
       lifetimes=st.lists(LIFETIMES, min_size=0, max_size=2, unique_by=lambda v: json.dumps(v)))
def test_generated_sweep_resolves_the_same(zones: list[str], pues: list[Any],
                                           wues: list[str], lifetimes: list[Any]) -> None:
    axes = {"site.grid_zone": zones, "site.pue": pues, "site.wue": wues,
            "hardware.lifetime": lifetimes}  # without lifetimes: site-only variants
    axes = {key: values for key, values in axes.items() if values}
    block = "sweeps:\n  s:\n    axes:\n" + "".join(
        f"      {key}: {json.dumps(values)}\n" for key, values in axes.items())
    with tempfile.TemporaryDirectory() as folder:
        study = write_study(Path(folder), block)
        try:
            assert_cache_changes_nothing(study)
        except InputError:
            pass  # refused before resolution (e.g. duplicate axis labels): same either way
