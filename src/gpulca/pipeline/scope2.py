"""Location-based and market-based Scope 2 electricity of a study (``gpulca scope2``, issue 15).

The GHG Protocol Scope 2 Guidance (WRI/WBCSD 2015) asks for both: **location-based**, the grid
average where the electricity is consumed (what every gpulca result uses: the zone's electricity
process, solved by bw2calc), and **market-based**, the electricity the company contracted for:
the share matched by zero-emission instruments (PPAs, guarantees of origin, RECs) counts zero,
the rest is charged at the residual-mix (or supplier) factor. Market-based figures are climate
change only (contracts carry no water or mineral attributes).

Per phase: location-based = the electricity stage's climate score of the run; market-based =
facility kWh x (1 - matched share) x residual factor, or, without a residual factor,
location-based x (1 - matched share) (the grid average standing in for the residual mix, which
over-states nothing but is labelled).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import UnitProblem, cached_magnitude
from gpulca.results.result import StudyResult
from gpulca.schemas.scenario import MarketBasedSpec

CLIMATE = "climate_change"
LOCATION = "location-based"
MARKET = "market-based"
COLUMNS = ("phase", "basis", "facility_kwh", "kg_co2e", "g_co2e_per_kwh", "method")


@dataclass(frozen=True)
class MarketTerms:
    """The study's market-based terms in canonical units."""

    matched_share: float
    residual_g_per_kwh: float | None
    label: str


def market_terms(spec: MarketBasedSpec, file: str) -> MarketTerms:
    """Read the shares and factor; a value out of range or in the wrong unit is located."""
    problems = []
    share = 0.0
    if spec.renewable_share is not None:
        try:
            share = cached_magnitude(spec.renewable_share.value, "dimensionless",
                                     "dimensionless")
        except UnitProblem as exc:
            problems.append(Problem(file, "site.market_based.renewable_share", str(exc),
                                    value=spec.renewable_share.value))
        else:
            if not 0.0 <= share <= 1.0:
                problems.append(Problem(file, "site.market_based.renewable_share",
                                        "expected a share between 0 and 1", value=share))
    residual = None
    if spec.residual_factor is not None:
        try:
            residual = cached_magnitude(spec.residual_factor.value, "g/kWh")
        except UnitProblem as exc:
            problems.append(Problem(file, "site.market_based.residual_factor",
                                    f"{exc}; expected e.g. '23.5 g/kWh'",
                                    value=spec.residual_factor.value))
    if problems:
        raise InputError(problems)
    parts = [f"{share:.0%} matched" + (f" ({spec.instrument})" if spec.instrument else "")]
    parts.append(f"rest at {residual:g} g/kWh (residual factor)" if residual is not None
                 else "rest at the location-based factor (no residual factor given)")
    return MarketTerms(share, residual, "; ".join(parts))


def scope2_frame(result: StudyResult) -> pd.DataFrame:
    """Per phase and in total: location-based and (when the study gives terms) market-based
    electricity, kWh, kg CO2-eq and the implied factor."""
    scores = result.scores
    electricity = scores[(scores["stage"] == "electricity") & (scores["impact"] == CLIMATE)]
    lb = electricity.groupby("phase", sort=False)["score"].sum()
    kwh = result.audit.groupby("phase", sort=False)["facility_energy_kwh"].sum()
    spec = result.study.study.site.market_based
    terms = market_terms(spec, str(result.study.file)) if spec is not None else None
    records = []
    for phase in kwh.index:
        energy = float(kwh[phase])
        location = float(lb.get(phase, 0.0))
        records.append((phase, LOCATION, energy, location,
                        location / energy * 1000.0 if energy else 0.0,
                        f"grid zone {result.study.site.grid_zone} (library, bw2calc)"))
        if terms is not None:
            unmatched = 1.0 - terms.matched_share
            market = (energy * unmatched * terms.residual_g_per_kwh / 1000.0
                      if terms.residual_g_per_kwh is not None else location * unmatched)
            records.append((phase, MARKET, energy, market,
                            market / energy * 1000.0 if energy else 0.0, terms.label))
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    totals = frame.groupby("basis", sort=False).agg(
        facility_kwh=("facility_kwh", "sum"), kg_co2e=("kg_co2e", "sum"),
        method=("method", "first")).reset_index()
    totals["phase"] = "total"
    totals["g_co2e_per_kwh"] = (totals["kg_co2e"] / totals["facility_kwh"] * 1000.0).where(
        totals["facility_kwh"] > 0, 0.0)
    return pd.concat([frame, totals[list(COLUMNS)]], ignore_index=True)
