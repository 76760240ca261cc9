"""The tables and facts of a report, shared by the Excel workbook and the charts.

Everything here is computed from :class:`gpulca.results.result.StudyResult` objects (the tidy
``scores`` frame, the ``audit`` frame and the resolved study), so the workbook, the PNG/SVG charts
and the CLI print the same numbers; stage names and number formats come from
:mod:`gpulca.core.vocabulary`.

A report holds one or more results: the first is the base, the others are variants of it
(``gpulca compare``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.core.parameters import PARAMETERS, Parameter, display_value
from gpulca.core.phases import FINAL_TRAINING
from gpulca.core.units import conversion_factor
from gpulca.core.vocabulary import (
    NOT_ASSESSED,
    STAGES,
    format_number,
    format_percent,
    format_range,
    stage_label,
)
from gpulca.results.frames import (
    development_multiplier,
    impact_labels,
    impact_units,
    not_assessed_stages,
    phase_impact_table,
    phase_share,
    stage_impact_table,
)
from gpulca.results.reference import compare_reference

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult
    from gpulca.study.resolve import ResolvedStudy

VERSIONED_PACKAGES = ("gpulca", "bw2data", "bw2calc", "bw2io", "bw_processing", "stats_arrays",
                      "numpy", "scipy", "pandas", "pint", "openpyxl", "matplotlib")


@dataclass(frozen=True)
class MethodDetails:
    """An impact category with what Brightway stores about its method."""

    impact: str
    label: str
    method: tuple[str, ...]
    unit: str
    """The unit results are reported in (the methods file's, else Brightway's)."""
    brightway_unit: str
    num_cfs: int | None
    source_file: str
    source: str | None
    data_version: str


@dataclass
class ReportData:
    """What a workbook or a chart set is made from: the results (base first), the methods, the
    versions and the date."""

    results: list[StudyResult]
    methods: list[MethodDetails]
    versions: dict[str, str]
    run_date: datetime
    overrides: dict[str, list[str]] = field(default_factory=dict)
    """Applied overrides per variant, as ``"key: old -> new"`` lines."""
    root: Path | None = None
    """The folder that holds every input file; paths are shown relative to it."""
    reference: pd.DataFrame | None = None
    """The base study's published figures beside gpulca's values
    (:func:`gpulca.results.reference.compare_reference`); None or empty without a ``reference:``."""
    compared: int | None = None
    """How many variants the comparison has, when the report details only some of them (a
    large sweep: the lowest, the highest and the baseline); None when it has them all."""

    def path(self, text: str) -> str:
        """A file name, or ``file:line``, relative to :attr:`root` when it lies under it."""
        name, sep, line = text.rpartition(":") if re.search(r":\d+$", text) else (text, "", "")
        if self.root is not None and name:
            resolved = Path(name).resolve()
            if resolved.is_relative_to(self.root):
                name = resolved.relative_to(self.root).as_posix()
        return f"{name}{sep}{line}"

    @property
    def base(self) -> StudyResult:
        return self.results[0]

    @property
    def has_variants(self) -> bool:
        return len(self.results) > 1

    @property
    def impacts(self) -> list[str]:
        return impacts_of(self.base.scores)

    @property
    def labels(self) -> dict[str, str]:
        return impact_labels(self.base.scores)

    @property
    def units(self) -> dict[str, str]:
        return impact_units(self.base.scores)


def impacts_of(scores: pd.DataFrame) -> list[str]:
    """Impact category ids of a scores frame, in the methods file's order."""
    return list(dict.fromkeys(scores["impact"]))


# -- building a report ----------------------------------------------------------------------------

def package_versions() -> dict[str, str]:
    """Python and the installed versions of gpulca and its main dependencies."""
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    if versions["gpulca"] == "not installed":
        from gpulca.core.version import __version__

        versions["gpulca"] = f"{__version__} (source tree)"
    return versions


