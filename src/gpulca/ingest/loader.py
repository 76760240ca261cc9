"""A study's activity, whatever its form: inline rows, an activity CSV, or raw sacct logs; plus
measured energy attached to phases.

This is what the study loader calls (:func:`load_activity`). Problems from every source are
collected and raised together; warnings (malformed lines skipped, unmatched jobs, suspicious
energy) are logged on the ``gpulca.ingest`` logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.ingest.activity_csv import read_activity_csv, read_activity_table
from gpulca.ingest.coverage import IDLE_SHARE_OF_RATED, coverage_finding, implied_power_finding
from gpulca.schemas.activity_table import ActivityTable
from gpulca.schemas.scenario import ActivityRow, ActivitySpec, MeasuredEnergy

if TYPE_CHECKING:  # sacct logs, rules, energy logs: their readers imported when a study has them
    from gpulca.ingest.energy import EnergyMeasurement
    from gpulca.ingest.summary import IngestSummary

    READERS: dict[str, Callable[..., EnergyMeasurement]]

log = logging.getLogger("gpulca.ingest")


def __getattr__(name: str) -> Any:
    if name == "READERS":  # (imports every energy reader)
        return _readers()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _readers() -> dict[str, Callable[..., EnergyMeasurement]]:
    """Energy readers by the key a study or the CLI names them with (``READERS``)."""
    from gpulca.ingest.dcgm import read_dcgm
    from gpulca.ingest.energy import read_codecarbon
    from gpulca.ingest.nvidia_smi import read_nvidia_smi

    return {"nvidia_smi": read_nvidia_smi, "dcgm": read_dcgm, "codecarbon": read_codecarbon}


def load_activity(spec: ActivitySpec, base_dir: Path,
                  phases: Iterable[tuple[str, str]] = ()) -> list[ActivityRow]:
    """Return the activity rows of ``spec``, with measured energy attached.

    Args:
        spec: the study's ``activity`` section.
        base_dir: the folder of the study file; paths in ``spec`` are relative to it.
        phases: the study's own ``(id, label)`` phases, allowed in rules files.

    Raises:
        InputError: listing every problem of every source.
    """
    base_dir = Path(base_dir)
    if spec.rows is not None:
        rows = list(spec.rows)
    elif spec.file is not None:
        rows = read_activity_csv(base_dir / spec.file)
    else:
        assert spec.sacct is not None  # ActivitySpec requires one of the three
        from gpulca.ingest.summary import sacct_activity

        result = sacct_activity([base_dir / p for p in spec.sacct.logs],
                                base_dir / spec.sacct.rules, phases, strict=spec.sacct.strict)
        log_summary(result.summary)
        rows = result.rows
    return attach_measurements(rows, spec.energy, base_dir)


def load_activity_table(spec: ActivitySpec, base_dir: Path,
                        phases: Iterable[tuple[str, str]] = ()
                        ) -> list[ActivityRow] | ActivityTable:
    """:func:`load_activity`, except that an activity CSV without measured energy to attach is
    returned as columns (:func:`gpulca.ingest.activity_csv.read_activity_table`): no Python
    object per row."""
    if spec.file is not None and not spec.energy:
        return read_activity_table(Path(base_dir) / spec.file)
    return load_activity(spec, base_dir, phases)


def activity_phases(spec: ActivitySpec, base_dir: Path,
                    phases: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The ``(id, label)`` phases that the rules file of ``spec`` adds to the taxonomy.

    ``phases`` are the study's own, which the rules file may use.
    """
    if spec.sacct is None:
        return []
    from gpulca.ingest.rules import load_rules

    rules = load_rules(Path(base_dir) / spec.sacct.rules, phases)
    return [(p.id, p.label) for p in rules.spec.phases]


def activity_files(spec: ActivitySpec, base_dir: Path) -> list[Path]:
    """Every file the activity is read from (CSV, sacct logs, rules, energy logs), for provenance
    hashes."""
    base_dir = Path(base_dir)
    names: list[str] = [spec.file] if spec.file else []
    if spec.sacct is not None:
        names += [*spec.sacct.logs, spec.sacct.rules]
    names += [entry.path for entry in spec.energy]
    return [base_dir / name for name in names]


