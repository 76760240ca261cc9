"""Apply tagging rules to sacct allocations and sum GPU-hours per phase.

Every pattern is evaluated once per *distinct* value of its column, and the per-row result is an
index into that: a million jobs with ten thousand distinct names cost ten thousand regex searches.
The outcome of each job is an integer:

- ``0 .. R-1``: rule ``r`` matched;
- ``R + k`` (``k`` in ``0 .. R``): a job in a failed state that no state rule claimed, attributed
  to the model/component of rule ``k`` (``k = R``: no rule matched it);
- ``2R + 1``: unmatched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gpulca.core.safe_regex import SafePattern
from gpulca.ingest.rules import Rules
from gpulca.ingest.sacct import SacctJobs


@dataclass
class Tagging:
    """The outcome of the rules for every allocation of a :class:`SacctJobs` frame.

    Attributes:
        outcome: per job, the outcome code described in the module docstring.
        accelerator: per job, an index into ``accelerators`` (0: none, the study's).
        accelerators: the accelerator ids, ``accelerators[0]`` is ``None``.
        failed: per job, whether its state is a failed state.
        rule_count: number of rules ``R``.
        unmapped_gres: gres types seen on GPU jobs that the rules do not map, with job counts.
    """

    outcome: np.ndarray
    accelerator: np.ndarray
    accelerators: list[str | None]
    failed: np.ndarray
    rule_count: int
    unmapped_gres: dict[str, int] = field(default_factory=dict)

    @property
    def unmatched(self) -> np.ndarray:
        mask: np.ndarray = self.outcome == 2 * self.rule_count + 1
        return mask


class _Columns:
    """Factorised text columns, computed on first use."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._cache:
            codes, uniques = pd.factorize(self._frame[column].to_numpy(dtype=object))
            self._cache[column] = (codes, np.asarray(uniques, dtype=object))
        return self._cache[column]

    def matches(self, column: str, pattern: SafePattern) -> np.ndarray:
        """Row mask where ``pattern.search`` finds a match in ``column``."""
        codes, uniques = self.get(column)
        hits = np.fromiter((pattern.search(str(u)) is not None for u in uniques),
                           dtype=np.bool_, count=len(uniques))
        return hits[codes] if len(uniques) else np.zeros(len(codes), dtype=bool)

    def member(self, column: str, values: frozenset[str]) -> np.ndarray:
        codes, uniques = self.get(column)
        hits = np.fromiter((str(u) in values for u in uniques), dtype=bool, count=len(uniques))
        return hits[codes] if len(uniques) else np.zeros(len(codes), dtype=bool)


def tag_jobs(jobs: SacctJobs, rules: Rules) -> Tagging:
    """Assign each allocation an outcome (rule, failed or unmatched) and an accelerator."""
    frame = jobs.frame
    columns = _Columns(frame)
    n, count = len(frame), len(rules.spec.rules)
    first_any = np.full(n, count)
    first_plain = np.full(n, count)
    first_state = np.full(n, -1)
    for index, rule in enumerate(rules.spec.rules):
        hit = np.ones(n, dtype=bool)
        for key, pattern in rule.patterns().items():
            hit &= columns.matches(key, pattern)
        _first(first_any, hit, index, count)
        if rule.state is None:
            _first(first_plain, hit, index, count)
        else:
            first_state = np.where((first_state < 0) & hit, index, first_state)
    failed = columns.member("state", rules.failed_states)
    outcome = np.where(first_any < count, first_any, 2 * count + 1)
    failed_default = failed & (first_state < 0)
    outcome = np.where(failed_default, count + first_plain, outcome)
    outcome = np.where(failed & (first_state >= 0), first_state, outcome)
    accelerator, names, unmapped = _accelerators(frame, columns, rules)
    return Tagging(outcome, accelerator, names, failed, count, unmapped)


def _first(first: np.ndarray, hit: np.ndarray, index: int, unset: int) -> None:
    first[(first == unset) & hit] = index


def _accelerators(frame: pd.DataFrame, columns: _Columns,
                  rules: Rules) -> tuple[np.ndarray, list[str | None], dict[str, int]]:
    """Accelerator index per job: gres type map, else partition map, else default."""
    spec = rules.spec.accelerators
    names: list[str | None] = [None]
    index_of: dict[str | None, int] = {None: 0}

    def lookup(mapping: dict[str, str], column: str) -> np.ndarray:
        codes, uniques = columns.get(column)
        ids = [mapping.get(str(u)) for u in uniques]
        for value in ids:
            if value not in index_of:
                index_of[value] = len(names)
                names.append(value)
        table = np.array([index_of[v] for v in ids], dtype=np.int64)
        return table[codes] if len(uniques) else np.zeros(len(codes), dtype=np.int64)

    by_gres = lookup(spec.gres_types, "gres_type")
    by_partition = lookup(spec.partitions, "partition")
    if spec.default not in index_of:
        index_of[spec.default] = len(names)
        names.append(spec.default)
    accelerator = np.where(by_gres > 0, by_gres, by_partition)
    accelerator = np.where(accelerator > 0, accelerator, index_of[spec.default])
    gpu = frame["gpus"].to_numpy() > 0
    gres = frame["gres_type"].to_numpy(dtype=object)
    unmapped_mask = gpu & (by_gres == 0) & (gres != "")
    unmapped = pd.Series(gres[unmapped_mask]).value_counts().to_dict() if unmapped_mask.any() \
        else {}
    return accelerator, names, {str(k): int(v) for k, v in unmapped.items()}
