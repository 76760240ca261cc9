"""Demand vectors of many sites at once (``gpulca.model.site_columns``) equal translating each
site alone (``row_quantities`` then ``phase_demands``): every amount float for float, and which
processes each site's demand vector holds."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.core.vocabulary import STAGES
from gpulca.model.site_columns import site_columns
from gpulca.model.translate import (
    HardwareParameters,
    InfrastructureParameters,
    SiteParameters,
    phase_demands,
    row_quantities,
)

HARDWARE = HardwareParameters("h100", 700.0, 0.8, 8, 1200.0, 43800.0, 0.85, "gpu_h100",
                              "server_hgx")
FULL = InfrastructureParameters("building", "rack", "network", 12.5, "storage", 7.0)
# a shared code: evaporated and returned water in one process, electricity of network too
SHARED = InfrastructureParameters(None, None, "network", 3.0, None, 0.0)


def _site(pue: float, wue: float, withdrawal: float, infra: InfrastructureParameters,
          cooling: tuple[str, str]) -> SiteParameters:
    return SiteParameters("FR", "elec_fr", pue, wue, withdrawal, cooling[0], cooling[1], infra)


FACTORS = st.one_of(st.floats(0.0, 3.0), st.sampled_from([0.0, 1.0, 1.58, 1e-300]))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["exploration", "final", "ablation"]),
                               st.one_of(st.floats(0.0, 1e6), st.just(0.0)),
                               st.one_of(st.none(), st.floats(0.0, 1e5))),
                     min_size=1, max_size=4),
       sites=st.lists(st.tuples(FACTORS, FACTORS, FACTORS), min_size=1, max_size=6),
       infra=st.sampled_from([InfrastructureParameters(), FULL, SHARED]),
       cooling=st.sampled_from([("evap", "ret"), ("water", "water")]),
       withdrawal_is_wue=st.booleans())
def test_site_columns_equal_each_site_alone(rows: list[tuple[str, float, float | None]],
                                            sites: list[tuple[float, float, float]],
                                            infra: InfrastructureParameters,
                                            cooling: tuple[str, str],
                                            withdrawal_is_wue: bool) -> None:
    if withdrawal_is_wue:
        sites = [(pue, wue, wue) for pue, wue, _ in sites]
    alone = []
    for pue, wue, withdrawal in sites:
        site = _site(pue, wue, withdrawal, infra, cooling)
        alone.append(phase_demands([row_quantities(phase, hours, HARDWARE, site, measured)
                                    for phase, hours, measured in rows]))
    first = _site(*sites[0], infra, cooling)
    quantities = [row_quantities(phase, hours, HARDWARE, first, measured)
                  for phase, hours, measured in rows]
    columns = site_columns(quantities, *(np.array(v, dtype=float) for v in zip(*sites,
                                                                             strict=True)))
    for s, demands in enumerate(alone):
        assert list(columns.amounts) == list(demands)
        for phase, stages in demands.items():
            for stage in STAGES:
                present = columns.present[phase][stage]
                mine = {code: float(np.broadcast_to(amount, (len(sites),))[s])
                        for code, amount in columns.amounts[phase][stage].items()
                        if present[code][s]}
                theirs = stages[stage]
                assert set(mine) == set(theirs)
                for code, amount in theirs.items():  # the same bits (0.0 and -0.0 apart)
                    assert np.float64(mine[code]).tobytes() == np.float64(amount).tobytes()


def test_a_zero_wue_leaves_the_cooling_water_out() -> None:
    site = _site(1.2, 0.0, 0.0, InfrastructureParameters(), ("evap", "ret"))
    row = row_quantities("p", 100.0, HARDWARE, site)
    columns = site_columns([row], np.array([1.2, 1.3]), np.array([0.0, 0.5]),
                           np.array([0.0, 0.5]))
    assert columns.present["p"]["cooling_water"]["evap"].tolist() == [False, True]
    assert not columns.present["p"]["cooling_water"]["ret"].any()  # withdrawal = WUE: none
    assert phase_demands([dataclasses.replace(row)])["p"]["cooling_water"] == {}