def log_summary(summary: IngestSummary) -> None:
    """Log what a study run should not hide: malformed lines, unmatched jobs, unmapped gres."""
    files = ", ".join(summary.files)
    if summary.malformed:
        first = summary.malformed[0]
        log.warning("%s: %d malformed lines skipped (first: %s)", files, len(summary.malformed),
                    first)
    if summary.unmatched_jobs:
        log.warning("%s: %d GPU jobs (%.1f GPU-h) matched no rule; e.g. %s", files,
                    summary.unmatched_jobs, summary.unmatched_gpu_hours,
                    ", ".join(str(e["name"]) for e in summary.unmatched_examples))
    for gres, count in summary.unmapped_gres.items():
        log.warning("%s: gres type %r (%d jobs) maps to no accelerator", files, gres, count)
    for note in summary.notes:
        log.info("%s: %s", files, note)


def measure(entry: MeasuredEnergy, base_dir: Path) -> EnergyMeasurement:
    """Read the energy log of one ``energy`` entry."""
    readers = _readers()
    read_codecarbon, read_dcgm, read_nvidia_smi = (
        readers["codecarbon"], readers["dcgm"], readers["nvidia_smi"])
    path = Path(base_dir) / entry.path
    if entry.tool == "codecarbon":
        return read_codecarbon(path, entry.column, project_name=entry.project_name,
                               experiment_id=entry.experiment_id)
    gap = _quantity(entry.max_gap, "s", str(path), "max_gap") if entry.max_gap else None
    if entry.tool == "dcgm":
        interval = _quantity(entry.interval, "s", str(path), "interval") if entry.interval \
            else None
        return read_dcgm(path, gap, interval)
    return read_nvidia_smi(path, gap, entry.query)


def _quantity(text: str, unit: str, file: str, key: str) -> float:
    try:
        return magnitude_in(parse_quantity(text), unit)
    except UnitProblem as exc:
        raise InputError(Problem(file, key, f"{exc}; expected a quantity in {unit}", None,
                                 text)) from exc


def attach_measurements(rows: list[ActivityRow], entries: Iterable[MeasuredEnergy],
                        base_dir: Path) -> list[ActivityRow]:
    """Measure every entry and attach it to its phase; collect every problem."""
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        try:
            measured = measure(entry, base_dir)
            rated = _quantity(entry.rated_power, "W", entry.path, "rated_power") \
                if entry.rated_power else None
            rows = attach_energy(rows, entry.phase, measured.energy_kwh,
                                 f"{measured.tool} {entry.path} ({measured.covers()})",
                                 model=entry.model, rated_power_w=rated,
                                 measured_gpu_hours=measured.gpu_hours,
                                 where=f"activity.energy[{index}]", scope=measured.scope,
                                 partial=entry.partial)
            for problem in measured.problems[:5]:
                log.warning("%s", problem)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return rows


COVERAGE_TOLERANCE = 0.25
"""Relative difference between measured and accounted GPU-hours above which it is flagged."""


def attachment_findings(rows: list[ActivityRow], energy_kwh: float,
                        measured_gpu_hours: float | None,
                        rated_power_w: float | None) -> list[str]:
    """What looks wrong when ``energy_kwh`` is attached to ``rows``: zero, negative, above rated
    power per GPU-hour, or a measurement covering a very different number of GPU-hours."""
    from gpulca.ingest.energy import plausibility

    total = sum(r.total_gpu_hours for r in rows)
    findings = plausibility(energy_kwh, total, rated_power_w)
    if measured_gpu_hours and total and \
            abs(measured_gpu_hours / total - 1) > COVERAGE_TOLERANCE:
        findings.append(f"the measurement covers {measured_gpu_hours:,.6g} GPU-h but the phase "
                        f"has {total:,.6g} GPU-h ({measured_gpu_hours / total:.1%}); check that "
                        "the log covers the whole phase")
    return findings


