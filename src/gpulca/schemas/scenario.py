"""Schema of ``scenarios/*.yaml``: a study of an AI project's development and deployment.

A study names the inventories and methods it uses, the site (grid zone, PUE, WUE), the hardware
(accelerator, host, lifetime, utilisation) and the activity: GPU-hours per research phase.
Site and hardware values left out are taken from the library's catalogue entry named by
``site.site``, ``hardware.accelerator`` and ``hardware.server``; values given here override them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from gpulca.core.vocabulary import InfrastructurePart
from gpulca.schemas.common import (
    Code,
    NonEmptyStr,
    SourcedValue,
    StrictModel,
    ZoneId,
    plausible,
)
from gpulca.schemas.deployment import Deployment
from gpulca.schemas.reference import Reference
from gpulca.schemas.variants import VariantSet


class PhaseDefinition(StrictModel):
    """A research phase added to, or relabelled in, the default taxonomy."""

    id: Code
    label: NonEmptyStr
    description: str | None = None


class MarketBasedSpec(StrictModel):
    """Market-based Scope 2 electricity of a site (GHG Protocol Scope 2 Guidance, 2015): the
    share of the electricity matched by contractual instruments (PPAs, guarantees of origin,
    RECs) of zero-emission supply, and the factor of the rest (residual mix or supplier factor).
    Each given value needs a ``source``; results stay location-based, ``gpulca scope2`` reports
    both."""

    renewable_share: SourcedValue | None = None
    """Share (0-1) of the site's electricity matched by zero-emission contractual instruments."""
    residual_factor: SourcedValue | None = None
    """Emission factor of the unmatched electricity, e.g. ``23.5 g/kWh`` (residual mix); when
    absent, the zone's location-based factor is used (labelled as such)."""
    instrument: NonEmptyStr | None = None
    """What the instruments are, e.g. 'PPA, wind, same bidding zone, 2024'."""

    @model_validator(mode="after")
    def sourced_values(self) -> MarketBasedSpec:
        if self.renewable_share is None and self.residual_factor is None:
            raise ValueError("give 'renewable_share', 'residual_factor' or both")
        for name in ("renewable_share", "residual_factor"):
            value = getattr(self, name)
            if value is not None and not value.source:
                raise ValueError(f"'{name}' needs a 'source' (the contract, certificate "
                                 "registry or residual-mix publication), not only an assumption")
        return self


class SiteSpec(StrictModel):
    """Where the work runs. ``site`` picks a library site; the other keys override it."""

    site: Code | None = None
    """A site of the library (``gpulca list sites``): its grid zone, PUE and WUE."""
    grid_zone: ZoneId | None = None
    """A grid zone of the library (``gpulca list zones``), e.g. ``FR``; quote ``\"NO\"``."""
    pue: SourcedValue | None = None
    """Power usage effectiveness (facility / IT energy), e.g. ``{value: 1.2, source: ...}``."""
    wue: SourcedValue | None = None
    """On-site water consumed per kWh of IT energy, e.g. ``{value: 0.2 L/kWh, source: ...}``."""
    wue_withdrawal: SourcedValue | None = None
    """On-site water withdrawn per kWh of IT energy, when published."""
    market_based: MarketBasedSpec | None = None
    """Market-based electricity (optional; reported by ``gpulca scope2``)."""

    @model_validator(mode="after")
    def site_or_complete(self) -> SiteSpec:
        if self.site is None:
            missing = [k for k in ("grid_zone", "pue", "wue") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"without a library 'site', give {', '.join(missing)} "
                    "(or name a site from `gpulca list sites`)"
                )
        return self


