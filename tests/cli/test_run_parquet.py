"""``gpulca run --results-format``: the results and the audit trail as Parquet, the same
columns and values as the CSV files."""

from __future__ import annotations

from click.testing import CliRunner

from gpulca.cli import main
from gpulca.cli.run import write_results
from gpulca.core.vocabulary import NOT_ASSESSED
from gpulca.pipeline.run import run_study
from tests.results.parquet_check import assert_parquet_is_the_csv


def test_parquet_results_and_audit_equal_the_csv(bw_shipped_dir, tmp_path, repo) -> None:
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["run", str(repo / "scenarios/example.yaml"), "-o", str(out),
                                     "--data-dir", str(bw_shipped_dir),
                                     "--results-format", "both"])
    assert done.exit_code == 0, done.output
    assert_parquet_is_the_csv(out / "results.csv", out / "results.parquet", NOT_ASSESSED)
    assert_parquet_is_the_csv(out / "audit.csv", out / "audit.parquet")
    only = tmp_path / "only"
    result = run_study(repo / "scenarios/example.yaml", data_dir=bw_shipped_dir)
    write_results(result, only, results_format="parquet")
    written = {p.name for p in only.iterdir()}
    assert {"audit.parquet", "results.parquet"} <= written
    assert not {"audit.csv", "results.csv"} & written
