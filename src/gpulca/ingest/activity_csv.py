"""Activity tables: GPU-hours per research phase, from inline YAML rows or a CSV file.

The activity CSV has one row per (phase, accelerator, model, component) with the columns of
:class:`gpulca.schemas.scenario.ActivityRow`: ``phase``, ``gpu_hours`` (or ``gpu_count`` and
``wall_hours``), and optionally ``accelerator``, ``model``, ``component``, ``it_energy_kwh``
(measured IT energy, kWh), ``it_energy_scope`` (``it``, or ``gpu`` when the measured energy
covers the GPU boards only), ``it_energy_gpu_hours`` (the GPU-hours the measured energy covers;
the rest of the row stays modelled), ``it_power_w`` (measured mean power of the whole job, W),
``gpu_load`` (the row's load, a fraction of rated power) and ``comment``. Problems name the CSV
line.

:func:`read_activity_table` reads the file as columns (pyarrow) and checks them with vectorised
tests; each distinct combination of texts and of given columns is validated once by the row
schema. A row a vectorised test cannot vouch for (junk in a number, a value out of range, a
combination the schema refuses) is checked by the per-row reader, which names its line: the
problems are the per-row reader's, the same messages for the same lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from pydantic import ValidationError

from gpulca.core.errors import InputError, Problem
from gpulca.core.parameters import PARAMETERS, check_range
from gpulca.core.units import magnitude_in, parse_quantity
from gpulca.ingest import prefetch
from gpulca.ingest.prefetch import NUMBER_COLUMNS, arrow_read, csv_header, typed_columns
from gpulca.io.atomic import write_text_atomic
from gpulca.io.csvsafe import csv_text, unescape_formula_safe
from gpulca.io.limits import nul_byte_line, read_input_bytes
from gpulca.schemas.activity_table import ActivityTable, TextColumn
from gpulca.schemas.scenario import ActivityRow

ACTIVITY_CSV_COLUMNS = (
    "phase", "gpu_hours", "gpu_count", "wall_hours", "accelerator", "model", "component",
    "it_energy_kwh", "it_energy_scope", "it_energy_gpu_hours", "it_power_w", "gpu_load",
    "comment",
)
_NUMERIC = NUMBER_COLUMNS
_ROW_LOAD = "activity.rows[].gpu_load"


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
    """The text of an activity CSV, with :func:`_activity_bytes`'s checks."""
    return _activity_bytes(path).decode("utf-8")


def read_activity_csv(path: str | Path) -> list[ActivityRow]:
    """Read an activity CSV; raise :class:`InputError` listing every bad line."""
    return read_activity_table(path).rows()


def read_activity_rows(path: str | Path) -> list[ActivityRow]:
    """Read an activity CSV row by row (one validated :class:`ActivityRow` per line): the
    reference reader, and the one that locates every problem; raise :class:`InputError` listing
    every bad line."""
    path = Path(path)
    return _rows_from_text(path, _activity_text(path))


def _header_problems(file: str, header: list[str]) -> None:
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


def _rows_from_text(path: Path, text: str) -> list[ActivityRow]:
    file = str(path)
    reader = csv.DictReader(text.splitlines())
    header = list(reader.fieldnames or [])
    _header_problems(file, header)
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


_UNUSUAL_LINE_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", "\x85".encode(),
                        "\u2028".encode(), "\u2029".encode())
"""Line breaks of :meth:`str.splitlines` (which the per-row reader splits on) that pyarrow does
not split on: a file holding one is read by the per-row reader."""
_PLAIN_FLOAT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
"""A number both readers parse alike (correctly rounded); anything else goes to the per-row
reader (``inf``, ``1_000``, junk)."""


def _unusual_line_breaks(raw: bytes) -> bool:
    """Whether ``raw`` holds one of :data:`_UNUSUAL_LINE_BREAKS`."""
    if any(b in raw for b in _UNUSUAL_LINE_BREAKS[:5]):  # single bytes: fast searches
        return True
    return not raw.isascii() and any(b in raw for b in _UNUSUAL_LINE_BREAKS[5:])


def read_activity_table(path: str | Path) -> ActivityTable:
    """Read an activity CSV as columns; raise :class:`InputError` listing every bad line.

    The same rows and the same problems as :func:`read_activity_rows` (module docstring).
    """
    path = Path(path)
    ahead = prefetch.take(path)  # read while the command was imported, if it was
    if ahead is not None:
        raw = _activity_bytes(path, ahead.raw)
        prefetch.record_digest(ahead.identity, ahead.sha256)
        typed = (ahead.header, [ahead.table])  # (a list: _columnar drops the table early)
        del ahead
    else:
        identity = prefetch.FileIdentity.of(path)
        raw = _activity_bytes(path)
        # the provenance hash of the bytes read (gpulca.study.resolve), not of a second read
        digest = hashlib.sha256(raw).hexdigest()
        if identity is not None and prefetch.FileIdentity.of(path) == identity:
            prefetch.record_digest(identity, digest)
        typed = (None, [])
    table = _columnar(path, raw, *typed)
    del typed
    # Arrow's allocator (mimalloc) keeps the pages of the string columns it no longer needs:
    # given back, a million rows' run holds about 90 MB less through the rest of the run
    pa.default_memory_pool().release_unused()
    if table is None:  # a file the columnar reader does not vouch for: the per-row reader
        return ActivityTable.from_rows(_rows_from_text(path, raw.decode("utf-8")))
    return table


