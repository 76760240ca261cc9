"""The columnar activity reader (read_activity_table) against the per-row reader
(read_activity_rows): the same rows, and the same located problems, for good and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpulca.core.errors import InputError
from gpulca.ingest.activity_csv import read_activity_rows, read_activity_table

HAND = (
    "phase,gpu_hours,gpu_count,wall_hours,accelerator,model,component,it_energy_kwh,"
    "it_energy_scope,it_energy_gpu_hours,it_power_w,gpu_load,comment\n"
    "exploration,100,,,h100_sxm_80gb,small,,,,,,,\n"
    "ablation,2.5e1,,,,'=SUM(A1),tok ,,,,,0.3,rerun\n"
    "final_training,,8,2.5,,,,,,,1515.43,,\n"
    "final_training, 30 ,,,a100_sxm_80gb,big,,12.5,gpu,20,,,\n"
    "\n"
    "evaluation,0,,,,,,,,,,,\"quoted, comment\"\n"
)


def outcome(reader, path: Path) -> object:
    try:
        return reader(path)
    except InputError as exc:
        return [str(p) for p in exc.problems]


def same(path: Path) -> object:
    rows = outcome(read_activity_rows, path)
    table = outcome(lambda p: read_activity_table(p).rows(), path)
    assert table == rows
    return rows


def test_a_hand_file_reads_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "activity.csv"
    path.write_text(HAND)
    rows = same(path)
    assert isinstance(rows, list) and len(rows) == 5
    assert rows[1].model == "=SUM(A1)" and rows[1].component == "tok"  # unescaped, stripped
    assert rows[2].total_gpu_hours == 20 and rows[2].it_power == "1515.43 W"
    assert rows[3].it_energy == "12.5 kWh" and rows[3].it_energy_scope == "gpu"
    assert rows[4].comment == "quoted, comment"
    table = read_activity_table(path)
    assert table.gpu_scope.tolist() == [False, False, False, True, False]
    assert table.phase.values == ("exploration", "ablation", "final_training", "evaluation")


BAD_CELLS = [
    ("gpu_hours", "many", "gpu_hours: got 'many'; expected a number"),
    ("gpu_hours", "-3", "gpu_hours:"),
    ("gpu_hours", "inf", "expected a number"),
    ("gpu_load", "2.5", "gpu_load:"),
    ("phase", "Bad Phase", "phase:"),
    ("gpu_hours", "", "give 'gpu_hours'"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS)
def test_a_bad_row_deep_in_a_big_file_is_located(tmp_path: Path, column: str, value: str,
                                                 message: str) -> None:
    header = ["phase", "gpu_hours", "accelerator", "gpu_load"]
    good = ["exploration", "12.5", "h100_sxm_80gb", "0.7"]
    lines = [",".join(header)] + [",".join(good)] * 5_000
    bad = list(good)
    bad[header.index(column)] = value
    lines[4_000] = ",".join(bad)  # line 4001 of the file
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_activity_table(path)
    problems = [str(p) for p in caught.value.problems]
    assert problems == outcome(read_activity_rows, path)
    assert problems[0].startswith(f"{path}:4001: ") and message in problems[0]


def test_wrong_field_counts_and_odd_files_take_the_per_row_reader(tmp_path: Path) -> None:
    for name, text in (
            ("fields.csv", "phase,gpu_hours\nexploration,1\nablation,2,3\n"),
            ("short.csv", "phase,gpu_hours,model\nexploration,1\n"),
            ("empty.csv", "phase,gpu_hours\n"),
            ("header.csv", "phase,hours\nexploration,1\n"),
            ("blank-first.csv", "\nphase,gpu_hours\nexploration,1\n"),
            ("feed.csv", "phase,gpu_hours\nexploration,1\x0c\n"),
            ("underscore.csv", "phase,gpu_hours\nexploration,1_000\n")):
        path = tmp_path / name
        path.write_text(text)
        same(path)


cells = st.one_of(st.sampled_from(["", " ", "1", "0", "-1", "2.5", "1e3", "abc", "'-1", "x y",
                                   "exploration", "h100", "gpu", "it", "0.5", "1.5", "nan",
                                   # what pyarrow reads as a number, or refuses, when the
                                   # number columns are read as numbers
                                   "+1", "inf", "-Infinity", "NaN", "-nan", "1e999", ".5", "5.",
                                   "\t3", " 2.5 ", "1e-400", "-0", "1E+2", "0x10", "1d5"]),
                  st.text(alphabet="ab1.-, e", max_size=4))
COLUMNS = ["phase", "gpu_hours", "gpu_count", "wall_hours", "accelerator", "it_energy_kwh",
           "it_energy_scope", "it_power_w", "gpu_load", "comment"]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1,
                max_size=6))
def test_random_files_read_alike(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path = tmp_path / "random.csv"
    path.write_text(buffer.getvalue())
    same(path)


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan", "inf", "Infinity", "1e999", "+inf"])
def test_a_number_pyarrow_reads_but_python_refuses_is_located(tmp_path: Path,
                                                               value: str) -> None:
    """The number columns are read as numbers by pyarrow: a cell it reads as NaN or infinity
    (which the per-row reader refuses) is still reported on its line, never read as empty."""
    path = tmp_path / "activity.csv"
    path.write_text("phase,gpu_hours,gpu_load\nexploration,1,0.5\nablation,2,"
                    f"{value}\nablation,3,\n")
    with pytest.raises(InputError) as caught:
        read_activity_table(path)
    assert [str(p) for p in caught.value.problems] == outcome(read_activity_rows, path)
    assert str(caught.value.problems[0]).startswith(f"{path}:3: ")
