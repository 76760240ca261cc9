"""A unit with a huge exponent is a UnitProblem (located by the caller), not an OverflowError."""

from __future__ import annotations

import pytest

from gpulca.core.units import UnitProblem, parse_quantity


@pytest.mark.parametrize("text", ["1 kWh**99999999", "1e999 kWh", "nan kWh"])
def test_out_of_range_quantities_are_unit_problems(text):
    with pytest.raises(UnitProblem):
        parse_quantity(text)
