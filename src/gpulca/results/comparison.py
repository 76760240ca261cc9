"""The comparison of a study's variants: :class:`ComparisonResult` and its frames (pure).

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

from gpulca.core.parameters import PARAMETERS, display_value
from gpulca.results.result import StudyResult
from gpulca.study.variants import ResolvedVariant, VariantStudy

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
        """Every variant's tidy scores frame (see :mod:`gpulca.results.frames`), concatenated."""
        return pd.concat([r.scores for r in self.results.values()], ignore_index=True)

    def totals(self, value: str = "score") -> pd.DataFrame:
        """Variants (rows, report order) x impact ids (columns) of a ``comparison`` column."""
        table = self.comparison.pivot(index="variant", columns="impact", values=value)
        return table.reindex(index=list(self.results),
                             columns=list(dict.fromkeys(self.comparison["impact"])))

    def by_stage(self) -> pd.DataFrame:
        """Long frame: variant, impact, stage, score (summed over phases; NaN for a stage
        declared not assessed)."""
        return (self.scores.groupby(["variant", "impact", "stage"], sort=False)["score"]
                .sum(min_count=1).reset_index())


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
    """The resolved site and default hardware of a variant: name -> (value, unit, source).

    Names, units and the conversion to the unit people read (a lifetime in years) come from the
    parameter table (:data:`gpulca.core.parameters.PARAMETERS`).
    """
    study = variant.study
    site, spec = study.site, study.study
    hardware = study.hardware[spec.hardware.accelerator]
    sources = {a.key: a.source for a in study.assumptions}
    prefix = f"hardware[{hardware.accelerator}]"
    # Canonical values by parameter key, with the assumption key their source is recorded under.
    values: dict[str, tuple[Any, str | None]] = {
        "site.site": (spec.site.site or "", None),
        "site.grid_zone": (site.grid_zone, "site.grid_zone"),
        "site.pue": (site.pue, "site.pue"),
        "site.wue": (site.wue_l_per_kwh, "site.wue"),
        "site.wue_withdrawal": (site.wue_withdrawal_l_per_kwh, "site.wue_withdrawal"),
        "hardware.accelerator": (hardware.accelerator, None),
        "hardware.server": (spec.hardware.server or "", None),
        "hardware.gpu_power": (hardware.gpu_power_w, f"{prefix}.gpu_power"),
        "hardware.gpu_load": (hardware.gpu_load, f"{prefix}.gpu_load"),
        "hardware.node_overhead_power": (hardware.node_overhead_w,
                                         f"{prefix}.node_overhead_power"),
        "hardware.gpus_per_node": (hardware.gpus_per_node, None),
        "hardware.lifetime": (hardware.lifetime_h, "hardware.lifetime"),
        "hardware.utilisation": (hardware.utilisation, "hardware.utilisation"),
        "activity.gpu_hours_scale": (variant.gpu_hours_scale, "activity.gpu_hours_scale"),
    }
    defaults = {"site.wue_withdrawal": "equal to wue"}
    rows: dict[str, tuple[Any, str, str | None]] = {}
    for key, (value, source_key) in values.items():
        parameter = PARAMETERS[key]
        source = None if source_key is None else sources.get(source_key, defaults.get(key))
        rows[parameter.name] = (display_value(parameter, value), parameter.unit_symbol, source)
    return rows


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
