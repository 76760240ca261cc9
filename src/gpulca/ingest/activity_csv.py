"""Activity tables: GPU-hours per research phase, from inline YAML rows or a CSV file.

The activity CSV has one row per (phase, accelerator, model, component) with the columns of
:class:`gpulca.schemas.scenario.ActivityRow`: ``phase``, ``gpu_hours`` (or ``gpu_count`` and
``wall_hours``), and optionally ``accelerator``, ``model``, ``component``, ``it_energy_kwh``
(measured IT energy, kWh), ``it_energy_scope`` (``it``, or ``gpu`` when the measured energy
covers the GPU boards only), ``it_energy_gpu_hours`` (the GPU-hours the measured energy covers;
the rest of the row stays modelled), ``it_power_w`` (measured mean power of the whole job, W),
``gpu_load`` (the row's load, a fraction of rated power) and ``comment``. Problems name the CSV
line.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import magnitude_in, parse_quantity
from gpulca.io.atomic import write_text_atomic
from gpulca.io.csvsafe import csv_text, unescape_formula_safe
from gpulca.io.limits import nul_byte_line, read_input_bytes
from gpulca.schemas.scenario import ActivityRow

ACTIVITY_CSV_COLUMNS = (
    "phase", "gpu_hours", "gpu_count", "wall_hours", "accelerator", "model", "component",
    "it_energy_kwh", "it_energy_scope", "it_energy_gpu_hours", "it_power_w", "gpu_load",
    "comment",
)
_NUMERIC = ("gpu_hours", "gpu_count", "wall_hours", "it_energy_kwh", "it_energy_gpu_hours",
            "it_power_w", "gpu_load")


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    value = float(text)  # ValueError on junk; the caller reports it
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _row_from_record(record: dict[str, str], file: str, line: int) -> tuple[ActivityRow | None,
                                                                           list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for column, raw in record.items():
        raw = (raw or "").strip()
        if not raw:
            continue
        if column in _NUMERIC:
            try:
                values[column] = _number(raw)
            except ValueError:
                problems.append(Problem(file, column, "expected a number", line, raw))
                continue
        else:
            values[column] = raw
    energy = values.pop("it_energy_kwh", None)
    if energy is not None:
        values["it_energy"] = f"{energy} kWh"
    power = values.pop("it_power_w", None)
    if power is not None:
        values["it_power"] = f"{power} W"
    if problems:
        return None, problems
    try:
        return ActivityRow.model_validate(values), []
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            raw = error.get("input")
            value = raw if isinstance(raw, str | int | float) else None
            problems.append(Problem(file, column, message, line, value))
        return None, problems


def _activity_text(path: Path) -> str:
    """The text of an activity CSV: a regular file of bounded size (a pipe would hang), UTF-8,
    without NUL characters."""
    file = str(path)
    if not path.exists():
        raise InputError(Problem(file, "", "activity file not found"))
    raw = read_input_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file, "", "activity file is not valid UTF-8")) from exc
    if (nul := nul_byte_line(text)) is not None:
        raise InputError(Problem(file, "", "NUL character (\\x00) in the text", nul))
    return text


def read_activity_csv(path: str | Path) -> list[ActivityRow]:
    """Read an activity CSV; raise :class:`InputError` listing every bad line."""
    path = Path(path)
    file = str(path)
    reader = csv.DictReader(_activity_text(path).splitlines())
    header = reader.fieldnames or []
    if not header:
        raise InputError(Problem(file, "", "the activity file is empty; expected a header row"))
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(Problem(file, "header", "duplicated column (which one counts would be "
                                 "a guess); each column may appear once", 1, ",".join(repeated)))
    unknown = [c for c in header if c not in ACTIVITY_CSV_COLUMNS]
    if unknown or "phase" not in header:
        raise InputError(Problem(
            file, "header", f"expected columns among {', '.join(ACTIVITY_CSV_COLUMNS)} "
            "including 'phase'", 1, ",".join(unknown) or ",".join(header)))
    rows: list[ActivityRow] = []
    problems: list[Problem] = []
    for index, record in enumerate(reader):
        line = index + 2
        if None in record:
            problems.append(Problem(file, "", f"expected {len(header)} fields", line,
                                    len(header) + len(record[None])))
            continue
        record = {k: unescape_formula_safe(v) if isinstance(v, str) else v
                  for k, v in record.items()}  # gpulca's own formula-safe cells read back
        row, row_problems = _row_from_record(record, file, line)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(Problem(file, "", "the activity table is empty: no data rows"))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.12g}"
    return csv_text(str(value))  # no model name reaches a spreadsheet as a formula


def _record(row: ActivityRow) -> tuple[object, ...]:
    """The CSV cells of ``row``, in the order of :data:`ACTIVITY_CSV_COLUMNS`."""
    values = row.model_dump()
    values["it_energy_kwh"] = magnitude_in(parse_quantity(row.it_energy), "kWh") \
        if row.it_energy else None
    values["it_power_w"] = magnitude_in(parse_quantity(row.it_power), "W") \
        if row.it_power else None
    return tuple(values[column] for column in ACTIVITY_CSV_COLUMNS)


def activity_csv_text(rows: Iterable[ActivityRow]) -> str:
    """The activity CSV for ``rows`` (the format :func:`read_activity_csv` reads)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ACTIVITY_CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(v) for v in _record(row)])
    return buffer.getvalue()


def write_activity_csv(rows: Iterable[ActivityRow], path: str | Path) -> None:
    """Write the activity CSV atomically (:func:`gpulca.io.atomic.write_text_atomic`): a reader
    never sees a partial file, and an error leaves any previous file untouched."""
    write_text_atomic(path, activity_csv_text(rows))
