"""Apply tagging rules to sacct allocations and sum GPU-hours per phase.

The rules read a few text columns (``name``, ``partition``, ``state``...). Each column is
factorised (codes into its distinct values); the rows are grouped by their *combination* of
codes, and the rules run once per distinct combination, each pattern searched once per distinct
value of its column that is still undecided; one gather maps the outcomes back to the rows. A
million jobs with ten thousand distinct names cost at most ten thousand searches per pattern, and
no Python per row. The outcome is the same as applying the rules to each row in turn (first
match wins: a pattern is not searched for a value whose outcome is already decided, as a row by
row loop would stop too). The outcome of each job is an integer:

- ``0 .. R-1``: rule ``r`` matched;
- ``R + k`` (``k`` in ``0 .. R``): a job in a failed state that no state rule claimed, attributed
  to the model/component of rule ``k`` (``k = R``: no rule matched it);
- ``2R + 1``: unmatched.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
        self._cache: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}

    def prefetch(self, columns: list[str], ordered: bool = False) -> None:
        """Factorise ``columns`` in two threads (Arrow's hashing releases the GIL)."""
        todo = [c for c in dict.fromkeys(columns) if (c, ordered) not in self._cache]
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=2) as pool:
                for column, found in zip(todo, pool.map(
                        lambda c: self._factorize(c, ordered), todo), strict=True):
                    self._cache[(column, ordered)] = found

    def _factorize(self, column: str, ordered: bool) -> tuple[np.ndarray, np.ndarray]:
        values = self._frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):  # already codes (read_allocations)
            codes = values.cat.codes.to_numpy()
            if not len(codes) or codes.min() >= 0:  # no missing value
                categories = np.asarray(values.cat.categories, dtype=object)
                if not ordered:  # categories no row holds are never searched
                    return codes.astype(np.intp), categories
                # the codes renumbered in order of first appearance, as for text
                found, first = pd.factorize(codes)
                return found, categories[first]
        found, uniques = pd.factorize(values)  # Arrow strings: no object
        return found, np.asarray(uniques, dtype=object)

    def get(self, column: str, ordered: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, distinct values)`` of ``column``; ``ordered``: exactly the values held,
        in order of first appearance (otherwise, for a categorical column, its categories,
        which may hold values no row holds)."""
        if (column, ordered) not in self._cache:
            self._cache[(column, ordered)] = self._factorize(column, ordered)
        return self._cache[(column, ordered)]


class _Searches:
    """Results of each (column, pattern) on the distinct values of the column, searched on
    demand: ``-1`` not searched yet, ``0`` no match, ``1`` match."""

    def __init__(self, distinct: dict[str, np.ndarray]) -> None:
        self._distinct = distinct
        self._text: dict[str, list[str]] = {}
        self._done: dict[tuple[str, str], np.ndarray] = {}

    def hits(self, column: str, pattern: SafePattern, codes: np.ndarray) -> np.ndarray:
        """Whether ``pattern`` matches ``distinct[column][c]`` for each code ``c`` of ``codes``."""
        if column not in self._text:
            self._text[column] = [str(v) for v in self._distinct[column]]
        values = self._text[column]
        done = self._done.setdefault((column, pattern.pattern),
                                     np.full(len(values), -1, dtype=np.int8))
        needed = np.zeros(len(values), dtype=bool)  # each code not searched yet, once
        needed[codes[done[codes] < 0]] = True
        todo = np.flatnonzero(needed)
        if len(todo):
            done[todo] = pattern.matches([values[code] for code in todo.tolist()])
        hits: np.ndarray = done[codes] == 1
        return hits


_KEY_LIMIT = 1 << 62
"""Largest mixed-radix key built before it is re-factorised (int64 headroom)."""


def _compact(key: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """``(group, unique)``: the keys (each below ``span``) numbered ``0 .. len(unique) - 1``,
    ``unique[group[i]] == key[i]``. Keys below a few times the row count are numbered by a
    table of all possible keys (no hashing; groups in key order), others by hashing."""
    if span <= 4 * len(key) + 4096:
        present = np.zeros(span, dtype=bool)
        present[key] = True
        number = np.cumsum(present) - 1
        return number[key], np.flatnonzero(present).astype(np.int64)
    found, unique = pd.factorize(key)
    return found, np.asarray(unique, dtype=np.int64)


def combinations(codes: list[np.ndarray],
                 sizes: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Group rows by their combination of codes (``codes[k]`` in ``0 .. sizes[k] - 1``).

    Returns ``(group, members)``: the group of each row, and for each column the code of each
    group (``members[k][group[i]] == codes[k][i]``). The codes are combined as digits of one
    integer key, factorised once when it fits in 62 bits, or each time it would not (so the
    key stays below the number of groups so far times one column's size).
    """
    key = np.zeros(len(codes[0]), dtype=np.int64)
    members: list[np.ndarray] = []
    pending: list[int] = []  # radixes of the columns in the key since the last factorisation
    span = 1  # the key is below this

    def factorise() -> None:
        nonlocal key, members, pending, span
        found, rest = _compact(key, span)
        digits = []
        for radix in reversed(pending):
            rest, digit = np.divmod(rest, radix)
            digits.append(digit)
        members = [m[rest] for m in members] + digits[::-1]
        key, pending, span = found.astype(np.int64, copy=False), [], max(len(rest), 1)

    for column, size in zip(codes, sizes, strict=True):
        radix = max(size, 1)
        if span * radix >= _KEY_LIMIT:
            factorise()
        key = key * radix + column
        pending.append(radix)
        span *= radix
    factorise()
    return key, members