def _activity_bytes(path: Path, raw: bytes | None = None) -> bytes:
    """The bytes of an activity CSV: a regular file of bounded size (a pipe would hang), UTF-8,
    without NUL characters; ``raw``: its bytes read already (then checked only)."""
    file = str(path)
    if raw is None:
        if not path.exists():
            raise InputError(Problem(file, "", "activity file not found"))
        raw = read_input_bytes(path)
    try:
        if not raw.isascii():  # ASCII is UTF-8 (the check is much faster)
            raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file, "", "activity file is not valid UTF-8")) from exc
    if b"\x00" in raw:
        raise InputError(Problem(file, "", "NUL character (\\x00) in the text",
                                 nul_byte_line(raw.decode("utf-8"))))
    return raw


def _arrow_strings(raw: bytes, header: list[str]) -> pa.Table | None:
    """Every column of the CSV as strings, or None where pyarrow and :mod:`csv` could differ
    (:func:`gpulca.ingest.prefetch.arrow_read`)."""
    return arrow_read(raw, dict.fromkeys(header, pa.string()))


def _arrow_typed(raw: bytes, header: list[str]) -> pa.Table | None:
    """The CSV with its number columns read as numbers and its texts dictionary-encoded (no
    string per row), or None when a number cell is not a number pyarrow reads (then the
    strings are read and checked: :func:`_number_column`)."""
    return arrow_read(raw, typed_columns(header))


