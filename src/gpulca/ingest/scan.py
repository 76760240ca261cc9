"""Line-level checks of a delimited text file before pandas parses it.

pandas' C parser is fast but forgiving: a line with too few fields is silently padded, extra
fields are dropped when only some columns are read, and a non-UTF-8 byte raises for the whole
file. :func:`exact_scan` finds, without a Python loop per line (numpy over chunks of a few
megabytes, so memory stays bounded), every line whose field count differs from the header's,
every line that is not valid UTF-8 and every blank line, so that :func:`read_checked` can skip
them (``skiprows``), report them with their line numbers, and map each parsed row to its line.

:func:`read_text` is the fast path for the common case of a file with no bad line: pandas reads
the whole file (in parallel threads when it is a large file on disk) with the text columns as
Arrow strings, exactly as written; one count of the delimiter bytes then proves that every line
has the header's field count, so the scan is needed only when that proof fails.

:func:`read_parts` is faster still for a plainly well-formed file: Arrow's parser reads it in
parts, each in its own thread, keeps only the rows a selection wants as each batch is parsed and
lets the caller work each part out in its thread too; it returns None for any file with a line
that is not plainly well formed, which the caller then reads with :func:`read_text`.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import warnings
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
from pandas.api.extensions import ExtensionDtype

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.arrow_text import is_text

CHUNK_BYTES = 8 << 20
"""Bytes read per chunk by the scans (bounded memory for files of any size)."""
Dtype = type[object] | ExtensionDtype
"""A column dtype as :func:`read_checked` takes it."""
ARROW_TEXT = pd.ArrowDtype(pa.string())
"""The dtype of text columns read by :func:`read_text`: Arrow strings, exactly as written."""


@dataclass
class LineScan:
    """What the scan learnt about one file.

    Attributes:
        file: the file, as given.
        header: the header line, decoded, without its line end.
        fields: number of fields in the header.
        lines: number of physical lines, header included.
        skip: 0-based indices of lines to skip (bad or blank), sorted.
        problems: one located problem per bad line (field count or encoding).
    """

    file: str
    header: str
    fields: int
    lines: int
    skip: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    problems: list[Problem] = field(default_factory=list)
    has_header: bool = True

    def data_lines(self) -> np.ndarray:
        """1-based line numbers of the data lines kept, in file order."""
        keep = np.ones(self.lines, dtype=bool)
        keep[0] = not self.has_header
        keep[self.skip] = False
        return np.flatnonzero(keep) + 1


Source = Path | bytes
"""A file, or the bytes of a block of lines (header included) read from one."""


def _open(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def read_header(path: Source, delimiter: str, name: str | None = None) -> tuple[str, int]:
    """Return the first line of ``path`` (decoded) and its byte length with the line end.

    ``delimiter`` must occur in it unless it is ``""``.

    Raises:
        InputError: when the file is missing, empty, or its header is not UTF-8 text.
    """
    file = name or str(path)
    try:
        with _open(path) as handle:
            first = handle.readline()
    except FileNotFoundError as exc:
        raise InputError(Problem(file, "", "file not found")) from exc
    except OSError as exc:
        raise InputError(Problem(file, "", f"cannot read file: {exc.strerror}")) from exc
    if not first.strip():
        raise InputError(Problem(file, "", "the file is empty; expected a header line", 1))
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file, "header", "the header is not valid UTF-8 text", 1,
                                 first[exc.start:exc.start + 4])) from exc
    if delimiter and delimiter not in text:
        raise InputError(Problem(file, "header", f"expected fields separated by {delimiter!r}",
                                 1, text))
    return text, len(first)


def exact_scan(path: Source, delimiter: str, has_header: bool = True,
               name: str | None = None) -> LineScan:
    """Check every line: field count, UTF-8 validity, blank. Bounded memory, numpy per chunk.

    Without a header (``has_header=False``), the first line sets the field count and is data.
    """
    header, _ = read_header(path, delimiter, name)
    fields = header.count(delimiter) + 1
    scan = LineScan(name or str(path), header, fields, 0, has_header=has_header)
    skip: list[np.ndarray] = []
    sep = ord(delimiter)
    line0 = 0
    carry = b""
    with _open(path) as handle:
        while True:
            chunk = handle.read(CHUNK_BYTES)
            data = carry + chunk
            if not chunk:
                if data:
                    data += b"\n"  # the last line has no line end
                else:
                    break
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                line0 = _scan_block(data, cut, line0, sep, fields, scan, skip)
            if not chunk:
                break
    scan.lines = line0
    scan.skip = np.concatenate(skip) if skip else np.zeros(0, dtype=np.int64)
    if has_header:
        scan.skip = scan.skip[scan.skip > 0]
    return scan


def _scan_block(block: bytes, cut: int, line0: int, sep: int, fields: int, scan: LineScan,
                skip: list[np.ndarray]) -> int:
    """Scan the whole lines in ``block[:cut]`` (``cut`` is just after a newline); return the
    index of the next line."""
    data = np.frombuffer(block, dtype=np.uint8, count=cut)
    ends = np.flatnonzero(data == 10)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    counts = np.diff(np.searchsorted(np.flatnonzero(data == sep), np.r_[-1, ends])) + 1
    length = ends - starts
    blank = (length == 0) | ((length == 1) & (data[np.minimum(starts, len(data) - 1)] == 13))
    wrong = (counts != fields) & ~blank
    bad_utf8 = _bad_utf8_lines(block, data, starts, ends)
    for index in np.flatnonzero(wrong):
        if (line0 + index > 0 or not scan.has_header) and index not in bad_utf8:
            text = block[starts[index]:ends[index]].decode("utf-8", "replace").rstrip("\r")
            scan.problems.append(Problem(scan.file, "", f"expected {fields} fields separated "
                                         f"by {chr(sep)!r}, found {counts[index]}",
                                         int(line0 + index + 1), text))
    for utf8_index, value in bad_utf8.items():
        scan.problems.append(Problem(scan.file, "", "line is not valid UTF-8 text",
                                     int(line0 + utf8_index + 1), value))
    bad = np.flatnonzero(blank | wrong)
    if bad_utf8:
        bad = np.union1d(bad, np.fromiter(bad_utf8, dtype=np.int64))
    skip.append(bad.astype(np.int64) + line0)
    return line0 + len(ends)


def _bad_utf8_lines(block: bytes, data: np.ndarray, starts: np.ndarray,
                    ends: np.ndarray) -> dict[int, bytes]:
    """Lines of ``block`` with non-ASCII bytes that do not decode as UTF-8: index -> bad bytes."""
    if block.isascii():
        return {}
    high = np.flatnonzero(data >= 128)
    bad: dict[int, bytes] = {}
    for index in np.unique(np.searchsorted(ends, high)):
        raw = block[starts[index]:ends[index]]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad[int(index)] = raw[exc.start:exc.start + 4]
    return bad


def read_checked(path: Source, delimiter: str, columns: list[str], *,
                 dtype: Mapping[str, Dtype] | None = None,
                 skipinitialspace: bool = False,
                 names: list[str] | None = None,
                 name: str | None = None) -> tuple[pd.DataFrame, np.ndarray, LineScan]:
    """Parse ``columns`` of a delimited file, skipping (and reporting) the malformed lines.

    Returns the frame, the 1-based line number of each of its rows, and the scan (whose
    ``problems`` list the malformed lines). Fields are text (``""`` when empty) unless ``dtype``
    says otherwise; there is no quoting (neither sacct nor nvidia-smi quote). ``names``, for a
    file without a header line, names every field (the first line is then data). ``path`` may be
    the bytes of a block of lines (header first), then called ``name`` in problems.
    """
    has_header = names is None
    with ThreadPoolExecutor(max_workers=1) as pool:  # numpy and the C parser release the GIL
        scanning = pool.submit(exact_scan, path, delimiter, has_header, name)
        try:  # optimistic: most files have no bad line
            frame: pd.DataFrame | None = _read(path, delimiter, columns, dtype,
                                               skipinitialspace, None, names)
        except (pd.errors.ParserError, ValueError):
            frame = None
        scan = scanning.result()
    if frame is None or len(scan.skip):
        frame = _read(path, delimiter, columns, dtype, skipinitialspace, scan.skip, names)
    expected = scan.lines - int(has_header) - len(scan.skip)
    if len(frame) != expected:  # pandas and the scan disagree on lines
        raise InputError(Problem(scan.file, "", f"{len(frame)} rows parsed where the line scan "
                                 f"found {expected}; is a field quoted over several lines?"))
    return frame, scan.data_lines(), scan


def _read(path: Source, delimiter: str, columns: list[str],
          dtype: Mapping[str, Dtype] | None, skipinitialspace: bool,
          skip: np.ndarray | None, names: list[str] | None = None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        frame: pd.DataFrame = pd.read_csv(
            io.BytesIO(path) if isinstance(path, bytes) else path, sep=delimiter,
            usecols=columns, dtype=dtype if dtype is not None else object,
            quoting=csv.QUOTE_NONE, na_filter=False, engine="c", encoding="utf-8-sig",
            encoding_errors="replace", skiprows=sorted(set(skip.tolist())) if skip is not None
            and len(skip) else None, skip_blank_lines=False, on_bad_lines="error",
            skipinitialspace=skipinitialspace, header=None if names is not None else "infer",
            names=names,
        )
    return frame


def read_text(path: Source, delimiter: str, columns: list[str], *,
              numeric: Collection[str] = (), digits: Collection[str] = (),
              name: str | None = None) -> tuple[pd.DataFrame, np.ndarray, LineScan]:
    """:func:`read_checked` with the text columns as Arrow strings.

    Every column but those in ``numeric`` is exact text (``"0012"``, ``"123_4"``, ``"nan"``
    and ``""`` stay as written); ``numeric`` columns are left to pandas' inference. ``digits``
    names text columns often made of digits only (``JobID``), read as text up front when
    they are digits only in the first lines (forcing the type costs more than inferring it).
    A file without a bad line is read whole in one pass (:func:`_read_whole`); otherwise the
    lines are scanned and the bad ones skipped and reported, as :func:`read_checked` does.
    """
    text = [column for column in columns if column not in numeric]
    whole = _read_whole(path, delimiter, columns, text, [c for c in digits if c in text], name)
    if whole is not None:
        return whole
    return read_checked(path, delimiter, columns, dtype=dict.fromkeys(text, ARROW_TEXT),
                        name=name)


def _read_whole(path: Source, delimiter: str, columns: list[str], text: list[str],
                digits: list[str],
                name: str | None) -> tuple[pd.DataFrame, np.ndarray, LineScan] | None:
    """Read every line, or return None when a line may be bad (then the caller scans).

    pandas refuses a line with too many fields, a byte that is not UTF-8, a field count that
    makes it guess an index (``index_col=False``); with ``skip_blank_lines=False`` every line
    is a row. But the extra fields of the *first* data line are dropped (pandas takes them
    for an index, then drops them with ``index_col=False``), so that line is checked here; and
    a line with too few fields is padded silently, so the delimiters are counted:
    ``header fields - 1`` per row and header line, exactly, when no line is short or long.
    Columns are not selected (``usecols``), which would let pandas drop extra fields and keep it
    from reading in parallel.

    Text columns are left to pandas' inference, its fastest path: a column it keeps as text
    (``str``) holds the fields exactly as written; one it read otherwise (numbers, booleans,
    or a mix when parts of the file differ) is read again as text, alone.
    """
    if len(delimiter) != 1 or not delimiter.isascii():
        return None
    header, size = read_header(path, delimiter, name)
    fields = header.count(delimiter) + 1
    with _open(path) as handle:
        handle.seek(size)
        first = handle.readline()
        head = first + handle.read(HEAD_BYTES)
    if first.count(delimiter.encode()) > fields - 1:
        return None
    names = header.split(delimiter)
    digits = [c for c in digits if c in names and _digits_only(head, delimiter, fields,
                                                                  names.index(c))]
    with ThreadPoolExecutor(max_workers=1) as pool:  # numpy and the C parser release the GIL
        counting = pool.submit(count_byte, path, delimiter)
        frame = _parse(path, delimiter, dict.fromkeys(digits, ARROW_TEXT))
        count = counting.result()
    if frame is None or any(column not in frame.columns for column in columns) or \
            count != (fields - 1) * (len(frame) + 1):
        return None
    frame = frame[columns]
    again = [column for column in text if not is_text(frame[column].dtype)]
    if again:
        exact = _parse(path, delimiter, dict.fromkeys(again, ARROW_TEXT), again)
        if exact is None or len(exact) != len(frame):
            return None
        frame = frame.assign(**{column: exact[column] for column in again})
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame, lines, LineScan(name or str(path), header, fields, len(frame) + 1)


HEAD_BYTES = 64 << 10
"""Bytes of the first data lines looked at before the whole read (:func:`_digits_only`)."""


def _digits_only(head: bytes, delimiter: str, fields: int, index: int) -> bool:
    """Whether field ``index`` is made of digits on every whole line of ``head`` (then pandas
    would read it as numbers, and it is read as text up front; otherwise pandas' inference
    keeps it as text at no cost, or the column is read again when a later part of the file
    differs)."""
    lines = head.split(b"\n")[:-1] or [head]
    values = [parts[index] for parts in (line.rstrip(b"\r").split(delimiter.encode())
                                         for line in lines) if len(parts) == fields]
    return all(value.isdigit() for value in values)


def _parse(path: Source, delimiter: str, dtype: dict[str, Dtype],
           usecols: list[str] | None = None) -> pd.DataFrame | None:
    """pandas' strict read of a delimited file (no quoting, nothing taken for missing, every
    line a row, UTF-8 only), or None when it fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mixed types: those columns are read again
            frame: pd.DataFrame = pd.read_csv(
                io.BytesIO(path) if isinstance(path, bytes) else str(path), sep=delimiter,
                dtype=dtype, usecols=usecols, quoting=csv.QUOTE_NONE, na_filter=False,
                index_col=False, engine="c", encoding="utf-8-sig", skip_blank_lines=False,
                on_bad_lines="error",
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError,
            OverflowError):
        return None
    return frame