class HardwareSpec(StrictModel):
    """The accelerator and host, and how their manufacturing is amortised."""

    accelerator: Code
    """The GPU model (``gpulca list accelerators``), e.g. ``h100_sxm_80gb``."""
    server: Code | None = None
    """The host of the GPUs (``gpulca list servers``); default: the accelerator's host."""
    gpus_per_node: Annotated[int, plausible("hardware.gpus_per_node")] | None = None
    """GPUs per host; default: the server's."""
    node_overhead_power: SourcedValue | None = None
    """Power of the host without its GPUs, e.g. ``1200 W``; default: the server's."""
    gpu_power: SourcedValue | None = None
    """Overrides the accelerator's rated power."""
    gpu_load: SourcedValue | None = None
    """Overrides the accelerator's average training load (fraction of rated power)."""
    lifetime: SourcedValue
    """Service life of the hardware, e.g. ``6 year``."""
    utilisation: SourcedValue
    """Share of the lifetime the hardware is allocated to work (0-1]."""


class ActivityRow(StrictModel):
    """GPU-hours of one phase (optionally of one model or component, on one accelerator).

    Give ``gpu_hours``, or ``gpu_count`` and ``wall_hours``. The row's IT energy is modelled from
    the hardware (GPU power x load + host share) unless the row gives one of:

    - ``it_energy``: measured IT energy of the row (e.g. ``"1200 kWh"``);
    - ``it_power``: measured mean IT power of the row's whole job, its ``gpu_count`` GPUs with
      their CPUs, DRAM and host (e.g. ``"1515.43 W"``, a paper's system power term); IT energy is
      then ``it_power x wall_hours``.

    ``gpu_load`` overrides the hardware's load for this row only (e.g. debugging or evaluation
    jobs that keep GPUs far from full draw).
    """

    phase: Code
    """The research phase, e.g. ``final_training`` (default taxonomy, or the study's ``phases``)."""
    gpu_hours: float | None = Field(default=None, ge=0)
    """GPU-hours of the row."""
    gpu_count: float | None = Field(default=None, gt=0)
    """GPUs of the job (with ``wall_hours``, instead of ``gpu_hours``)."""
    wall_hours: float | None = Field(default=None, ge=0)
    """Wall-clock hours of the job (with ``gpu_count``)."""
    accelerator: Code | None = None
    model: NonEmptyStr | None = None
    """The model or experiment the row belongs to."""
    component: NonEmptyStr | None = None
    """Part of the model, e.g. ``tokenizer``."""
    it_energy: NonEmptyStr | None = None
    """Measured IT energy of the row, e.g. ``\"1200 kWh\"``."""
    it_energy_scope: Literal["it", "gpu"] = "it"
    """What ``it_energy`` covers: ``it``, the whole IT load (e.g. CodeCarbon, a PDU); ``gpu``, the
    GPU boards only (nvidia-smi, DCGM), to which the modelled host share is added."""
    it_energy_gpu_hours: Annotated[float, Field(ge=0)] | None = None
    """GPU-hours of the row that ``it_energy`` covers (a measurement covering part of the work);
    the rest of the row's GPU-hours stays modelled. None: ``it_energy`` covers the whole row."""
    it_power: NonEmptyStr | None = None
    """Measured mean IT power of the whole job, e.g. ``\"1515.43 W\"``."""
    gpu_load: Annotated[float, plausible("activity.rows[].gpu_load")] | None = None
    """Average GPU power as a fraction of rated power, for this row only."""
    comment: str | None = None

    @model_validator(mode="after")
    def hours_given_once(self) -> ActivityRow:
        direct = self.gpu_hours is not None
        product = self.gpu_count is not None or self.wall_hours is not None
        if direct == product:
            raise ValueError("give 'gpu_hours', or 'gpu_count' and 'wall_hours' (not both)")
        if product and (self.gpu_count is None or self.wall_hours is None):
            raise ValueError("'gpu_count' and 'wall_hours' go together")
        if self.it_power is not None:
            if self.it_energy is not None:
                raise ValueError("give 'it_energy' or 'it_power', not both")
            if not product:
                raise ValueError("'it_power' is the power of the whole job: give 'gpu_count' "
                                 "and 'wall_hours' with it")
        if self.gpu_load is not None and (self.it_energy or self.it_power):
            raise ValueError("'gpu_load' has no effect on a row with a measured 'it_energy' or "
                             "'it_power': leave it out")
        return self

    @property
    def total_gpu_hours(self) -> float:
        """GPU-hours of the row [GPU·h]."""
        if self.gpu_hours is not None:
            return self.gpu_hours
        return float(self.gpu_count or 0) * float(self.wall_hours or 0)