def default_run_date() -> datetime:
    """Now (UTC), or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def method_details(result: StudyResult) -> list[MethodDetails]:
    """The impact categories of ``result`` with the Brightway metadata read when it was solved
    (:attr:`StudyResult.method_metadata`)."""
    versions = package_versions()
    data_version = (f"ecoinvent 3.9 LCIA implementation and biosphere3 flows bundled with "
                    f"bw2io {versions['bw2io']}")
    units = impact_units(result.scores)
    details = []
    for category in result.study.methods.impact_categories:
        stored = result.method_metadata.get(category.id, {})
        details.append(MethodDetails(
            impact=category.id, label=category.label, method=tuple(category.method),
            unit=units.get(category.id, category.unit or ""),
            brightway_unit=str(stored.get("unit", "")), num_cfs=stored.get("num_cfs"),
            source_file=str(stored.get("filename", "")), source=category.source,
            data_version=data_version))
    return details


def input_root(results: Sequence[StudyResult]) -> Path | None:
    """The deepest folder holding every input file of the results."""
    folders = {str(Path(f).resolve().parent) for r in results for f in r.study.input_files}
    return Path(os.path.commonpath(sorted(folders))) if folders else None


def comparison_inputs(comparison: Any) -> tuple[list[StudyResult], dict[str, list[str]]]:
    """The results (baseline first) and the override log of a ``gpulca compare`` result.

    ``comparison`` is a :class:`gpulca.results.comparison.ComparisonResult`: ``results`` by
    variant name, the ``baseline`` name, and the ``overrides`` frame (``variant``, ``key``,
    ``old``, ``new``, ``set_by``...). Each override becomes a line ``"key: old -> new (set_by)"``.
    """
    results = dict(comparison.results)
    first = comparison.baseline if comparison.baseline in results else next(iter(results))
    ordered = [results[first]] + [r for name, r in results.items() if name != first]
    overrides: dict[str, list[str]] = {}
    resolved = _resolved_values(comparison)
    for row in comparison.overrides.to_dict("records"):
        variant, key = str(row["variant"]), str(row["key"])
        new = str(row["new"])
        if new == NOT_SET and row.get("note"):
            # the base value was dropped for one a catalogue entry supplies: log what the
            # variant ended with (the terminal's "FR -> DE"), not the dropped value's absence
            parameter = key.rpartition(".")[2]
            new = f"{resolved.get((variant, parameter), row['old'])} ({row['note']})"
        by = f" ({row['set_by']})" if row.get("set_by") else ""
        overrides.setdefault(variant, []).append(f"{key}: {row['old']} -> {new}{by}")
    return ordered, overrides


NOT_SET = "(not set)"
"""How the override log writes a value a variant does not set (see
:mod:`gpulca.study.variants.apply`)."""


def _resolved_values(comparison: Any) -> dict[tuple[str, str], str]:
    """``(variant, parameter) -> value as resolved`` from the comparison's ``differences``
    frame (with its unit), for the parameters that differ from the baseline."""
    differences = getattr(comparison, "differences", None)
    if differences is None or differences.empty:
        return {}
    return {(str(r["variant"]), str(r["parameter"])):
            f"{_plain(r['value'])} {r['unit']}".strip() if r.get("unit") else _plain(r["value"])
            for r in differences.to_dict("records")}


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def build_report(results: Sequence[StudyResult],
                 overrides: Mapping[str, Sequence[str]] | None = None,
                 run_date: datetime | None = None,
                 methods: Sequence[MethodDetails] | None = None) -> ReportData:
    """Collect what a workbook needs: the results, method metadata, versions and the date."""
    if not results:
        raise ValueError("a report needs at least one result")
    names = [r.variant for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must be unique in a report; got {names}")
    return ReportData(
        results=list(results),
        methods=list(methods) if methods is not None else method_details(results[0]),
        versions=package_versions(),
        run_date=run_date or default_run_date(),
        overrides={k: list(v) for k, v in (overrides or {}).items()},
        root=input_root(results), reference=compare_reference(results[0]))


# -- result tables --------------------------------------------------------------------------------

def phase_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Phases x impacts with a ``total`` row (:func:`gpulca.results.frames.phase_impact_table`)."""
    return phase_impact_table(scores)


def stage_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Stages (all, in result order) x impacts with a ``total`` row; a stage declared not
    assessed is NaN (:func:`stage_heading`), left out of the total."""
    table = stage_impact_table(scores).reindex(index=list(STAGES)).fillna(0.0)
    table.loc[not_assessed_stages(scores)] = float("nan")
    table.loc["total"] = table.sum(axis=0)
    return table


def phase_stage_table(scores: pd.DataFrame, impact: str) -> pd.DataFrame:
    """Phases (rows, study order) x stages (columns) of one impact, without totals; a stage
    declared not assessed is NaN (sums skip it)."""
    subset = scores[scores["impact"] == impact]
    table = subset.pivot_table(index="phase", columns="stage", values="score", aggfunc="sum")
    table = table.reindex(index=list(dict.fromkeys(subset["phase"])),
                          columns=list(STAGES)).fillna(0.0)
    table[not_assessed_stages(scores)] = float("nan")
    return table


def stage_heading(stage: str, missing: Sequence[str]) -> str:
    """A stage's label, followed by "(not assessed)" when the study declared it so."""
    return f"{stage_label(stage)} ({NOT_ASSESSED})" if stage in missing else stage_label(stage)


