"""The presentation vocabulary: how stages, impacts, colours and numbers are shown.

One place, so that the CSV files, the workbook, the charts and the terminal name, colour and
write every thing the same way. What it owns:

- life-cycle stages: :data:`STAGES` (ids, in result order) and :data:`STAGE_LABELS`;
- impact headings: :func:`impact_heading` ("Climate change (kg CO2-eq)");
- colours: :data:`STAGE_COLOURS` (Okabe-Ito) and :func:`variant_colours` (any number of
  distinct colours), stored as ``RRGGBB`` (openpyxl's form); :func:`hex_colour` gives
  matplotlib's ``#RRGGBB`` from the same value;
- numbers: :func:`format_number` (sentences, tables, terminal), :func:`format_percent`,
  :func:`format_range`, :func:`format_short` (chart ticks and bar labels),
  :func:`excel_number_format` (a workbook cell's number format) and :data:`CSV_FLOAT_FORMAT`.

The labels are the ones the CSV files and the workbook print: changing one changes outputs
that tests compare to golden files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal, get_args

# -- life-cycle stages ----------------------------------------------------------------------------

Stage = Literal["gpu_manufacturing", "server_manufacturing", "electricity", "cooling_water",
                "building", "network", "storage"]
"""A life-cycle stage of the results (the ``stage`` column of ``results.csv``)."""

STAGES: tuple[Stage, ...] = get_args(Stage)
"""Life-cycle stage ids in result order: every table, chart and legend lists them so."""

_STAGE_TABLE: tuple[tuple[Stage, str, str], ...] = (
    # id, label (as the workbook prints it), Okabe-Ito colour: warm for manufacturing, blue for
    # electricity and water
    ("gpu_manufacturing", "GPU manufacturing", "D55E00"),
    ("server_manufacturing", "Server manufacturing", "E69F00"),
    ("electricity", "Electricity", "0072B2"),
    ("cooling_water", "Cooling water", "56B4E9"),
    # datacenter infrastructure (on by default; a study may declare each part not assessed):
    # the building with its plant and racks, the cluster network and the shared storage, each
    # with its embodied share and (network, storage) its operating energy
    ("building", "Datacenter building", "000000"),
    ("network", "Network", "009E73"),
    ("storage", "Storage", "CC79A7"),
)

InfrastructurePart = Literal["building", "network", "storage"]
"""A part of the datacenter infrastructure a study may declare not assessed (``not_assessed``):
each is a life-cycle stage of its own."""

INFRASTRUCTURE_PARTS: tuple[InfrastructurePart, ...] = get_args(InfrastructurePart)

NOT_ASSESSED = "not assessed"
"""What every report prints for a part a study declared not assessed (never a zero)."""

STAGE_LABELS: Mapping[str, str] = MappingProxyType({s: label for s, label, _ in _STAGE_TABLE})
"""Readable names of the life-cycle stages, in result order."""

STAGE_COLOURS: Mapping[str, str] = MappingProxyType({s: rgb for s, _, rgb in _STAGE_TABLE})
"""``RRGGBB`` colour of each life-cycle stage (Okabe-Ito), in result order."""


def stage_label(stage: str) -> str:
    """The readable name of a stage id (the id itself for an unknown stage)."""
    return STAGE_LABELS.get(stage, stage)


def impact_heading(label: str, unit: str, separator: str = " ") -> str:
    """An impact category with its unit, as a column heading or a chart title:
    ``Climate change (kg CO2-eq)``; a line break as ``separator`` puts the unit under a narrow
    heading."""
    return f"{label}{separator}({unit})" if unit else label


# -- colours --------------------------------------------------------------------------------------
# Colours are ``RRGGBB`` (openpyxl wants no '#'); matplotlib gets ``hex_colour(value)``.

OKABE_ITO: tuple[str, ...] = ("0072B2", "E69F00", "009E73", "CC79A7", "D55E00", "56B4E9",
                              "F0E442", "000000")
"""Okabe & Ito (2008), "Color Universal Design": eight colours told apart with any common form
of colour-vision deficiency (order: blue, orange, green, purple, vermillion, sky blue, yellow,
black)."""


def hex_colour(rrggbb: str) -> str:
    """matplotlib's form ``#rrggbb`` of a vocabulary colour."""
    return "#" + rrggbb.lower()


def stage_colour(stage: str) -> str:
    """The ``RRGGBB`` colour of a stage (grey for an unknown stage)."""
    return STAGE_COLOURS.get(stage, "999999")


