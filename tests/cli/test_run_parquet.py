"""``gpulca run --results-format``: the results and the audit trail as Parquet, the same
columns and values as the CSV files."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.cli.run import write_results
from gpulca.pipeline.run import run_study
from gpulca.results.export import read_table_parquet


def test_parquet_results_and_audit_equal_the_csv(bw_shipped_dir, tmp_path, repo) -> None:
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["run", str(repo / "scenarios/example.yaml"), "-o", str(out),
                                     "--data-dir", str(bw_shipped_dir),
                                     "--results-format", "both"])
    assert done.exit_code == 0, done.output
    for name in ("results", "audit"):
        csv = pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
        parquet = read_table_parquet(out / f"{name}.parquet")
        assert list(parquet.columns) == list(csv.columns)
        for column in csv.columns:
            left, right = csv[column], parquet[column]
            if pd.api.types.is_numeric_dtype(right) and not pd.api.types.is_bool_dtype(right):
                assert np.allclose(left, right.astype(float), rtol=1e-9, equal_nan=True), column
            else:
                assert left.astype(str).tolist() == right.astype(str).tolist(), column
    only = tmp_path / "only"
    result = run_study(repo / "scenarios/example.yaml", data_dir=bw_shipped_dir)
    write_results(result, only, results_format="parquet")
    written = {p.name for p in only.iterdir()}
    assert {"audit.parquet", "results.parquet"} <= written
    assert not {"audit.csv", "results.csv"} & written
