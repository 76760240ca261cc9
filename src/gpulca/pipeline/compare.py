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

from pathlib import Path
from typing import Any

from gpulca.engine.gateway import open_session
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.engine.unitscores import UnitScores
from gpulca.model.translate import Demand, phase_demands
from gpulca.pipeline.run import activity_quantities, measured_energies_kwh, study_result
from gpulca.pipeline.run import stage_functional_units as _stage_fus
from gpulca.results.comparison import (
    ComparisonResult,
    comparison_frame,
    differences_frame,
    overrides_frame,
    parameters_frame,
)
from gpulca.results.result import StudyResult
from gpulca.study.variants import ResolvedVariant, VariantStudy, load_variants


def compare_study(path: str | Path, data_dir: str | Path | None = None,
                  project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None
                  ) -> ComparisonResult:
    """Load a study, resolve its variants and compare them; raise :class:`InputError` with
    every problem (nothing is computed when any variant is invalid)."""
    return compare_variants(load_variants(path), data_dir, project, progress)


def variant_demands(variants: VariantStudy) -> dict[str, tuple[list[Any], dict[str, Any]]]:
    """Translate every variant: ``{name: (row quantities, {phase: {stage: demand}})}``."""
    measured = measured_energies_kwh(variants.base.study)
    out = {}
    base_rows = variants.base.study.rows
    for name, variant in variants.variants.items():
        # rows changed by a variant (practice overrides, serving) get their own energies
        same = variant.study.rows is base_rows or variant.study.rows == base_rows
        quantities = activity_quantities(variant.study, measured if same else None)
        out[name] = (quantities, phase_demands(quantities))
    return out


def compare_variants(variants: VariantStudy, data_dir: str | Path | None = None,
                     project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None
                     ) -> ComparisonResult:
    """Score resolved variants from one bw2calc solve and build the comparison."""
    translated = variant_demands(variants)
    codes = {code for _, demands in translated.values() for stages in demands.values()
             for demand in stages.values() for code in demand}
    methods = variants.base.study.methods
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(variants.base.study.library, methods,
                                   str(variants.base.study.methods_file))
        table = session.unit_scores(prepared.database, codes, methods)
        where = (prepared.database, project, session.data_dir)
    results = {name: _variant_result(variants.variants[name], quantities, demands, table,
                                     prepared.method_units, where, prepared.method_metadata)
               for name, (quantities, demands) in translated.items()}
    return build_comparison(variants, results, where)


def _variant_result(variant: ResolvedVariant, quantities: list[Any],
                    demands: dict[str, dict[str, Demand]], table: UnitScores,
                    units: dict[str, str], where: tuple[str, str, Path],
                    metadata: dict[str, dict[str, Any]]) -> StudyResult:
    scores = table.solve(_stage_fus(demands))
    return study_result(variant.study, quantities, demands, scores, units, where, variant.name,
                        variant.overrides, metadata)


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


