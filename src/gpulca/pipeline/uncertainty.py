"""Monte Carlo and global sensitivity of a study (``gpulca run --uncertainty N --seed S``).

>>> from gpulca import run_uncertainty                                            # doctest: +SKIP
>>> outcome = run_uncertainty("scenarios/moshi-like.yaml", 10_000, seed=1)        # doctest: +SKIP
>>> outcome.uncertainty.statistics.head()  # mean, median, sd, p2.5 ... p97.5     # doctest: +SKIP

Every declared uncertainty is sampled, each as one column of seeded uniform quantiles
(:mod:`gpulca.core.sampling`):

- **study parameters** (PUE, WUE, GPU power and load, host power, lifetime, utilisation), from the
  study file or the library entry it names: the demand vectors of every iteration are the
  translator's own (:func:`gpulca.pipeline.run.activity_quantities`), evaluated once for all
  iterations with :class:`~gpulca.core.sampling.Sampled` values (checked against one-by-one
  evaluations; where the model branches on a sampled value, it is evaluated iteration by
  iteration instead);
- **inventory exchanges and characterisation factors**: the elements of the Brightway matrices
  with their stats_arrays uncertainty arrays (:mod:`gpulca.engine.montecarlo`).

- **library parameters** (network and storage shares, the building's lifetime...): every
  exchange formula that depends on one is re-evaluated for all iterations
  (:mod:`gpulca.library.sampling`) and its matrix element set to the result.

Values without a distribution stay fixed and are listed as fixed. A declared distribution that
cannot be sampled is listed as ``not sampled`` with why, never silently dropped.
The point result is bw2calc's own solve (:func:`gpulca.pipeline.run.run_resolved`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gpulca.core.errors import GpulcaError, InputError, Problem
from gpulca.core.sampling import (
    Distributions,
    Sampled,
    SampledBranch,
    as_array,
    quantile_rows,
    values_from_quantiles,
)
from gpulca.core.units import parse_quantity
from gpulca.engine.gateway import open_session
from gpulca.engine.montecarlo import Adjustments, MatrixModel
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.library.sampling import (
    LibraryParameterInput,
    SampledExchange,
    exchange_amounts,
    sampled_exchanges,
    uncertain_parameters,
)
from gpulca.model.translate import phase_demands
from gpulca.pipeline.chunked import (
    DRAW_CHUNK,
    Runner,
    chunk_bounds,
    chunk_runner,
    cluster_of,
    in_process,
)
from gpulca.pipeline.run import activity_quantities, measured_energies_kwh, run_resolved
from gpulca.pipeline.run import stage_functional_units as _stage_fus
from gpulca.results.result import StudyResult
from gpulca.results.uncertainty import (
    InputRecord,
    UncertaintyResult,
    sobol_frame,
    uncertainty_result,
)
from gpulca.schemas.common import Uncertainty
from gpulca.study.resolve import ResolvedStudy, load_study

MAX_ITERATIONS = 1_000_000
_HARDWARE = re.compile(r"hardware\[(?P<id>[^\]]+)\]\.(?P<field>gpu_power|gpu_load|"
                       r"node_overhead_power)")
_HARDWARE_FIELDS = {"gpu_power": "gpu_power_w", "gpu_load": "gpu_load",
                    "node_overhead_power": "node_overhead_w"}
_ALL_HARDWARE = {"hardware.lifetime": "lifetime_h", "hardware.utilisation": "utilisation"}
_SITE = {"site.pue": "pue", "site.wue": "wue_l_per_kwh",
         "site.wue_withdrawal": "wue_withdrawal_l_per_kwh"}


@dataclass(frozen=True)
class StudyInput:
    """One uncertain study parameter, its distribution in the parameter's canonical unit."""

    key: str
    value: float
    unit: str
    distribution: dict[str, Any]
    """stats_arrays fields (``uncertainty type``, ``loc``, ``scale``, ``minimum``...)."""
    text: str
    origin: str


def samplable(key: str) -> bool:
    """Whether the Monte Carlo knows where the study parameter ``key`` enters the model."""
    return key in _SITE or key in _ALL_HARDWARE or _HARDWARE.fullmatch(key) is not None


