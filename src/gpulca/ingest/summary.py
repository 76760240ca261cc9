"""From tagged allocations to activity rows and an auditable summary.

:func:`sacct_activity` turns a sacct export and a rules file into the rows of the activity CSV (one
per phase, model, component and accelerator; unmatched and failed jobs in rows of their own) and an
:class:`IngestSummary` that accounts for every line: steps skipped, malformed lines, CPU-only jobs,
jobs that never started, failed and unmatched jobs, unmapped gres types, idle reserved capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.core.phases import FINAL_TRAINING
from gpulca.ingest.rules import Rules, load_rules
from gpulca.ingest.sacct import SacctJobs, read_sacct
from gpulca.ingest.tagging import Tagging, tag_jobs
from gpulca.schemas.scenario import ActivityRow

_SACCT_COLUMN = {"name": "JobName", "account": "Account", "partition": "Partition",
                 "comment": "Comment", "wckey": "WCKey", "user": "User", "state": "State"}
EXAMPLES = 5
"""Examples of unmatched jobs kept in a summary."""


@dataclass(frozen=True)
class PhaseTotal:
    """GPU-hours of one phase. ``share`` is of the total GPU-hours (0-1)."""

    phase: str
    label: str
    jobs: int
    gpu_hours: float
    share: float


@dataclass
class IngestSummary:
    """Everything a user needs to check an ingestion; every count is of allocations unless said.

    Attributes:
        files: the logs read.
        lines: data lines read (header excluded).
        allocations: allocations kept (steps, repeated headers and malformed lines excluded).
        steps: job-step lines skipped (their usage is inside their allocation's).
        repeated_headers: header lines met again inside the data.
        malformed: located problems of the lines skipped as malformed.
        cpu_only: allocations without GPUs (not GPU-hours; not in the table).
        never_started: allocations whose Start is Unknown/None (0 h).
        zero_hours: GPU allocations with 0 s elapsed (cancelled before start, pending...).
        failed_jobs: GPU allocations in a failed state that went to the failed phase.
        failed_gpu_hours: their GPU-hours [GPU·h].
        unmatched_jobs: GPU allocations no rule matched.
        unmatched_phase: the phase they were put in (None: they are an error).
        unmatched_gpu_hours: their GPU-hours [GPU·h].
        unmatched_examples: a few of them (job id, line, name, account, partition, GPU-hours).
        unmapped_gres: gres types with no accelerator mapping -> allocations.
        phases: GPU-hours per phase, largest first.
        total_gpu_hours: sum over phases [GPU·h].
        final_training_share: share of the final training phase in the total (0-1).
        notes: other findings, one sentence each.
    """

    files: list[str]
    lines: int = 0
    allocations: int = 0
    steps: int = 0
    repeated_headers: int = 0
    malformed: list[Problem] = field(default_factory=list)
    cpu_only: int = 0
    never_started: int = 0
    zero_hours: int = 0
    failed_jobs: int = 0
    failed_gpu_hours: float = 0.0
    unmatched_jobs: int = 0
    unmatched_phase: str | None = None
    unmatched_gpu_hours: float = 0.0
    unmatched_examples: list[dict[str, object]] = field(default_factory=list)
    unmapped_gres: dict[str, int] = field(default_factory=dict)
    phases: list[PhaseTotal] = field(default_factory=list)
    total_gpu_hours: float = 0.0
    final_training_share: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class SacctActivity:
    """The result of :func:`sacct_activity`: rows for the activity CSV and their summary."""

    rows: list[ActivityRow]
    summary: IngestSummary


def sacct_activity(logs: str | Path | Sequence[str | Path], rules: Rules | str | Path,
                   extra_phases: Iterable[tuple[str, str]] = (), *,
                   strict: bool = False) -> SacctActivity:
    """Read sacct exports, tag them with ``rules`` and return activity rows plus a summary.

    Raises:
        InputError: for unusable files or rules, for unmatched GPU jobs when the rules have no
            ``unmatched_phase``, and (with ``strict``) for any malformed line.
    """
    if not isinstance(rules, Rules):
        rules = load_rules(rules, extra_phases)
    needed = {"JobName", "Account", "Partition"}  # shown in examples of unmatched jobs
    needed |= {_SACCT_COLUMN[k] for rule in rules.spec.rules for k in rule.patterns()}
    jobs = read_sacct(logs, needed)
    if strict and jobs.problems:
        raise InputError(jobs.problems)
    tagging = tag_jobs(jobs, rules)
    summary = _summary(jobs, tagging, rules)
    if summary.unmatched_jobs and rules.spec.unmatched_phase is None:
        raise InputError(_unmatched_problems(summary, rules))
    rows, jobs_per_row = _rows(jobs, tagging, rules)
    used = sum(row.total_gpu_hours for row in rows)
    idle = _reservation_rows(rules, used, summary)
    rows += idle
    jobs_per_row += [0] * len(idle)
    return SacctActivity(rows, _finish(summary, rows, jobs_per_row, rules))


def gpu_seconds(frame: pd.DataFrame) -> np.ndarray:
    """GPU-seconds of each allocation [GPU·s]: whole numbers (sacct durations are whole seconds),
    so sums of them are exact in float64 below 2**53 (2.5e12 GPU-h) in any order: chunked and
    distributed ingestion give the same totals as reading in one go, to the last digit."""
    values: np.ndarray = frame["gpus"].to_numpy(dtype=float) * frame["seconds"].to_numpy()
    return values


GroupTotals = dict[tuple[int, "str | None"], list[float]]
"""(outcome, accelerator id) -> [GPU-seconds, allocations], in order of first appearance."""


def group_totals(jobs: SacctJobs, tagging: Tagging) -> GroupTotals:
    """GPU-seconds and allocations of the GPU allocations per (outcome, accelerator)."""
    frame = jobs.frame
    gpu = frame["gpus"].to_numpy() > 0
    width = len(tagging.accelerators)
    keys = tagging.outcome[gpu] * width + tagging.accelerator[gpu]
    unique, inverse = np.unique(keys, return_inverse=True)
    seconds = np.bincount(inverse, weights=gpu_seconds(frame)[gpu])
    counts = np.bincount(inverse)
    totals: GroupTotals = {}
    for key, total, count in zip(unique.tolist(), seconds.tolist(), counts.tolist(), strict=True):
        outcome, accelerator = divmod(key, width)
        totals[(outcome, tagging.accelerators[accelerator])] = [total, count]
    return totals


def merge_totals(into: GroupTotals, other: GroupTotals) -> None:
    """Add ``other`` to ``into`` (exact: GPU-seconds are whole numbers)."""
    for key, (seconds, count) in other.items():
        slot = into.setdefault(key, [0.0, 0])
        slot[0] += seconds
        slot[1] += count


def _rows(jobs: SacctJobs, tagging: Tagging, rules: Rules) -> tuple[list[ActivityRow], list[int]]:
    """One row per (phase, model, component, accelerator, matched/failed/unmatched), and the
    number of allocations behind each row."""
    return rows_from_totals(group_totals(jobs, tagging), rules)


def rows_from_totals(totals: GroupTotals, rules: Rules) -> tuple[list[ActivityRow], list[int]]:
    """Activity rows (and allocations behind each) from :func:`group_totals`."""
    groups: dict[tuple[str, str | None, str | None, str | None, str], list[float]] = {}
    for (outcome, accelerator), (seconds, count) in totals.items():
        phase, model, component, kind = _describe(outcome, rules)
        slot = groups.setdefault((phase, model, component, accelerator, kind), [0.0, 0])
        slot[0] += seconds
        slot[1] += count
    kept = [(key, h / 3600.0, int(n)) for key, (h, n) in groups.items() if h > 0]
    rows = [ActivityRow(phase=p, gpu_hours=round(h, 6), accelerator=a, model=m, component=c,
                        comment=f"sacct: {n} {kind}") for (p, m, c, a, kind), h, n in kept]
    return rows, [n for _, _, n in kept]


def _describe(outcome: int, rules: Rules) -> tuple[str, str | None, str | None, str]:
    spec = rules.spec
    count = len(spec.rules)
    if outcome < count:
        rule = spec.rules[outcome]
        return rule.phase, rule.model, rule.component, "jobs"
    if outcome <= 2 * count:
        said = spec.rules[outcome - count] if outcome - count < count else None
        return (spec.failed_phase, said.model if said else None,
                said.component if said else None, "jobs in failed states")
    return str(spec.unmatched_phase), None, None, "jobs that matched no rule"


def _summary(jobs: SacctJobs, tagging: Tagging, rules: Rules) -> IngestSummary:
    frame = jobs.frame
    gpu = frame["gpus"].to_numpy() > 0
    seconds = gpu_seconds(frame)
    count = len(rules.spec.rules)
    failed_default = (tagging.outcome >= count) & (tagging.outcome <= 2 * count) & gpu
    unmatched = tagging.unmatched & gpu
    return IngestSummary(
        files=jobs.files, lines=jobs.lines, allocations=len(frame), steps=jobs.steps,
        repeated_headers=jobs.repeated_headers, malformed=jobs.problems,
        cpu_only=int((~gpu).sum()), never_started=jobs.never_started,
        zero_hours=int((gpu & (seconds == 0)).sum()),
        failed_jobs=int(failed_default.sum()),
        failed_gpu_hours=float(seconds[failed_default].sum()) / 3600.0,
        unmatched_jobs=int(unmatched.sum()), unmatched_phase=rules.spec.unmatched_phase,
        unmatched_gpu_hours=float(seconds[unmatched].sum()) / 3600.0,
        unmatched_examples=_examples(frame, unmatched), unmapped_gres=tagging.unmapped_gres,
        notes=list(jobs.notes),
    )


def _examples(frame: pd.DataFrame, mask: np.ndarray) -> list[dict[str, object]]:
    """The unmatched jobs with the most GPU-hours, then in file order."""
    rows = np.flatnonzero(mask)
    hours = frame["gpu_hours"].to_numpy(dtype=float)[rows]
    # nlargest(keep="first") over the rows' indices only: the other columns are gathered for
    # the few examples, not for every unmatched job
    rows = rows[np.argsort(-hours, kind="stable")[:EXAMPLES]]
    columns = ["job_id", "file", "line", "name", "account", "partition", "state", "gpu_hours"]
    picked = frame.iloc[rows]
    return [{str(k): (round(v, 3) if isinstance(v, float) else v) for k, v in record.items()}
            for record in picked[columns].to_dict("records")]


def _unmatched_problems(summary: IngestSummary, rules: Rules) -> list[Problem]:
    head = Problem(rules.file, "rules", f"{summary.unmatched_jobs} GPU jobs "
                   f"({summary.unmatched_gpu_hours:.1f} GPU-h) match no rule; add rules or set "
                   "'unmatched_phase' to the phase that should receive them")
    return [head, *(Problem(str(e["file"]), "JobName", f"job {e['job_id']} matches no rule "
                            f"(account {e['account']!r}, partition {e['partition']!r})",
                            int(str(e["line"])), e["name"]) for e in summary.unmatched_examples)]


def _reservation_rows(rules: Rules, used: float, summary: IngestSummary) -> list[ActivityRow]:
    """The idle part of reserved capacity, as its own row (see :class:`Reservation`).

    ``used`` is the GPU-hours of the jobs read [GPU·h].
    """
    reservation = rules.spec.reservation
    if reservation is None:
        return []
    reserved = reservation.gpus * reservation.hours
    idle = reservation.share * (reserved - used)
    if idle <= 0:
        summary.notes.append(f"reservation: the jobs used {used:.1f} GPU-h, more than the "
                             f"{reserved:.1f} GPU-h reserved; no idle capacity added")
        return []
    power = reservation.idle_power_w
    energy = f"{idle * power / 1000.0:.6g} kWh" if power is not None else None
    comment = (f"idle reserved capacity: {reservation.share:g} x ({reservation.gpus} GPUs x "
               f"{reservation.hours:.1f} h - {used:.1f} GPU-h used); "
               f"allocation: {reservation.allocation}")
    return [ActivityRow(phase=reservation.phase, gpu_hours=round(idle, 6),
                        accelerator=reservation.accelerator, it_energy=energy, comment=comment)]


def _finish(summary: IngestSummary, rows: list[ActivityRow], jobs_per_row: list[int],
            rules: Rules) -> IngestSummary:
    """Fill the per-phase totals and the final-training share from the rows."""
    totals: dict[str, list[float]] = {}
    for row, jobs in zip(rows, jobs_per_row, strict=True):
        slot = totals.setdefault(row.phase, [0.0, 0])
        slot[0] += row.total_gpu_hours
        slot[1] += jobs
    grand = sum(v[0] for v in totals.values())
    summary.total_gpu_hours = grand
    summary.phases = sorted((PhaseTotal(p, rules.labels.get(p, p), int(n), h,
                                        h / grand if grand else 0.0)
                             for p, (h, n) in totals.items()), key=lambda t: -t.gpu_hours)
    final = totals.get(FINAL_TRAINING, [0.0])[0]
    summary.final_training_share = final / grand if grand else 0.0
    return summary

