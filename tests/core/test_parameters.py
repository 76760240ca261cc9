"""The parameter table: its declarations, its one range message, its parser, and that the
schemas, the variant rules and the generated docs agree with it (no Brightway)."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpulca.core.parameters import (
    PARAMETERS,
    WHERE_ORDER,
    Parameter,
    canonical_value,
    catalogue_parameters,
    catalogue_switches,
    check_range,
    display_value,
    in_range,
    override_keys,
)
from gpulca.core.units import UnitProblem, conversion_factor, to_pint_unit
from gpulca.schemas.inventory import Accelerator, GridZone, Server, Site
from gpulca.schemas.scenario import ActivityRow, HardwareSpec, SiteSpec
from gpulca.schemas.variants import OVERRIDE_KEYS, SHORTHAND_KEYS, SOURCED_KEYS, CoolingType
from gpulca.study.variants import CATALOGUE_SWITCHES

REPO = Path(__file__).resolve().parents[2]
CATALOGUE_MODELS = {"accelerators": Accelerator, "servers": Server, "grid_zones": GridZone,
                    "sites": Site, "cooling_types": CoolingType}
BOUNDED = [p for p in PARAMETERS.values() if p.minimum is not None or p.maximum is not None]


def doc_script() -> ModuleType:
    """scripts/parameters_doc.py as a module (it is a script, not part of the package)."""
    name = "gpulca_parameters_doc_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "parameters_doc.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# -- the generated docs -----------------------------------------------------------------------

def test_docs_parameters_md_is_up_to_date() -> None:
    committed = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == doc_script().render(), \
        "docs/parameters.md is out of date: run python scripts/parameters_doc.py"


def test_docs_list_every_parameter() -> None:
    text = doc_script().render()
    assert all(f"| `{key}` |" in text for key in PARAMETERS)


# -- the declarations -------------------------------------------------------------------------

def test_keys_and_names_are_unique_and_consistent() -> None:
    assert all(key == p.key for key, p in PARAMETERS.items())
    names = [p.name for p in PARAMETERS.values()]
    assert len(names) == len(set(names))
    assert all(p.key.split(".")[0] in ("site", "hardware", "activity", "deployment")
               for p in PARAMETERS.values())


@pytest.mark.parametrize("parameter", PARAMETERS.values(), ids=list(PARAMETERS))
def test_units_parse_with_the_registry(parameter: Parameter) -> None:
    if parameter.kind in ("identifier", "year", "block"):
        assert parameter.unit is None and parameter.display_unit is None
        return
    assert parameter.unit is not None
    to_pint_unit(parameter.unit)
    if parameter.display_unit is not None:
        assert conversion_factor(parameter.display_unit, parameter.unit) > 0


@pytest.mark.parametrize("parameter", PARAMETERS.values(), ids=list(PARAMETERS))
def test_every_declaration_is_complete(parameter: Parameter) -> None:
    assert parameter.label and parameter.description and parameter.settable
    assert set(parameter.settable) <= set(WHERE_ORDER)
    assert ("catalogue" in parameter.settable) == bool(
        parameter.catalogue and parameter.kind != "year"), "catalogue fields <-> settable there"
    if parameter.minimum is not None or parameter.maximum is not None:
        assert parameter.range_reason, "a range says why its bounds are where they are"
    if parameter.kind == "identifier":
        assert parameter.chooses in CATALOGUE_MODELS
    if parameter.expands_to:
        assert parameter.shorthand and all(k in PARAMETERS for k in parameter.expands_to)
    if parameter.supplied_by is not None:
        assert PARAMETERS[parameter.supplied_by].kind == "identifier"


@pytest.mark.parametrize("parameter", BOUNDED, ids=[p.key for p in BOUNDED])
def test_ranges_are_ordered(parameter: Parameter) -> None:
    if parameter.minimum is not None and parameter.maximum is not None:
        assert parameter.minimum < parameter.maximum


def test_catalogue_fields_exist_in_the_catalogue_schemas() -> None:
    for parameter in PARAMETERS.values():
        for field in parameter.catalogue:
            section, name = field.split("[].")
            assert name in CATALOGUE_MODELS[section].model_fields, field


def test_study_keys_are_the_study_schema_fields() -> None:
    """Every site and hardware key of the study file is declared, and nothing else is."""
    schema = {f"site.{k}" for k in SiteSpec.model_fields} | \
        {f"hardware.{k}" for k in HardwareSpec.model_fields}
    declared = {p.key for p in PARAMETERS.values()
                if "study" in p.settable and not p.key.startswith("activity.")}
    assert declared == schema


def test_row_gpu_load_is_an_activity_row_field() -> None:
    assert "gpu_load" in ActivityRow.model_fields


# -- the variant rules read the table ---------------------------------------------------------

def test_the_variant_keys_are_the_tables_overridable_keys() -> None:
    overridable = {p.key for p in PARAMETERS.values()
                   if "variant" in p.settable or "sweep" in p.settable}
    assert set(OVERRIDE_KEYS) == overridable
    assert OVERRIDE_KEYS == override_keys()
    assert set(SHORTHAND_KEYS) == {k for k in overridable if "study" not in PARAMETERS[k].settable}
    assert SOURCED_KEYS == {k for k in overridable if PARAMETERS[k].kind == "quantity"}


def test_catalogue_switches_come_from_the_table() -> None:
    assert CATALOGUE_SWITCHES == catalogue_switches() == {
        "site.site": ("site.grid_zone", "site.pue", "site.wue", "site.wue_withdrawal"),
        "hardware.accelerator": ("hardware.gpu_power", "hardware.gpu_load"),
        "hardware.server": ("hardware.node_overhead_power", "hardware.gpus_per_node"),
    }


def test_catalogue_sections_check_their_quantities() -> None:
    assert [f for f, _ in catalogue_parameters("sites")] == ["pue", "wue", "wue_withdrawal"]
    assert [f for f, _ in catalogue_parameters("accelerators")] == \
        ["rated_power", "training_load", "idle_power"]
    assert [f for f, _ in catalogue_parameters("servers")] == ["overhead_power"]


# -- the one range message --------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value", "message"), [
    ("site.pue", 0.5, "out of range: PUE must be from 1 to 3"),
    ("site.wue", 25.0, "out of range: WUE (on-site water evaporated) must be from 0 to 20 L/kWh"),
    ("hardware.gpu_power", 7000.0, "out of range: GPU power must be from 0 to 5000 W"),
    ("hardware.lifetime", 0.5, "out of range: Hardware lifetime must be at least 1 hour"),
    ("hardware.utilisation", 0.0,
     "out of range: Utilisation over the lifetime must be from 0.000001 to 1"),
    ("activity.gpu_hours_scale", 0.0, "out of range: GPU-hour scale must be above 0"),
    ("activity.rows[].gpu_load", 0.0,
     "out of range: GPU load of an activity row must be above 0 and at most 1.2"),
    ("hardware.gpus_per_node", 0, "out of range: GPUs per node must be at least 1"),
    ("site.grid_year", 1850, "out of range: Grid data year must be from 1900 to 2100"),
])
def test_range_message(key: str, value: float, message: str) -> None:
    assert check_range(PARAMETERS[key], value) == message


def test_bounds_themselves_are_plausible_unless_exclusive() -> None:
    for parameter in BOUNDED:
        if parameter.minimum is not None:
            assert in_range(parameter, parameter.minimum) != parameter.minimum_exclusive
        if parameter.maximum is not None:
            assert in_range(parameter, parameter.maximum)


def test_nan_is_never_plausible() -> None:
    assert all(check_range(p, math.nan) for p in PARAMETERS.values() if p.unit is not None)


@st.composite
def bounded_values(draw: st.DrawFn, inside: bool) -> tuple[Parameter, float]:
    parameter = draw(st.sampled_from(BOUNDED))
    low, high = parameter.minimum, parameter.maximum
    if inside:
        value = draw(st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False,
                               exclude_min=parameter.minimum_exclusive))
        return parameter, value
    sides = ([st.floats(max_value=low, exclude_max=not parameter.minimum_exclusive)]
             if low is not None else []) + \
        ([st.floats(min_value=high, exclude_min=True)] if high is not None else [])
    return parameter, draw(st.one_of(*sides).filter(lambda v: not math.isnan(v)))


@given(bounded_values(inside=True))
def test_values_inside_the_range_pass(case: tuple[Parameter, float]) -> None:
    parameter, value = case
    assert check_range(parameter, value) is None


@given(bounded_values(inside=False))
def test_values_outside_the_range_fail(case: tuple[Parameter, float]) -> None:
    parameter, value = case
    message = check_range(parameter, value)
    assert message is not None and message.startswith(f"out of range: {parameter.label} must be")


# -- parsing once, showing in the unit people read --------------------------------------------

def test_canonical_value_converts_to_the_canonical_unit() -> None:
    assert canonical_value(PARAMETERS["hardware.lifetime"], "6 year") == 52560.0
    assert canonical_value(PARAMETERS["hardware.gpu_power"], "1.2 kW") == 1200.0
    assert canonical_value(PARAMETERS["site.pue"], 1.56) == 1.56
    assert canonical_value(PARAMETERS["site.wue"], "0.2 m**3/MWh") == pytest.approx(0.2)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("hardware.gpu_power", 700, "expected a quantity in W"),
    ("hardware.lifetime", "6 kg", "expected a quantity in hour"),
    ("site.pue", "fast", "expected a number"),
    ("site.site", "x", "the id of an entry of sites"),
])
def test_canonical_value_says_what_was_expected(key: str, value: object, expected: str) -> None:
    with pytest.raises(UnitProblem, match=expected):
        canonical_value(PARAMETERS[key], value)  # type: ignore[arg-type]


def test_display_value_shows_the_lifetime_in_years_exactly() -> None:
    lifetime = PARAMETERS["hardware.lifetime"]
    assert display_value(lifetime, 52560.0) == 6.0
    assert (lifetime.unit_symbol, lifetime.report_unit) == ("year", "years")
    assert display_value(PARAMETERS["hardware.gpus_per_node"], 8) == 8
    assert display_value(PARAMETERS["site.grid_zone"], "FR") == "FR"


def test_units_printed_in_tables_are_the_published_ones() -> None:
    """parameters.csv and the Summary print these units (guarded by the goldens too)."""
    shown = {p.name: p.unit_symbol for p in PARAMETERS.values()}
    assert shown["pue"] == shown["gpu_load"] == shown["gpus_per_node"] == ""
    assert (shown["wue"], shown["gpu_power"], shown["lifetime"]) == ("L/kWh", "W", "year")


def test_a_parameter_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        PARAMETERS["site.pue"].maximum = 9.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        PARAMETERS["site.new"] = PARAMETERS["site.pue"]  # type: ignore[index]