def count_byte(path: Source, char: str) -> int:
    """How many times the one-byte ``char`` occurs in ``path``.

    The file is mapped in windows of :data:`CHUNK_BYTES` (no copy into a buffer; the resident
    set stays bounded) and counted by numpy in slices of :data:`COUNT_SLICE_BYTES`, whose
    comparison mask stays in the processor's cache: about 40 % less CPU time than reading
    8 MiB chunks into a buffer.
    """
    code = ord(char)
    if isinstance(path, bytes):
        return _count_in(np.frombuffer(path, dtype=np.uint8), code)
    total = 0
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        for offset in range(0, size, CHUNK_BYTES):  # a multiple of the allocation granularity
            with mmap.mmap(handle.fileno(), min(CHUNK_BYTES, size - offset), offset=offset,
                           access=mmap.ACCESS_READ) as window:
                data = np.frombuffer(window, dtype=np.uint8)
                total += _count_in(data, code)
                del data  # the window closes only when no array views it
    return total


COUNT_SLICE_BYTES = 256 << 10
"""Bytes compared at a time by :func:`count_byte`."""


def _count_in(data: np.ndarray, code: int) -> int:
    return sum(int(np.count_nonzero(data[i:i + COUNT_SLICE_BYTES] == code))
               for i in range(0, len(data), COUNT_SLICE_BYTES))


