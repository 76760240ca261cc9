"""gpulca's water withdrawal indicator: the volume of fresh water taken from rivers, lakes and
aquifers, whether it is then evaporated (consumed) or returned.

Consumption (ReCiPe 2016 water consumption potential, EF 3.1 and AWARE scarcity) counts only
water that leaves the basin, mostly to air. Withdrawal is the other volume a datacenter is asked
about: the USGS defines it as "water removed from the ground or diverted from a surface-water
source for use" (Dieter et al. 2018, Estimated use of water in the United States in 2015, USGS
Circular 1441, doi:10.3133/cir1441, Glossary). No method bundled with bw2io counts it, so gpulca
registers :data:`WITHDRAWAL_METHOD` in its project: factor 1 m3/m3 on every biosphere3
fresh-water resource flow (:data:`gpulca.library.water.WITHDRAWAL_FLOWS`); salt water, turbine
use (in-stream hydropower use, which the USGS does not count as withdrawal), water in air and
fossil well water get none.

In the library, on-site withdrawal is the cooling processes' resource flows (evaporated, and
withdrawn and returned: the site's ``wue_withdrawal``); off-site withdrawal is the resource flows
of each grid zone's electricity process (see :func:`gpulca.library.water.withdrawal_is_consumption`
for zones whose published factor is consumption only).
"""

from __future__ import annotations

import contextlib
import sys
from types import ModuleType

from gpulca.engine.bundled import WITHDRAWAL_METHOD
from gpulca.engine.methodwrite import fast_method_ids
from gpulca.engine.project import BIOSPHERE, check_project_name
from gpulca.engine.solve import node_ids
from gpulca.library.water import WITHDRAWAL_FLOWS

WITHDRAWAL_VERSION = 1
"""Bump when the factors change, so projects are updated."""
METHOD_UNIT = "m3"
METHOD_DESCRIPTION = (
    "gpulca: fresh water withdrawn (taken from surface or ground water, consumed or returned), "
    "1 m3 per m3 of every biosphere3 fresh-water resource flow; definition: Dieter et al. 2018, "
    "USGS Circular 1441, doi:10.3133/cir1441. Not a scarcity-weighted indicator.")


def withdrawal_is_installed(bd: ModuleType) -> bool:
    method = bd.methods.get(WITHDRAWAL_METHOD) if WITHDRAWAL_METHOD in bd.methods else None
    return bool(method and method.get("gpulca_withdrawal_version") == WITHDRAWAL_VERSION)


def ensure_withdrawal_method(bd: ModuleType) -> bool:
    """Register :data:`WITHDRAWAL_METHOD` in the current gpulca project, once; True when it was
    (re)installed."""
    check_project_name(bd.projects.current)
    if withdrawal_is_installed(bd):
        return False
    ids = node_ids(BIOSPHERE)
    with contextlib.redirect_stdout(sys.stderr):
        method = bd.Method(WITHDRAWAL_METHOD)
        if WITHDRAWAL_METHOD not in bd.methods:
            method.register()
        cfs = [(ids[code], 1.0) for code, _ in WITHDRAWAL_FLOWS if code in ids]
        with fast_method_ids({i for i, _ in cfs}):
            method.write(cfs)
        bd.methods[WITHDRAWAL_METHOD].update(
            unit=METHOD_UNIT, description=METHOD_DESCRIPTION,
            gpulca_withdrawal_version=WITHDRAWAL_VERSION)
        bd.methods.flush()
    return True
