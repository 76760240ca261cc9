"""The one table of study and hardware parameters: unit, plausible range, label, where set.

Every value a study, a catalogue entry or a variant can set about the site and the hardware is
declared here once (:data:`PARAMETERS`, keyed by its study key path such as ``site.pue``). Study
resolution, the catalogue checks, the variant override rules, the comparison tables, the reports
and ``docs/parameters.md`` (written by ``scripts/parameters_doc.py``) all read it, so a unit, a
bound or a label is changed in one place and the same out-of-range message is given everywhere.

Values are parsed once with :func:`canonical_value` (a number or a quantity string such as
``"6 year"`` into a float in the parameter's canonical unit) and checked with
:func:`check_range`; :func:`display_value` converts a canonical value to the unit people read
(a lifetime is stored in hours and shown in years).

Layer: imports only :mod:`gpulca.core`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from gpulca.core.units import UnitProblem, cached_magnitude, conversion_factor

Where = Literal["study", "catalogue", "variant", "sweep"]
"""Where a parameter may be set: the study file, an inventory catalogue entry, a variant's
``overrides`` or a sweep's ``axes``."""

Kind = Literal["quantity", "count", "identifier", "year", "block"]
"""How a value is written: a sourced quantity (a number or ``"700 W"`` with its source), a whole
count, the id of a catalogue entry, a calendar year, or a block of YAML (a mapping or a list,
checked by the schema its description names)."""

WHERE_ORDER: tuple[Where, ...] = ("study", "catalogue", "variant", "sweep")
OVERRIDABLE: tuple[Where, ...] = ("variant", "sweep")
EVERYWHERE: tuple[Where, ...] = WHERE_ORDER
STUDY_AND_VARIANTS: tuple[Where, ...] = ("study", "variant", "sweep")

_UNITLESS = ("dimensionless", "count")
"""Canonical units printed as an empty unit column (a ratio, a share, a number of items)."""


@dataclass(frozen=True)
class Parameter:
    """One study or hardware parameter, declared once."""

    key: str
    """Study key path (``site.pue``); for a catalogue-only value, the section it belongs to."""
    name: str
    """Short name in the comparison tables (``parameters.csv``, ``differences.csv``)."""
    label: str
    """Readable name, as the workbook's Summary prints it."""
    description: str
    """One line: what the value is and how it is used."""
    kind: Kind
    settable: tuple[Where, ...]
    """Where it may be set (see :data:`Where`)."""
    unit: str | None = None
    """Canonical unit (pint spelling, :mod:`gpulca.core.units`); ``None`` for ids and years."""
    display_unit: str | None = None
    """The unit people read, when it differs from ``unit`` (pint spelling)."""
    display_unit_text: str | None = None
    """The unit as a report prints it after a number, when not the display unit (``years``)."""
    minimum: float | None = None
    """Lowest plausible value in the canonical unit (``None``: no lower bound)."""
    maximum: float | None = None
    """Highest plausible value in the canonical unit (``None``: no upper bound)."""
    minimum_exclusive: bool = False
    """The minimum itself is refused (a scale of 0 would remove the work)."""
    range_reason: str = ""
    """Why the bounds are where they are, with the source of the published values cited."""
    catalogue: tuple[str, ...] = ()
    """Catalogue fields that supply the value when the study does not (``sites[].pue``)."""
    chooses: str | None = None
    """For an id: the catalogue section whose entry it picks (``sites``)."""
    supplied_by: str | None = None
    """The key picking the catalogue entry that supplies this value (``site.site``)."""
    expands_to: tuple[str, ...] = ()
    """For a variant shorthand: the study keys it sets."""

    @property
    def shown_unit(self) -> str:
        """Pint spelling of the unit people read (``year`` for a lifetime stored in hours)."""
        return self.display_unit or self.unit or ""

    @property
    def unit_symbol(self) -> str:
        """The unit column of a table: the shown unit, empty for ratios, shares and counts."""
        return "" if self.shown_unit in _UNITLESS else self.shown_unit

    @property
    def report_unit(self) -> str:
        """The unit a report prints after a number (``years``)."""
        return self.display_unit_text or self.unit_symbol

    @property
    def shorthand(self) -> bool:
        """A variant key that is not a key of the study file (it expands into, or acts on, it)."""
        return self.overridable and "study" not in self.settable

    @property
    def overridable(self) -> bool:
        """Settable by a variant's ``overrides`` or a sweep's ``axes``."""
        return any(where in self.settable for where in OVERRIDABLE)

    @property
    def sourced(self) -> bool:
        """Written as a sourced value (``{value: ..., source: ...}``) wherever it is set."""
        return self.kind == "quantity"

    @property
    def expected(self) -> str:
        """What a value must be written as, for messages: ``a quantity in W``, ``a number``."""
        if self.kind == "year":
            return "a year such as 2023"
        if self.kind == "block":
            return f"a block of YAML ({self.range_reason})"
        if self.kind == "identifier":
            return f"the id of an entry of {self.chooses}" if self.chooses else "an id"
        if self.unit in _UNITLESS:
            return "a whole number" if self.kind == "count" else "a number"
        return f"a quantity in {self.unit}"


