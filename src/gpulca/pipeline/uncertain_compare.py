"""Comparisons under uncertainty (``gpulca compare --uncertainty N --seed S``).

Every variant is scored with the same draws (common random numbers): one column of uniform
quantiles per uncertain input, shared by every variant that has that input (a study parameter by
its key, a library parameter, a matrix element), so that the differences between variants are
not blurred by independent noise. The unit scores of the matrices are drawn once for all
variants (:class:`~gpulca.engine.montecarlo.MatrixModel`); each variant contributes its own
demand vectors (:func:`gpulca.pipeline.uncertainty.demand_samples`).

The result (:func:`gpulca.results.uncertainty.variant_frame`): per variant and impact, the
Monte Carlo statistics of the whole study, the probability that the variant scores below the
baseline, the probability that it ranks first and its mean rank, and the probabilities of every
rank for up to :data:`~gpulca.results.uncertainty.MAX_RANKED` variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpulca.core.sampling import Distributions, quantile_rows, values_from_quantiles
from gpulca.engine.montecarlo import CHUNK
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.pipeline.chunked import (
    DRAW_CHUNK,
    VARIANT_GROUP,
    chunk_bounds,
    chunk_runner,
    cluster_of,
)
from gpulca.pipeline.compare import compare_variants
from gpulca.pipeline.run import measured_energies_kwh
from gpulca.pipeline.uncertainty import (
    StudyInput,
    StudyModel,
    _codes_reachable,
    _functional_units,
    _reindex,
    check_iterations,
    demand_samples,
    study_inputs,
    study_model,
)
from gpulca.results.comparison import ComparisonResult
from gpulca.results.uncertainty import rank_frame, variant_frame
from gpulca.study.resolve import ResolvedStudy
from gpulca.study.variants import VariantStudy, load_variants


@dataclass
class UncertainComparison:
    """A comparison's point result and its Monte Carlo over every variant."""

    comparison: ComparisonResult
    variants: pd.DataFrame
    """Per variant and impact: statistics, P(beats baseline), P(best), mean rank."""
    ranks: pd.DataFrame
    """Per variant, impact and rank: its probability (up to MAX_RANKED variants)."""
    totals: dict[str, np.ndarray]
    """Per variant: ``iterations x impacts`` whole-study scores."""
    iterations: int
    seed: int


def compare_uncertainty(study: str | Path | VariantStudy, iterations: int, seed: int = 0,
                        data_dir: str | Path | None = None, project: str = DEFAULT_PROJECT,
                        progress: ProgressCallback | None = None, *, dask: bool = False,
                        scheduler: str | None = None, client: Any = None,
                        chunk_draws: int = DRAW_CHUNK,
                        variant_group: int = VARIANT_GROUP) -> UncertainComparison:
    """Compare a study's variants (point, bw2calc), then score them all on ``iterations``
    common Monte Carlo draws seeded with ``seed``, in chunks of ``chunk_draws`` draws: in this
    process, or on Dask with ``dask`` (a local cluster), ``scheduler`` (an address) or
    ``client``, one task per chunk of draws and group of ``variant_group`` variants; the numbers
    are the same (:mod:`gpulca.pipeline.chunked`)."""
    check_iterations(iterations, seed)
    variants = load_variants(study) if isinstance(study, str | Path) else study
    cluster = cluster_of(dask, scheduler, client)
    # the cluster first: an address that does not answer fails before any work
    with chunk_runner(cluster) as runner:
        comparison = compare_variants(variants, data_dir, project, progress)
        inputs = {name: study_inputs(v.study)[0] for name, v in variants.variants.items()}
        keys = sorted({i.key for found in inputs.values() for i in found})
        column = {key: c for c, key in enumerate(keys)}
        codes: set[str] = set()
        for name, variant in variants.variants.items():
            point = _functional_units(variant.study, {}, measured_energies_kwh(variant.study))
            codes |= {c for d in point.values() for c in d}
            codes |= _codes_reachable(variant.study, inputs[name])
        base = variants.base.study
        model = study_model(base, inputs[variants.base.name], comparison.database, project,
                            data_dir, progress, codes)
        names = list(variants.variants)
        group = variant_group if cluster.distributed else len(names)
        draws = [VariantDraws(name, variants.variants[name].study, inputs[name])
                 for name in names]
        tasks, labels = _tasks(draws, iterations, seed, column, chunk_draws, group)
        parts: list[dict[str, np.ndarray]] = runner(_variant_chunk, model, tasks, labels)
    totals = {name: np.concatenate([part[name] for part in parts if name in part])
              for name in names}
    return UncertainComparison(
        comparison, variant_frame(comparison.comparison, totals, variants.baseline,
                                  model.matrices.impacts, iterations, seed),
        rank_frame(totals, model.matrices.impacts), totals, iterations, seed)


