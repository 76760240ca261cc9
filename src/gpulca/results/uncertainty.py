"""The frames of a Monte Carlo run: statistics per phase x stage x impact, the inputs (sampled,
fixed, not sampled) and the global sensitivity (Sobol indices).

``statistics`` (tidy, written to ``uncertainty.csv``) has one row per (phase, stage, impact),
plus ``stage == "total"`` rows (a phase's stages together), ``phase == "total"`` rows (a stage
over the whole study) and the whole study (both ``total``); every sum is taken per iteration
before the statistics:

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's name
variant        ``base`` or the variant's name
phase, stage   as in ``results.csv``; ``total`` for the sums above
impact         impact category id; ``unit`` its unit
value          the point result (bw2calc, every value at its stated value)
mean, median   of the Monte Carlo scores
sd             their standard deviation (ddof 1)
p2_5 ... p97_5 the 2.5, 5, 95 and 97.5 percentiles (numpy's linear interpolation)
iterations     number of iterations; ``seed`` the seed
============== =====================================================================

``sensitivity`` has one row per (impact, uncertain input): Sobol first-order (``S1``) and total
(``ST``) indices of the whole study's score with their 95% confidence half-widths, computed by
SALib (Saltelli's design, Jansen/Saltelli estimators) on the same model, ranked by ``ST``;
inputs with no effect on an impact (both indices exactly 0) are left out of its ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gpulca.results.frames import impact_units

PERCENTILES = (2.5, 5.0, 50.0, 95.0, 97.5)
STAT_COLUMNS = ("scenario", "variant", "phase", "stage", "impact", "unit", "value", "mean",
                "median", "sd", "p2_5", "p5", "p95", "p97_5", "iterations", "seed")
TOTAL = "total"


@dataclass(frozen=True)
class InputRecord:
    """One value a Monte Carlo result depends on, and whether it was sampled."""

    kind: str
    """``study``, ``library parameter`` or ``matrix``."""
    key: str
    value: float
    unit: str
    status: str
    """``sampled``, ``fixed`` or ``not sampled`` (declared but not sampled: see ``note``)."""
    distribution: str
    origin: str
    note: str = ""


@dataclass
class UncertaintyResult:
    """A Monte Carlo run: its samples, statistics, inputs and (optionally) Sobol indices."""

    statistics: pd.DataFrame
    inputs: pd.DataFrame
    samples: np.ndarray
    """``iterations x impacts x functional units`` scores."""
    names: tuple[str, ...]
    """Functional unit names (``phase|stage``), the last axis of :attr:`samples`."""
    impacts: tuple[str, ...]
    iterations: int
    seed: int
    sensitivity: pd.DataFrame | None = None

    def totals(self) -> np.ndarray:
        """``iterations x impacts``: the whole study per iteration."""
        total: np.ndarray = self.samples.sum(axis=2)
        return total

    @property
    def not_sampled(self) -> list[str]:
        """Declared distributions the run could not sample (for a warning)."""
        frame = self.inputs[self.inputs["status"] == "not sampled"]
        return [f"{r.kind} {r.key} ({r.origin}): {r.note}" for r in frame.itertuples()]


def statistics_rows(samples: np.ndarray) -> np.ndarray:
    """``... x 8`` statistics of ``samples`` (iterations on axis 0): mean, median, sd and the
    2.5, 5, 95, 97.5 percentiles, in :data:`STAT_COLUMNS` order."""
    p = np.percentile(samples, PERCENTILES, axis=0)
    sd = samples.std(axis=0, ddof=1) if samples.shape[0] > 1 else np.zeros(samples.shape[1:])
    return np.stack([samples.mean(axis=0), p[2], sd, p[0], p[1], p[3], p[4]], axis=-1)


def _groups(names: Sequence[str]) -> list[tuple[str, str, list[int]]]:
    """(phase, stage, functional unit positions) of every row of the statistics frame."""
    split = [n.split("|", 1) for n in names]
    phases = list(dict.fromkeys(p for p, _ in split))
    stages = list(dict.fromkeys(s for _, s in split))
    out = [(p, s, [i]) for i, (p, s) in enumerate(split)]
    out += [(p, TOTAL, [i for i, (q, _) in enumerate(split) if q == p]) for p in phases]
    out += [(TOTAL, s, [i for i, (_, t) in enumerate(split) if t == s]) for s in stages]
    out.append((TOTAL, TOTAL, list(range(len(names)))))
    return out


def statistics_frame(point: pd.DataFrame, names: Sequence[str], samples: np.ndarray,
                     impacts: Sequence[str], seed: int) -> pd.DataFrame:
    """The tidy statistics of Monte Carlo ``samples`` next to the ``point`` scores frame."""
    scenario = str(point["scenario"].iloc[0]) if len(point) else ""
    variant = str(point["variant"].iloc[0]) if len(point) else "base"
    units = impact_units(point)
    records: list[tuple[Any, ...]] = []
    for phase, stage, members in _groups(names):
        summed = samples[:, :, members].sum(axis=2)
        stats = statistics_rows(summed)
        for m, impact in enumerate(impacts):
            mask = np.ones(len(point), dtype=bool)
            if phase != TOTAL:
                mask &= (point["phase"] == phase).to_numpy()
            if stage != TOTAL:
                mask &= (point["stage"] == stage).to_numpy()
            mask &= (point["impact"] == impact).to_numpy()
            value = float(point.loc[mask, "score"].sum())
            records.append((scenario, variant, phase, stage, impact, units.get(impact, ""),
                            value, *(float(x) for x in stats[m]), samples.shape[0], seed))
    return pd.DataFrame.from_records(records, columns=list(STAT_COLUMNS))


def inputs_frame(records: Sequence[InputRecord], matrices: Any) -> pd.DataFrame:
    """Every input: the study's and library's records, then the sampled matrix elements and one
    line counting the fixed ones."""
    rows = [r.__dict__ for r in records]
    for part in matrices.parts:
        d = part.distributions
        for k, label in enumerate(part.labels):
            kind = {2: "lognormal", 3: "normal", 4: "uniform", 5: "triangular"}[int(d.kind[k])]
            params = {"loc": d.loc[k], "scale": d.scale[k], "minimum": d.minimum[k],
                      "maximum": d.maximum[k]}
            text = kind + " " + " ".join(f"{n}={v:.6g}" for n, v in params.items()
                                         if np.isfinite(v))
            rows.append(InputRecord("matrix", label, float(part.values[part.uncertain[k]]), "",
                                    "sampled", text, "Brightway datapackage").__dict__)
    rows.append(InputRecord("matrix", "every other matrix element", float(matrices.fixed_count),
                            "elements", "fixed", "", "Brightway datapackage",
                            "exchanges and factors with no declared uncertainty").__dict__)
    return pd.DataFrame.from_records(rows, columns=list(InputRecord.__dataclass_fields__))


def uncertainty_result(point: pd.DataFrame, names: Sequence[str], samples: np.ndarray,
                       impacts: Sequence[str], records: Sequence[InputRecord], matrices: Any,
                       iterations: int, seed: int, sensitivity: pd.DataFrame | None = None
                       ) -> UncertaintyResult:
    """Assemble an :class:`UncertaintyResult`."""
    return UncertaintyResult(statistics_frame(point, names, samples, impacts, seed),
                             inputs_frame(records, matrices), samples, tuple(names),
                             tuple(impacts), iterations, seed, sensitivity)


SOBOL_COLUMNS = ("impact", "unit", "input", "S1", "S1_conf", "ST", "ST_conf", "rank")


def sobol_frame(model: Callable[[np.ndarray], np.ndarray], labels: Sequence[str],
                base_samples: int, seed: int, point: pd.DataFrame) -> pd.DataFrame:
    """Sobol first-order and total indices of the whole study's score, per impact, from
    ``base_samples`` (a power of 2) x (2 x inputs + 2) model evaluations (SALib)."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    units = impact_units(point)
    impacts = list(dict.fromkeys(point["impact"]))
    if not labels:
        return pd.DataFrame(columns=list(SOBOL_COLUMNS))
    problem = {"num_vars": len(labels), "names": list(labels),
               "bounds": [[0.0, 1.0]] * len(labels)}
    design = sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    totals = model(np.clip(design, 1e-12, 1 - 1e-12)).sum(axis=2)
    records: list[tuple[Any, ...]] = []
    for m, impact in enumerate(impacts):
        y = totals[:, m]
        if not np.std(y) > 0:
            continue
        indices = analyze.analyze(problem, y, calc_second_order=False, seed=seed,
                                  print_to_console=False)
        order = [k for k in np.argsort(-np.nan_to_num(indices["ST"]), kind="stable")
                 if indices["ST"][k] != 0 or indices["S1"][k] != 0]  # inputs with no effect
        for rank, k in enumerate(order, start=1):
            records.append((impact, units.get(impact, ""), labels[k], float(indices["S1"][k]),
                            float(indices["S1_conf"][k]), float(indices["ST"][k]),
                            float(indices["ST_conf"][k]), rank))
    return pd.DataFrame.from_records(records, columns=list(SOBOL_COLUMNS))