def _number(value: float) -> str:
    """A bound as people write it: ``0.000001`` rather than ``1e-06``, ``50000`` not ``5e+04``."""
    text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text or "0"


def range_text(parameter: Parameter) -> str:
    """The plausible range in words, in the canonical unit: ``from 0 to 20 L/kWh``."""
    unit = "" if parameter.unit in (None, *_UNITLESS) else f" {parameter.unit}"
    low, high = parameter.minimum, parameter.maximum
    if low is not None and high is not None:
        opening = "above" if parameter.minimum_exclusive else "from"
        closing = "and at most" if parameter.minimum_exclusive else "to"
        return f"{opening} {_number(low)} {closing} {_number(high)}{unit}"
    if low is not None:
        return f"{'above' if parameter.minimum_exclusive else 'at least'} {_number(low)}{unit}"
    if high is not None:
        return f"at most {_number(high)}{unit}"
    return "any value"


def in_range(parameter: Parameter, value: float) -> bool:
    """Whether a canonical value lies in the parameter's plausible range (NaN never does)."""
    low, high = parameter.minimum, parameter.maximum
    if low is not None and not (value > low if parameter.minimum_exclusive else value >= low):
        return False
    if high is not None and not value <= high:
        return False
    return value == value  # NaN: outside every range, even an unbounded one


def check_range(parameter: Parameter, value: float) -> str | None:
    """The one out-of-range message of gpulca, or ``None`` when the value is plausible.

    The caller locates it (file, line, key path) and shows the value as written.
    """
    if in_range(parameter, value):
        return None
    return f"out of range: {parameter.label} must be {range_text(parameter)}"


def canonical_value(parameter: Parameter, value: float | int | str) -> float:
    """Parse a value as written (``1.56``, ``"700 W"``, ``"6 year"``) into the canonical unit.

    A bare number is accepted only for a parameter without a physical unit (a ratio, a share, a
    count): ``700`` for a power is refused rather than guessed.

    Raises:
        UnitProblem: with what was found and what was expected.
    """
    if parameter.unit is None:
        raise UnitProblem(f"{parameter.key} is {parameter.expected}, not a quantity")
    default = parameter.unit if parameter.unit in _UNITLESS else None
    try:
        return cached_magnitude(value, parameter.unit, default)
    except UnitProblem as exc:
        raise UnitProblem(f"{exc}; expected {parameter.expected}") from exc


def checked_value(parameter: Parameter, value: float | int | str
                  ) -> tuple[float | None, str | None]:
    """A value as written, parsed into the canonical unit and checked: ``(value, problem)``.

    ``value`` is None when the text does not parse; ``problem`` is what is wrong (it does not
    parse, or it is out of range), None when the value is plausible. Every place that reads a
    parameter's value from a file goes through here, so the messages are the same everywhere.
    """
    try:
        parsed = canonical_value(parameter, value)
    except UnitProblem as exc:
        return None, str(exc)
    return parsed, check_range(parameter, parsed)


