"""``gpulca run``'s printed summary of an activity CSV (the audit trail still columns) reads
the columns' texts as categories: the same printout as from the audit frame."""

from __future__ import annotations

from pathlib import Path

from gpulca.cli.common import stdout
from gpulca.cli.run import SUMMARY_COLUMNS, print_multiplier, print_summary, summary_audit
from gpulca.pipeline.run import run_study
from gpulca.results.frames import AuditColumns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "siting"
ROWS = """phase,gpu_hours,accelerator,it_energy_kwh,comment
exploration,40,h100_sxm_80gb,,
final_training,12.5,a100_sxm_80gb,6.25,rerun
ablation,3,,,
final_training,7,h100_sxm_80gb,,
"""


def _printed(result: object) -> str:
    with stdout.capture() as captured:
        print_summary(result)  # type: ignore[arg-type]
        print_multiplier(result)  # type: ignore[arg-type]
    return captured.get()


def test_summary_from_columns_equals_summary_from_frame(bw_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "activity.csv").write_text(ROWS)
    study = (FIXTURES / "study.yaml").read_text().split("activity:")[0]
    study = study.replace("inventories: [", "inventories: [" + ", ".join(
        str(FIXTURES / n) for n in ("cooling-water.yaml", "h100-hgx.yaml", "a100.yaml",
                                    "grids.yaml", "sites.yaml")) + "] #")
    (tmp_path / "study.yaml").write_text(study + "activity:\n  source: test\n"
                                         "  file: activity.csv\n")
    result = run_study(tmp_path / "study.yaml", data_dir=bw_dir)
    assert isinstance(result.audit_trail, AuditColumns)
    columns = summary_audit(result, SUMMARY_COLUMNS)
    from_columns = _printed(result)
    frame = result.audit  # the whole frame, built now
    assert not isinstance(result.audit_trail, AuditColumns)
    assert summary_audit(result, SUMMARY_COLUMNS).equals(frame[list(columns.columns)])
    assert list(columns["phase"].astype(str)) == list(frame["phase"])
    for name in SUMMARY_COLUMNS[1:]:
        assert columns[name].sum() == frame[name].sum()
    assert _printed(result) == from_columns
    assert "IT energy measured" in from_columns and "final training" in from_columns
