"""The single pint unit registry of gpulca, and the adapter to Brightway's unit names.

Quantities are parsed once, at the boundary (YAML strings such as ``"700 W"`` or
``"1.8 L/kWh"``), and converted to the canonical unit of the Brightway process or flow before
anything is written to bw2data. Nothing else in gpulca creates a registry.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from typing import Any

from gpulca.core.errors import GpulcaError

# pint imports ``dask.base`` whenever dask is installed (to wrap dask arrays in quantities,
# which gpulca never does): about 0.1 s of every command's start. pint is imported with dask
# hidden (find_spec then says it is not installed); dask stays importable (gpulca's Dask paths
# import it themselves), and pint imported after dask sees it as usual.
_HIDE_DASK = "dask" not in sys.modules and "pint" not in sys.modules
if _HIDE_DASK:
    sys.modules["dask"] = None  # type: ignore[assignment]
try:
    import pint  # noqa: E402
finally:
    if _HIDE_DASK:
        del sys.modules["dask"]

# Brightway (ecoinvent) spells units out; this maps them to pint expressions. Units that are
# not physical quantities ("unit", "item") are counts: pint's dimensionless.
BRIGHTWAY_TO_PINT: dict[str, str] = {
    "kilogram": "kilogram",
    "gram": "gram",
    "ton": "tonne",
    "cubic meter": "meter ** 3",
    "litre": "liter",
    "liter": "liter",
    "standard cubic meter": "standard_cubic_meter",
    "kilowatt hour": "kilowatt_hour",
    "megajoule": "megajoule",
    "kilojoule": "kilojoule",
    "megawatt hour": "megawatt_hour",
    "unit": "count",
    "item": "count",
    "hour": "hour",
    "year": "year",
    "square meter": "meter ** 2",
    "square centimeter": "centimeter ** 2",
    "meter": "meter",
    "kilometer": "kilometer",
    "ton kilometer": "tonne * kilometer",
    "kilogram kilometer": "kilogram * kilometer",
    "kilo Becquerel": "kilobecquerel",
    "kilowatt": "kilowatt",
    "watt": "watt",
    "dimensionless": "dimensionless",
}


def _pint_cache() -> str | None:
    """Folder where pint caches its parsed unit definitions (None: no cache)."""
    from gpulca.core.cache import cache_dir

    folder = cache_dir() / "pint"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(folder)


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """Return the one registry, built on first use (no work at import time)."""
    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True,
                                                on_redefinition="ignore",
                                                cache_folder=_pint_cache())
    # Hardware-lifetime sources (Boavizta's 26,280 h for 3 years, BLOOM's 6 x 8,760 h) count a
    # year as 365 days; pint's default is the Julian year (365.25 d), 0.07% longer.
    ureg.define("year = 365 * day = _ = yr")
    # A count of items (servers, GPUs) is dimensionless but named, so "2 unit" reads naturally.
    ureg.define("count = [] = unit = units = item = items = piece = pieces")
    # Natural gas is traded in standard cubic metres, a volume at reference conditions that must
    # never silently convert from an ordinary cubic metre: give it its own dimension.
    ureg.define("standard_cubic_meter = [standard_gas_volume] = Sm3 = Nm3")
    ureg.define("kilobecquerel = 1000 * becquerel = kBq")
    return ureg


def load_pickled(blob: bytes) -> Any:
    """Unpickle ``blob`` (gpulca's own objects, e.g. shipped to a Dask worker) with its pint
    quantities in :func:`registry`: pint unpickles a quantity into its application registry,
    which is set to gpulca's one first (else two registries' quantities would meet)."""
    import pickle

    pint.set_application_registry(registry())
    return pickle.loads(blob)


class UnitProblem(ValueError, GpulcaError):
    """A string that is not a unit, or two units that do not convert."""


def to_pint_unit(unit: str) -> pint.Unit:
    """Parse a Brightway or pint unit name into a pint unit.

    Raises:
        UnitProblem: when the name is not a known unit.
    """
    ureg = registry()
    expression = BRIGHTWAY_TO_PINT.get(unit.strip(), unit.strip())
    try:
        return ureg.Unit(expression)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError,
            AttributeError, TypeError) as exc:
        raise UnitProblem(f"{unit!r} is not a known unit") from exc


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Return the factor f such that ``x [from_unit] == x * f [to_unit]``.

    Raises:
        UnitProblem: when a unit is unknown or the two have different dimensions.
    """
    source, target = to_pint_unit(from_unit), to_pint_unit(to_unit)
    if source == target:
        return 1.0
    ureg = registry()
    try:
        return float(ureg.Quantity(1.0, source).to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitProblem(
            f"{from_unit!r} does not convert to {to_unit!r} "
            f"({source.dimensionality} vs {target.dimensionality})"
        ) from exc


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> tuple[float, str]:
    """Pint's parse of a quantity string as (magnitude, unit expression), memoised.

    Parsing costs pint about a millisecond; a library repeats the same few strings ("700 W",
    "6 year") hundreds of times. Junk text raises (and exceptions are not cached).
    """
    parsed: Any = registry().Quantity(text)
    if not isinstance(parsed, pint.Quantity):
        return float(parsed), ""
    return float(parsed.magnitude), str(parsed.units)


def parse_quantity(text: str | float | int, default_unit: str | None = None) -> pint.Quantity:
    """Parse ``"700 W"``, ``"1.8 L/kWh"`` or a bare number (in ``default_unit``) into a Quantity.

    Raises:
        UnitProblem: for text that is not a number followed by a known unit, for a bare number
            where no default unit is given, or for a non-finite magnitude.
    """
    ureg = registry()
    if isinstance(text, bool):
        raise UnitProblem("a boolean is not a quantity")
    if isinstance(text, int | float):
        if default_unit is None:
            raise UnitProblem("a bare number needs a unit, e.g. '700 W'")
        quantity = ureg.Quantity(float(text), to_pint_unit(default_unit))
    else:
        try:
            magnitude, units = _parse_text(str(text).strip())
            quantity = ureg.Quantity(magnitude, units)
        except Exception as exc:  # pint raises many kinds of errors on junk text
            raise UnitProblem(f"{text!r} is not a quantity such as '700 W'") from exc
        try:
            unitless = not isinstance(quantity, pint.Quantity) or (
                quantity.dimensionless
                and not any(c.isalpha() for c in str(text).replace("e", "")))
        except (OverflowError, ZeroDivisionError) as exc:  # e.g. 'kWh**99999999'
            raise UnitProblem(f"{text!r} is out of range (a unit with a huge exponent?)"
                              ) from exc
        if unitless:  # "5" or "1e3" carries no unit
            if default_unit is None:
                raise UnitProblem(f"{text!r} has no unit; expected e.g. '700 W'")
            quantity = ureg.Quantity(float(getattr(quantity, "magnitude", quantity)),
                                     to_pint_unit(default_unit))
    if not math.isfinite(float(quantity.magnitude)):
        raise UnitProblem(f"{text!r} is not a finite number")
    return quantity


def magnitude_in(quantity: pint.Quantity, unit: str) -> float:
    """Return the magnitude of ``quantity`` in ``unit`` (Brightway or pint spelling).

    Raises:
        UnitProblem: when the dimensions differ.
    """
    target = to_pint_unit(unit)
    try:
        return float(quantity.to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitProblem(
            f"{quantity:~P} does not convert to {unit!r} "
            f"({quantity.dimensionality} vs {target.dimensionality})"
        ) from exc
    except (OverflowError, ZeroDivisionError) as exc:
        raise UnitProblem(f"{quantity:~P} in {unit!r} is out of range") from exc


@lru_cache(maxsize=4096, typed=True)
def cached_magnitude(text: str | float | int, unit: str, default_unit: str | None = None
                     ) -> float:
    """``magnitude_in(parse_quantity(text, default_unit), unit)``, memoised.

    Pint parses a quantity in about a millisecond; a study with many variants converts the same
    few values (``"6 year"``, ``1.56``) once per variant. Problems are raised, never cached.
    """
    return magnitude_in(parse_quantity(text, default_unit), unit)


def leading_unit(text: str) -> pint.Unit:
    """The physical unit of a display unit: ``"kg CO2-eq"`` -> kg, ``"m3 world-eq"`` -> m**3.

    Impact categories and published figures write units as a physical unit, without spaces,
    optionally followed by a space and a label (``"lb CO2e"``, ``"kg/h CO2-eq per GPU-hour"``).
    A Brightway unit name (``"cubic meter"``) is read whole; otherwise the first word is the
    unit, and a trailing exponent digit (``m3``, ``cm2``) is read as a power.

    Raises:
        UnitProblem: when the text does not start with a unit.
    """
    stripped = text.strip()
    if stripped in BRIGHTWAY_TO_PINT:
        return to_pint_unit(stripped)
    word = stripped.split()[0] if stripped else ""
    try:
        return to_pint_unit(re.sub(r"^([A-Za-z]+)([23])$", r"\1 ** \2", word))
    except UnitProblem:
        raise UnitProblem(f"{text!r} does not start with a known unit (e.g. 'kg CO2-eq', "
                          "'kWh', '%', 'lb CO2e')") from None
