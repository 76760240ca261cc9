"""Checks of a measurement against the phase it is attached to (pure functions).

- :func:`coverage_finding`: a measurement covering less than :data:`MIN_COVERAGE_SHARE` of its
  phase's GPU-hours (or clearly more than the phase) is an error unless the study says why it is
  deliberate (``partial``);
- :func:`implied_power_finding`: the mean power per GPU the measurement implies must lie within
  the accelerator's idle to maximum range.

The split of a row into measured and modelled parts is :func:`gpulca.model.measured.measured_split`.
"""

from __future__ import annotations

MIN_COVERAGE_SHARE = 0.5
"""Smallest share of a phase's GPU-hours a measurement may cover without a stated reason [1].

Assumption (why): below half, the measured part no longer represents the phase; the modelled
rest dominates and a mis-attached log (4 GPU-h attached to 3,072) would go unnoticed."""
MAX_COVERAGE_SHARE = 1.25
"""A measurement covering more than this share of its phase's GPU-hours measured other work too
[1] (the same 25% tolerance as the ingestion's coverage warning)."""
IDLE_SHARE_OF_RATED = 0.1
"""Lower bound of a GPU's mean power, as a share of its rated power, when its idle power is not
known [1]. Assumption (why): an idle datacenter GPU draws well above a tenth of its rated power
(e.g. the BLOOM study's idle consumption); a lower mean means the log missed most of the work."""


def coverage_finding(phase_gpu_hours: float, covered_gpu_hours: float | None,
                     min_share: float = MIN_COVERAGE_SHARE) -> str | None:
    """Why a measurement's coverage of its phase is not credible, or None.

    Args:
        phase_gpu_hours: GPU-hours of the rows the measurement is attached to [GPU·h].
        covered_gpu_hours: GPU-hours the measurement covers [GPU·h] (None: unknown, no finding).
        min_share: the smallest share accepted [1].
    """
    if covered_gpu_hours is None or phase_gpu_hours <= 0:
        return None
    share = covered_gpu_hours / phase_gpu_hours
    if share < min_share:
        return (f"the measurement covers {covered_gpu_hours:,.6g} GPU-h of the phase's "
                f"{phase_gpu_hours:,.6g} GPU-h ({share:.2%}), less than {min_share:.0%}: the "
                "rest stays modelled; say why with 'partial' if this is deliberate")
    if share > MAX_COVERAGE_SHARE:
        return (f"the measurement covers {covered_gpu_hours:,.6g} GPU-h, more than the phase's "
                f"{phase_gpu_hours:,.6g} GPU-h ({share:.0%}): it measured other work too")
    return None


def implied_power_finding(measured_kwh: float, covered_gpu_hours: float | None,
                          low_w: float, high_w: float) -> str | None:
    """Why the mean power per GPU a measurement implies is not credible, or None.

    Args:
        measured_kwh: energy of the GPU boards (or of the IT load, with bounds to match) [kWh].
        covered_gpu_hours: the GPU-hours it covers [GPU·h] (None or 0: no finding).
        low_w: the accelerator's idle power (or the stated floor) [W].
        high_w: its maximum power [W].
    """
    if not covered_gpu_hours:
        return None
    power_w = measured_kwh * 1000.0 / covered_gpu_hours
    if low_w <= power_w <= high_w:
        return None
    return (f"{power_w:,.4g} W per GPU ({measured_kwh:,.6g} kWh over {covered_gpu_hours:,.6g} "
            f"GPU-h) is outside the accelerator's {low_w:,.0f}-{high_w:,.0f} W range")