def tag_jobs(jobs: SacctJobs, rules: Rules) -> Tagging:
    """Assign each allocation an outcome (rule, failed or unmatched) and an accelerator."""
    frame = jobs.frame
    columns = _Columns(frame)
    count = len(rules.spec.rules)
    patterns = [rule.patterns() for rule in rules.spec.rules]
    keys = list(dict.fromkeys(["state", *(k for p in patterns for k in p)]))
    columns.prefetch(keys)
    factorised = [columns.get(key) for key in keys]
    group, members = combinations([c for c, _ in factorised], [len(u) for _, u in factorised])
    code_of = dict(zip(keys, members, strict=True))
    searches = _Searches({key: u for key, (_, u) in zip(keys, factorised, strict=True)})
    groups = len(members[0])
    states = factorised[0][1]
    failed_state = np.array([str(u) in rules.failed_states for u in states], dtype=bool)
    failed = failed_state[code_of["state"]]
    first_any = np.full(groups, count)
    first_plain = np.full(groups, count)
    first_state = np.full(groups, -1)
    for index, (rule, rule_patterns) in enumerate(zip(rules.spec.rules, patterns, strict=True)):
        # what a row-by-row loop would still look at: a job not in a failed state until a rule
        # matches; a job in a failed state until a rule of this kind (state or plain) matches
        claimed = first_state >= 0 if rule.state is not None else first_plain < count
        open_ = np.where(failed, ~claimed, first_any == count)
        hit = np.zeros(groups, dtype=bool)
        candidates = np.flatnonzero(open_)
        for key, pattern in rule_patterns.items():  # all patterns must match
            if not len(candidates):
                break
            candidates = candidates[searches.hits(key, pattern, code_of[key][candidates])]
        hit[candidates] = True
        first_any[hit & (first_any == count)] = index
        if rule.state is None:
            first_plain[hit & (first_plain == count)] = index
        else:
            first_state[hit & (first_state < 0)] = index
    outcome = np.where(first_any < count, first_any, 2 * count + 1)
    outcome = np.where(failed & (first_state < 0), count + first_plain, outcome)
    outcome = np.where(failed & (first_state >= 0), first_state, outcome)
    accelerator, names, unmapped = _accelerators(frame, columns, rules)
    return Tagging(outcome[group], accelerator, names, failed[group], count, unmapped)


def _accelerators(frame: pd.DataFrame, columns: _Columns,
                  rules: Rules) -> tuple[np.ndarray, list[str | None], dict[str, int]]:
    """Accelerator index per job: gres type map, else partition map, else default."""
    spec = rules.spec.accelerators
    names: list[str | None] = [None]
    index_of: dict[str | None, int] = {None: 0}

    def lookup(mapping: dict[str, str], column: str) -> np.ndarray:
        codes, uniques = columns.get(column, ordered=True)  # accelerators in order met
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
    codes, gres = columns.get("gres_type", ordered=True)
    unmapped_mask = gpu & (by_gres == 0)
    jobs = np.bincount(codes[unmapped_mask], minlength=len(gres))
    unmapped = {str(gres[i]): int(jobs[i]) for i in np.flatnonzero(jobs) if gres[i] != ""}
    return accelerator, names, dict(sorted(unmapped.items(), key=lambda kv: -kv[1]))
