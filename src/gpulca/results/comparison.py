"""The comparison of a study's variants: :class:`ComparisonResult` and its frames (pure).

``comparison`` (long, one row per variant and impact category):

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's ``name``
variant        the variant name (``base``: the study as written)
kind           ``base``, ``variant`` (named) or ``sweep`` (a sweep point)
impact         impact category id; ``impact_label`` its label; ``unit`` its unit
score          total over phases and life-cycle stages
baseline      the score of the baseline variant (``variants.baseline``, default base)
change         ``score - baseline``
change_pct     ``100 * change / baseline`` (empty when the baseline is 0)
rank           1 = the lowest score of this impact among all variants (ties share a rank)
============== =====================================================================

``overrides``: every applied override (variant, step, key, old, new, set_by, origin, note).
``parameters``: the resolved site and hardware of every variant (variant, parameter, value,
unit, source). ``differences``: the parameters that differ from the baseline (variant,
parameter, unit, baseline_value, value, source).

Every variant's scores are one array (:class:`VariantScores`: one row per (variant, phase,
life-cycle stage) demand vector, one column per impact category), from which the tidy scores
frame and the comparison frame are built column-wise; a variant's :class:`StudyResult` (its own
frames and audit trail) is built only when it is read (:class:`VariantResults`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpulca.core.parameters import PARAMETERS, display_value
from gpulca.results.frames import (
    SCORE_COLUMNS,
    functional_unit_name,
    impact_labels,
    impact_units,
)
from gpulca.results.result import StudyResult
from gpulca.study.variants import ResolvedVariant, VariantStudy

COMPARISON_COLUMNS = ("scenario", "variant", "kind", "impact", "impact_label", "unit", "score",
                      "baseline", "change", "change_pct", "rank")
OVERRIDE_COLUMNS = ("variant", "step", "key", "old", "new", "set_by", "origin", "note")
PARAMETER_COLUMNS = ("variant", "parameter", "value", "unit", "source")
DIFFERENCE_COLUMNS = ("variant", "parameter", "unit", "baseline_value", "value", "source")


class VariantResults(Mapping[str, StudyResult]):
    """Every variant's :class:`StudyResult` by name, in report order, each built (and kept) the
    first time it is read: iterating the names or counting them builds nothing."""

    def __init__(self, names: Sequence[str], build: Callable[[str], StudyResult]) -> None:
        self._names = list(names)
        self._index = set(self._names)
        self._build = build
        self._built: dict[str, StudyResult] = {}

    def __getitem__(self, name: str) -> StudyResult:
        if name not in self._built:
            if name not in self._index:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._index


@dataclass(frozen=True)
class VariantScores:
    """Every variant's scores in one array, with what each row and column is.

    Row ``r`` is the demand vector of (variant, phase, life-cycle stage); the rows of variant
    ``v`` (:attr:`variants` order) are ``offsets[v]:offsets[v + 1]``, its phases in study order,
    each with every stage. Column ``m`` is impact category :attr:`impacts` ``[m]``.
    """

    variants: tuple[str, ...]
    scenarios: tuple[str, ...]
    """The study name of each variant."""
    offsets: np.ndarray
    phases: np.ndarray
    """Phase id of each row (object array)."""
    phase_labels: np.ndarray
    stages: np.ndarray
    impacts: tuple[str, ...]
    impact_labels: tuple[str, ...]
    methods: tuple[str, ...]
    """Each impact's Brightway method, its name parts joined by `` | ``."""
    units: tuple[str, ...]
    scores: np.ndarray
    """``rows x impacts`` [the impact's unit]."""

    def rows_of(self, variant: int) -> slice:
        return slice(int(self.offsets[variant]), int(self.offsets[variant + 1]))

    def variant_scores(self, variant: int) -> dict[tuple[str, str], float]:
        """One variant's scores keyed like :func:`gpulca.engine.solve.solve`: (impact id,
        functional unit name)."""
        rows = self.rows_of(variant)
        block = self.scores[rows]
        return {(impact, functional_unit_name(phase, stage)): float(block[r, m])
                for r, (phase, stage) in enumerate(zip(self.phases[rows], self.stages[rows],
                                                       strict=True))
                for m, impact in enumerate(self.impacts)}

    def subset(self, variants: Sequence[int]) -> VariantScores:
        """The rows of the given variants (indices, in increasing order) only."""
        rows = [np.arange(self.offsets[v], self.offsets[v + 1]) for v in variants]
        taken = np.concatenate(rows) if rows else np.array([], dtype=int)
        counts = np.array([len(r) for r in rows], dtype=int)
        return VariantScores(
            variants=tuple(self.variants[v] for v in variants),
            scenarios=tuple(self.scenarios[v] for v in variants),
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(self.offsets.dtype),
            phases=self.phases[taken], phase_labels=self.phase_labels[taken],
            stages=self.stages[taken], impacts=self.impacts, impact_labels=self.impact_labels,
            methods=self.methods, units=self.units, scores=self.scores[taken])

    def frame(self) -> pd.DataFrame:
        """The tidy scores frame of every variant (columns :data:`SCORE_COLUMNS` of
        :mod:`gpulca.results.frames`), built column-wise: equal to the per-variant frames
        concatenated in variant order, its text columns categorical (each distinct text once:
        560,000 rows of 10,000 variants take 20 MB rather than 160 MB)."""
        count = len(self.impacts)
        rows = len(self.phases)
        variant_of_row = np.repeat(np.arange(len(self.variants)), np.diff(self.offsets))
        each_impact = np.tile(np.arange(count), rows)

        def column(values: Sequence[str] | np.ndarray, index: np.ndarray) -> pd.Series:
            # a categorical: each distinct text once (in order of appearance), a small code
            # per row
            codes, uniques = pd.factorize(np.asarray(values, dtype=object))
            return pd.Series(pd.Categorical.from_codes(
                codes[index], categories=pd.Index(uniques, dtype="str")))

        columns = {
            "scenario": column(self.scenarios, np.repeat(variant_of_row, count)),
            "variant": column(self.variants, np.repeat(variant_of_row, count)),
            "phase": column(self.phases, np.repeat(np.arange(rows), count)),
            "phase_label": column(self.phase_labels, np.repeat(np.arange(rows), count)),
            "stage": column(self.stages, np.repeat(np.arange(rows), count)),
            "impact": column(self.impacts, each_impact),
            "impact_label": column(self.impact_labels, each_impact),
            "method": column(self.methods, each_impact),
            "score": pd.Series(self.scores.reshape(-1).astype(float, copy=True)),
            "unit": column(self.units, each_impact),
        }
        return pd.DataFrame({name: columns[name] for name in SCORE_COLUMNS})

    def totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each variant's total of each impact over its phases and stages: (variant index,
        impact index, total), in variant then impact order. Summed by pandas' grouped sum in
        row order, exactly as a groupby of each variant's frame by impact."""
        count = len(self.impacts)
        rows = len(self.phases)
        variant_of_row = np.repeat(np.arange(len(self.variants)), np.diff(self.offsets))
        keys = np.repeat(variant_of_row, count) * count + np.tile(np.arange(count), rows)
        sums = pd.Series(self.scores.reshape(-1)).groupby(keys, sort=False).sum()
        index = sums.index.to_numpy()
        return index // count, index % count, sums.to_numpy(dtype=float)


