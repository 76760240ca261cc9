"""The tidy results frame and its standard views.

``scores`` (long format) has one row per (phase, life-cycle stage, impact category):

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's ``name``
variant        the variant name (``base`` for the study as written)
phase          phase id (e.g. ``final_training``)
phase_label    the phase's label in the study's taxonomy
stage          ``gpu_manufacturing``, ``server_manufacturing``, ``electricity``,
               ``cooling_water``
impact         impact category id from the methods file (e.g. ``climate_change``)
impact_label   its label
method         the Brightway method, its name parts joined by `` | ``
score          the bw2calc score of the stage's demand vector for the phase
unit           the impact category's unit (e.g. ``kg CO2-eq``)
============== =====================================================================

``audit`` has one row per activity row (and extra-energy entry) with every intermediate of
:class:`gpulca.model.translate.RowQuantities` (``gpu_hours``, ``it_energy_kwh``,
``facility_energy_kwh``, ``cooling_water_evaporated_m3``, ``gpu_units``...).

:func:`development_multiplier` has one row per impact category:

============== =====================================================================
column         meaning
============== =====================================================================
impact         impact category id
impact_label   its label
unit           its unit
total          the whole study (every phase and stage)
final          the final-training phase alone (every stage)
multiplier     total / final: how many times the final run the whole development
               weighs (NaN when the final training scores 0)
============== =====================================================================
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from gpulca.core.phases import FINAL_TRAINING
from gpulca.core.vocabulary import STAGES
from gpulca.model.columnar import QuantityColumns
from gpulca.model.translate import RowQuantities
from gpulca.schemas.methods import MethodSet

SCORE_COLUMNS = ("scenario", "variant", "phase", "phase_label", "stage", "impact",
                 "impact_label", "method", "score", "unit")


def functional_unit_name(phase: str, stage: str) -> str:
    """Name of the (phase, stage) demand vector sent to bw2calc."""
    return f"{phase}|{stage}"


def scores_frame(scenario: str, variant: str, phases: Iterable[str],
                 phase_labels: Mapping[str, str], scores: Mapping[tuple[str, str], float],
                 methods: MethodSet, units: Mapping[str, str],
                 not_assessed: Collection[str] = ()) -> pd.DataFrame:
    """Build the tidy scores frame from bw2calc scores keyed by (impact id, FU name).

    A stage the study declared not assessed has NaN scores (never 0): the CSV writes
    "not assessed" for them, the reports say so (:func:`not_assessed_stages`), sums skip them.
    """
    records = []
    for phase in phases:
        for stage in STAGES:
            for category in methods.impact_categories:
                key = (category.id, functional_unit_name(phase, stage))
                score = math.nan if stage in not_assessed else scores.get(key, 0.0)
                records.append((scenario, variant, phase, phase_labels.get(phase, phase), stage,
                                category.id, category.label, " | ".join(category.method),
                                score, units.get(category.id, "")))
    return pd.DataFrame.from_records(records, columns=list(SCORE_COLUMNS))


AUDIT_FIELDS = tuple(f.name for f in dataclasses.fields(RowQuantities))
"""The audit frame's columns after ``scenario`` and ``variant``: every field of
:class:`~gpulca.model.translate.RowQuantities`, in order."""


def not_assessed_stages(scores: pd.DataFrame) -> list[str]:
    """The stages of a scores frame declared not assessed (all their scores NaN), in order."""
    if scores.empty:
        return []
    missing = scores["score"].isna().groupby(scores["stage"]).all()
    return [s for s in STAGES if bool(missing.get(s, False))]


def audit_frame(scenario: str, variant: str,
                rows: Iterable[RowQuantities] | QuantityColumns) -> pd.DataFrame:
    """One row per activity row with every intermediate quantity.

    Built column by column (from the translator's columns, :mod:`gpulca.model.columnar`, or
    one list of each field's values), not one dictionary per row: the same frame as
    ``DataFrame.from_records`` of each row's ``dataclasses.asdict``, in a fraction of the time
    and memory for a million rows.
    """
    if isinstance(rows, QuantityColumns):
        return _audit_from_columns(scenario, variant, rows)
    rows = list(rows)
    if not rows:
        return pd.DataFrame.from_records([])
    columns: dict[str, object] = {"scenario": [scenario] * len(rows),
                                  "variant": [variant] * len(rows)}
    for name in AUDIT_FIELDS:
        columns[name] = list(map(attrgetter(name), rows))
    return pd.DataFrame(columns)


def _audit_from_columns(scenario: str, variant: str, columns: QuantityColumns,
                        names: Sequence[str] | None = None) -> pd.DataFrame:
    """The audit frame (or its columns ``names``) of ``columns``."""
    if len(columns) == 0:
        return pd.DataFrame.from_records([])
    wanted = ("scenario", "variant", *AUDIT_FIELDS) if names is None else tuple(names)
    data: dict[str, object] = {}
    for name in wanted:
        if name in ("scenario", "variant"):
            data[name] = np.full(len(columns), scenario if name == "scenario" else variant,
                                 dtype=object)
        elif name in columns.codes:
            data[name] = _text_series(columns.codes[name], columns.values[name])
        elif name == "it_energy_measured":
            data[name] = columns.measured
        else:
            data[name] = columns.numbers[name]
    return pd.DataFrame(data, copy=False)


@dataclass(frozen=True, eq=False)
class AuditColumns:
    """The audit trail of a run whose rows were translated as columns, kept as those columns:
    the frame (:func:`audit_frame`) is built only when asked for, whole (:meth:`frame`) or a
    few columns at a time (``names``); ``audit.csv`` of a million rows is written from the
    columns themselves (:meth:`table_columns`), never from a frame of them all."""

    scenario: str
    variant: str
    columns: QuantityColumns

    def __len__(self) -> int:
        return len(self.columns)

    def frame(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """The audit frame (only the columns ``names``, in that order, when given): equal to
        those columns of :func:`audit_frame`."""
        return _audit_from_columns(self.scenario, self.variant, self.columns, names)

    def table_columns(self) -> dict[str, object]:
        """The audit frame's columns, whole and without a frame: the scenario and variant as
        one text each, the other texts as categories of their codes, the numbers as arrays
        (:func:`gpulca.results.export.columns_csv_writer`'s table)."""
        columns: dict[str, object] = {"scenario": self.scenario, "variant": self.variant}
        for name in AUDIT_FIELDS:
            if name in self.columns.codes:
                columns[name] = pd.Categorical.from_codes(
                    self.columns.codes[name],
                    dtype=pd.CategoricalDtype(list(self.columns.values[name])),
                    validate=False) if self.columns.values[name] else None
            elif name == "it_energy_measured":
                columns[name] = self.columns.measured
            else:
                columns[name] = self.columns.numbers[name]
        return columns


def _text_series(codes: np.ndarray, values: tuple[str, ...]) -> pd.Series:
    """A text column from codes into ``values`` (-1: None), of the dtype pandas infers for the
    list of texts (``str``; ``object`` when every value is None), built by Arrow."""
    if not values:
        return pd.Series(np.full(len(codes), None, dtype=object), dtype=object)
    texts = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                           pa.array(values, type=pa.string()))
    return pd.Series(pd.array(texts.cast(pa.large_string()),
                              dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def phase_impact_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Phases (rows, in study order) x impacts (columns), summed over stages, with a total row."""
    phase_order = list(dict.fromkeys(scores["phase"]))
    impact_order = list(dict.fromkeys(scores["impact"]))
    table = scores.pivot_table(index="phase", columns="impact", values="score", aggfunc="sum")
    table = table.reindex(index=phase_order, columns=impact_order)
    table.loc["total"] = table.sum(axis=0)
    return table


def stage_impact_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Stages x impacts summed over phases."""
    table = scores.pivot_table(index="stage", columns="impact", values="score", aggfunc="sum")
    return table.reindex(index=[s for s in STAGES if s in table.index],
                         columns=list(dict.fromkeys(scores["impact"])))


def impact_units(scores: pd.DataFrame) -> dict[str, str]:
    """Unit of each impact category in a scores frame (or any frame with ``impact`` and
    ``unit`` columns)."""
    return dict(zip(scores["impact"], scores["unit"], strict=False))


def impact_labels(scores: pd.DataFrame) -> dict[str, str]:
    """Label of each impact category in a scores frame (or any frame with ``impact`` and
    ``impact_label`` columns)."""
    return dict(zip(scores["impact"], scores["impact_label"], strict=False))


MULTIPLIER_COLUMNS = ("impact", "impact_label", "unit", "total", "final", "multiplier")


def development_multiplier(scores: pd.DataFrame, final_phase: str = FINAL_TRAINING
                           ) -> pd.DataFrame:
    """Per impact: whole study, final training, and their ratio (empty without that phase)."""
    if final_phase not in set(scores["phase"]):
        return pd.DataFrame(columns=list(MULTIPLIER_COLUMNS))
    records = []
    for impact, frame in scores.groupby("impact", sort=False):
        total = float(frame["score"].sum())
        final = float(frame.loc[frame["phase"] == final_phase, "score"].sum())
        records.append((impact, frame["impact_label"].iloc[0], frame["unit"].iloc[0], total,
                        final, total / final if final else float("nan")))
    return pd.DataFrame.from_records(records, columns=list(MULTIPLIER_COLUMNS))


def phase_share(audit: pd.DataFrame, phase: str = FINAL_TRAINING,
                column: str = "gpu_hours") -> float:
    """Share (0-1) of an audit quantity (default GPU-hours) spent in ``phase``; NaN if none."""
    total = float(audit[column].sum()) if len(audit) else 0.0
    if not total:
        return float("nan")
    return float(audit.loc[audit["phase"] == phase, column].sum()) / total
