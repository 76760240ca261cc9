"""Compare the variants of a study side by side: the library API behind ``gpulca compare``.

>>> from gpulca.compare import compare_study                                  # doctest: +SKIP
>>> result = compare_study("scenarios/siting-study.yaml", data_dir="/tmp/bw")  # doctest: +SKIP
>>> result.totals()                      # variants x impact categories       # doctest: +SKIP
>>> result.comparison.head()             # tidy: score, change, rank          # doctest: +SKIP

Every variant is resolved like a study (:mod:`gpulca.variants`), translated into demand vectors
per (phase, life-cycle stage), and scored from one bw2calc solve (:mod:`gpulca.unitscores`): the
inventory database, the matrices and their factorisation are shared by all variants.

:class:`ComparisonResult` is a stable API (the Excel writer builds on it). Its frames:

``comparison`` (long, one row per variant and impact category):

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's ``name``
variant        the variant name (``base``: the study as written)
kind           ``base``, ``variant`` (named) or ``sweep`` (a sweep point)
impact         impact category id; ``impact_label`` its label; ``unit`` its unit
score          total over phases and life-cycle stages
baseline      the score of the baseline variant (``variants.baseline``, default base)
change         ``score - baseline``
change_pct     ``100 * change / baseline`` (empty when the baseline is 0)
rank           1 = the lowest score of this impact among all variants (ties share a rank)
============== =====================================================================

``overrides``: every applied override (variant, step, key, old, new, set_by, origin, note).
``parameters``: the resolved site and hardware of every variant (variant, parameter, value,
unit, source). ``differences``: the parameters that differ from the baseline (variant,
parameter, unit, baseline_value, value, source).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gpulca.api import StudyResult, activity_quantities, measured_energies_kwh, study_result
from gpulca.api import stage_functional_units as _stage_fus
from gpulca.brightway import DEFAULT_PROJECT, ProgressCallback, ensure_background, gpulca_project
from gpulca.build import ensure_database
from gpulca.calculate import method_units
from gpulca.errors import InputError, Problem
from gpulca.translate import Demand, phase_demands
from gpulca.unitscores import UnitScores, unit_scores
from gpulca.variants import ResolvedVariant, VariantStudy, load_variants

COMPARISON_COLUMNS = ("scenario", "variant", "kind", "impact", "impact_label", "unit", "score",
                      "baseline", "change", "change_pct", "rank")
OVERRIDE_COLUMNS = ("variant", "step", "key", "old", "new", "set_by", "origin", "note")
PARAMETER_COLUMNS = ("variant", "parameter", "value", "unit", "source")
DIFFERENCE_COLUMNS = ("variant", "parameter", "unit", "baseline_value", "value", "source")


@dataclass
class ComparisonResult:
    """Every variant's result, the comparison frames and the run's context."""

    name: str
    file: Path
    baseline: str
    variants: VariantStudy
    results: dict[str, StudyResult]
    """By variant name, in report order (base first)."""
    comparison: pd.DataFrame
    overrides: pd.DataFrame
    parameters: pd.DataFrame
    differences: pd.DataFrame
    database: str
    project: str
    data_dir: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def scores(self) -> pd.DataFrame:
        """Every variant's tidy scores frame (see :mod:`gpulca.results`), concatenated."""
        return pd.concat([r.scores for r in self.results.values()], ignore_index=True)

    def totals(self, value: str = "score") -> pd.DataFrame:
        """Variants (rows, report order) x impact ids (columns) of a ``comparison`` column."""
        table = self.comparison.pivot(index="variant", columns="impact", values=value)
        return table.reindex(index=list(self.results),
                             columns=list(dict.fromkeys(self.comparison["impact"])))

    def by_stage(self) -> pd.DataFrame:
        """Long frame: variant, impact, stage, score (summed over phases)."""
        return (self.scores.groupby(["variant", "impact", "stage"], sort=False)["score"].sum()
                .reset_index())


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
    for name, variant in variants.variants.items():
        quantities = activity_quantities(variant.study, measured)
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
    with gpulca_project(project, data_dir) as bd:
        import bw2calc as bc

        ensure_background(bd, progress)
        _check_methods(bd, variants)
        database = ensure_database(bd, variants.base.study.library)
        table = unit_scores(bd, bc, database, codes, methods)
        units = method_units(bd, methods)
        where = (database, project, Path(bd.projects._base_data_dir))
    results = {name: _variant_result(variants.variants[name], quantities, demands, table,
                                     units, where)
               for name, (quantities, demands) in translated.items()}
    return build_comparison(variants, results, where)


def _check_methods(bd: Any, variants: VariantStudy) -> None:
    study = variants.base.study
    missing = [c for c in study.methods.impact_categories if c.method not in bd.methods]
    if missing:
        raise InputError([Problem(str(study.methods_file), "impact_categories",
                                  "method not installed in the gpulca project",
                                  value=" | ".join(c.method)) for c in missing])