@dataclass
class ComparisonResult:
    """Every variant's result, the comparison frames and the run's context."""

    name: str
    file: Path
    baseline: str
    variants: VariantStudy
    results: Mapping[str, StudyResult]
    """By variant name, in report order (base first); from :func:`compare_variants
    <gpulca.pipeline.compare.compare_variants>` a :class:`VariantResults`, each variant's
    result built when first read."""
    comparison: pd.DataFrame
    overrides: pd.DataFrame
    parameters: pd.DataFrame
    differences: pd.DataFrame
    database: str
    project: str
    data_dir: Path
    warnings: list[str] = field(default_factory=list)
    score_array: VariantScores | None = None
    """Every variant's scores in one array, when the comparison was built from it."""

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Every variant's tidy scores frame (see :mod:`gpulca.results.frames`), concatenated;
        from the score array its text columns are categorical (:meth:`VariantScores.frame`)."""
        if self.score_array is not None:
            return self.score_array.frame()
        return pd.concat([r.scores for r in self.results.values()], ignore_index=True)

    def totals(self, value: str = "score") -> pd.DataFrame:
        """Variants (rows, report order) x impact ids (columns) of a ``comparison`` column."""
        table = self.comparison.pivot(index="variant", columns="impact", values=value)
        return table.reindex(index=list(self.results),
                             columns=list(dict.fromkeys(self.comparison["impact"])))

    def by_stage(self, variants: Sequence[str] | None = None) -> pd.DataFrame:
        """Long frame: variant, impact, stage, score (summed over phases; NaN for a stage
        declared not assessed); of the given ``variants`` only, if any."""
        keys = ["variant", "impact", "stage"]
        array = self.score_array
        if variants is not None and array is not None and "scores" not in self.__dict__:
            # a few variants of a large comparison: their rows of the array, not the whole
            # frame (not built yet) filtered; the same rows in the same order
            wanted = set(variants)
            scores = array.subset([v for v, name in enumerate(array.variants)
                                   if name in wanted]).frame()
        else:
            scores = self.scores
            if variants is not None:
                scores = scores[scores["variant"].isin(list(variants))]
        table = (scores.groupby(keys, sort=False, observed=True)["score"]
                 .sum(min_count=1).reset_index())
        return table.astype(dict.fromkeys(keys, "str"))


def comparison_frame(variants: VariantStudy, results: dict[str, StudyResult]) -> pd.DataFrame:
    """The long comparison frame (columns :data:`COMPARISON_COLUMNS`)."""
    records = []
    for name, result in results.items():
        frame = result.scores
        totals = frame.groupby("impact", sort=False)["score"].sum()
        labels = impact_labels(frame)
        units = impact_units(frame)
        for impact, score in totals.items():
            records.append((result.study.name, name, variants.variants[name].kind, impact,
                            labels[str(impact)], units[str(impact)], float(score)))
    table = pd.DataFrame.from_records(records, columns=list(COMPARISON_COLUMNS[:7]))
    return _with_changes(table, variants.baseline)


def comparison_frame_from_scores(variants: VariantStudy, array: VariantScores) -> pd.DataFrame:
    """The long comparison frame (columns :data:`COMPARISON_COLUMNS`) from every variant's
    score array, column-wise: equal to :func:`comparison_frame` of the per-variant results."""
    variant, impact, totals = array.totals()
    kinds = [variants.variants[name].kind for name in array.variants]

    def pick(values: Sequence[str], index: np.ndarray) -> np.ndarray:
        picked: np.ndarray = np.array(values, dtype=object)[index]
        return picked

    table = pd.DataFrame({
        "scenario": pick(array.scenarios, variant), "variant": pick(array.variants, variant),
        "kind": pick(kinds, variant), "impact": pick(array.impacts, impact),
        "impact_label": pick(array.impact_labels, impact), "unit": pick(array.units, impact),
        "score": totals})
    return _with_changes(table, variants.baseline)


def _with_changes(table: pd.DataFrame, baseline_name: str) -> pd.DataFrame:
    """Add the baseline, change, change_pct and rank columns to variant totals."""
    baseline = table[table["variant"] == baseline_name].set_index("impact")["score"]
    table["baseline"] = table["impact"].map(baseline).astype(float)
    table["change"] = table["score"] - table["baseline"]
    denominator = table["baseline"].where(table["baseline"] != 0)
    table["change_pct"] = 100.0 * table["change"] / denominator
    table["rank"] = table.groupby("impact", sort=False)["score"].rank(method="min").astype(int)
    return table[list(COMPARISON_COLUMNS)]


def overrides_frame(variants: VariantStudy) -> pd.DataFrame:
    """Every applied override of every variant (columns :data:`OVERRIDE_COLUMNS`)."""
    records = [(o.variant, o.step, o.key, o.old, o.new, o.set_by, o.origin, o.note)
               for v in variants.variants.values() for o in v.overrides]
    return pd.DataFrame.from_records(records, columns=list(OVERRIDE_COLUMNS))


VariantParameters = dict[str, tuple[Any, str, str | None]]
"""A variant's resolved parameters: name -> (value, unit, source)."""


