"""Checks of measured energy against the accelerator it ran on (study level: rows + hardware).

A row's measured IT energy over the GPU-hours it covers (``it_energy_gpu_hours``) implies a mean
power per GPU. It must lie within the accelerator's range: at least
:data:`gpulca.ingest.coverage.IDLE_SHARE_OF_RATED` of its rated power (the idle floor), at most
its rated power, plus the host share per GPU when the measurement covers the whole IT load.
Outside the range it is an error, unless the study's ``energy`` entry for the phase says why it
is deliberate (``partial``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.ingest.coverage import IDLE_SHARE_OF_RATED, implied_power_finding
from gpulca.model.translate import HardwareParameters
from gpulca.schemas.scenario import ActivityRow, MeasuredEnergy


def implied_power_problems(rows: Sequence[ActivityRow], default_accelerator: str,
                           hardware: Mapping[str, HardwareParameters],
                           entries: Sequence[MeasuredEnergy],
                           row_path: tuple[str | int, ...]
                           ) -> list[tuple[tuple[str | int, ...], str, str]]:
    """(key path, message, value) of each measured row whose implied power per GPU is out of
    range (module docstring)."""
    deliberate = {entry.phase for entry in entries if entry.partial}
    problems: list[tuple[tuple[str | int, ...], str, str]] = []
    for index, row in enumerate(rows):
        if row.it_energy is None or not row.it_energy_gpu_hours or row.phase in deliberate:
            continue
        card = hardware.get(row.accelerator or default_accelerator)
        if card is None:
            continue
        try:
            kwh = magnitude_in(parse_quantity(row.it_energy), "kWh")
        except UnitProblem:
            continue  # reported by the row checks
        host = card.node_overhead_w / card.gpus_per_node if row.it_energy_scope == "it" else 0.0
        finding = implied_power_finding(kwh, row.it_energy_gpu_hours,
                                        IDLE_SHARE_OF_RATED * card.gpu_power_w,
                                        card.gpu_power_w + host)
        if finding is not None:
            problems.append(((*row_path, index, "it_energy"),
                             f"phase {row.phase!r} on {card.accelerator}: {finding}; say why "
                             "with 'partial' in its energy entry if this is deliberate",
                             row.it_energy))
    return problems