class SacctSource(StrictModel):
    """SLURM accounting exports and the rules that tag their jobs with phases."""

    log: NonEmptyStr | list[NonEmptyStr]
    """``sacct --parsable2`` export(s), relative to the study file."""
    rules: NonEmptyStr
    """A tagging-rules file (e.g. ``rules/default-rules.yaml``), relative to the study file."""
    strict: bool = False
    """Refuse the log when any line is malformed (by default such lines are skipped and logged)."""

    @field_validator("log")
    @classmethod
    def non_empty_logs(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("give at least one sacct export")
        return value

    @property
    def logs(self) -> list[str]:
        """The export files as a list."""
        return [self.log] if isinstance(self.log, str) else list(self.log)


class MeasuredEnergy(StrictModel):
    """Measured IT energy of a phase, from one energy log; it replaces the modelled energy.

    Give exactly one of ``nvidia_smi``, ``dcgm`` and ``codecarbon`` (a path relative to the study
    file). The energy is shared among the phase's rows (of ``model``, when given) in proportion to
    their GPU-hours.
    """

    phase: Code
    model: NonEmptyStr | None = None
    nvidia_smi: NonEmptyStr | None = None
    """``nvidia-smi --query-gpu=timestamp,index,power.draw --format=csv`` samples."""
    dcgm: NonEmptyStr | None = None
    """DCGM exporter series as CSV (timestamp, gpu, DCGM_FI_DEV_... columns)."""
    codecarbon: NonEmptyStr | None = None
    """CodeCarbon's ``emissions.csv``."""
    max_gap: NonEmptyStr | None = None
    """Longest interval between two power samples that is integrated, e.g. ``"30 s"``."""
    rated_power: NonEmptyStr | None = None
    """Rated power of one GPU, e.g. ``"700 W"``: a mean above it is flagged."""
    query: NonEmptyStr | None = None
    """nvidia-smi ``noheader`` logs: the ``--query-gpu`` fields, e.g.
    ``timestamp,index,power.draw``."""
    interval: NonEmptyStr | None = None
    """``dcgmi dmon`` logs: the sampling interval (``-d``), e.g. ``"1 s"``."""
    column: Literal["energy_consumed", "gpu_energy"] = "energy_consumed"
    """CodeCarbon: the whole machine (``energy_consumed``) or the GPU boards (``gpu_energy``)."""
    project_name: NonEmptyStr | None = None
    """CodeCarbon: only the rows of this ``project_name``."""
    experiment_id: NonEmptyStr | None = None
    """CodeCarbon: only the rows of this ``experiment_id``."""
    partial: NonEmptyStr | None = None
    """Why a measurement that covers less than the stated share of its phase, or implies a power
    per GPU outside the accelerator's range, is deliberate; without it, that is an error."""

    @model_validator(mode="after")
    def one_log(self) -> MeasuredEnergy:
        given = [k for k in ("nvidia_smi", "dcgm", "codecarbon") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'nvidia_smi', 'dcgm' and 'codecarbon'")
        return self

    @property
    def tool(self) -> str:
        """The key of the log given: ``nvidia_smi``, ``dcgm`` or ``codecarbon``."""
        return next(k for k in ("nvidia_smi", "dcgm", "codecarbon") if getattr(self, k))

    @property
    def path(self) -> str:
        """The log given."""
        return str(getattr(self, self.tool))


class ActivitySpec(StrictModel):
    """The activity data: inline ``rows``, a CSV ``file`` (columns as in :class:`ActivityRow`), or
    raw ``sacct`` exports with tagging rules; optionally measured ``energy`` per phase."""

    source: NonEmptyStr
    """Where the GPU-hours come from (cluster accounting, a paper's table...)."""
    rows: list[ActivityRow] | None = None
    """The GPU-hours, one row per phase (and model, component, accelerator)."""
    file: NonEmptyStr | None = None
    """A CSV file with the rows' columns, relative to the study file."""
    sacct: SacctSource | None = None
    """SLURM accounting exports tagged with phases by rules."""
    energy: list[MeasuredEnergy] = Field(default_factory=list)
    """Measured energy logs, each attached to one phase."""

    @model_validator(mode="after")
    def rows_or_file(self) -> ActivitySpec:
        given = [k for k in ("rows", "file", "sacct") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give the activity as 'rows' or as a CSV 'file' (one of them) "
                             "or as 'sacct' logs with rules")
        if self.rows is not None and not self.rows:
            raise ValueError("the activity table is empty: give at least one row")
        return self


class ExtraEnergy(StrictModel):
    """Measured energy outside the GPU-hours, e.g. idle or reserved cluster capacity."""

    phase: Code
    energy: NonEmptyStr
    """The energy, e.g. ``"256646 kWh"``."""
    scope: Literal["it", "facility"] = "it"
    """``it``: measured at the IT equipment (PUE and cooling water are applied);
    ``facility``: already includes the datacenter overhead."""
    source: NonEmptyStr
    allocation: str | None = None
    """The rule by which this energy is allocated to the study, in words."""


class Study(StrictModel):
    """A ``scenarios/*.yaml`` study file."""

    name: Code
    """The study's id: names the output folder and Brightway database (a code)."""
    description: str | None = None
    """What the study is, in words."""
    inventories: list[NonEmptyStr] | None = None
    """Inventory files or folders, relative to this file. They add to the shipped library
    (unless ``shipped_inventories`` is false); redefining a shipped entry needs ``replaces``."""
    shipped_inventories: bool = True
    """False: the study's ``inventories`` are its whole library (nothing shipped is added)."""
    replaces: list[NonEmptyStr] = Field(default_factory=list)
    """Ids of shipped entries (process codes, accelerators, servers, grid zones, sites,
    parameters) that the study's own inventories redefine; each replacement is logged."""
    methods: NonEmptyStr | None = None
    """A methods file relative to this file. Default: the shipped ``methods/default.yaml``."""
    phases: list[PhaseDefinition] = Field(default_factory=list)
    """Phases added to (or relabelled in) the default taxonomy."""
    site: SiteSpec
    """Where the work runs: grid zone, PUE and WUE."""
    hardware: HardwareSpec
    """The accelerator, its host, lifetime and utilisation."""
    activity: ActivitySpec
    """The GPU-hours per research phase."""
    extra_energy: list[ExtraEnergy] = Field(default_factory=list)
    """Measured energy outside the GPU-hours (idle or reserved capacity)."""
    not_assessed: list[InfrastructurePart] = Field(default_factory=list)
    """Parts of the datacenter infrastructure left outside the study's boundary (``building``,
    ``network``, ``storage``; all three are assessed by default): every report says "not
    assessed" for them, never 0."""
    deployment: Deployment | None = None
    """How the model is served: units of service, traffic over the service life and how the
    serving is known (:mod:`gpulca.schemas.deployment`); results per request and per 1,000
    tokens come from it (:mod:`gpulca.results.service`)."""
    variants: VariantSet | None = None
    """Named variants and sweeps of the site and hardware, compared by ``gpulca compare``
    (``gpulca run`` runs the base study only). See :mod:`gpulca.schemas.variants`."""
    reference: Reference | None = None
    """Published figures this study reproduces, each with gpulca's way of computing it
    (:mod:`gpulca.schemas.reference`); ``gpulca run`` prints both with the deviation."""

    @field_validator("inventories")
    @classmethod
    def non_empty_inventories(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("'inventories' is empty; leave it out to use the shipped library")
        return value

    @field_validator("not_assessed")
    @classmethod
    def not_assessed_once(cls, value: list[str]) -> list[str]:
        repeated = sorted({part for part in value if value.count(part) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once")
        return value

    @model_validator(mode="after")
    def own_library_needs_inventories(self) -> Study:
        if not self.shipped_inventories and not self.inventories:
            raise ValueError("'shipped_inventories: false' needs the study's own 'inventories'")
        if self.replaces and not self.shipped_inventories:
            raise ValueError("'replaces' names shipped entries, but 'shipped_inventories' is "
                             "false: the shipped library is not loaded")
        return self