def variant_stage_table(report: ReportData, impact: str) -> pd.DataFrame:
    """Variants (rows) x stages (columns) of one impact, summed over phases."""
    rows = {}
    for result in report.results:
        subset = result.scores[result.scores["impact"] == impact]
        by_stage = subset.groupby("stage")["score"].sum().reindex(list(STAGES)).fillna(0.0)
        by_stage[not_assessed_stages(result.scores)] = float("nan")
        rows[result.variant] = by_stage
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(STAGES))


def totals(scores: pd.DataFrame) -> pd.Series:
    """Total score per impact, in impact order."""
    return scores.groupby("impact", sort=False)["score"].sum()


def variant_totals(report: ReportData) -> pd.DataFrame:
    """Variants (rows) x impacts (columns): total scores."""
    return pd.DataFrame({r.variant: totals(r.scores) for r in report.results}).T.reindex(
        columns=report.impacts)


def relative_to_base(table: pd.DataFrame) -> pd.DataFrame:
    """Each row divided by the first row (NaN where the base is 0)."""
    base = table.iloc[0].replace(0.0, float("nan"))
    return table.divide(base, axis=1)


RANKING_SHOWN = 25
"""Variants the Summary's ranking lists at most: the best and the worst, and the baseline."""


def ranking(report: ReportData, shown: int = RANKING_SHOWN) -> pd.DataFrame:
    """Variants ranked by the first impact (1 = lowest), with each impact's total and its change
    against the base study (the first result); ``rank`` ties share the lowest rank. Beyond
    ``shown`` variants, the best and the worst halves and the baseline."""
    table = variant_totals(report)
    first = report.impacts[0]
    base = report.base.variant
    frame = pd.DataFrame({"variant": table.index.astype(str)})
    frame["rank"] = table[first].rank(method="min").astype(int).to_numpy()
    for impact in report.impacts:
        frame[impact] = table[impact].to_numpy()
        baseline = float(table[impact].iloc[0])  # the base study is the first row
        frame[f"{impact}_change"] = (table[impact].to_numpy() - baseline) / baseline \
            if baseline else float("nan")
    frame = frame.sort_values(["rank", "variant"], kind="stable").reset_index(drop=True)
    if len(frame) > shown:
        half = (shown - 1) // 2
        keep = set(frame.index[:half]) | set(frame.index[-half:]) | \
            set(frame.index[frame["variant"] == base])
        frame = frame.loc[sorted(keep)]
    return frame


def headline_rows(report: ReportData) -> list[list[Any]]:
    """The Summary's headline: per impact, its label, total, the final training run's share,
    the development multiplier, the largest phase and the largest stage."""
    scores = report.base.scores
    shares = final_training_shares(scores)
    rows = []
    for impact_key, total in totals(scores).items():
        impact = str(impact_key)
        subset = scores[scores["impact"] == impact]
        stages = subset.groupby("stage")["score"].sum()
        phases = subset.groupby("phase_label", sort=False)["score"].sum()
        final = shares[impact]
        rows.append([report.labels[impact], float(total), final, 1 / final if final else None,
                     str(phases.idxmax()) if total else "",
                     stage_label(str(stages.idxmax())) if total else ""])
    return rows


def share(part: float, whole: float) -> float | None:
    """``part / whole``, or None when the whole is 0."""
    return part / whole if whole else None


def final_training_shares(scores: pd.DataFrame) -> dict[str, float | None]:
    """Share of the final training run in each impact's total (None: no such phase, or 0)."""
    if FINAL_TRAINING not in set(scores["phase"]):
        return {impact: None for impact in dict.fromkeys(scores["impact"])}
    final = scores[scores["phase"] == FINAL_TRAINING].groupby("impact", sort=False)["score"].sum()
    return {str(impact): share(float(final.get(impact, 0.0)), float(total))
            for impact, total in totals(scores).items()}


