"""Schema of ``inventories/*.yaml``: processes, exchanges, parameters and the hardware catalogue.

One inventory file may hold any of these top-level sections; all files of a library together
form one Brightway database (codes are unique across the library).

- ``processes``: Brightway processes with their technosphere and biosphere exchanges.
- ``parameters``: named quantities (``"700 W"``) with sources; exchanges may use them in a
  ``formula`` (evaluated by gpulca's own whitelist evaluator, never Python ``eval``).
- ``accelerators``, ``servers``, ``grid_zones``, ``sites``: the catalogue a study refers to by id;
  each names the process that carries its impacts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from gpulca.schemas.common import (
    Code,
    NonEmptyStr,
    Provenance,
    Quality,
    SourcedValue,
    StrictModel,
    ZoneId,
    check_uncertainty_fits,
    plausible,
)

ParameterName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]


class ExternalProcessRef(StrictModel):
    """A process in another Brightway database of the same project (e.g. ecoinvent), by code or by
    (name, reference product, location). This is how a user with an ecoinvent licence links the
    open gpulca inventories to it."""

    database: NonEmptyStr
    code: NonEmptyStr | None = None
    name: NonEmptyStr | None = None
    reference_product: NonEmptyStr | None = None
    location: NonEmptyStr | None = None

    @model_validator(mode="after")
    def code_or_name(self) -> ExternalProcessRef:
        if not self.code and not self.name:
            raise ValueError("give 'code', or 'name' (with reference_product and location)")
        return self


class FlowRef(StrictModel):
    """A biosphere3 elementary flow, by ``code`` or by ``name`` and ``categories``."""

    code: NonEmptyStr | None = None
    name: NonEmptyStr | None = None
    categories: tuple[NonEmptyStr, ...] | None = None

    @model_validator(mode="after")
    def code_or_name_and_categories(self) -> FlowRef:
        if self.code:
            return self
        if not (self.name and self.categories):
            raise ValueError("give the flow 'code', or its 'name' and 'categories'")
        return self


class Exchange(Provenance):
    """One input or output of a process, per unit of the process's reference product.

    Exactly one of ``technosphere`` (a process code in this library, or an external reference)
    and ``biosphere`` (a biosphere3 flow); exactly one of ``amount`` and ``formula``. ``unit`` is
    converted to the unit of the supplying process or flow where the two are compatible.
    """

    technosphere: Code | ExternalProcessRef | None = None
    biosphere: FlowRef | None = None
    amount: float | None = None
    formula: NonEmptyStr | None = None
    unit: NonEmptyStr
    stand_in: NonEmptyStr | None = None
    """Set when a real flow stands in for a characterised result (e.g. kg CO2-eq published only as
    a total): the reason and the limitation (other methods will not see it correctly)."""
    negative_intended: bool = False
    """Set on a negative amount that is meant (a credit, e.g. recovered material): a negative
    footprint it causes is then published; otherwise a negative score is an error."""

    @model_validator(mode="after")
    def one_kind_one_amount(self) -> Exchange:
        if (self.technosphere is None) == (self.biosphere is None):
            raise ValueError("an exchange needs exactly one of 'technosphere' and 'biosphere'")
        if (self.amount is None) == (self.formula is None):
            raise ValueError("an exchange needs exactly one of 'amount' and 'formula'")
        if self.uncertainty is not None and self.amount is not None:
            message = self.uncertainty.problem_with(self.amount)
            if message is not None:
                raise ValueError(message)
        return self


class Process(Provenance):
    """A Brightway process producing one ``unit`` of ``reference_product``."""

    code: Code
    name: NonEmptyStr
    unit: NonEmptyStr
    location: NonEmptyStr = "GLO"
    reference_product: NonEmptyStr
    stage: Code | None = None
    """Life-cycle stage label shown in results when this process is demanded directly."""
    exchanges: list[Exchange] = Field(default_factory=list)


class Parameter(Provenance):
    """A named quantity usable in exchange formulas: ``value`` ("700 W", 0.85) or ``formula``."""

    name: ParameterName
    value: float | NonEmptyStr | None = None
    formula: NonEmptyStr | None = None

    @model_validator(mode="after")
    def value_or_formula(self) -> Parameter:
        if (self.value is None) == (self.formula is None):
            raise ValueError("a parameter needs exactly one of 'value' and 'formula'")
        check_uncertainty_fits(self.uncertainty, self.value)
        return self


class CatalogueEntry(StrictModel):
    """Fields shared by accelerators, servers, zones and sites."""

    id: Code
    name: NonEmptyStr
    source: NonEmptyStr | None = None
    quality: Quality | None = None
    comment: str | None = None


class Accelerator(CatalogueEntry):
    """A GPU or other accelerator card."""

    manufacturing: Code
    """Process (unit: unit) of manufacturing one card, transport and end of life included."""
    rated_power: SourcedValue
    """Thermal design power, e.g. ``700 W``."""
    training_load: SourcedValue
    """Average draw while training, as a fraction of rated power (0-1.2)."""
    idle_power: SourcedValue | None = None
    memory: NonEmptyStr | None = None


class Server(CatalogueEntry):
    """A host that carries accelerators (the node without its GPUs)."""

    manufacturing: Code
    """Process (unit: unit) of manufacturing one host without its accelerators."""
    gpus_per_node: Annotated[int, plausible("hardware.gpus_per_node")]
    overhead_power: SourcedValue
    """Mean power of the node without its accelerators (CPUs, RAM, fans...), e.g. ``1.2 kW``."""


class GridZone(StrictModel):
    """An electricity grid zone and the process supplying 1 kWh from it."""

    id: ZoneId
    name: NonEmptyStr
    electricity: Code
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    year: int | None = None
    source: NonEmptyStr
    quality: Quality | None = None
    comment: str | None = None


class Site(CatalogueEntry):
    """A datacenter (or a class of them): grid zone, PUE and on-site water use."""

    grid_zone: ZoneId
    pue: SourcedValue
    wue: SourcedValue
    """On-site water consumed (evaporated) per kWh of IT energy, e.g. ``0.2 L/kWh``."""
    wue_withdrawal: SourcedValue | None = None
    """On-site water withdrawn per kWh of IT energy (>= wue); the excess is returned."""
    cooling_evaporation: Code = "cooling_water_evaporated"
    """Process (unit: cubic meter) for water withdrawn and evaporated on site."""
    cooling_return: Code = "cooling_water_returned"
    """Process (unit: cubic meter) for water withdrawn and returned to surface water."""
    cooling_type: NonEmptyStr | None = None


class InventoryFile(StrictModel):
    """One ``inventories/*.yaml`` file."""

    description: str | None = None
    license: NonEmptyStr | None = None
    """Data licence of this file's values when it differs from the project's (e.g. CC-BY-SA-4.0)."""
    attribution: str | None = None
    parameters: list[Parameter] = Field(default_factory=list)
    processes: list[Process] = Field(default_factory=list)
    accelerators: list[Accelerator] = Field(default_factory=list)
    servers: list[Server] = Field(default_factory=list)
    grid_zones: list[GridZone] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)


ExchangeKind = Literal["technosphere", "biosphere"]
