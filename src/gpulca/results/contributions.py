"""Contribution analysis as a tidy frame: which processes and which elementary flows make each
impact, per phase and for the whole study.

``contributions`` (long, one row per phase or study x impact x process or flow):

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's ``name``
variant        the variant name (``base`` for the study as written)
scope          ``phase`` or ``study`` (every phase together)
phase          phase id (empty for the study)
phase_label    its label (``Whole study`` for the study)
impact         impact category id; ``impact_label`` its label; ``unit`` its unit
kind           ``process`` (a process's own emissions and resources, characterised) or
               ``flow`` (an elementary flow over every process, characterised)
database       the Brightway database of the process or flow
code           its code in that database
name           its name
where          a process's location; a flow's compartment
score          its contribution (same unit as the impact)
share          score / the score of the phase (or study) and impact; the shares of one
               kind sum to 1 (NaN when the score is 0)
rank           1 = the largest contribution (by magnitude) of its kind
============== =====================================================================

The processes are those of the Brightway database: the library's processes (a grid zone's
electricity, the located cooling water copies, GPU and host manufacturing...), reached through
the study's operation processes (one GPU-hour of operation, :mod:`gpulca.model.operation`),
which have no emissions of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from gpulca.engine.contributions import Contribution
from gpulca.schemas.methods import MethodSet

CONTRIBUTION_COLUMNS = ("scenario", "variant", "scope", "phase", "phase_label", "impact",
                        "impact_label", "unit", "kind", "database", "code", "name", "where",
                        "score", "share", "rank")
STUDY = "study"
"""The scope of the whole study."""
STUDY_DEMAND = "|study"
"""The demand name of the whole study (no phase id contains ``|``)."""
STUDY_LABEL = "Whole study"


def contributions_frame(scenario: str, variant: str, records: Iterable[Contribution],
                        phase_labels: Mapping[str, str], methods: MethodSet,
                        units: Mapping[str, str]) -> pd.DataFrame:
    """The tidy contributions frame (columns :data:`CONTRIBUTION_COLUMNS`)."""
    labels = {c.id: c.label for c in methods.impact_categories}
    order = {c.id: i for i, c in enumerate(methods.impact_categories)}
    phases = {phase: i for i, phase in enumerate(phase_labels)}
    rows = [(scenario, variant, STUDY if r.demand == STUDY_DEMAND else "phase",
             "" if r.demand == STUDY_DEMAND else r.demand,
             STUDY_LABEL if r.demand == STUDY_DEMAND else phase_labels.get(r.demand, r.demand),
             r.impact, labels.get(r.impact, r.impact), units.get(r.impact, ""), r.kind,
             r.database, r.code, r.name, r.where, r.score) for r in records]
    frame = pd.DataFrame.from_records(rows, columns=list(CONTRIBUTION_COLUMNS[:14]))
    if frame.empty:
        return pd.DataFrame(columns=list(CONTRIBUTION_COLUMNS))
    group = frame.groupby(["scope", "phase", "impact", "kind"], sort=False)["score"]
    total = group.transform("sum")
    frame["share"] = frame["score"] / total.where(total != 0)
    frame["magnitude"] = frame["score"].abs()
    frame["rank"] = frame.groupby(["scope", "phase", "impact", "kind"], sort=False)[
        "magnitude"].rank(method="first", ascending=False).astype(int)
    frame["_scope"] = (frame["scope"] != STUDY).astype(int)  # the whole study first
    frame["_phase"] = frame["phase"].map(phases).fillna(-1)
    frame["_impact"] = frame["impact"].map(order)
    frame = frame.sort_values(["_scope", "_phase", "_impact", "kind", "rank"], kind="stable")
    return frame[list(CONTRIBUTION_COLUMNS)].reset_index(drop=True)


def top_contributions(frame: pd.DataFrame, kind: str = "process", count: int = 3,
                      scope: str = STUDY) -> pd.DataFrame:
    """The ``count`` largest contributions of ``kind`` per impact, for the study (or each
    phase with ``scope="phase"``)."""
    selected = frame[(frame["kind"] == kind) & (frame["scope"] == scope)
                     & (frame["rank"] <= count)]
    return selected.reset_index(drop=True)