def variant_parameters(variant: ResolvedVariant,
                       shown: dict[tuple[str, type, Any], Any] | None = None
                       ) -> VariantParameters:
    """The resolved site and default hardware of a variant: name -> (value, unit, source).

    Names, units and the conversion to the unit people read (a lifetime in years) come from the
    parameter table (:data:`gpulca.core.parameters.PARAMETERS`). ``shown`` remembers converted
    values by (parameter key, type, value) over many variants.
    """
    study = variant.study
    site, spec = study.site, study.study
    hardware = study.hardware[spec.hardware.accelerator]
    sources = {a.key: a.source for a in study.assumptions}
    prefix = f"hardware[{hardware.accelerator}]"
    # Canonical values by parameter key, with the assumption key their source is recorded under.
    values: dict[str, tuple[Any, str | None]] = {
        "site.site": (spec.site.site or "", None),
        "site.grid_zone": (site.grid_zone, "site.grid_zone"),
        "site.pue": (site.pue, "site.pue"),
        "site.wue": (site.wue_l_per_kwh, "site.wue"),
        "site.wue_withdrawal": (site.wue_withdrawal_l_per_kwh, "site.wue_withdrawal"),
        "hardware.accelerator": (hardware.accelerator, None),
        "hardware.server": (spec.hardware.server or "", None),
        "hardware.gpu_power": (hardware.gpu_power_w, f"{prefix}.gpu_power"),
        "hardware.gpu_load": (hardware.gpu_load, f"{prefix}.gpu_load"),
        "hardware.node_overhead_power": (hardware.node_overhead_w,
                                         f"{prefix}.node_overhead_power"),
        "hardware.gpus_per_node": (hardware.gpus_per_node, None),
        "hardware.lifetime": (hardware.lifetime_h, "hardware.lifetime"),
        "hardware.utilisation": (hardware.utilisation, "hardware.utilisation"),
        "activity.gpu_hours_scale": (variant.gpu_hours_scale, "activity.gpu_hours_scale"),
    }
    defaults = {"site.wue_withdrawal": "equal to wue"}
    rows: dict[str, tuple[Any, str, str | None]] = {}
    for key, (value, source_key) in values.items():
        name, unit = _name_and_unit(key)
        source = None if source_key is None else sources.get(source_key, defaults.get(key))
        if shown is None:
            display = display_value(PARAMETERS[key], value)
        else:  # by type too: 8 and 8.0 are equal keys but are written differently
            memo = (key, type(value), value)
            if memo not in shown:
                shown[memo] = display_value(PARAMETERS[key], value)
            display = shown[memo]
        rows[name] = (display, unit, source)
    return rows


