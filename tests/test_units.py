"""The unit registry and Brightway unit names."""

from __future__ import annotations

import pytest

from gpulca.core.units import UnitProblem, conversion_factor, magnitude_in, parse_quantity


@pytest.mark.parametrize("source,target,factor", [
    ("liter", "cubic meter", 1e-3), ("gram", "kilogram", 1e-3), ("kWh", "megajoule", 3.6),
    ("kilowatt hour", "kilowatt hour", 1.0), ("unit", "unit", 1.0), ("year", "hour", 8760.0),
])
def test_conversions(source, target, factor):
    assert conversion_factor(source, target) == pytest.approx(factor)


@pytest.mark.parametrize("source,target", [("kilogram", "cubic meter"),
                                           ("standard cubic meter", "cubic meter"),
                                           ("unit", "kilogram"), ("frobnicate", "kilogram")])
def test_incompatible_or_unknown_units(source, target):
    with pytest.raises(UnitProblem):
        conversion_factor(source, target)


def test_parse_quantity():
    assert magnitude_in(parse_quantity("1.8 L/kWh"), "L/kWh") == pytest.approx(1.8)
    assert magnitude_in(parse_quantity("6 year"), "hour") == 52560
    assert magnitude_in(parse_quantity(0.85, "dimensionless"), "dimensionless") == 0.85
    for bad in ("nan W", "abc W", "5"):
        with pytest.raises(UnitProblem):
            parse_quantity(bad)
