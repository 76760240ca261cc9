"""Compare a run with the published figures of its study's ``reference:`` block.

Each figure's ``compute`` selection is summed from the run's tidy scores (impact scores filtered
by phase and stage) or audit frame (GPU-hours, energy, water, amortised units), optionally divided
by a second selection, and converted to the figure's unit. The comparison frame has one row per
figure:

============== =====================================================================
column         meaning
============== =====================================================================
id             the figure's id (``S2``, ``B7``...)
what           what the figure is
paper          the published value, in ``unit``
gpulca         gpulca's value of the same quantity, in ``unit``
unit           the figure's unit (``lb CO2e``, ``t CO2-eq``, ``kWh``, ``%``...)
deviation      (gpulca - paper) / paper; NaN when the paper's value is 0
difference     gpulca - paper, in ``unit``
tolerance      the allowed deviation, as text (``±0.5%``, ``±0.3``)
within         True when gpulca lies within the tolerance
source         where in the publication
============== =====================================================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import pint

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import UnitProblem, leading_unit, registry, to_pint_unit
from gpulca.schemas.reference import Computation, ReferenceFigure, Selection

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult

AUDIT_UNITS = {
    "gpu_hours": "hour",
    "node_hours": "hour",
    "it_energy_kwh": "kWh",
    "facility_energy_kwh": "kWh",
    "cooling_water_evaporated_m3": "cubic meter",
    "cooling_water_returned_m3": "cubic meter",
    "gpu_units": "unit",
    "server_units": "unit",
}
"""Unit of each audit column a selection may sum (GPU- and node-hours count as hours)."""

COMPARISON_COLUMNS = ("id", "what", "paper", "gpulca", "unit", "deviation", "difference",
                      "tolerance", "within", "source")


def _pue_scale(selection: Selection, site_pue: float) -> float:
    """Factor turning electricity at the site's PUE into electricity at the selection's PUE."""
    return 1.0 if selection.pue is None else selection.pue / site_pue


def _impact_sum(selection: Selection, scores: pd.DataFrame, site_pue: float
                ) -> tuple[float, str]:
    frame = scores[scores["impact"] == selection.impact]
    unit = str(frame["unit"].iloc[0]) if len(frame) else ""
    if selection.phases is not None:
        frame = frame[frame["phase"].isin(selection.phases)]
    if selection.stages is not None:
        frame = frame[frame["stage"].isin(selection.stages)]
    if frame.empty:  # e.g. a phase without activity: nothing to sum (pandas' empty map is
        return 0.0, unit  # of object dtype and would not multiply)
    scale = frame["stage"].map(lambda s: _pue_scale(selection, site_pue)
                               if s == "electricity" else 1.0)
    return float((frame["score"] * scale).sum()), unit


def _audit_sum(selection: Selection, audit: pd.DataFrame, site_pue: float) -> tuple[float, str]:
    column = str(selection.quantity)
    frame = audit
    if selection.phases is not None:
        frame = frame[frame["phase"].isin(selection.phases)]
    value = float(frame[column].sum()) if len(frame) else 0.0
    if column == "facility_energy_kwh":
        value *= _pue_scale(selection, site_pue)
    return value, AUDIT_UNITS[column]


def selection_quantity(selection: Selection, result: StudyResult) -> pint.Quantity:
    """The sum a selection describes, as a quantity in its physical unit."""
    site_pue = result.study.site.pue
    if selection.service is not None:  # units of service (schemas.deployment)
        from gpulca.results.service import service_count

        return registry().Quantity(service_count(result, selection.service), "dimensionless")
    if selection.impact is not None:
        value, unit = _impact_sum(selection, result.scores, site_pue)
        if not unit.strip():
            raise UnitProblem(f"impact category {selection.impact!r} has no unit; give one in "
                              "the methods file")
        return registry().Quantity(value, leading_unit(unit))
    value, unit = _audit_sum(selection, result.audit, site_pue)
    return registry().Quantity(value, to_pint_unit(unit))


def figure_value(figure: ReferenceFigure, result: StudyResult) -> float:
    """gpulca's value of ``figure``, in the figure's unit.

    Raises:
        UnitProblem: when gpulca's quantity does not convert to the figure's unit.
    """
    compute: Computation = figure.compute
    quantity = selection_quantity(compute, result)
    if compute.divide_by is not None:
        denominator = selection_quantity(compute.divide_by, result)
        if denominator.magnitude == 0:
            return math.nan
        quantity = quantity / denominator
    target = leading_unit(figure.unit)
    try:
        return float(quantity.to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitProblem(f"gpulca computes this figure in {quantity.units:~P}, which does not "
                          f"convert to {figure.unit!r}") from exc


def compare_reference(result: StudyResult) -> pd.DataFrame:
    """Every published figure of the study beside gpulca's value (empty without a reference).

    Raises:
        InputError: naming every figure whose unit does not fit gpulca's quantity.
    """
    reference = result.study.study.reference
    if reference is None:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    records, problems = [], []
    for index, figure in enumerate(reference.figures):
        try:
            value = figure_value(figure, result)
        except UnitProblem as exc:
            problems.append(Problem(str(result.study.file), f"reference.figures[{index}].unit",
                                    str(exc), value=figure.unit))
            continue
        difference = value - figure.value
        records.append((
            figure.id, figure.what, figure.value, value, figure.unit,
            difference / figure.value if figure.value else math.nan, difference,
            figure.tolerance.describe(),
            bool(math.isfinite(value) and figure.tolerance.allows(figure.value, value)),
            figure.source or reference.source))
    if problems:
        raise InputError(problems)
    return pd.DataFrame.from_records(records, columns=list(COMPARISON_COLUMNS))
