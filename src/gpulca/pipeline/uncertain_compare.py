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

import numpy as np
import pandas as pd

from gpulca.core.sampling import Distributions, uniform_quantiles, values_from_quantiles
from gpulca.engine.montecarlo import CHUNK
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.pipeline.compare import compare_variants
from gpulca.pipeline.run import measured_energies_kwh
from gpulca.pipeline.uncertainty import (
    StudyInput,
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
                        progress: ProgressCallback | None = None) -> UncertainComparison:
    """Compare a study's variants (point, bw2calc), then score them all on ``iterations``
    common Monte Carlo draws seeded with ``seed``."""
    check_iterations(iterations, seed)
    variants = load_variants(study) if isinstance(study, str | Path) else study
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
    k, kl = len(keys), len(model.library_inputs)
    quantiles = uniform_quantiles(iterations, k + kl + model.matrices.input_count, seed)
    units = _unit_scores(model, quantiles[:, k:])
    totals = {name: _variant_totals(variant.study, inputs[name], quantiles, column, units,
                                    model.matrices.codes)
              for name, variant in variants.variants.items()}
    return UncertainComparison(
        comparison, variant_frame(comparison.comparison, totals, variants.baseline,
                                  model.matrices.impacts, iterations, seed),
        rank_frame(totals, model.matrices.impacts), totals, iterations, seed)


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