# The parallel Arrow read: a delimited file in parts, each part in its own thread, rows kept by
# a selection applied batch by batch (the rows dropped are never copied). Strict: a line with
# another field count (Arrow refuses it; like pandas, it ends a line at a lone carriage return,
# whose pieces then have too few fields), a blank line (a row whose first column read is empty),
# a line longer than a block, a NUL byte or a byte that is not UTF-8 anywhere in the file makes
# it return None, and the caller reads the file the checked way (read_text), which locates and
# reports those lines.

READ_THREADS = 2
"""Parts of a file read at once by :func:`read_parts`, each in its own thread (Arrow's parser
and compute kernels release the GIL)."""
PART_MIN_BYTES = 8 << 20
"""A file smaller than this is read in one part [B]."""
BLOCK_BYTES = 4 << 20
"""Bytes parsed per record batch by :func:`read_parts` [B]."""

Finish = Callable[[dict[str, Any], np.ndarray], Any]
"""Per part: its kept columns (Arrow arrays) and lines -> a result (see :func:`read_parts`)."""
Select = Callable[[Any], tuple[np.ndarray | None, dict[str, int]]]
"""Per record batch: a boolean mask of the rows to keep (None: all) and counts to add up (rows
left out, by kind)."""


@dataclass
class PartsRead:
    """What :func:`read_parts` kept.

    Attributes:
        columns: each column read, as Arrow (a ``ChunkedArray``), the kept rows in file order.
        lines: the 1-based line of each kept row.
        data_lines: data lines read (header excluded).
        counts: the selection's counts, summed over the file.
        results: ``finish`` of each part, in file order.
        shifts: per part, what to add to the lines given to ``finish``.
    """

    columns: dict[str, Any]
    lines: np.ndarray
    data_lines: int
    counts: dict[str, int]
    results: list[Any] = field(default_factory=list)
    shifts: list[int] = field(default_factory=list)