MAX_RANKED = 30
"""Comparisons with at most this many variants get every rank's probability."""
VARIANT_COLUMNS = ("variant", "impact", "unit", "value", "mean", "median", "sd", "p2_5", "p5",
                   "p95", "p97_5", "p_beats_baseline", "p_best", "mean_rank", "iterations",
                   "seed")


def _ranks(totals: dict[str, np.ndarray], m: int) -> np.ndarray:
    """``iterations x variants`` ranks (1 = lowest score) of impact ``m``; ties keep the
    variants' order."""
    stacked = np.stack([t[:, m] for t in totals.values()], axis=1)
    order = np.argsort(stacked, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(stacked.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, stacked.shape[1] + 1)[None, :]
    return ranks


def variant_frame(point: pd.DataFrame, totals: dict[str, np.ndarray], baseline: str,
                  impacts: Sequence[str], iterations: int, seed: int) -> pd.DataFrame:
    """Per variant and impact: statistics of the whole study, the probability of scoring below
    the baseline (NaN for the baseline), of ranking first, and the mean rank."""
    names = list(totals)
    units = impact_units(point)
    values = {(v, i): s for v, i, s in zip(point["variant"], point["impact"], point["score"],
                                           strict=False)}
    records: list[tuple[Any, ...]] = []
    for m, impact in enumerate(impacts):
        ranks = _ranks(totals, m)
        for v, name in enumerate(names):
            samples = totals[name][:, m]
            stats = statistics_rows(samples[:, None])[0]
            beats = float("nan") if name == baseline else \
                float(np.mean(samples < totals[baseline][:, m]))
            records.append((name, impact, units.get(impact, ""),
                            float(values.get((name, impact), float("nan"))),
                            *(float(x) for x in stats), beats,
                            float(np.mean(ranks[:, v] == 1)), float(ranks[:, v].mean()),
                            iterations, seed))
    return pd.DataFrame.from_records(records, columns=list(VARIANT_COLUMNS))


def rank_frame(totals: dict[str, np.ndarray], impacts: Sequence[str]) -> pd.DataFrame:
    """Per variant, impact and rank: the probability of that rank (empty above
    :data:`MAX_RANKED` variants)."""
    columns = ["variant", "impact", "rank", "probability"]
    if len(totals) > MAX_RANKED:
        return pd.DataFrame(columns=columns)
    records = []
    names = list(totals)
    for m, impact in enumerate(impacts):
        ranks = _ranks(totals, m)
        for v, name in enumerate(names):
            counts = np.bincount(ranks[:, v], minlength=len(names) + 1)[1:]
            records += [(name, impact, r + 1, float(c) / ranks.shape[0])
                        for r, c in enumerate(counts) if c]
    return pd.DataFrame.from_records(records, columns=columns)