# -- plain-language reading -----------------------------------------------------------------------

def _operations_sentence(result: StudyResult) -> str:
    audit, site, study = result.audit, result.study.site, result.study
    accelerators = [study.library.library.accelerators[a].item.name
                    for a in study.hardware if a in study.library.library.accelerators]

    def total(column: str, unit: str = "") -> str:
        return format_number(float(audit[column].sum()), unit)

    return (f"{total('gpu_hours')} GPU-hours on "
            f"{', '.join(accelerators) or 'the study hardware'} drew "
            f"{total('facility_energy_kwh', 'kWh')} of electricity from the "
            f"{site.grid_zone} grid (PUE {site.pue:g}, IT energy "
            f"{total('it_energy_kwh', 'kWh')}) and evaporated "
            f"{total('cooling_water_evaporated_m3', 'm3')} of cooling water on site "
            f"(WUE {site.wue_l_per_kwh:g} L/kWh).")


def _impact_sentence(scores: pd.DataFrame, impact: str, final: float | None) -> str:
    subset = scores[scores["impact"] == impact]
    label, unit = subset["impact_label"].iloc[0], subset["unit"].iloc[0]
    total = float(subset["score"].sum())
    if total == 0:
        return f"{label}: 0 {unit} (no characterised flow)."
    stages = subset.groupby("stage")["score"].sum().sort_values(ascending=False)
    phases = subset.groupby("phase_label", sort=False)["score"].sum().sort_values(
        ascending=False)
    stage_share = format_percent(share(float(stages.iloc[0]), total))
    phase_share_text = format_percent(share(float(phases.iloc[0]), total))
    text = (f"{label}: {format_number(total, unit)}. "
            f"Largest stage: {stage_label(str(stages.index[0]))} ({stage_share}); "
            f"largest phase: {phases.index[0]} ({phase_share_text})")
    if final is not None:
        text += f"; final training run: {format_percent(final)}"
    return text + "."


def _final_training_sentence(result: StudyResult) -> str:
    """The development multiplier (whole study / final training run) in words."""
    table = development_multiplier(result.scores)
    if table.empty:
        return ("The study has no 'final_training' phase, so its share and the development "
                "multiplier cannot be given.")
    finite = table["multiplier"].dropna()
    if finite.empty:
        return "The final training run scores 0 for every impact."
    low, high = float(finite.min()), float(finite.max())
    gpu = phase_share(result.audit)
    # "12.0%" without a space: the workbook has always printed this share so (golden text).
    share = f"The final training run is {gpu:.1%} of the GPU-hours; " if math.isfinite(gpu) \
        else ""
    smallest, largest = format_percent(1 / high), format_percent(1 / low)
    shown = smallest if smallest == largest else f"{smallest} to {largest}"
    return (f"{share}the whole development weighs {format_range(low, high)} times the final "
            "training run (the development multiplier): a report of the final run alone would "
            f"show {shown} of the footprint.")


def reading(result: StudyResult, part: str = "sheet") -> list[str]:
    """A short plain-language reading of a result, generated from its numbers; ``part`` is what
    the document calls its parts ("sheet" in the workbook, "section" in the HTML report)."""
    scores = result.scores
    shares = final_training_shares(scores)
    lines = [_operations_sentence(result)]
    lines += [_impact_sentence(scores, impact, shares[impact]) for impact in shares]
    lines.append(_final_training_sentence(result))
    if any(e.spec.stand_in for _, e in solved_exchanges(result.study, result.demands)):
        lines.append("Some manufacturing data are published only as characterised totals and "
                     f"are carried by stand-in flows; each is named in the Inventory {part} "
                     "(column 'Stand-in'), with the methods it does not cover.")
    lines.append(f"These are point values. The Assumptions {part} gives the source, quality and "
                 f"uncertainty of every parameter; the Inventory {part} gives the source of every "
                 "exchange.")
    return lines


# -- assumptions, activity and inventory ----------------------------------------------------------

@dataclass(frozen=True)
class AssumptionRow:
    """One parameter a result used, with its provenance."""

    key: str
    value: float | str
    unit: str
    source: str
    quality: str
    uncertainty: str
    origin: str


UNCERTAINTY_HEADERS = ("Distribution", "GSD (lognormal)", "SD (normal)", "Minimum", "Maximum")
"""The uncertainty of a value as table columns (the SD, minimum and maximum in the value's
unit), instead of the distribution's JSON."""


