"""Scores that cannot be right are reported with what causes them, never published silently.

- A score that is not finite (overflow, NaN) names its phase, stage and impact, and the demanded
  processes whose amounts are not finite.
- A negative score names its phase, stage and impact and the negative exchanges of the
  processes it draws on. It is allowed only when every such exchange says it is meant
  (``negative_intended: true`` on the exchange, e.g. a credit for recovered material); a negative
  score with no negative exchange behind it (a negative characterisation factor, a process that
  consumes more of itself than it makes) is reported too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from gpulca.core.errors import Problem
from gpulca.library.inventory import ResolvedLibrary

NEGATIVE_TOLERANCE = 1e-12
"""Relative to the impact's largest absolute score: rounding noise around zero is not negative."""
MAX_NAMED = 5
"""Processes or exchanges named per problem."""


def _upstream(library: ResolvedLibrary, codes: Iterable[str]) -> list[str]:
    """Library processes reachable from ``codes`` through technosphere exchanges (in order)."""
    seen: dict[str, None] = {}
    stack = [c for c in codes if c in library.exchanges]
    while stack:
        code = stack.pop()
        if code in seen:
            continue
        seen[code] = None
        stack += [e.target for e in library.exchanges[code]
                  if e.kind == "technosphere" and isinstance(e.target, str)
                  and e.target in library.exchanges and e.target not in seen]
    return list(seen)


def negative_exchanges(library: ResolvedLibrary, codes: Iterable[str]
                       ) -> tuple[list[str], list[str]]:
    """Negative exchanges upstream of ``codes``: (unintended, intended), each as text."""
    unintended: list[str] = []
    intended: list[str] = []
    for code in _upstream(library, codes):
        for index, exchange in enumerate(library.exchanges[code]):
            if exchange.amount < 0:
                text = f"{code}.exchanges[{index}] ({exchange.amount:g} {exchange.unit})"
                meant = bool(getattr(exchange.spec, "negative_intended", False))
                (intended if meant else unintended).append(text)
    return unintended, intended


def _named(items: list[str]) -> str:
    more = f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else ""
    return ", ".join(items[:MAX_NAMED]) + more


def score_problems(scores: pd.DataFrame, demands: Mapping[str, Mapping[str, Mapping[str, float]]],
                   library: ResolvedLibrary, file: str) -> list[Problem]:
    """Problems for every non-finite or unintended negative score of a tidy scores frame
    (columns ``phase``, ``stage``, ``impact``, ``score``, ``unit``)."""
    problems = []
    values = scores["score"].to_numpy(dtype=float)
    if bool(np.all(np.isfinite(values)) and np.all(values >= 0)):
        return []  # the usual case, checked at numpy speed
    largest: dict[str, float] = {}
    for impact, value in zip(scores["impact"].astype(str), values, strict=True):
        largest[impact] = max(largest.get(impact, 0.0), abs(value))
    for row, score in zip(scores.itertuples(index=False), values, strict=True):
        score = float(score)
        where = f"phase {row.phase!r}, stage {row.stage!r}, impact {row.impact!r}"
        demand = demands.get(str(row.phase), {}).get(str(row.stage), {})
        if not math.isfinite(score):
            bad = [f"{code} ({amount:g})" for code, amount in demand.items()
                   if not math.isfinite(amount)]
            cause = (f"demanded amounts not finite: {_named(bad)}" if bad else
                     f"from {_named(sorted(demand))}: check their amounts")
            problems.append(Problem(file, "activity", f"the score of {where} is not finite "
                                    f"({score}); {cause}", value=score))
            continue
        limit = NEGATIVE_TOLERANCE * largest.get(str(row.impact), 0.0)
        if score >= -limit:
            continue
        unintended, intended = negative_exchanges(library, demand)
        if intended and not unintended:
            continue
        cause = (f"negative exchanges not marked 'negative_intended: true': {_named(unintended)}"
                 if unintended else "no negative exchange in the inventory behind it (a "
                 "negative characterisation factor, or a process consuming more of itself than "
                 f"it makes?) in {_named(_upstream(library, demand))}")
        problems.append(Problem(file, "activity", f"the score of {where} is negative "
                                f"({score:g} {row.unit}); {cause}", value=score))
    return problems