@dataclass(frozen=True)
class VariantDraws:
    """What a task needs of one variant: its name, study and uncertain study parameters."""

    name: str
    study: ResolvedStudy
    inputs: list[StudyInput]


def _tasks(variants: list[VariantDraws], iterations: int, seed: int, column: dict[str, int],
           chunk_draws: int, group: int
           ) -> tuple[list[tuple[list[VariantDraws], int, int, int, dict[str, int]]], list[str]]:
    """One task per chunk of draws and group of variants, and its name."""
    tasks: list[tuple[list[VariantDraws], int, int, int, dict[str, int]]] = []
    labels: list[str] = []
    for start, stop in chunk_bounds(iterations, chunk_draws):
        for first in range(0, len(variants), group):
            members = variants[first:first + group]
            tasks.append((members, start, stop, seed, column))
            labels.append(f"Monte Carlo draws {start + 1:,} to {stop:,} of variants "
                          f"{members[0].name!r} to {members[-1].name!r}")
    return tasks, labels


def _variant_chunk(model: StudyModel, variants: list[VariantDraws], start: int, stop: int,
                   seed: int, column: dict[str, int]) -> dict[str, np.ndarray]:
    """Per variant: ``draws x impacts`` whole-study scores of draws ``start`` to ``stop`` (a
    task: the quantiles are drawn where it runs, the unit scores computed once for its
    variants)."""
    k = len(column)
    width = k + len(model.library_inputs) + model.matrices.input_count
    quantiles = quantile_rows(start, stop, width, seed)
    units = _unit_scores(model, quantiles[:, k:])
    return {v.name: _variant_totals(v.study, v.inputs, quantiles, column, units,
                                    model.matrices.codes) for v in variants}


def _unit_scores(model: object, quantiles: np.ndarray) -> np.ndarray:
    """``iterations x impacts x codes`` unit scores at the library and matrix quantiles."""
    from gpulca.pipeline.uncertainty import StudyModel

    assert isinstance(model, StudyModel)
    kl = len(model.library_inputs)
    amounts = model._amounts(quantiles[:, :kl])
    out = []
    for start in range(0, quantiles.shape[0], CHUNK):
        stop = min(start + CHUNK, quantiles.shape[0])
        chunk = None if amounts is None else {
            part: (positions, values[start:stop]) for part, (positions, values)
            in amounts.items()}
        out.append(model.matrices.unit_scores(quantiles[start:stop, kl:], chunk))
    return np.concatenate(out)


def _variant_totals(study: object, inputs: list[StudyInput], quantiles: np.ndarray,
                    column: dict[str, int], units: np.ndarray, codes: tuple[str, ...]
                    ) -> np.ndarray:
    """``iterations x impacts``: one variant's whole study on the shared draws."""
    from gpulca.study.resolve import ResolvedStudy

    assert isinstance(study, ResolvedStudy)
    distributions = Distributions.from_records([i.distribution for i in inputs])
    own = quantiles[:, [column[i.key] for i in inputs]]
    drawn = values_from_quantiles(own, distributions)
    values = {i.key: drawn[:, c] for c, i in enumerate(inputs)}
    samples = demand_samples(study, values, quantiles.shape[0])
    demands = _reindex(samples, codes).sum(axis=-1)  # every functional unit together
    if demands.ndim == 1:
        result: np.ndarray = units @ demands
        return result
    summed: np.ndarray = np.einsum("imj,ij->im", units, demands)
    return summed