def _text_column(column: pa.ChunkedArray) -> TextColumn:
    """A text column: the per-row reader's cleaning (unescape, strip) of each distinct value."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    encoded = column.combine_chunks()
    cleaned = [unescape_formula_safe(str(v)).strip() for v in encoded.dictionary.to_pylist()]
    index: dict[str, int] = {}
    mapping = np.array([index.setdefault(v, len(index)) if v else -1 for v in cleaned] + [-1],
                       dtype=np.int32)
    return TextColumn(mapping[encoded.indices.to_numpy(zero_copy_only=False)],
                      tuple(index))


def _number_column(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.float64],
                                                     npt.NDArray[np.bool_]]:
    """A number column (NaN: empty) and the rows the vectorised parse cannot vouch for."""
    if pa.types.is_floating(column.type):  # read as numbers: pyarrow's parse is Python's
        values = np.asarray(column.to_numpy(), dtype=np.float64)
        suspect = np.isinf(values)  # inf, 1e999: the per-row reader refuses them
        if int(np.count_nonzero(np.isnan(values))) != column.null_count:  # "nan" written
            suspect |= np.asarray(pc.fill_null(pc.is_nan(column), False).to_numpy(
                zero_copy_only=False), dtype=bool)
        return values, suspect
    trimmed = pc.utf8_trim(column, characters=" \t")
    empty = pc.equal(pc.utf8_length(trimmed), 0)
    plain = pc.match_substring_regex(trimmed, _PLAIN_FLOAT)
    suspect = np.asarray(pc.invert(pc.or_(empty, plain)).to_numpy(zero_copy_only=False))
    safe = pc.if_else(plain, trimmed, pa.scalar(None, pa.string()))
    values = np.asarray(pc.cast(safe, pa.float64()).to_numpy(zero_copy_only=False),
                        dtype=np.float64)
    suspect |= np.isinf(values)  # 1e999: the per-row reader refuses it
    return values, suspect


def _columnar(path: Path, raw: bytes, typed_header: list[str] | None = None,
              typed: list[pa.Table] | None = None) -> ActivityTable | None:
    """The columnar reading, or None when only the per-row reader can say (module docstring).
    ``typed``: :func:`_arrow_typed`'s table of ``raw`` read ahead with ``typed_header`` (taken
    out of the list, which holds the only other reference to it)."""
    header = csv_header(raw)
    if not header or _unusual_line_breaks(raw):
        return None
    _header_problems(str(path), header)
    strings = typed.pop() if typed and typed_header == header else None
    if typed:
        typed.clear()
    if strings is None:
        strings = _arrow_typed(raw, header)
    if strings is None:
        strings = _arrow_strings(raw, header)
    if strings is None or strings.num_rows == 0:
        return None
    rows = strings.num_rows
    texts = {name: _text_column(strings.column(name)) if name in header else
             TextColumn(np.broadcast_to(np.int32(-1), (rows,)), ())  # (no memory per row)
             for name in ("phase", "accelerator", "model", "component", "comment",
                          "it_energy_scope")}
    numbers: dict[str, npt.NDArray[np.float64]] = {}
    suspect = np.zeros(rows, dtype=bool)
    for name in _NUMERIC:
        if name in header:
            numbers[name], bad = _number_column(strings.column(name))
            suspect |= bad
        else:  # not a column of the file: one NaN for every row (no memory per row)
            numbers[name] = np.broadcast_to(np.float64(np.nan), (rows,))
    del strings
    suspect |= _out_of_bounds(numbers)
    suspect |= _refused_kinds(path, texts, numbers, suspect)
    if suspect.any():
        _raise_suspects(path, raw, np.flatnonzero(suspect))
        return None  # valid after all: the per-row reader reads the file
    scope = texts["it_energy_scope"]
    gpu_code = scope.values.index("gpu") if "gpu" in scope.values else -2
    return ActivityTable(
        texts["phase"], texts["accelerator"], texts["model"], texts["component"],
        texts["comment"], gpu_hours=numbers["gpu_hours"], gpu_count=numbers["gpu_count"],
        wall_hours=numbers["wall_hours"], it_energy_kwh=numbers["it_energy_kwh"],
        it_energy_gpu_hours=numbers["it_energy_gpu_hours"], it_power_w=numbers["it_power_w"],
        gpu_load=numbers["gpu_load"],
        gpu_scope=scope.codes == gpu_code if scope.values else np.broadcast_to(False, (rows,)))


def _out_of_bounds(numbers: dict[str, npt.NDArray[np.float64]]) -> npt.NDArray[np.bool_]:
    """The rows with a number outside the schema's bounds (a negative GPU-hours, a load out of
    range...), vectorised: the per-row reader reports them."""
    rows = len(numbers["gpu_hours"])
    suspect = np.zeros(rows, dtype=bool)
    with np.errstate(invalid="ignore"):
        for name, low in (("gpu_hours", 0.0), ("wall_hours", 0.0),
                          ("it_energy_gpu_hours", 0.0)):
            suspect |= numbers[name] < low
        suspect |= numbers["gpu_count"] <= 0
    loads = numbers["gpu_load"]
    distinct = pd.unique(loads[~np.isnan(loads)])
    refused = [v for v in distinct.tolist() if check_range(PARAMETERS[_ROW_LOAD], v)]
    if refused:
        suspect |= np.isin(loads, refused)
    return suspect


def _refused_kinds(path: Path, texts: dict[str, TextColumn],
                   numbers: dict[str, npt.NDArray[np.float64]],
                   suspect: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The rows whose combination of texts and given columns the schema refuses, one
    representative of each combination checked (a row already suspect is not)."""
    rows = len(suspect)
    # every other check depends on the texts and on which columns a row gives: one
    # representative of each distinct combination is checked by the schema
    named = ("phase", "accelerator", "model", "component", "it_energy_scope")
    if 2 ** len(_NUMERIC) * math.prod(len(texts[n].values) + 1 for n in named) >= 2**62:
        return np.ones(rows, dtype=bool)  # too many combinations to number them: per row
    given = np.zeros(rows, dtype=np.uint8)  # bit b: the row gives _NUMERIC[b]
    for bit, name in enumerate(_NUMERIC):
        if numbers[name].strides != (0,):  # a column of the file (else never given)
            given |= (~np.isnan(numbers[name])).view(np.uint8) << np.uint8(bit)
    key = given.astype(np.int64)
    for name in named:
        column = texts[name]
        if column.values:  # (an empty column: every code -1, the same for every row)
            key *= len(column.values) + 1
            key += column.codes
            key += 1
    # a suspect row is checked on its own; of the others, the first row of each kind
    candidates = None if not suspect.any() else np.flatnonzero(~suspect)
    keys = key if candidates is None else key[candidates]
    first = np.flatnonzero(~pd.Series(keys, copy=False).duplicated().to_numpy())
    refused_keys = []
    for position in first.tolist():
        index = position if candidates is None else int(candidates[position])
        record = {name: texts[name].text(index) or "" for name in texts if name != "comment"}
        record.update({name: repr(float(numbers[name][index]))
                       for name in _NUMERIC if not np.isnan(numbers[name][index])})
        if _row_from_record(record, str(path), index + 2)[1]:
            refused_keys.append(int(keys[position]))
    if not refused_keys:
        return np.zeros(rows, dtype=bool)
    return np.isin(key, refused_keys) & ~suspect


def _raise_suspects(path: Path, raw: bytes, suspects: npt.NDArray[np.intp]) -> None:
    """Check the rows the columnar reader could not vouch for with the per-row reader: raise its
    problems of those lines (every other row is valid)."""
    file = str(path)
    wanted = set(suspects.tolist())
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    problems: list[Problem] = []
    for index, record in enumerate(reader):
        if index not in wanted:
            continue
        record = {k: unescape_formula_safe(v) if isinstance(v, str) else v
                  for k, v in record.items()}
        problems.extend(_row_from_record(record, file, index + 2)[1])
    if problems:
        raise InputError(problems)