def _variant_result(variant: ResolvedVariant, quantities: list[Any],
                    demands: dict[str, dict[str, Demand]], table: UnitScores,
                    units: dict[str, str], where: tuple[str, str, Path]) -> StudyResult:
    scores = table.solve(_stage_fus(demands))
    return study_result(variant.study, quantities, demands, scores, units, where, variant.name,
                        variant.overrides)


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


def comparison_frame(variants: VariantStudy, results: dict[str, StudyResult]) -> pd.DataFrame:
    """The long comparison frame (columns :data:`COMPARISON_COLUMNS`)."""
    records = []
    for name, result in results.items():
        frame = result.scores
        totals = frame.groupby("impact", sort=False)["score"].sum()
        labels = dict(zip(frame["impact"], frame["impact_label"], strict=False))
        units = dict(zip(frame["impact"], frame["unit"], strict=False))
        for impact, score in totals.items():
            records.append((result.study.name, name, variants.variants[name].kind, impact,
                            labels[impact], units[impact], float(score)))
    table = pd.DataFrame.from_records(records, columns=list(COMPARISON_COLUMNS[:7]))
    baseline = table[table["variant"] == variants.baseline].set_index("impact")["score"]
    table["baseline"] = table["impact"].map(baseline).astype(float)
    table["change"] = table["score"] - table["baseline"]
    denominator = table["baseline"].where(table["baseline"] != 0)
    table["change_pct"] = 100.0 * table["change"] / denominator
    table["rank"] = table.groupby("impact", sort=False)["score"].rank(method="min").astype(int)
    return table[list(COMPARISON_COLUMNS)]


def overrides_frame(variants: VariantStudy) -> pd.DataFrame:
    """Every applied override of every variant (columns :data:`OVERRIDE_COLUMNS`)."""
    records = [(o.variant, o.step, o.key, o.old, o.new, o.set_by, o.origin, o.note)
               for v in variants.variants.values() for o in v.overrides]
    return pd.DataFrame.from_records(records, columns=list(OVERRIDE_COLUMNS))


def variant_parameters(variant: ResolvedVariant) -> dict[str, tuple[Any, str, str | None]]:
    """The resolved site and default hardware of a variant: name -> (value, unit, source)."""
    study = variant.study
    site, spec = study.site, study.study
    hardware = study.hardware[spec.hardware.accelerator]
    sources = {a.key: a.source for a in study.assumptions}
    prefix = f"hardware[{hardware.accelerator}]"
    return {
        "site": (spec.site.site or "", "", None),
        "grid_zone": (site.grid_zone, "", sources.get("site.grid_zone")),
        "pue": (site.pue, "", sources.get("site.pue")),
        "wue": (site.wue_l_per_kwh, "L/kWh", sources.get("site.wue")),
        "wue_withdrawal": (site.wue_withdrawal_l_per_kwh, "L/kWh",
                           sources.get("site.wue_withdrawal", "equal to wue")),
        "accelerator": (hardware.accelerator, "", None),
        "server": (spec.hardware.server or "", "", None),
        "gpu_power": (hardware.gpu_power_w, "W", sources.get(f"{prefix}.gpu_power")),
        "gpu_load": (hardware.gpu_load, "", sources.get(f"{prefix}.gpu_load")),
        "node_overhead_power": (hardware.node_overhead_w, "W",
                                sources.get(f"{prefix}.node_overhead_power")),
        "gpus_per_node": (hardware.gpus_per_node, "", None),
        "lifetime": (hardware.lifetime_h / 8760.0, "year", sources.get("hardware.lifetime")),
        "utilisation": (hardware.utilisation, "", sources.get("hardware.utilisation")),
        "gpu_hours_scale": (variant.gpu_hours_scale, "",
                            sources.get("activity.gpu_hours_scale")),
    }


def parameters_frame(variants: VariantStudy) -> pd.DataFrame:
    """Resolved parameters of every variant (columns :data:`PARAMETER_COLUMNS`)."""
    records = [(name, key, value, unit, source)
               for name, variant in variants.variants.items()
               for key, (value, unit, source) in variant_parameters(variant).items()]
    return pd.DataFrame.from_records(records, columns=list(PARAMETER_COLUMNS))


def differences_frame(variants: VariantStudy) -> pd.DataFrame:
    """Parameters that differ from the baseline (columns :data:`DIFFERENCE_COLUMNS`)."""
    baseline = variant_parameters(variants.variants[variants.baseline])
    records = []
    for name, variant in variants.variants.items():
        if name == variants.baseline:
            continue
        for key, (value, unit, source) in variant_parameters(variant).items():
            if value != baseline[key][0]:
                records.append((name, key, unit, baseline[key][0], value, source))
    return pd.DataFrame.from_records(records, columns=list(DIFFERENCE_COLUMNS))
