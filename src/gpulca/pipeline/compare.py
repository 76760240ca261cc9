"""Compare the variants of a study side by side: the pipeline behind ``gpulca compare``.

>>> from gpulca import compare_study                                          # doctest: +SKIP
>>> result = compare_study("scenarios/siting-study.yaml", data_dir="/tmp/bw")  # doctest: +SKIP
>>> result.totals()                      # variants x impact categories       # doctest: +SKIP
>>> result.comparison.head()             # tidy: score, change, rank          # doctest: +SKIP

Every variant is resolved like a study (:mod:`gpulca.study.variants`), translated into demand
vectors per (phase, life-cycle stage), and scored from one bw2calc solve
(:mod:`gpulca.engine.unitscores`): the inventory database, the matrices and their factorisation
are shared by all variants. The result and its frames: :mod:`gpulca.results.comparison`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpulca.core.collection import collection_paused
from gpulca.core.vocabulary import STAGES
from gpulca.engine.gateway import open_session
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.engine.unitscores import UnitScores
from gpulca.library.water import withdrawal_gaps, withdrawal_is_consumption
from gpulca.model.translate import Demand, phase_demands
from gpulca.pipeline.run import (
    activity_quantities,
    measured_energies_kwh,
    result_warnings,
    study_result,
)
from gpulca.results.comparison import (
    ComparisonResult,
    VariantResults,
    VariantScores,
    all_variant_parameters,
    comparison_frame,
    comparison_frame_from_scores,
    differences_frame,
    overrides_frame,
    parameters_frame,
)
from gpulca.results.result import StudyResult
from gpulca.study.variants import VariantStudy, load_variants

Scored = Callable[[ComparisonResult], None]
"""Called by :func:`compare_variants` as soon as the scores and the comparison frame are known
(e.g. to start drawing the chart), with a :class:`ComparisonResult` whose ``comparison``,
``score_array``, ``results`` and names are final and whose other frames and warnings are not
yet worked out (empty): read only the former."""


def compare_study(path: str | Path, data_dir: str | Path | None = None,
                  project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None,
                  scored: Scored | None = None) -> ComparisonResult:
    """Load a study, resolve its variants and compare them; raise :class:`InputError` with
    every problem (nothing is computed when any variant is invalid). ``scored``: see
    :data:`Scored`."""
    return compare_variants(load_variants(path), data_dir, project, progress, scored)


def variant_demands(variants: VariantStudy) -> dict[str, tuple[list[Any], dict[str, Any]]]:
    """Translate every variant: ``{name: (row quantities, {phase: {stage: demand}})}``."""
    translate = variant_translator(variants)
    return {name: translate(name) for name in variants.variants}


def variant_translator(variants: VariantStudy
                       ) -> Callable[[str], tuple[list[Any], dict[str, Any]]]:
    """A function translating one variant by name: (row quantities, {phase: {stage:
    demand}}); the base study's measured energies are read once."""
    measured = measured_energies_kwh(variants.base.study)
    base_rows = variants.base.study.rows

    def translate(name: str) -> tuple[list[Any], dict[str, Any]]:
        study = variants.variants[name].study
        # rows changed by a variant (practice overrides, serving) get their own energies
        same = study.rows is base_rows or study.rows == base_rows
        quantities = activity_quantities(study, measured if same else None)
        return quantities, phase_demands(quantities)

    return translate


def compare_variants(variants: VariantStudy, data_dir: str | Path | None = None,
                     project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None,
                     scored: Scored | None = None) -> ComparisonResult:
    """Score resolved variants from one bw2calc solve and build the comparison.

    Every variant's demand vectors are rows of one matrix, scored by one product with the unit
    scores (:func:`score_array`); the scores and comparison frames are built column-wise from
    it. A variant's own :class:`StudyResult` (frames, audit trail) is built when it is read.
    ``scored`` (see :data:`Scored`) is called once the comparison frame is known, before the
    warnings, overrides, parameters and differences are worked out.
    """
    with collection_paused():  # every variant's demands and frames are kept
        return _compare_variants(variants, data_dir, project, progress, scored)


def _compare_variants(variants: VariantStudy, data_dir: str | Path | None,
                      project: str, progress: ProgressCallback | None,
                      scored: Scored | None = None) -> ComparisonResult:
    translate = variant_translator(variants)
    translated = {name: translate(name) for name in variants.variants}
    codes = {code for _, demands in translated.values() for stages in demands.values()
             for demand in stages.values() for code in demand}
    methods = variants.base.study.methods
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(variants.base.study.library, methods,
                                   str(variants.base.study.methods_file))
        table = session.unit_scores(prepared.database, codes, methods)
        where = (prepared.database, project, session.data_dir)
    array = score_array(variants, translated, table, prepared.method_units)
    position = {name: v for v, name in enumerate(array.variants)}

    def build(name: str) -> StudyResult:  # translated again: not every variant's kept
        quantities, demands = translate(name)
        variant = variants.variants[name]
        return study_result(variant.study, quantities, demands,
                            array.variant_scores(position[name]),
                            prepared.method_units, where, variant.name, variant.overrides,
                            prepared.method_metadata)

    results = VariantResults(list(translated), build)
    assessed = assessed_rows(variants, array)
    values = array.scores
    checked = values[assessed]
    if not bool(np.all(np.isfinite(checked)) and np.all(checked >= 0)):
        # the unusual case: the first variant with a score that is not finite or negative
        # without an intended negative flow is refused, with its problems (InputError)
        for v, name in enumerate(array.variants):
            rows = array.rows_of(v)
            block = values[rows][assessed[rows]]
            if not bool(np.all(np.isfinite(block)) and np.all(block >= 0)):
                results[name]
    values[~assessed] = np.nan  # a stage declared not assessed is NaN, never 0
    base = variants.base.study
    comparison = comparison_frame_from_scores(variants, array)
    if scored is not None:
        empty = pd.DataFrame()
        scored(ComparisonResult(
            name=base.name, file=base.file, baseline=variants.baseline, variants=variants,
            results=results, comparison=comparison, overrides=empty, parameters=empty,
            differences=empty, database=where[0], project=where[1], data_dir=where[2],
            score_array=array))
    warnings = variant_warnings(variants, translated)
    del translated  # a result read later translates its variant again (the same demands)
    parameters = all_variant_parameters(variants)
    return ComparisonResult(
        name=base.name, file=base.file, baseline=variants.baseline, variants=variants,
        results=results, comparison=comparison,
        overrides=overrides_frame(variants), parameters=parameters_frame(variants, parameters),
        differences=differences_frame(variants, parameters), database=where[0],
        project=where[1], data_dir=where[2], warnings=warnings, score_array=array)