def _part_buffer(source: Source, start: int, stop: int) -> Any:
    """Bytes ``start .. stop`` of a file or of a block, as Arrow, without a copy: a file is
    memory-mapped with its pages mapped up front (one system call instead of a page fault per
    4 KiB: a third of the parse's time otherwise)."""
    if isinstance(source, bytes):
        return pa.py_buffer(source).slice(start, stop - start)
    if stop <= start:
        return pa.py_buffer(b"")
    granule = start - start % mmap.ALLOCATIONGRANULARITY
    with source.open("rb") as handle:
        if hasattr(mmap, "MAP_SHARED"):  # POSIX
            flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)  # Linux: map up front
            mapped = mmap.mmap(handle.fileno(), stop - granule, flags=flags,
                               prot=mmap.PROT_READ, offset=granule)
        else:
            mapped = mmap.mmap(handle.fileno(), stop - granule, access=mmap.ACCESS_READ,
                               offset=granule)
    return pa.py_buffer(mapped).slice(start - granule)  # the buffer keeps the mapping alive


CHECK_SLICE_BYTES = 1 << 20
"""Bytes checked at a time by :func:`_plain_text` (the slice stays in the processor's cache)."""


def _plain_text(buffer: Any) -> bool:
    """Whether ``buffer`` is UTF-8 text without a NUL byte: ASCII slices are checked by numpy
    (a maximum and a minimum), the others decoded."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    decoder: Any = None
    for offset in range(0, len(data), CHECK_SLICE_BYTES):
        piece = data[offset:offset + CHECK_SLICE_BYTES]
        if not len(piece) or piece.min() == 0:
            return not len(piece)
        if decoder is not None or piece.max() >= 128:
            decoder = decoder or codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(piece.tobytes())
            except UnicodeDecodeError:
                return False
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _split(source: Source, start: int, size: int, parts: int) -> list[int]:
    """Offsets cutting ``start .. size`` into about ``parts`` parts just after line ends."""
    offsets = [start]
    with _open(source) as handle:
        for index in range(1, parts):
            handle.seek(max(start + (size - start) * index // parts, offsets[-1]))
            handle.readline()
            if handle.tell() < size and handle.tell() > offsets[-1]:
                offsets.append(handle.tell())
    return [*offsets, size]


def read_parts(source: Source, delimiter: str, columns: list[str], *,
               dictionary: Collection[str] = (), select: Select | None = None,
               finish: Finish | None = None, name: str | None = None,
               threads: int | None = None) -> PartsRead | None:
    """Read ``columns`` of a delimited file as Arrow strings, exactly as written, in parts.

    ``dictionary`` columns (few distinct values) are dictionary-encoded as they are read.
    ``select`` chooses the rows to keep, batch by batch, in the reading threads; ``finish``
    turns each part's kept columns and lines (numbered as if the part began at line 2) into
    a result, in the part's thread too (``PartsRead.results``, with ``PartsRead.shifts`` to
    add to those lines). ``threads``: parts of a file of :data:`PART_MIN_BYTES` or more
    (default :data:`READ_THREADS`). Returns None when the file is not plainly well formed (see
    the comment above), or when a column is missing or named twice: then read it with
    :func:`read_text`.
    """
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in "\r\n":
        return None
    header, first = read_header(source, delimiter, name)
    names = header.split(delimiter)
    if len(set(names)) != len(names) or any(c not in names for c in columns):
        return None
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    parts = (threads or READ_THREADS) if size >= PART_MIN_BYTES else 1
    offsets = _split(source, first, size, parts)
    ranges = [(0 if k == 0 else offsets[k], offsets[k + 1]) for k in range(len(offsets) - 1)]
    wanted = list(dict.fromkeys(columns))
    convert = pacsv.ConvertOptions(include_columns=wanted,
                                   column_types=dict.fromkeys(wanted, pa.string()),
                                   strings_can_be_null=False, quoted_strings_can_be_null=False,
                                   check_utf8=False)  # the whole part is checked (_plain_text)
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, escape_char=False,
                               newlines_in_values=False, ignore_empty_lines=False)

    def part(span: tuple[int, int]) -> _Part | None:
        found = _read_part(source, span, names, convert, parse, select, wanted,
                           [c for c in wanted if c in dictionary])
        if found is not None and finish is not None:
            found.result = finish(found.columns, found.kept + 2)
        return found

    if len(ranges) > 1:
        with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
            done = list(pool.map(part, ranges))
    else:
        done = [part(ranges[0])]
    if any(p is None for p in done):
        return None
    found = [p for p in done if p is not None]
    out = {c: pa.chunked_array([k for p in found for k in p.columns[c].chunks],
                               type=found[0].columns[c].type) for c in wanted}
    lines, shifts, before = [], [], 2  # the first data line is line 2
    for p in found:
        lines.append(p.kept + before)
        shifts.append(before - 2)
        before += p.rows
    counts: dict[str, int] = {}
    for p in found:
        for key, value in p.counts.items():
            counts[key] = counts.get(key, 0) + value
    return PartsRead(out, np.concatenate(lines) if lines else np.zeros(0, np.int64),
                     before - 2, counts, [p.result for p in found], shifts)


@dataclass
class _Part:
    columns: dict[str, Any]
    kept: np.ndarray
    rows: int
    counts: dict[str, int]
    result: Any = None


def _encoded(values: Any) -> Any:
    """A column dictionary-encoded, in one array (one dictionary, values in order of first
    appearance)."""
    encoded = pc.dictionary_encode(values)  # the chunks share the last chunk's dictionary
    if not encoded.num_chunks:
        return pa.chunked_array([], type=encoded.type)
    indices = pa.concat_arrays([chunk.indices for chunk in encoded.chunks])
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    return pa.chunked_array([pa.DictionaryArray.from_arrays(indices, dictionary)])


def _read_part(source: Source, span: tuple[int, int], names: list[str], convert: Any,
               parse: Any, select: Select | None, columns: list[str],
               dictionary: list[str]) -> _Part | None:
    """One part, batch by batch; None when it is not plainly well formed. The kept rows of
    each column end in one array; ``dictionary`` columns are dictionary-encoded."""
    batches, kept, rows, counts = [], [], 0, {}  # type: ignore[var-annotated]
    try:
        buffer = _part_buffer(source, *span)
        if not _plain_text(buffer):
            return None
        reader = pacsv.open_csv(pa.BufferReader(buffer), read_options=pacsv.ReadOptions(
            use_threads=False, block_size=BLOCK_BYTES, column_names=names,
            skip_rows=1 if span[0] == 0 else 0), parse_options=parse, convert_options=convert)
        for batch in reader:
            if not np.all(pc.binary_length(batch.column(columns[0])).to_numpy()):
                return None  # a blank line (or an empty key: the checked read decides)
            keep, found = select(batch) if select is not None else (None, {})
            if keep is None:
                batches.append(batch)
                kept.append(np.arange(rows, rows + batch.num_rows, dtype=np.int64))
            else:
                batches.append(batch.filter(pa.array(keep)))
                kept.append(np.flatnonzero(keep) + rows)
            for key, value in found.items():
                counts[key] = counts.get(key, 0) + value
            rows += batch.num_rows
        table = pa.Table.from_batches(batches, schema=reader.schema)
        out = {c: _encoded(table.column(c)) if c in dictionary else table.column(c)
               for c in columns}
    except (pa.ArrowException, OSError, ValueError):
        return None
    return _Part(out, np.concatenate(kept) if kept else np.zeros(0, np.int64), rows, counts)
