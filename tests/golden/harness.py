"""Golden outputs of every shipped study: how they are produced, stored and compared.

Each shipped study is run through the command line as a user runs it (``gpulca run ... -o DIR
--excel FILE``; ``gpulca compare`` for a study with variants). What is kept is every CSV the
command writes and the cell values of every workbook sheet, as JSON. Comparison: every number
within :data:`RELATIVE_TOLERANCE` relative (absolute :data:`ABSOLUTE_FLOOR` around zero), every
text exactly.

Cells that depend on the machine rather than on the study are normalised before they are
stored or compared: the run date, the Brightway data directory, the input folder and package
versions on the Run sheet. A few texts name a study file by its absolute path (the override log's
origins, a reference figure's "given in the study file ..."): the repository root in them is
compared as ``<repo>``, whichever checkout the goldens were generated in and the tests run in.

Regenerate (only in a commit that says why the numbers changed):
``python -m tests.golden.harness``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "data"
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_FLOOR = 1e-12
"""Two numbers both within this of zero are equal (a sum of float32 round-offs)."""

SHIPPED_RUNS: tuple[str, ...] = (
    "scenarios/example.yaml",
    "scenarios/moshi-like.yaml",
    "scenarios/mistral-large-2-like.yaml",
    "scenarios/siting-study.yaml",
    "scenarios/replications/strubell2019.yaml",
    "scenarios/replications/bloom2023.yaml",
    "scenarios/examples/sacct-study.yaml",
)
SHIPPED_COMPARES: tuple[str, ...] = ("scenarios/siting-study.yaml",)
GENERATED_IN = "/work/main"
"""The repository root the stored goldens were generated in (it appears in absolute paths)."""
MACHINE_FACTS = ("Date (UTC)", "Brightway data directory",
                 "Input folder (paths below are relative to it)")
"""Run-sheet items that describe the machine, not the study."""


def case_name(study: str, command: str) -> str:
    return f"{command}-{Path(study).stem}"


def cases() -> Iterator[tuple[str, str]]:
    """(command, study) of every golden case."""
    for study in SHIPPED_RUNS:
        yield "run", study
    for study in SHIPPED_COMPARES:
        yield "compare", study


def _normalise_run_sheet(rows: list[list[Any]]) -> list[list[Any]]:
    """Machine facts and content hashes (input files, the content-addressed database name) are
    replaced by placeholders: hashes change with any edit of an input's text, which the other
    sheets show where it matters."""
    out = []
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and (
                row[0] in MACHINE_FACTS or row[0].startswith("Version of ")):
            row = [row[0], "<machine>", *row[2:]]
        elif len(row) >= 2 and row[0] == "Inventory database":
            row = [row[0], "<content hash>", *row[2:]]
        elif len(row) == 2 and isinstance(row[1], str) and re.fullmatch(r"[0-9a-f]{64}", row[1]):
            row = [row[0], "<sha256>"]
        out.append(row)
    return out


def workbook_cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values, row by row (trailing empty cells dropped)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, data_only=False)
    sheets: dict[str, list[list[Any]]] = {}
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append([v if not hasattr(v, "isoformat") else v.isoformat() for v in values])
        sheets[sheet.title] = _normalise_run_sheet(rows) if sheet.title == "Run" else rows
    return sheets


def produce(command: str, study: str, data_dir: Path, work: Path) -> dict[str, Any]:
    """Run one case through the CLI; return its snapshot {file name: content}."""
    from click.testing import CliRunner

    from gpulca.cli import main

    out = work / case_name(study, command)
    workbook = work / f"{case_name(study, command)}.xlsx"
    runner = CliRunner()
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    result = runner.invoke(main, [command, str(REPO / study), "-o", str(out), "--excel",
                                  str(workbook), "--data-dir", str(data_dir)], env=env,
                           catch_exceptions=False)
    if result.exit_code != 0:
        raise AssertionError(f"{command} {study} failed ({result.exit_code}):\n{result.output}")
    snapshot: dict[str, Any] = {}
    for csv_file in sorted(out.glob("*.csv")):
        snapshot[csv_file.name] = list(csv.reader(io.StringIO(csv_file.read_text())))
    snapshot["workbook"] = workbook_cells(workbook)
    return snapshot


def golden_path(command: str, study: str) -> Path:
    return GOLDEN / f"{case_name(study, command)}.json"


def load(command: str, study: str) -> dict[str, Any]:
    return json.loads(golden_path(command, study).read_text(encoding="utf-8"))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def same(expected: Any, actual: Any) -> bool:
    """Numbers within tolerance (NaN equals NaN), anything else exactly."""
    x, y = _as_number(expected), _as_number(actual)
    if x is not None and y is not None and not (isinstance(expected, str)
                                                and isinstance(actual, str)
                                                and expected == actual):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        if abs(x) <= ABSOLUTE_FLOOR and abs(y) <= ABSOLUTE_FLOOR:
            return True
        return math.isclose(x, y, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    if isinstance(expected, str) and isinstance(actual, str):
        return unrooted(expected) == unrooted(actual)
    return bool(expected == actual)


def unrooted(text: str) -> str:
    """``text`` with the repository root (this checkout's or :data:`GENERATED_IN`) as ``<repo>``."""
    return text.replace(str(REPO), "<repo>").replace(GENERATED_IN, "<repo>")


def _unrooted_all(value: Any) -> Any:
    """A snapshot with every text :func:`unrooted`: stored goldens name no checkout."""
    if isinstance(value, str):
        return unrooted(value)
    if isinstance(value, dict):
        return {key: _unrooted_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unrooted_all(item) for item in value]
    return value


def differences(expected: Any, actual: Any, where: str = "", limit: int = 20) -> list[str]:
    """Human-readable differences between two snapshots (at most ``limit``)."""
    found: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key not in a or key not in b:
                    found.append(f"{path}/{key}: only in {'golden' if key in a else 'output'}")
                else:
                    walk(a[key], b[key], f"{path}/{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                found.append(f"{path}: {len(a)} items in golden, {len(b)} in output")
            for index, (x, y) in enumerate(zip(a, b, strict=False)):
                walk(x, y, f"{path}[{index}]")
        elif not same(a, b):
            found.append(f"{path}: golden {a!r}, output {b!r}")

    walk(expected, actual, where)
    return found


def regenerate() -> None:  # pragma: no cover - a maintenance command
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gpulca-golden-") as tmp:
        os.environ.setdefault("GPULCA_CACHE_DIR", str(Path(tmp) / "cache"))
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for command, study in cases():
            snapshot = _unrooted_all(produce(command, study, Path(tmp) / "bw",
                                             Path(tmp) / "out"))
            golden_path(command, study).write_text(
                json.dumps(snapshot, indent=0, ensure_ascii=False, default=str) + "\n",
                encoding="utf-8")
            print(f"wrote {golden_path(command, study).relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