def variant_warnings(variants: VariantStudy,
                     translated: Mapping[str, tuple[Any, dict[str, dict[str, Demand]]]]
                     ) -> list[str]:
    """Every variant's result warnings, each once, in variant order; whether a process's
    water withdrawal equals its consumption, and whether a manufacturing process lacks its
    withdrawal, is looked up once per library and process."""
    known: dict[tuple[int, str, str], bool] = {}

    def cached(library: Any, test: Callable[[Any, str], bool]) -> Callable[[str], bool]:
        def check(code: str) -> bool:
            key = (id(library), test.__name__, code)
            if key not in known:
                known[key] = test(library, code)
            return known[key]
        return check

    def has_gaps(library: Any, code: str) -> bool:
        return bool(withdrawal_gaps(library, [code]))

    return list(dict.fromkeys(
        w for name, (_, demands) in translated.items()
        for w in result_warnings(
            variants.variants[name].study, demands,
            cached(variants.variants[name].study.library, withdrawal_is_consumption),
            cached(variants.variants[name].study.library, has_gaps))))


def assessed_rows(variants: VariantStudy, array: VariantScores) -> np.ndarray:
    """Which rows of ``array`` are assessed: False for a stage its variant's study declares
    not assessed (``not_assessed:``), whose scores are then NaN like a run's."""
    assessed = np.ones(len(array.stages), dtype=bool)
    groups: dict[tuple[str, ...], list[int]] = {}  # variants by the stages they skip
    for v, name in enumerate(array.variants):
        stages = tuple(str(s) for s in variants.variants[name].study.study.not_assessed)
        if stages:
            groups.setdefault(stages, []).append(v)
    variant_of_row = np.repeat(np.arange(len(array.variants)), np.diff(array.offsets))
    for skipped, members in groups.items():
        member = np.zeros(len(array.variants), dtype=bool)
        member[members] = True
        assessed[member[variant_of_row] & np.isin(array.stages, list(skipped))] = False
    return assessed


def score_array(variants: VariantStudy,
                translated: Mapping[str, tuple[Any, dict[str, dict[str, Demand]]]],
                table: UnitScores, units: Mapping[str, str]) -> VariantScores:
    """Every variant's (phase, life-cycle stage) demand vectors scored in one product.

    Row order: variants in ``translated`` order, each one's phases in study order, each phase's
    stages in :data:`~gpulca.core.vocabulary.STAGES` order. Each score is the dot product of
    its demand row with an impact's unit scores, summed over processes in a fixed order, so a
    variant's scores do not depend on the other variants stacked with it.
    """
    names = list(translated)
    offsets = [0]
    phases: list[str] = []
    labels: list[str] = []
    stages: list[str] = []
    vectors: list[Demand] = []
    each = len(STAGES)
    for name in names:
        study = variants.variants[name].study
        for phase, by_stage in translated[name][1].items():
            phases.extend([phase] * each)
            labels.extend([study.phases.get(phase, phase)] * each)
            stages.extend(STAGES)
            vectors.extend([by_stage.get(stage, {}) for stage in STAGES])
        offsets.append(len(phases))
    demand = table.demand_matrix(vectors)
    scores = np.zeros((len(vectors), len(table.impacts)))
    for i in range(len(table.codes)):  # process by process: deterministic, row-independent
        scores += demand[:, i, None] * table.matrix[None, :, i]
    categories = variants.base.study.methods.impact_categories
    return VariantScores(
        variants=tuple(names), scenarios=tuple(variants.variants[n].study.name for n in names),
        offsets=np.array(offsets), phases=np.array(phases, dtype=object),
        phase_labels=np.array(labels, dtype=object), stages=np.array(stages, dtype=object),
        impacts=tuple(c.id for c in categories), impact_labels=tuple(c.label for c in categories),
        methods=tuple(" | ".join(c.method) for c in categories),
        units=tuple(units.get(c.id, "") for c in categories), scores=scores)


def build_comparison(variants: VariantStudy, results: dict[str, StudyResult],
                     where: tuple[str, str, Path]) -> ComparisonResult:
    """Assemble the comparison frames from per-variant results (pure)."""
    base = variants.base.study
    warnings = list(dict.fromkeys(w for r in results.values() for w in r.warnings))
    return ComparisonResult(
        name=base.name, file=base.file, baseline=variants.baseline, variants=variants,
        results=results, comparison=comparison_frame(variants, results),
        overrides=overrides_frame(variants), parameters=parameters_frame(variants),
        differences=differences_frame(variants), database=where[0], project=where[1],
        data_dir=where[2], warnings=warnings)