def attach_energy(rows: list[ActivityRow], phase: str, energy_kwh: float, source: str, *,
                  model: str | None = None, rated_power_w: float | None = None,
                  measured_gpu_hours: float | None = None,
                  where: str = "energy", scope: str = "it",
                  partial: str | None = None) -> list[ActivityRow]:
    """Set the measured IT energy of ``phase`` on its rows, shared by GPU-hours, with the
    GPU-hours it covers (the rest of each row stays modelled).

    Args:
        rows: the activity rows.
        phase: the phase measured.
        energy_kwh: the measured energy [kWh].
        source: what was measured, for the rows' comments.
        model: only the rows of this model, when given.
        rated_power_w: rated power of one GPU [W]; a higher mean power is logged as suspicious.
        measured_gpu_hours: GPU-hours the measurement covers [GPU·h]; a large difference from
            the phase's GPU-hours is logged as suspicious.
        where: where the measurement was declared, for problems.
        scope: ``gpu`` when the measurement covers the GPU boards only (nvidia-smi, DCGM): the
            translator then adds the modelled host share; ``it`` for the whole IT load.
        partial: why a coverage below :data:`gpulca.model.measured.MIN_COVERAGE_SHARE` (or a
            mean power outside ``rated_power``'s range) is deliberate; without it, an error.

    Raises:
        InputError: when no row has the phase, a row already has measured energy, or the energy
            is negative.
    """
    targets = [i for i, r in enumerate(rows) if r.phase == phase and
               (model is None or r.model == model)]
    which = f"phase {phase!r}" + (f" (model {model!r})" if model else "")
    if not targets:
        raise InputError(Problem(None, where, f"measured energy for {which}, which has no "
                                 "activity rows", None, source))
    if any(rows[i].it_energy is not None or rows[i].it_power is not None for i in targets):
        raise InputError(Problem(None, where, f"{which} already has measured energy; give one "
                                 "measurement per phase", None, source))
    hours = [rows[i].total_gpu_hours for i in targets]
    total = sum(hours)
    findings = attachment_findings([rows[i] for i in targets], energy_kwh, measured_gpu_hours,
                                   rated_power_w)
    if energy_kwh < 0:
        raise InputError(Problem(None, where, findings[0], None, source))
    serious = [f for f in (coverage_finding(total, measured_gpu_hours),
                           _power_finding(energy_kwh, measured_gpu_hours, rated_power_w))
               if f is not None]
    if serious and partial is None:
        raise InputError([Problem(None, where, f"{which}: {f}", None, source) for f in serious])
    for finding in findings + [f"deliberate ({partial}): {f}" for f in serious]:
        log.warning("%s, %s: %s", source, which, finding)
    covered = total if measured_gpu_hours is None else min(measured_gpu_hours, total)
    shares = [h / total if total else 1.0 / len(targets) for h in hours]
    out = list(rows)
    for index, share in zip(targets, shares, strict=True):
        row = out[index]
        comment = f"{row.comment}; " if row.comment else ""
        part = covered * share
        out[index] = row.model_copy(update={  # gpu_load has no effect on measured energy
            "it_energy": f"{energy_kwh * share:.6g} kWh", "gpu_load": None,
            "it_energy_scope": scope,
            "it_energy_gpu_hours": None if measured_gpu_hours is None else round(part, 9),
            "comment": f"{comment}measured energy: {source}" +
                       (f" ({share:.1%} by GPU-hours)" if len(targets) > 1 else "") +
                       (f"; measured {part:,.6g} of {row.total_gpu_hours:,.6g} GPU-h, the rest "
                        "modelled" if measured_gpu_hours is not None and
                        part < row.total_gpu_hours * (1 - 1e-9) else ""),
        })
    return out


def _power_finding(energy_kwh: float, gpu_hours: float | None,
                   rated_power_w: float | None) -> str | None:
    """The mean power per GPU against ``rated_power`` (max) and the stated idle floor."""
    if rated_power_w is None:
        return None
    return implied_power_finding(energy_kwh, gpu_hours, IDLE_SHARE_OF_RATED * rated_power_w,
                                 rated_power_w)