def uncertainty_columns(text: str | None, scale: float = 1.0
                        ) -> tuple[str, float | None, float | None, float | None, float | None]:
    """``(distribution, gsd, sd, minimum, maximum)`` of an uncertainty as the study wrote it
    (JSON of :class:`gpulca.schemas.common.Uncertainty`); amounts divided by ``scale`` (the
    display unit's size, e.g. 8760 for a lifetime in hours shown in years). A lognormal given by
    ``sigma`` is shown by its GSD, exp(sigma)."""
    if not text:
        return ("", None, None, None, None)
    data = json.loads(text)

    def scaled(name: str) -> float | None:
        value = data.get(name)
        return None if value is None else float(value) / scale

    gsd = data.get("gsd")
    if gsd is None and data.get("sigma") is not None:
        gsd = math.exp(float(data["sigma"]))
    return (str(data.get("distribution", "")), None if gsd is None else float(gsd),
            scaled("sd"), scaled("minimum"), scaled("maximum"))


def parameter_of(key: str) -> Parameter | None:
    """The parameter table's entry for an assumption key (``hardware[h100].gpu_power`` is
    ``hardware.gpu_power``)."""
    return PARAMETERS.get(re.sub(r"\[[^\]]*\]", "", key))


def assumption_display(row: AssumptionRow) -> tuple[float | str, str, float]:
    """``(value, unit, scale)`` as people read it: a lifetime in years, not hours (the parameter
    table's display unit); ``scale`` divides amounts in the stored unit."""
    parameter = parameter_of(row.key)
    if parameter is None or isinstance(row.value, str) or parameter.unit is None or \
            parameter.display_unit in (None, parameter.unit):
        return row.value, row.unit, 1.0
    return (display_value(parameter, row.value), parameter.report_unit,
            conversion_factor(parameter.display_unit, parameter.unit))


def _gpus_per_node_rows(study: ResolvedStudy) -> list[AssumptionRow]:
    spec = study.study.hardware
    if spec.gpus_per_node is not None:
        return [AssumptionRow("hardware.gpus_per_node", spec.gpus_per_node, "GPU/node",
                              f"given in the study file {study.file}", "", "", str(study.file))]
    servers = study.library.library.servers
    if not spec.server or spec.server not in servers:
        return []
    located = servers[spec.server]
    origin = f"{located.lines.file}:{located.lines.line_of(located.path)}"
    return [AssumptionRow("hardware.gpus_per_node", located.item.gpus_per_node, "GPU/node",
                          located.item.source or f"server catalogue entry {spec.server!r}",
                          located.item.quality or "", "", origin)]


def assumption_rows(study: ResolvedStudy) -> list[AssumptionRow]:
    """Every parameter the study used (site, hardware, extra energy), with its provenance."""
    rows = [AssumptionRow(r.key, r.value, r.unit, r.source or "", r.quality or "",
                          r.uncertainty or "", r.origin) for r in study.assumptions]
    return rows + _gpus_per_node_rows(study)


def activity_frame(result: StudyResult) -> pd.DataFrame:
    """The audit frame with the source of each row (activity rows, then extra energy)."""
    study = result.study.study
    sources = [study.activity.source] * len(result.study.activity) + \
        [extra.source for extra in study.extra_energy]
    frame = result.audit.copy()
    frame["source"] = sources[:len(frame)] + [""] * (len(frame) - len(sources))
    return frame


def solved_processes(study: ResolvedStudy, demands: Mapping[str, Mapping[str, Mapping[str, float]]]
                     ) -> list[str]:
    """Codes of the library processes the demands reach, in library order (a located copy of a
    cooling process, see :mod:`gpulca.library.water`, counts as the library process it copies)."""
    from gpulca.library.water import library_code

    pending = [library_code(code) for stages in demands.values() for demand in stages.values()
               for code in demand]
    reached: set[str] = set()
    while pending:
        code = pending.pop()
        if code in reached or code not in study.library.exchanges:
            continue
        reached.add(code)
        pending.extend(str(e.target) for e in study.library.exchanges[code]
                       if e.kind == "technosphere" and isinstance(e.target, str))
    return [code for code in study.library.library.processes if code in reached]