def _written_magnitude(written: float | str | None, value: float) -> float:
    if written is None:
        return value
    if isinstance(written, int | float):
        return float(written)
    return float(parse_quantity(written).magnitude)


def canonical_distribution(uncertainty: Uncertainty, written: float, factor: float
                           ) -> dict[str, Any]:
    """stats_arrays fields of ``uncertainty`` around the written value, in the canonical unit
    (``factor`` = canonical / written unit)."""
    fields = dict(uncertainty.to_stats_arrays(written))
    if fields["uncertainty type"] == 2:
        fields["loc"] = float(fields["loc"]) + math.log(abs(factor))  # type: ignore[arg-type]
        return fields
    for name in ("loc", "scale", "minimum", "maximum"):
        if fields.get(name) is not None:
            fields[name] = float(fields[name]) * factor  # type: ignore[arg-type]
    return fields


def study_inputs(study: ResolvedStudy) -> tuple[list[StudyInput], list[InputRecord]]:
    """The study's uncertain parameters the Monte Carlo samples, and a record of every value the
    result depends on: sampled, fixed, or declared but not sampled (with why)."""
    inputs: list[StudyInput] = []
    records: list[InputRecord] = []
    for record in study.assumptions:
        if not isinstance(record.value, int | float):
            continue
        if record.uncertainty is None:
            records.append(InputRecord("study", record.key, float(record.value), record.unit,
                                       "fixed", "", record.origin))
            continue
        if not samplable(record.key):
            records.append(InputRecord("study", record.key, float(record.value), record.unit,
                                       "not sampled", record.uncertainty, record.origin,
                                       "no Monte Carlo mapping for this key"))
            continue
        uncertainty = Uncertainty.model_validate_json(record.uncertainty)
        written = _written_magnitude(record.written, float(record.value))
        factor = float(record.value) / written if written else 1.0
        inputs.append(StudyInput(record.key, float(record.value), record.unit,
                                 canonical_distribution(uncertainty, written, factor),
                                 record.uncertainty, record.origin))
        records.append(InputRecord("study", record.key, float(record.value), record.unit,
                                   "sampled", record.uncertainty, record.origin))
    return inputs, records


def apply_values(study: ResolvedStudy, values: Mapping[str, Any]) -> ResolvedStudy:
    """``study`` with the study parameters in ``values`` (floats or :class:`Sampled`) set."""
    site: dict[str, Any] = {}
    hardware: dict[str, dict[str, Any]] = {h: {} for h in study.hardware}
    own_withdrawal = any(a.key == "site.wue_withdrawal" for a in study.assumptions)
    for key, value in values.items():
        if key in _SITE:
            site[_SITE[key]] = value
            if key == "site.wue" and not own_withdrawal:  # withdrawal defaults to consumption
                site["wue_withdrawal_l_per_kwh"] = value
        elif key in _ALL_HARDWARE:
            for changes in hardware.values():
                changes[_ALL_HARDWARE[key]] = value
        elif (match := _HARDWARE.fullmatch(key)) and match["id"] in hardware:
            hardware[match["id"]][_HARDWARE_FIELDS[match["field"]]] = value
    return dataclasses.replace(
        study, site=dataclasses.replace(study.site, **site),
        hardware={h: dataclasses.replace(p, **hardware[h]) for h, p in study.hardware.items()})


@dataclass(frozen=True)
class DemandSamples:
    """Demand vectors of every iteration: ``demands[i, j, f]`` is the amount of process
    ``codes[j]`` in functional unit ``names[f]`` (a (phase, stage) pair) in iteration ``i``
    (or ``demands[j, f]`` for every iteration when no study parameter is sampled)."""

    names: tuple[str, ...]
    codes: tuple[str, ...]
    demands: np.ndarray
    vectorised: bool


def _functional_units(study: ResolvedStudy, values: Mapping[str, Any],
                      measured: list[float | None]) -> dict[str, dict[str, Any]]:
    return _stage_fus(phase_demands(activity_quantities(apply_values(study, values), measured)))


