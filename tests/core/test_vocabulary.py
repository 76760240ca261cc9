"""The presentation vocabulary: stages, colours and number formats (properties with hypothesis)."""

from __future__ import annotations

import math
import re
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpulca.core import vocabulary as v

# Below the largest float by a margin: 1.795e308 rounds to "1.8e+308", which is no float.
nonzero = st.floats(min_value=-1e300, max_value=1e300).filter(lambda x: x != 0)


# -- stages ---------------------------------------------------------------------------------------

def test_stages_are_defined_once_and_fully_described() -> None:
    from gpulca.model import translate
    from gpulca.schemas.reference import Stage

    assert v.STAGES == get_args(v.Stage) == get_args(Stage) == translate.STAGES
    assert list(v.STAGE_LABELS) == list(v.STAGES) == list(v.STAGE_COLOURS)
    assert len(set(v.STAGE_LABELS.values())) == len(v.STAGES)
    assert len(set(v.STAGE_COLOURS.values())) == len(v.STAGES)
    assert set(v.STAGE_COLOURS.values()) <= set(v.OKABE_ITO)


def test_labels_are_those_of_the_workbook() -> None:
    """The golden workbooks print these; a change here changes the shipped outputs."""
    assert [v.stage_label(s) for s in v.STAGES] == [
        "GPU manufacturing", "Server manufacturing", "Electricity", "Cooling water",
        "Datacenter building", "Network", "Storage"]
    assert v.INFRASTRUCTURE_PARTS == ("building", "network", "storage")
    assert set(v.INFRASTRUCTURE_PARTS) <= set(v.STAGES)  # each part is a stage of its own
    assert v.stage_label("unknown") == "unknown"


def test_impact_heading() -> None:
    assert v.impact_heading("Climate change", "kg CO2-eq") == "Climate change (kg CO2-eq)"
    assert v.impact_heading("Water", "m3", "\n") == "Water\n(m3)"
    assert v.impact_heading("Count", "") == "Count"


# -- colours --------------------------------------------------------------------------------------

HEX = re.compile(r"[0-9A-F]{6}")


def _luminance(rrggbb: str) -> float:
    """Relative luminance (WCAG 2), 0 black to 1 white."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(rrggbb[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("count", [0, 1, 4, 8, 9, 13, 25, 100, 200, 280])
def test_variant_colours_are_distinct_for_any_count(count: int) -> None:
    colours = v.variant_colours(count)
    assert len(colours) == count == len(set(colours))
    assert all(HEX.fullmatch(c) for c in colours)
    assert colours[:8] == list(v.OKABE_ITO[:count])  # the first eight never move
    assert all(_luminance(c) < 0.85 for c in colours)  # none vanishes on a white background


def test_variant_colours_beyond_okabe_ito_get_lighter_in_order() -> None:
    """Cubehelix samples are ordered by lightness, so they stay apart in greyscale too."""
    extra = v.variant_colours(40)[len(v.OKABE_ITO):]
    lightness = [_luminance(c) for c in extra]
    assert lightness == sorted(lightness)


def test_one_value_for_openpyxl_and_matplotlib() -> None:
    from matplotlib.colors import to_hex

    for colour in [*v.STAGE_COLOURS.values(), *v.variant_colours(30)]:
        assert to_hex(v.hex_colour(colour)) == "#" + colour.lower()
    assert v.stage_colour("unknown") == "999999"


# -- numbers --------------------------------------------------------------------------------------

def _parse(text: str) -> float:
    return float(text.replace(",", ""))


@given(nonzero)
def test_format_number_keeps_four_significant_figures(value: float) -> None:
    text = v.format_number(value)
    tolerance = 5e-4 if 1e-3 <= abs(value) < 1e12 else 5e-3  # 4 figures, or 3 in e-notation
    assert math.isclose(_parse(text), value, rel_tol=tolerance)
    if 1e-3 <= abs(value) < 1e12:  # Python's "g" keeps 1e-4..1e-3 positional: no claim there
        assert "e" not in text


@given(st.floats(min_value=1e4, max_value=1e12, exclude_max=True))
def test_format_number_groups_thousands_without_decimals(value: float) -> None:
    text = v.format_number(value)
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", text), text


def test_format_number_examples() -> None:
    assert v.format_number(7910.937634, "kg CO2-eq") == "7,911 kg CO2-eq"
    assert v.format_number(22213.1048) == "22,213"
    assert v.format_number(0.0781) == "0.0781"
    assert v.format_number(1.5e-5, "kg") == "1.5e-05 kg"
    assert v.format_number(0.0) == "0"
    assert v.format_number(float("nan")) == "nan"


@given(st.floats(min_value=-10, max_value=10), st.integers(min_value=0, max_value=3),
       st.booleans())
def test_format_percent_round_trips(fraction: float, decimals: int, signed: bool) -> None:
    text = v.format_percent(fraction, decimals, signed)
    assert text.endswith(" %")
    assert math.isclose(float(text[:-2]), 100 * fraction, abs_tol=0.5 * 10 ** -decimals + 1e-9)
    assert text[0] in "+-" if signed else not text.startswith("+")


def test_format_percent_examples() -> None:
    assert v.format_percent(0.754) == "75.4 %"
    assert v.format_percent(0.12, decimals=0, signed=True) == "+12 %"
    assert v.format_percent(None) == v.format_percent(float("nan")) == "n/a"


def test_format_range() -> None:
    assert v.format_range(8.3333, 8.3334) == "8.33"
    assert v.format_range(1.43, 2.5) == "1.43 to 2.5"


SUFFIX = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


@given(st.floats(min_value=-1e15, max_value=1e15).filter(lambda x: x == 0 or abs(x) >= 1e-3))
def test_format_short_is_short_and_close(value: float) -> None:
    text = v.format_short(value)
    number, suffix = re.fullmatch(r"(.*?)([kMGT]?)", text).groups()  # type: ignore[union-attr]
    assert math.isclose(float(number) * SUFFIX[suffix], value, rel_tol=5e-3)
    assert len(text) <= 9


def test_format_short_examples() -> None:
    assert [v.format_short(x) for x in (0, 0.06, 250, 2500, 3.5e6, -4.2e9)] == [
        "0", "0.06", "250", "2.5k", "3.5M", "-4.2G"]


def _decimals(number_format: str) -> int:
    base = number_format.split(" ")[0]
    return len(base.split(".")[1]) if "." in base else 0


@given(st.lists(st.floats(min_value=1e-3, max_value=1e12, exclude_max=True), min_size=1))
def test_excel_number_format_shows_four_figures_of_the_largest(values: list[float]) -> None:
    fmt = v.excel_number_format(values)
    largest = max(values)
    shown = f"{largest:.{_decimals(fmt)}f}".lstrip("0.").replace(".", "")
    assert len(shown) >= 4 or _decimals(fmt) == 6


@given(st.text(max_size=20))
def test_excel_number_format_unit_cannot_break_the_format(unit: str) -> None:
    fmt = v.excel_number_format([1.0], unit)
    assert fmt.count('"') in (0, 2) and "\\" not in fmt


def test_excel_number_format_examples() -> None:
    assert v.excel_number_format([7910.9], "kg CO2-eq") == '#,##0 "kg CO2-eq"'
    assert v.excel_number_format([0.0781]) == "#,##0.00000"
    assert v.excel_number_format([1e-5, float("nan")], "kg") == '0.00E+00 "kg"'
    assert v.excel_number_format([], "m3") == '0 "m3"'
