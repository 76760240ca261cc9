"""The whole-file read (Arrow strings, one delimiter count) equals the line scan: exact text, the
same rows and lines, and every bad line found by the scan."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.scan import ARROW_TEXT, read_checked, read_text

HEADER = "JobID|JobName|Account|ElapsedRaw|Comment"


def _read(source, columns, **kw):
    frame, lines, scan = read_text(source, "|", columns, numeric=["ElapsedRaw"], **kw)
    return {c: frame[c].tolist() for c in columns}, lines.tolist(), [str(p) for p in scan.problems]


def _scanned(source, columns, **kw):
    text = {c: ARROW_TEXT for c in columns if c != "ElapsedRaw"}
    frame, lines, scan = read_checked(source, "|", columns, dtype=text, **kw)
    return {c: frame[c].tolist() for c in columns}, lines.tolist(), [str(p) for p in scan.problems]


def test_text_is_kept_exactly_as_written(write):
    path = write("s.txt", f"{HEADER}\n0012|nan|0012|5|\n123_4|True|12|7|NA\n|None|3|8|null\n"
                          "1.0|1e3|0|9|#N/A\n")
    columns, lines, problems = _read(path, ["JobID", "JobName", "Account", "ElapsedRaw",
                                            "Comment"], digits=["JobID"])
    assert columns["JobID"] == ["0012", "123_4", "", "1.0"]
    assert columns["JobName"] == ["nan", "True", "None", "1e3"]
    assert columns["Account"] == ["0012", "12", "3", "0"]  # all digits: read again as text
    assert columns["Comment"] == ["", "NA", "null", "#N/A"]
    assert columns["ElapsedRaw"] == [5, 7, 8, 9]
    assert lines == [2, 3, 4, 5]
    assert problems == []


@pytest.mark.parametrize("body", [
    "1|a|b|5|c\n2|a|b\n3|a|b|5|c\n",           # too few fields
    "1|a|b|5|c|extra\n2|a|b|5|c\n",            # too many, first data line
    "1|a|b|5|c\n2|a|b|5|c|extra\n3|a|b\n",     # too many and too few: the counts cancel out
    "1|a|b|5|c\n\n2|a|b|5|c\n",                # blank line
    "1|a|b|5|c\r\n2|a|b|5|c",                  # CRLF, no line end at the end
    "1|\"a|b|5|c\n2|a|b|5|c\n",                # a quote is not special
])
def test_whole_file_read_equals_the_line_scan(write, body):
    path = write("s.txt", HEADER + "\n" + body)
    columns = ["JobID", "JobName", "ElapsedRaw"]
    assert _read(path, columns) == _scanned(path, columns)
    data = path.read_bytes()
    assert _read(data, columns, name="block") == _scanned(data, columns, name="block")


def test_a_lone_carriage_return_is_refused_as_before(write):
    path = write("s.txt", f"{HEADER}\n1|a|b|5|c\n2|a\rb|b|5|c\n")
    with pytest.raises(InputError, match="3 rows parsed where the line scan found 2"):
        _read(path, ["JobID"])


def test_bad_utf8_in_a_column_not_read_is_still_found(write):
    path = write("s.txt", f"{HEADER}\n1|a|b|5|c\n2|a|b|5|\xff\n".encode("latin-1"))
    columns, lines, problems = _read(path, ["JobID", "JobName"])
    assert columns["JobID"] == ["1"]
    assert lines == [2]
    assert len(problems) == 1 and "line is not valid UTF-8 text" in problems[0]


def test_byte_order_mark(write):
    path = write("s.txt", ("\ufeff" + HEADER + "\n1|a|b|5|c\n").encode("utf-8"))
    assert _read(path, ["JobID", "Comment"]) == ({"JobID": ["1"], "Comment": ["c"]}, [2], [])


@pytest.mark.parametrize("mixed", [True, False])
def test_large_file_read_in_parallel_keeps_text_exactly(write, mixed):
    """Above a few MB pandas reads in parallel chunks, each inferring its own types (when
    they disagree, as for a column of digits in one part and text in another, it reads the
    file again in one piece): either way the text is read exactly."""
    rows = 150_000
    lines = [HEADER]
    for i in range(rows):
        name = f"{i:06d}" if mixed and i < rows // 2 else f"job-{i}"
        lines.append(f"{i:07d}|{name}|research-group-alpha|{i}|")
    path = write("big.txt", "\n".join(lines) + "\n")
    assert path.stat().st_size > 6 << 20
    columns, numbers, problems = _read(path, ["JobID", "JobName", "ElapsedRaw", "Comment"],
                                       digits=["JobID"])
    assert columns["JobID"][:2] == ["0000000", "0000001"]
    assert columns["JobName"] == [line.split("|")[1] for line in lines[1:]]
    assert columns["ElapsedRaw"][-1] == rows - 1
    assert set(columns["Comment"]) == {""}
    assert numbers == list(range(2, rows + 2)) and problems == []


@pytest.mark.parametrize("steps_first", [True, False])
def test_a_digits_column_is_exact_whatever_its_first_lines_show(write, steps_first):
    """``digits`` columns are forced to text only when the first lines hold digits only; when
    they do not, pandas infers them, and a later part of digits only (read as numbers) makes
    the column be read again: the text is exact either way."""
    rows = 150_000
    lines = [HEADER]
    for i in range(rows):
        step = (i < 1000) == steps_first
        lines.append(f"{i:07d}{'.batch' if step else ''}|job|group|{i}|")
    path = write("big.txt", "\n".join(lines) + "\n")
    columns, numbers, problems = _read(path, ["JobID", "ElapsedRaw"], digits=["JobID"])
    assert columns["JobID"] == [line.split("|")[0] for line in lines[1:]]
    assert numbers == list(range(2, rows + 2)) and problems == []