def solved_exchanges(study: ResolvedStudy, demands: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(process code, ResolvedExchange)`` of every exchange of the solved foreground."""
    return [(code, exchange) for code in solved_processes(study, demands)
            for exchange in study.library.exchanges[code]]


def _flow_name(study: ResolvedStudy, exchange: Any) -> tuple[str, str]:
    """Name and categories (or location) of what an exchange points at."""
    if exchange.kind == "biosphere":
        flow = study.library.flows.by_code.get(str(exchange.target))
        return (flow.name, "/".join(flow.categories)) if flow else (str(exchange.target), "")
    if isinstance(exchange.target, str):
        process = study.library.library.processes[exchange.target].item
        return process.name, process.location
    ref = exchange.target
    return f"{ref.database}: {ref.name or ref.code}", ref.location or ""


def inventory_frame(study: ResolvedStudy, demands: Mapping[str, Any]) -> pd.DataFrame:
    """One row per exchange of the solved foreground, with its source and the amount as written."""
    records = []
    for code, exchange in solved_exchanges(study, demands):
        located = study.library.library.processes[code]
        spec = exchange.spec
        flow, where = _flow_name(study, exchange)
        line = located.lines.line_of(located.path)
        records.append({
            "process": code, "process_name": located.item.name,
            "process_unit": located.item.unit, "kind": exchange.kind, "flow": flow,
            "compartment": where, "amount": exchange.amount, "unit": exchange.unit,
            "amount_as_written": exchange.formula or exchange.source_amount,
            "unit_as_written": exchange.source_unit,
            "source": spec.source or f"assumption: {spec.assumption}",
            "quality": spec.quality or "",
            "uncertainty": spec.uncertainty.model_dump_json(exclude_none=True)
            if spec.uncertainty else "",
            "stand_in": spec.stand_in or "", "comment": spec.comment or "",
            "file": f"{located.lines.file}:{line}"})
    return pd.DataFrame.from_records(records)


def _assumption(key: str, value: float | str, source: str) -> tuple[str, float | str, str, str]:
    """One Summary row: the parameter's label, its value in the unit people read, that unit."""
    parameter = PARAMETERS[key]
    return (parameter.label, display_value(parameter, value), parameter.report_unit, source)


def main_assumptions(result: StudyResult) -> list[tuple[str, float | str, str, str]]:
    """The Summary's main assumptions: ``(what, value, unit, source)``, labelled and converted
    by the parameter table (:data:`gpulca.core.parameters.PARAMETERS`)."""
    study = result.study
    by_key = {r.key: r for r in assumption_rows(study)}
    accelerator = study.study.hardware.accelerator
    hardware = study.hardware[accelerator]
    library = study.library.library

    def source(key: str) -> str:
        return by_key[key].source if key in by_key else ""

    zone = library.grid_zones.get(study.site.grid_zone)
    rows = [
        _assumption("site.grid_zone", f"{study.site.grid_zone} ({zone.item.name})" if zone
                    else study.site.grid_zone, source("site.grid_zone")),
        _assumption("site.pue", study.site.pue, source("site.pue")),
        _assumption("site.wue", study.site.wue_l_per_kwh, source("site.wue")),
    ]
    if study.site.wue_withdrawal_l_per_kwh != study.site.wue_l_per_kwh:
        rows.append(_assumption("site.wue_withdrawal", study.site.wue_withdrawal_l_per_kwh,
                                source("site.wue_withdrawal")))
    prefix = f"hardware[{accelerator}]"
    card = library.accelerators.get(accelerator)
    host = library.servers.get(study.study.hardware.server or "")
    rows += [
        _assumption("hardware.accelerator", card.item.name if card else accelerator,
                    card.item.source or "" if card else ""),
        _assumption("hardware.gpu_power", hardware.gpu_power_w, source(f"{prefix}.gpu_power")),
        _assumption("hardware.gpu_load", hardware.gpu_load, source(f"{prefix}.gpu_load")),
        _assumption("hardware.server", host.item.name if host else "none (GPUs only)",
                    host.item.source or "" if host else ""),
        _assumption("hardware.gpus_per_node", hardware.gpus_per_node,
                    source("hardware.gpus_per_node")),
        _assumption("hardware.node_overhead_power", hardware.node_overhead_w,
                    source(f"{prefix}.node_overhead_power")),
        _assumption("hardware.lifetime", hardware.lifetime_h, source("hardware.lifetime")),
        _assumption("hardware.utilisation", hardware.utilisation,
                    source("hardware.utilisation")),
    ]
    return rows