def _array(fus: Mapping[str, Mapping[str, Any]], names: tuple[str, ...],
           codes: tuple[str, ...], iterations: int) -> np.ndarray:
    column = {code: j for j, code in enumerate(codes)}
    out = np.zeros((iterations, len(codes), len(names)))
    for f, name in enumerate(names):
        for code, amount in fus[name].items():
            out[:, column[code], f] += as_array(amount, iterations)
    return out


def demand_samples(study: ResolvedStudy, values: Mapping[str, np.ndarray], iterations: int
                   ) -> DemandSamples:
    """The demand vectors of every iteration for sampled study parameter ``values``."""
    measured = measured_energies_kwh(study)
    point = _functional_units(study, {}, measured)
    names = tuple(point)
    if not values:
        codes = tuple(sorted({c for d in point.values() for c in d}))
        return DemandSamples(names, codes, _array(point, names, codes, 1)[0], True)
    try:
        fus = _functional_units(study, {k: Sampled(v) for k, v in values.items()}, measured)
        codes = tuple(sorted({c for d in fus.values() for c in d}))
        demands = _array(fus, names, codes, iterations)
        for i in sorted({0, iterations // 2, iterations - 1}):  # the vector path is checked
            one = _functional_units(study, {k: float(v[i]) for k, v in values.items()},
                                    measured)
            if not np.allclose(_array(one, names, codes, 1)[0], demands[i], rtol=1e-9,
                               atol=0.0):
                raise SampledBranch("vectorised demands differ from the model's own")
        return DemandSamples(names, codes, demands, True)
    except (SampledBranch, TypeError, KeyError, ValueError):
        return _demand_loop(study, values, iterations, names, measured)


def _demand_loop(study: ResolvedStudy, values: Mapping[str, np.ndarray], iterations: int,
                 names: tuple[str, ...], measured: list[float | None]) -> DemandSamples:
    every = [_functional_units(study, {k: float(v[i]) for k, v in values.items()}, measured)
             for i in range(iterations)]
    codes = tuple(sorted({c for fus in every for d in fus.values() for c in d}))
    demands = np.concatenate([_array(fus, names, codes, 1) for fus in every])
    return DemandSamples(names, codes, demands, False)


@dataclass
class UncertainRun:
    """A study's point result (bw2calc) and its Monte Carlo."""

    result: StudyResult
    uncertainty: UncertaintyResult


def check_iterations(iterations: int, seed: int) -> None:
    """A located error for an iteration count or seed out of range."""
    if not 2 <= iterations <= MAX_ITERATIONS:
        raise InputError(Problem(None, "--uncertainty", f"expected 2 to {MAX_ITERATIONS:,} "
                                 "iterations", iterations))
    if not 0 <= seed < 2 ** 63:
        raise InputError(Problem(None, "--seed", "expected a non-negative integer", seed))


class StudyModel:
    """Scores of a study as a function of the uniform quantiles of all its uncertain inputs:
    the study parameters' columns first, then the library parameters', then the matrix
    elements'."""

    def __init__(self, study: ResolvedStudy, inputs: list[StudyInput], matrices: MatrixModel,
                 names: tuple[str, ...], library_inputs: list[LibraryParameterInput],
                 exchanges: list[SampledExchange],
                 positions: list[tuple[str, int] | None]) -> None:
        self.study, self.inputs, self.matrices, self.names = study, inputs, matrices, names
        self.library_inputs, self.exchanges, self.positions = library_inputs, exchanges, \
            positions
        self.distributions = Distributions.from_records([i.distribution for i in inputs])
        self.library_distributions = Distributions.from_records(
            [dict(i.uncertainty.to_stats_arrays(i.written)) for i in library_inputs])

    @property
    def labels(self) -> tuple[str, ...]:
        return (tuple(i.key for i in self.inputs)
                + tuple(f"library parameter {i.name}" for i in self.library_inputs)
                + self.matrices.input_labels)

    def _amounts(self, quantiles: np.ndarray) -> Adjustments | None:
        if not self.library_inputs:
            return None
        drawn = values_from_quantiles(quantiles, self.library_distributions)
        amounts = exchange_amounts(self.study.library, self.library_inputs, drawn,
                                   self.exchanges)
        out: dict[str, tuple[list[int], list[int]]] = {}
        for e, where in enumerate(self.positions):
            if where is not None:
                positions, columns = out.setdefault(where[0], ([], []))
                positions.append(where[1])
                columns.append(e)
        return {part: (np.array(positions), amounts[:, columns])
                for part, (positions, columns) in out.items()}

    def __call__(self, quantiles: np.ndarray) -> np.ndarray:
        """Scores ``iterations x impacts x functional units`` at ``quantiles``."""
        k, kl = len(self.inputs), len(self.library_inputs)
        drawn = values_from_quantiles(quantiles[:, :k], self.distributions)
        values = {i.key: drawn[:, c] for c, i in enumerate(self.inputs)}
        samples = demand_samples(self.study, values, quantiles.shape[0])
        if samples.names != self.names:
            raise GpulcaError("the functional units changed between evaluations")
        demands = _reindex(samples, self.matrices.codes)
        return self.matrices.scores(quantiles[:, k + kl:], demands,
                                    self._amounts(quantiles[:, k:k + kl]))


def library_records(model: StudyModel, unused: list[LibraryParameterInput]
                    ) -> list[InputRecord]:
    """The library parameters with a distribution: sampled where they change this study."""
    records = []
    for parameter in model.library_inputs:
        records.append(InputRecord(
            "library parameter", parameter.name, parameter.written, parameter.unit, "sampled",
            parameter.uncertainty.model_dump_json(exclude_none=True), parameter.origin,
            f"{len(model.exchanges)} exchange formula(s) in this study's supply chain depend "
            "on the library's uncertain parameters"))
    for parameter in unused:
        records.append(InputRecord(
            "library parameter", parameter.name, parameter.written, parameter.unit,
            "no effect", parameter.uncertainty.model_dump_json(exclude_none=True),
            parameter.origin, "no exchange formula in this study's supply chain depends on it"))
    for exchange, where in zip(model.exchanges, model.positions, strict=True):
        if where is None:
            records.append(InputRecord(
                "exchange", f"{exchange.process}: {exchange.target}", exchange.amount, "",
                "not sampled", "", "", "its formula depends on an uncertain library parameter "
                "but no matrix element was found for it"))
    return records


def _reindex(samples: DemandSamples, codes: tuple[str, ...]) -> np.ndarray:
    """Demands over ``codes`` (the matrices' columns), zeros where not demanded."""
    position = {c: j for j, c in enumerate(codes)}
    missing = [c for c in samples.codes if c not in position]
    if missing:
        raise GpulcaError(f"processes {missing[:3]} are not in the sampled matrices")
    shape = (*samples.demands.shape[:-2], len(codes), samples.demands.shape[-1])
    out = np.zeros(shape)
    out[..., [position[c] for c in samples.codes], :] = samples.demands
    return out


def run_uncertainty(study: str | Path | ResolvedStudy, iterations: int, seed: int = 0,
                    data_dir: str | Path | None = None, project: str = DEFAULT_PROJECT,
                    progress: ProgressCallback | None = None, sobol: int = 0, *,
                    dask: bool = False, scheduler: str | None = None, client: Any = None,
                    chunk_draws: int = DRAW_CHUNK) -> UncertainRun:
    """Solve a study with bw2calc, then run ``iterations`` Monte Carlo iterations seeded with
    ``seed`` (and, when ``sobol`` > 0, Sobol indices from ``sobol`` base samples), in chunks of
    ``chunk_draws`` draws: in this process, or on Dask with ``dask`` (a local cluster),
    ``scheduler`` (an address) or ``client``; the numbers are the same
    (:mod:`gpulca.pipeline.chunked`)."""
    check_iterations(iterations, seed)
    resolved = load_study(study) if isinstance(study, str | Path) else study
    # the cluster first: an address that does not answer fails before any work
    with chunk_runner(cluster_of(dask, scheduler, client)) as runner:
        result = run_resolved(resolved, data_dir, project, progress)
        inputs, records = study_inputs(resolved)
        model = study_model(resolved, inputs, result.database, project, data_dir, progress)
        records += library_records(model, [
            p for p in uncertain_parameters(resolved.library) if p not in model.library_inputs])
        scores = score_draws(model, iterations, seed, runner, chunk_draws)
        sensitivity = sobol_frame(ChunkedModel(model, runner, chunk_draws), model.labels,
                                  sobol, seed, result.scores) if sobol else None
    result.uncertainty = uncertainty_result(
        result.scores, model.names, scores, model.matrices.impacts, records,
        model.matrices, iterations, seed, sensitivity)
    return UncertainRun(result, result.uncertainty)


def _draw_chunk(model: StudyModel, start: int, stop: int, seed: int) -> np.ndarray:
    """Scores of draws ``start`` to ``stop`` (a task: its quantiles are drawn where it runs)."""
    return model(quantile_rows(start, stop, len(model.labels), seed))


def _row_chunk(model: StudyModel, quantiles: np.ndarray) -> np.ndarray:
    return model(quantiles)


def score_draws(model: StudyModel, iterations: int, seed: int, runner: Runner = in_process,
                chunk_draws: int = DRAW_CHUNK) -> np.ndarray:
    """Scores ``iterations x impacts x functional units`` of the seeded draws, chunk by chunk
    on ``runner`` (the chunks' results in draw order)."""
    bounds = chunk_bounds(iterations, chunk_draws)
    parts = runner(_draw_chunk, model, [(start, stop, seed) for start, stop in bounds],
                   [f"Monte Carlo draws {start + 1:,} to {stop:,}" for start, stop in bounds])
    return np.concatenate(parts)


@dataclass(frozen=True)
class ChunkedModel:
    """``model`` evaluated at given quantiles (a Sobol design) in chunks of rows on
    ``runner``."""

    model: StudyModel
    runner: Runner
    chunk_rows: int = DRAW_CHUNK

    def __call__(self, quantiles: np.ndarray) -> np.ndarray:
        bounds = chunk_bounds(quantiles.shape[0], self.chunk_rows)
        parts = self.runner(_row_chunk, self.model,
                            [(quantiles[start:stop],) for start, stop in bounds],
                            [f"Sobol design rows {start + 1:,} to {stop:,}"
                             for start, stop in bounds])
        return np.concatenate(parts)


def study_model(study: ResolvedStudy, inputs: list[StudyInput], database: str, project: str,
                data_dir: str | Path | None, progress: ProgressCallback | None,
                extra_codes: set[str] | None = None) -> StudyModel:
    """The :class:`StudyModel` of a study whose database is written (by a run)."""
    point = _functional_units(study, {}, measured_energies_kwh(study))
    codes = {c for d in point.values() for c in d} | set(extra_codes or ())
    codes |= _codes_reachable(study, inputs)
    library_inputs = uncertain_parameters(study.library)
    exchanges = sampled_exchanges(study.library, {i.name for i in library_inputs})
    with open_session(project, data_dir, progress) as session:
        matrices = session.matrix_model(
            database, codes, study.methods,
            [(e.kind, e.target, e.process, e.amount) for e in exchanges])
    # Only what can change this study's scores: exchanges in its supply chain (or with no
    # element, to be listed) and the parameters they depend on.
    reachable = matrices.reachable(matrices.exchange_positions)
    kept = [(e, where) for e, where, ok in zip(exchanges, matrices.exchange_positions,
                                               reachable, strict=True)
            if ok or where is None]
    used = {name for e, _ in kept for name in e.depends_on}
    library_inputs = [i for i in library_inputs if i.name in used]
    return StudyModel(study, inputs, matrices, tuple(point), library_inputs,
                      [e for e, _ in kept], [w for _, w in kept])


def _codes_reachable(study: ResolvedStudy, inputs: list[StudyInput]) -> set[str]:
    """Codes a sampled study could demand that the point study does not (a parameter that is
    0 at its value): found by one evaluation at each input's bounds."""
    codes: set[str] = set()
    measured = measured_energies_kwh(study)
    for bound in (1e-6, 1 - 1e-6):
        q = np.full((1, len(inputs)), bound)
        drawn = values_from_quantiles(q, Distributions.from_records(
            [i.distribution for i in inputs])) if inputs else q
        fus = _functional_units(study, {i.key: float(drawn[0, c])
                                        for c, i in enumerate(inputs)}, measured)
        codes |= {c for d in fus.values() for c in d}
    return codes
