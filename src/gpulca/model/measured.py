"""Measured energy with its coverage: which part of a row's work a measurement covers.

A measurement (an energy log) covers some GPU-hours of a phase: its jobs, its time window, its
GPUs. It replaces the modelled IT energy of those GPU-hours only; the rest of the row's GPU-hours
stays modelled. :func:`measured_split` splits a row (covered GPU-hours and measured kWh, the rest
modelled); the checks of a measurement against its phase are in :mod:`gpulca.ingest.coverage`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeasuredSplit:
    """A row's IT energy split into a measured part and a modelled rest.

    Attributes:
        covered_gpu_hours: GPU-hours the measurement covers [GPU·h].
        measured_it_energy_kwh: their IT energy: the measurement, plus the modelled host share
            when it covers the GPU boards only [kWh].
        modelled_gpu_hours: the row's other GPU-hours [GPU·h].
        modelled_it_energy_kwh: their modelled IT energy [kWh].
    """

    covered_gpu_hours: float
    measured_it_energy_kwh: float
    modelled_gpu_hours: float
    modelled_it_energy_kwh: float

    @property
    def it_energy_kwh(self) -> float:
        """The row's IT energy, measured and modelled [kWh]."""
        return self.measured_it_energy_kwh + self.modelled_it_energy_kwh


def measured_split(gpu_hours: float, measured_kwh: float, covered_gpu_hours: float | None,
                   modelled_kw_per_gpu: float, host_kw_per_gpu: float,
                   scope: str) -> MeasuredSplit:
    """Split a row of ``gpu_hours`` with ``measured_kwh`` measured over ``covered_gpu_hours``.

    Args:
        gpu_hours: the row's GPU-hours [GPU·h].
        measured_kwh: the measured energy [kWh].
        covered_gpu_hours: the GPU-hours it covers (None: the whole row) [GPU·h]; capped at
            ``gpu_hours``.
        modelled_kw_per_gpu: modelled IT power per busy GPU, host share included [kW].
        host_kw_per_gpu: the host share alone [kW], added to a ``gpu``-scope measurement.
        scope: ``gpu`` (GPU boards only) or ``it`` (the whole IT load).
    """
    covered = gpu_hours if covered_gpu_hours is None else min(covered_gpu_hours, gpu_hours)
    measured = measured_kwh + (host_kw_per_gpu * covered if scope == "gpu" else 0.0)
    rest = max(gpu_hours - covered, 0.0)
    return MeasuredSplit(covered, measured, rest, rest * modelled_kw_per_gpu)