def display_value(parameter: Parameter, value: float | int | str) -> float | int | str:
    """A canonical value in the unit people read; ids, counts and same-unit values unchanged."""
    if parameter.unit is None or parameter.display_unit in (None, parameter.unit) or \
            isinstance(value, str):
        return value
    # Divide by the display unit's size (8760 h a year, exact) rather than multiply by its
    # inverse, which is not exactly representable: 52,560 h is then exactly 6.0 years.
    return value / conversion_factor(parameter.display_unit, parameter.unit)


def _table(*parameters: Parameter) -> Mapping[str, Parameter]:
    table = {p.key: p for p in parameters}
    if len(table) != len(parameters):
        raise ValueError("two parameters share a key")
    return MappingProxyType(table)


_GPU_POWER_REASON = (
    "one accelerator card: data-centre cards are rated 72 W (L4) to 1,000 W (B200) in the "
    "shipped library (data/sources/gpu_server_power.csv); above 5 kW is a node's or a rack's "
    "power, or a unit slip")

PARAMETERS: Mapping[str, Parameter] = _table(
    # -- the site ---------------------------------------------------------------------------
    Parameter(
        "site.site", "site", "Site",
        "A datacenter of the library: supplies the grid zone, PUE and WUE the study leaves out.",
        "identifier", STUDY_AND_VARIANTS, chooses="sites"),
    Parameter(
        "site.grid_zone", "grid_zone", "Grid zone",
        "Electricity grid zone whose 1 kWh supply process powers the facility.",
        "identifier", EVERYWHERE, catalogue=("sites[].grid_zone",), chooses="grid_zones",
        supplied_by="site.site"),
    Parameter(
        "site.pue", "pue", "PUE",
        "Power usage effectiveness: facility energy over IT energy (cooling, power losses).",
        "quantity", EVERYWHERE, unit="dimensionless", minimum=1.0, maximum=3.0,
        range_reason="a ratio of facility to IT energy cannot be below 1; surveyed averages are "
        "about 1.56 (Uptime Institute 2024) and the shipped sites 1.08 to 1.63, so above 3 is a "
        "typo rather than a datacenter",
        catalogue=("sites[].pue",), supplied_by="site.site"),
    Parameter(
        "site.wue", "wue", "WUE (on-site water evaporated)",
        "On-site water consumed (evaporated) per kWh of IT energy.",
        "quantity", EVERYWHERE, unit="L/kWh", minimum=0.0, maximum=20.0,
        range_reason="water use is not negative; published site WUE reaches 2.75 L/kWh (AWS "
        "Jakarta, src/gpulca/data/cooling_types.yaml), so above 20 L/kWh is a unit slip "
        "(e.g. gallons or m3)",
        catalogue=("sites[].wue", "cooling_types[].wue"), supplied_by="site.site"),
    Parameter(
        "site.wue_withdrawal", "wue_withdrawal", "WUE (water withdrawn)",
        "On-site water withdrawn per kWh of IT energy (at least the WUE; the excess is returned); "
        "equal to the WUE when not given.",
        "quantity", EVERYWHERE, unit="L/kWh", minimum=0.0, maximum=50.0,
        range_reason="withdrawal also counts the water returned (blowdown), so its bound is "
        "wider than the WUE's; above 50 L/kWh is a unit slip",
        catalogue=("sites[].wue_withdrawal", "cooling_types[].wue_withdrawal"),
        supplied_by="site.site"),
    Parameter(
        "site.market_based", "market_based", "Market-based electricity",
        "Contractual terms of the site's electricity (matched zero-emission share 0-1 and "
        "residual factor, each sourced): reported beside the location-based result by "
        "'gpulca scope2' (docs/scope2.md); results stay location-based.",
        "quantity", ("study",), unit="dimensionless", minimum=0.0, maximum=1.0,
        range_reason="the matched share is a fraction of the electricity used"),
    Parameter(
        "site.cooling_type", "cooling_type", "Cooling type",
        "A cooling technology of gpulca's cooling catalogue (src/gpulca/data/cooling_types.yaml), "
        "with its published on-site water use.",
        "identifier", OVERRIDABLE, chooses="cooling_types",
        expands_to=("site.wue", "site.wue_withdrawal")),
    Parameter(
        "site.grid_year", "grid_year", "Grid data year",
        "The year of the grid data: picks the library zone '<zone>-<year>' (or the zone itself "
        "when its year matches).",
        "year", OVERRIDABLE, minimum=1900, maximum=2100,
        range_reason="a calendar year of published grid data",
        catalogue=("grid_zones[].year",)),
    # -- the hardware -----------------------------------------------------------------------
    Parameter(
        "hardware.accelerator", "accelerator", "Accelerator",
        "The accelerator card (an activity row may name another one for its own GPU-hours).",
        "identifier", STUDY_AND_VARIANTS, chooses="accelerators"),
    Parameter(
        "hardware.server", "server", "Host",
        "The host carrying the accelerators (the node without its GPUs); none: GPUs only.",
        "identifier", STUDY_AND_VARIANTS, chooses="servers"),
    Parameter(
        "hardware.gpu_power", "gpu_power", "GPU power",
        "Rated power of one accelerator card (its TDP).",
        "quantity", EVERYWHERE, unit="W", minimum=0.0, maximum=5000.0,
        range_reason=_GPU_POWER_REASON,
        catalogue=("accelerators[].rated_power",), supplied_by="hardware.accelerator"),
    Parameter(
        "hardware.gpu_load", "gpu_load", "GPU load while training",
        "Average draw of a card while working, as a fraction of its rated power.",
        "quantity", EVERYWHERE, unit="dimensionless", minimum=0.0, maximum=1.2,
        range_reason="a fraction of rated power; cards briefly draw above their TDP, and above "
        "1.2 is a percentage or a power rather than a fraction",
        catalogue=("accelerators[].training_load",), supplied_by="hardware.accelerator"),
    Parameter(
        "hardware.idle_power", "idle_power", "GPU idle power",
        "Power of one accelerator card at rest (catalogue information).",
        "quantity", ("catalogue",), unit="W", minimum=0.0, maximum=5000.0,
        range_reason=_GPU_POWER_REASON, catalogue=("accelerators[].idle_power",)),
    Parameter(
        "hardware.node_overhead_power", "node_overhead_power", "Host overhead power",
        "Mean power of a node without its accelerators (CPUs, memory, fans...), shared by its "
        "GPUs.",
        "quantity", EVERYWHERE, unit="W", minimum=0.0, maximum=50000.0,
        range_reason="the shipped hosts draw 0.6 to 1.2 kW besides their GPUs (EcoLogits, "
        "BoaviztAPI; data/sources/gpu_server_power.csv); above 50 kW is a rack's or a "
        "cluster's power",
        catalogue=("servers[].overhead_power",), supplied_by="hardware.server"),
    Parameter(
        "hardware.gpus_per_node", "gpus_per_node", "GPUs per node",
        "Accelerators per node: shares the host's manufacturing and overhead power among them.",
        "count", EVERYWHERE, unit="count", minimum=1,
        range_reason="a node carries at least one accelerator",
        catalogue=("servers[].gpus_per_node",), supplied_by="hardware.server"),
    Parameter(
        "hardware.lifetime", "lifetime", "Hardware lifetime",
        "Service life over which the manufacturing of cards and hosts is amortised.",
        "quantity", STUDY_AND_VARIANTS, unit="hour", display_unit="year",
        display_unit_text="years", minimum=1.0,
        range_reason="manufacturing is divided by the lifetime: less than an hour is a unit "
        "slip; typical replacement cycles are 3 to 6 years (Boavizta, BLOOM/IDRIS)"),
    Parameter(
        "hardware.utilisation", "utilisation", "Utilisation over the lifetime",
        "Share of the lifetime the hardware is allocated to work (amortisation uses lifetime x "
        "utilisation).",
        "quantity", STUDY_AND_VARIANTS, unit="dimensionless", minimum=1e-6, maximum=1.0,
        range_reason="a share of the lifetime, at most 1; manufacturing is divided by it, so it "
        "must be above 0"),
    # -- the activity -----------------------------------------------------------------------
    Parameter(
        "activity.gpu_hours_scale", "gpu_hours_scale", "GPU-hour scale",
        "Multiplies the GPU-hours of every activity row (the same work on faster or slower "
        "hardware).",
        "quantity", OVERRIDABLE, unit="dimensionless", minimum=0.0, minimum_exclusive=True,
        range_reason="a multiplier of the work: zero or less would remove or reverse it"),
    Parameter(
        "activity.phase_scale", "phase_scale", "GPU-hour scale per phase",
        "Multiplies the GPU-hours (and any measured energy) of the rows of each named phase; 0 "
        "drops the phase (what halving the hyper-parameter search, or not pre-training, would "
        "have saved).",
        "block", ("variant",),
        range_reason="phase id: factor, e.g. {hyperparameter_search: 0.5, pretraining: 0}; "
        "factors at least 0"),
    Parameter(
        "activity.add_rows", "add_rows", "Activity rows added",
        "Activity rows added to the study's (e.g. fine-tuning an existing model instead of "
        "training one), written as the study's activity rows.",
        "block", ("variant",),
        range_reason="a list of activity rows, e.g. [{phase: post_training, gpu_hours: 5000}]"),
    Parameter(
        "deployment.traffic_scale", "traffic_scale", "Traffic scale",
        "Multiplies every count and rate of the deployment's traffic (more or fewer users over "
        "the same service life).",
        "quantity", OVERRIDABLE, unit="dimensionless", minimum=0.0, minimum_exclusive=True,
        range_reason="a multiplier of the traffic: zero would leave nothing to divide by"),
    Parameter(
        "deployment.serving", "serving", "How the serving is known",
        "Replaces the deployment's serving block (e.g. a smaller model served, or another "
        "throughput).",
        "block", ("variant",),
        range_reason="a serving block as under deployment.serving, e.g. {estimated: {model: "
        "ecologits-2025, active_parameters: 8, ...}}"),
    Parameter(
        "activity.rows[].gpu_load", "row_gpu_load", "GPU load of an activity row",
        "The load of one activity row's GPUs (e.g. debugging jobs far from full draw), instead "
        "of hardware.gpu_load.",
        "quantity", ("study",), unit="dimensionless", minimum=0.0, maximum=1.2,
        minimum_exclusive=True,
        range_reason="as hardware.gpu_load; a row at load 0 would draw no power, so leave its "
        "GPU-hours out instead"),
)
"""Every study and hardware parameter, by key path, in report order."""


def parameter(key: str) -> Parameter:
    """The parameter of a key path; raises ``KeyError`` naming the key."""
    return PARAMETERS[key]


def catalogue_parameters(section: str) -> list[tuple[str, Parameter]]:
    """``(field, parameter)`` of the quantities a catalogue section (``sites``) supplies."""
    prefix = f"{section}[]."
    return [(field.removeprefix(prefix), p) for p in PARAMETERS.values() if p.sourced
            for field in p.catalogue if field.startswith(prefix)]


def override_keys() -> tuple[str, ...]:
    """Every key a variant or sweep may set: study keys first, then the shorthands."""
    overridable = [p for p in PARAMETERS.values() if p.overridable]
    return tuple([p.key for p in overridable if not p.shorthand]
                 + [p.key for p in overridable if p.shorthand])


def catalogue_switches() -> dict[str, tuple[str, ...]]:
    """Keys picking a catalogue entry, and the keys that entry supplies (in table order)."""
    switches: dict[str, tuple[str, ...]] = {}
    for p in PARAMETERS.values():
        if p.supplied_by is not None:
            switches[p.supplied_by] = (*switches.get(p.supplied_by, ()), p.key)
    return switches
