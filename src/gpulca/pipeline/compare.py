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

from collections.abc import Callable, Mapping, Sequence
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
from gpulca.pipeline.compare_columns import (
    ColumnGroup,
    column_groups,
    demand_classes,
    fill_rows,
    group_codes,
)
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
    comparison_frame,
    comparison_frame_from_scores,
    differences_frame,
    overrides_frame,
    parameter_frames,
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
                     scored: Scored | None = None, *, columnar: bool = True
                     ) -> ComparisonResult:
    """Score resolved variants from one bw2calc solve and build the comparison.

    Every variant's demand vectors are rows of one matrix, scored by one product with the unit
    scores (:func:`score_array`); the scores and comparison frames are built column-wise from
    it. A variant's own :class:`StudyResult` (frames, audit trail) is built when it is read.
    ``scored`` (see :data:`Scored`) is called once the comparison frame is known, before the
    warnings, overrides, parameters and differences are worked out. With ``columnar`` (the
    default), site-only variants are translated column-wise
    (:mod:`gpulca.pipeline.compare_columns`: the same scores and warnings); without, each alone.
    """
    with collection_paused():  # every variant's demands and frames are kept
        return _compare_variants(variants, data_dir, project, progress, scored, columnar)


def _compare_variants(variants: VariantStudy, data_dir: str | Path | None,
                      project: str, progress: ProgressCallback | None,
                      scored: Scored | None = None, columnar: bool = True
                      ) -> ComparisonResult:
    translate = variant_translator(variants)
    groups = column_groups(variants, lambda name: translate(name)[0]) if columnar else []
    in_groups = {name for group in groups for name in group.names}
    translated = {name: translate(name) for name in variants.variants if name not in in_groups}
    codes = {code for _, demands in translated.values() for stages in demands.values()
             for demand in stages.values() for code in demand}
    codes.update(code for group in groups for code in group_codes(group))
    methods = variants.base.study.methods
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(variants.base.study.library, methods,
                                   str(variants.base.study.methods_file))
        table = session.unit_scores(prepared.database, codes, methods)
        where = (prepared.database, project, session.data_dir)
    array = score_array(variants, translated, table, prepared.method_units, groups)
    position = {name: v for v, name in enumerate(array.variants)}

    def build(name: str) -> StudyResult:  # translated again: not every variant's kept
        quantities, demands = translate(name)
        variant = variants.variants[name]
        return study_result(variant.study, quantities, demands,
                            array.variant_scores(position[name]),
                            prepared.method_units, where, variant.name, variant.overrides,
                            prepared.method_metadata)

    results = VariantResults(list(array.variants), build)
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
    warnings = variant_warnings(variants, translated, groups, translate)
    del translated  # a result read later translates its variant again (the same demands)
    parameters, differences = parameter_frames(variants)
    return ComparisonResult(
        name=base.name, file=base.file, baseline=variants.baseline, variants=variants,
        results=results, comparison=comparison,
        overrides=overrides_frame(variants), parameters=parameters,
        differences=differences, database=where[0],
        project=where[1], data_dir=where[2], warnings=warnings, score_array=array)


def variant_warnings(variants: VariantStudy,
                     translated: Mapping[str, tuple[Any, dict[str, dict[str, Demand]]]],
                     groups: Sequence[ColumnGroup] = (),
                     translate: Callable[[str], tuple[Any, dict[str, Any]]] | None = None
                     ) -> list[str]:
    """Every variant's result warnings, each once, in variant order; whether a process's
    water withdrawal equals its consumption, and whether a manufacturing process lacks its
    withdrawal, is looked up once per library and process. The variants of ``groups``
    (translated column-wise, not in ``translated``) have the warnings of the first variant of
    their class (the same processes in their demand vectors, the same study warnings and
    assumption keys), which ``translate`` translates alone."""
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

    def of(name: str, demands: dict[str, dict[str, Demand]]) -> list[str]:
        study = variants.variants[name].study
        return result_warnings(study, demands, cached(study.library, withdrawal_is_consumption),
                               cached(study.library, has_gaps))

    found: dict[str, list[str]] = {}
    for group in groups:
        assert translate is not None
        classes = demand_classes(group)
        first: dict[tuple[object, ...], list[str]] = {}
        for name, number in zip(group.names, classes.tolist(), strict=True):
            study = variants.variants[name].study
            key = (number, tuple(study.warnings), tuple(a.key for a in study.assumptions),
                   id(study.library), id(study.methods))
            if key not in first:
                first[key] = of(name, translate(name)[1])
            found[name] = first[key]
    return list(dict.fromkeys(
        w for name in variants.variants
        for w in (found[name] if name in found else of(name, translated[name][1]))))


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
                table: UnitScores, units: Mapping[str, str],
                groups: Sequence[ColumnGroup] = ()) -> VariantScores:
    """Every variant's (phase, life-cycle stage) demand vectors scored in one product.

    Row order: variants in ``variants`` order (each in ``translated`` or in one of the
    column-wise ``groups``), each one's phases in study order, each phase's stages in
    :data:`~gpulca.core.vocabulary.STAGES` order. Each score is the dot product of its demand
    row with an impact's unit scores, summed over processes in a fixed order, so a variant's
    scores do not depend on the other variants stacked with it.
    """
    grouped = {name: (g, v) for g, group in enumerate(groups)
               for v, name in enumerate(group.names)}
    names = [name for name in variants.variants if name in translated or name in grouped]
    offsets = [0]
    phases: list[str] = []
    labels: list[str] = []
    stages: list[str] = []
    vectors: list[Demand] = []
    vector_rows: list[int] = []
    first_rows: list[list[int]] = [[0] * len(group.names) for group in groups]
    blocks: list[tuple[list[str], list[str], list[str]] | None] = [None] * len(groups)
    each = len(STAGES)
    for name in names:
        study = variants.variants[name].study
        if name in grouped:  # the rows' labels of a group's variant: the group's
            g, v = grouped[name]
            first_rows[g][v] = len(phases)
            if blocks[g] is None:
                order = groups[g].phases
                blocks[g] = ([p for p in order for _ in STAGES],
                             [study.phases.get(p, p) for p in order for _ in STAGES],
                             [stage for _ in order for stage in STAGES])
            block = blocks[g]
            assert block is not None
            phases.extend(block[0])
            labels.extend(block[1])
            stages.extend(block[2])
            offsets.append(len(phases))
        else:
            order = list(translated[name][1])
            by_phase = translated[name][1]
            for phase in order:
                vector_rows.extend(range(len(phases), len(phases) + each))
                vectors.extend([by_phase[phase].get(stage, {}) for stage in STAGES])
                phases.extend([phase] * each)
                labels.extend([study.phases.get(phase, phase)] * each)
                stages.extend(STAGES)
            offsets.append(len(phases))
    demand = np.zeros((len(phases), len(table.codes)))
    if vectors:
        demand[np.array(vector_rows)] = table.demand_matrix(vectors)
    index = {code: i for i, code in enumerate(table.codes)}
    for group, rows in zip(groups, first_rows, strict=True):
        fill_rows(demand, index, group, np.array(rows, dtype=int), STAGES)
    scores = np.zeros((len(phases), len(table.impacts)))
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