@functools.cache
def _name_and_unit(key: str) -> tuple[str, str]:
    """A parameter's name and unit column (:data:`PARAMETERS`, a constant table)."""
    parameter = PARAMETERS[key]
    return parameter.name, parameter.unit_symbol


def all_variant_parameters(variants: VariantStudy) -> dict[str, VariantParameters]:
    """:func:`variant_parameters` of every variant, by name (for :func:`parameters_frame` and
    :func:`differences_frame` of many variants)."""
    shown: dict[tuple[str, type, Any], Any] = {}
    return {name: variant_parameters(variant, shown)
            for name, variant in variants.variants.items()}


def parameter_frames(variants: VariantStudy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`parameters_frame` and :func:`differences_frame` of every variant in one pass,
    each variant's parameters made and dropped in turn (not a dict per variant kept: about
    20 MB less at 10,001 variants); the same frames."""
    shown: dict[tuple[str, type, Any], Any] = {}
    baseline = variant_parameters(variants.variants[variants.baseline], shown)
    records: list[tuple[Any, ...]] = []
    differences: list[tuple[Any, ...]] = []
    for name, variant in variants.variants.items():
        table = baseline if name == variants.baseline else variant_parameters(variant, shown)
        for key, (value, unit, source) in table.items():
            records.append((name, key, value, unit, source))
            if name != variants.baseline and value != baseline[key][0]:
                differences.append((name, key, unit, baseline[key][0], value, source))
    return (pd.DataFrame.from_records(records, columns=list(PARAMETER_COLUMNS)),
            pd.DataFrame.from_records(differences, columns=list(DIFFERENCE_COLUMNS)))


def parameters_frame(variants: VariantStudy,
                     parameters: Mapping[str, VariantParameters] | None = None) -> pd.DataFrame:
    """Resolved parameters of every variant (columns :data:`PARAMETER_COLUMNS`);
    ``parameters``: :func:`all_variant_parameters`, when already computed."""
    table = parameters if parameters is not None else all_variant_parameters(variants)
    records = [(name, key, value, unit, source)
               for name in variants.variants
               for key, (value, unit, source) in table[name].items()]
    return pd.DataFrame.from_records(records, columns=list(PARAMETER_COLUMNS))


def differences_frame(variants: VariantStudy,
                      parameters: Mapping[str, VariantParameters] | None = None
                      ) -> pd.DataFrame:
    """Parameters that differ from the baseline (columns :data:`DIFFERENCE_COLUMNS`);
    ``parameters``: :func:`all_variant_parameters`, when already computed."""
    table = parameters if parameters is not None else all_variant_parameters(variants)
    baseline = table[variants.baseline]
    records = []
    for name in variants.variants:
        if name == variants.baseline:
            continue
        for key, (value, unit, source) in table[name].items():
            if value != baseline[key][0]:
                records.append((name, key, unit, baseline[key][0], value, source))
    return pd.DataFrame.from_records(records, columns=list(DIFFERENCE_COLUMNS))