def cubehelix_rgb(fraction: float, start: float = 0.5, rotations: float = -1.5,
                  hue: float = 1.2) -> tuple[float, float, float]:
    """A point of Green's cubehelix colour scheme (Bull. Astr. Soc. India 39, 289, 2011), RGB in
    0..1. Its perceived lightness grows with ``fraction``, so colours stay ordered and apart in
    greyscale and for colour-blind readers; being a formula, it needs no colour table."""
    angle = 2 * math.pi * (start / 3 + rotations * fraction)
    amplitude = hue * fraction * (1 - fraction) / 2
    cos, sin = math.cos(angle), math.sin(angle)
    rgb = (fraction + amplitude * (-0.14861 * cos + 1.78277 * sin),
           fraction + amplitude * (-0.29227 * cos - 0.90649 * sin),
           fraction + amplitude * (1.97294 * cos))
    return (min(max(rgb[0], 0.0), 1.0), min(max(rgb[1], 0.0), 1.0), min(max(rgb[2], 0.0), 1.0))


CUBEHELIX_SPAN = (0.15, 0.85)
"""The part of cubehelix used: without its near-black and near-white ends, which would vanish
next to black text or on a white background."""


def _rrggbb(rgb: tuple[float, float, float]) -> str:
    return "".join(f"{round(channel * 255):02X}" for channel in rgb)


def variant_colours(count: int) -> list[str]:
    """``count`` distinct ``RRGGBB`` colours, one per variant: Okabe-Ito first; beyond eight, the
    rest sampled evenly along cubehelix, so a sweep gets no repeated colour (distinct up to a
    few hundred variants, the ramp's resolution in 8-bit RGB; tested to 280)."""
    if count <= len(OKABE_ITO):
        return list(OKABE_ITO[:max(count, 0)])
    extra = count - len(OKABE_ITO)
    low, high = CUBEHELIX_SPAN
    step = (high - low) / max(extra - 1, 1)
    return [*OKABE_ITO, *(_rrggbb(cubehelix_rgb(low + i * step)) for i in range(extra))]


# -- numbers --------------------------------------------------------------------------------------

def format_number(value: float, unit: str = "") -> str:
    """A number for a sentence, a table or the terminal: four significant figures with thousands
    separators (whole numbers from 10,000), three figures outside 0.001 to 10^12 (scientific
    notation from 10^12 and below about 10^-4)."""
    if value == 0 or not math.isfinite(value):
        text = f"{value:g}"
    elif 1e-3 <= abs(value) < 1e12:
        text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def format_percent(fraction: float | None, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage, ``0.123`` -> ``12.3 %``; ``n/a`` when there is none."""
    if fraction is None or math.isnan(fraction):
        return "n/a"
    sign = "+" if signed else ""
    return f"{100 * fraction:{sign}.{decimals}f} %"


def format_range(low: float, high: float) -> str:
    """Three significant figures of ``low``, or ``low to high`` when they differ at that
    precision (e.g. the development multiplier over impact categories)."""
    first, last = f"{low:.3g}", f"{high:.3g}"
    return first if first == last else f"{first} to {last}"


_SHORT_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_short(value: float) -> str:
    """A short number for a chart tick or a bar label: three significant figures, with an SI
    suffix from a thousand on (``12.3k``, ``4.5M``)."""
    magnitude = abs(value)
    for limit, suffix in _SHORT_SUFFIXES:
        if magnitude >= limit and math.isfinite(value):
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


CSV_FLOAT_FORMAT = "%.10g"
"""Numbers in the CSV files: ten significant figures, enough to recompute any total."""

EXCEL_PERCENT = "0.0%"
"""The workbook's format for a share: one decimal, as :func:`format_percent`."""


def excel_number_format(values: Iterable[Any], unit: str = "") -> str:
    """A workbook number format with about four significant figures for the largest of
    ``values`` and the unit, e.g. ``#,##0 "kg CO2-eq"`` (the cell keeps its full value)."""
    finite = [abs(float(v)) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if largest == 0:
        base = "0"
    elif largest < 1e-3 or largest >= 1e12:
        base = "0.00E+00"
    else:
        decimals = min(max(3 - math.floor(math.log10(largest)), 0), 6)
        base = "#,##0" + ("." + "0" * decimals if decimals else "")
    unit = re.sub(r'["\\]', "", unit).strip()  # a quote or backslash would end the literal
    return f'{base} "{unit}"' if unit else base
