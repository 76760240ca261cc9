"""sacct --parsable2 reading: allocations vs steps, GPUs from TRES, durations, bad lines."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.sacct import parse_elapsed, parse_tres, read_sacct

from .conftest import HEADER


def test_basic_export_keeps_allocations_and_skips_steps(fixtures):
    jobs = read_sacct(fixtures / "sacct-basic.txt")
    frame = jobs.frame.set_index("job_id")
    assert jobs.lines == 19
    assert jobs.steps == 5  # 1001.batch/.extern/.0, 1002_2.batch, 1010+0.0
    assert list(frame.index) == ["1001", "1002_1", "1002_2", "1002_[3-5]", "1003", "1004",
                                 "1005", "1006", "1007", "1008", "1009", "1010+0", "1010+1",
                                 "1011"]
    assert frame.loc["1001", "gpu_hours"] == 8 * 24
    assert frame.loc["1002_1", "gpus"] == 1  # typed gres only
    assert frame.loc["1003", "gres_type"] == ""  # untyped gres/gpu=2
    assert frame.loc["1005", "gres_type"] == "a100"
    assert frame.loc["1003", "state"] == "CANCELLED"  # "CANCELLED by 5001"
    assert frame.loc["1011", "gpu_hours"] == 8 * 60  # RUNNING, End Unknown: elapsed so far
    assert frame.loc["1002_[3-5]", "gpus"] == 0  # pending array record: no AllocTRES
    assert jobs.never_started == 2  # Start None and Unknown
    assert jobs.problems == []


def test_lines_point_into_the_file(fixtures):
    frame = read_sacct(fixtures / "sacct-basic.txt").frame.set_index("job_id")
    assert frame.loc["1001", "line"] == 2
    assert frame.loc["1002_1", "line"] == 6


def test_parsable_with_trailing_pipe_and_elapsed_only(fixtures):
    frame = read_sacct(fixtures / "sacct-parsable-elapsed.txt").frame.set_index("job_id")
    assert frame.loc["2001", "seconds"] == 1 * 86400 + 2 * 3600 + 3 * 60 + 4
    assert frame.loc["2002", "seconds"] == 45 * 60 + 30
    assert frame.loc["2003", "seconds"] == 36000
    assert frame.loc["2001", "gpu_hours"] == pytest.approx(2 * 93784 / 3600)
    assert (frame["account"] == "").all()  # column absent: empty


def test_malformed_lines_are_counted_with_their_lines(fixtures):
    jobs = read_sacct(fixtures / "sacct-malformed.txt")
    assert list(jobs.frame["job_id"]) == ["3001", "3008"]
    assert [p.line for p in jobs.problems] == [3, 4, 5, 6, 7, 10]
    text = [str(p) for p in jobs.problems]
    assert "expected 8 fields separated by '|', found 7" in text[0]
    assert "found 9" in text[1]
    assert "ElapsedRaw: got '1h'; expected a duration" in text[2]
    assert "AllocTRES: got 'cpu8,gres/gpu=4'" in text[3]
    assert "not valid UTF-8" in text[4]
    assert "gres/gpu=x" in text[5]
    assert jobs.repeated_headers == 1
    assert jobs.frame.set_index("job_id").loc["3008", "line"] == 11


def test_too_few_and_too_many_fields_that_cancel_out_are_found(write):
    path = write("s.txt", f"{HEADER}\n1|a|b|c|COMPLETED|60|gres/gpu=1|extra\n"
                          "2|a|b|c|COMPLETED|60\n3|a|b|c|COMPLETED|60|gres/gpu=1\n")
    jobs = read_sacct(path)
    assert list(jobs.frame["job_id"]) == ["3"]
    assert [p.line for p in jobs.problems] == [2, 3]


def test_empty_file_is_refused(write):
    with pytest.raises(InputError, match="the file is empty; expected a header line"):
        read_sacct(write("empty.txt", ""))


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_sacct(tmp_path / "nope.txt")


def test_missing_columns_are_named(write):
    with pytest.raises(InputError, match=r"missing column\(s\) AllocTRES \(or AllocGRES or "
                       r"ReqTRES\), ElapsedRaw, Elapsed or Start and End"):
        read_sacct(write("s.txt", "JobID|JobName|State\n1|a|COMPLETED\n"))


def test_no_known_delimiter_is_refused(write):
    with pytest.raises(InputError, match=r"header: got 'JobID State'; cannot tell the field "
                       "delimiter"):
        read_sacct(write("s.csv", "JobID State\n1 COMPLETED\n"))


def test_file_with_only_bad_lines_is_unusable(write):
    path = write("s.txt", f"{HEADER}\n1|a|b|c|COMPLETED|soon|gres/gpu=1\n2|a|b\n")
    with pytest.raises(InputError) as caught:
        read_sacct(path)
    lines = [p.line for p in caught.value.problems]
    assert "no usable allocation lines (2 malformed)" in str(caught.value)
    assert lines[1:] == [2, 3]


def test_header_only_is_unusable(write):
    with pytest.raises(InputError, match="no allocation lines"):
        read_sacct(write("s.txt", HEADER + "\n"))


def test_last_line_without_newline_and_crlf(write):
    path = write("s.txt", f"{HEADER}\r\n1|a|b|c|COMPLETED|3600|gres/gpu=2\r\n"
                          "2|a|b|c|COMPLETED|7200|gres/gpu=1")
    jobs = read_sacct(path)
    assert list(jobs.frame["gpu_hours"]) == [2.0, 2.0]
    assert jobs.problems == []


def test_quotes_are_not_special(write):
    path = write("s.txt", f'{HEADER}\n1|"quoted name|b|c|COMPLETED|3600|gres/gpu=1\n')
    assert read_sacct(path).frame.loc[0, "name"] == '"quoted name'


def test_several_exports_are_concatenated(fixtures):
    jobs = read_sacct([fixtures / "sacct-basic.txt", fixtures / "sacct-parsable-elapsed.txt"])
    assert len(jobs.frame) == 14 + 3
    assert jobs.files[1].endswith("sacct-parsable-elapsed.txt")


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:00:00", 0), ("45:30", 2730), ("01:02:03", 3723), ("2-00:00:01", 172801),
    ("10-23:59:59", 10 * 86400 + 86399), ("100:00:00", 360000), ("00:01:02.345", 62),
])
def test_parse_elapsed(text, seconds):
    assert parse_elapsed(text) == seconds


@pytest.mark.parametrize("text", ["", "Unknown", "INVALID", "1h", "1-10:00", "00:61:00",
                                  "1-25:00:00", "-00:01:00"])
def test_parse_elapsed_rejects(text):
    assert parse_elapsed(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("billing=8,cpu=8,gres/gpu:a100=4,gres/gpu=4,mem=64G,node=1", (4, "a100")),
    ("cpu=8,gres/gpu=2,mem=1.50T,node=1", (2, "")),
    ("cpu=8,gres/gpu:h100=2,gres/gpu:a100=1", (3, "mixed")),
    ("cpu=8,gres/gpumem=40G,gres/gpu:h100=1", (1, "h100")),
    ("cpu=8,mem=4G,node=1", (0, "")),
    ("", (0, "")),
])
def test_parse_tres(text, expected):
    assert parse_tres(text) == expected


@pytest.mark.parametrize("text", ["cpu8", "cpu=8,,mem=4G", "gres/gpu=two", "gres/gpu=1.5",
                                  "=4", "cpu=8;mem=4G"])
def test_parse_tres_rejects(text):
    assert parse_tres(text) is None


def test_tab_delimited_export(fixtures):
    jobs = read_sacct(fixtures / "sacct-tab.txt")
    frame = jobs.frame.set_index("job_id")
    assert list(frame.index) == ["4001", "4002_1"] and jobs.steps == 1
    assert frame.loc["4001", "gpu_hours"] == 4 and frame.loc["4002_1", "gpu_hours"] == 0.5


@pytest.mark.parametrize("delimiter", [";", ":", "#"])
def test_any_one_character_delimiter(write, delimiter):
    text = HEADER.replace("|", delimiter) + "\n" + \
        "1|a|lab|gpu|COMPLETED|3600|gres/gpu=2\n".replace("|", delimiter)
    if delimiter == ":":  # the delimiter cannot occur in values: sacct does not quote
        text = text.replace("gres/gpu=2", "gres/gpu=2")
    assert read_sacct(write("s.txt", text)).frame["gpu_hours"].tolist() == [2.0]


def test_fixed_width_default_output(fixtures):
    jobs = read_sacct(fixtures / "sacct-fixed-width.txt")
    frame = jobs.frame.set_index("job_id")
    assert list(frame.index) == ["5002", "5003"]  # 5001: truncated AllocTRES
    assert frame.loc["5002", "gpu_hours"] == 2 and frame.loc["5003", "state"] == "CANCELLED"
    assert [(p.line, p.path) for p in jobs.problems] == [(3, "AllocTRES")]
    assert "truncated by sacct's column width" in str(jobs.problems[0])


def test_alloc_gres_and_req_tres_fallbacks(fixtures):
    jobs = read_sacct(fixtures / "sacct-old-gres.txt")
    frame = jobs.frame.set_index("job_id")
    assert frame.loc["6001", "gpus"] == 4 and frame.loc["6001", "gres_type"] == "tesla"
    assert frame.loc["6002", "gpus"] == 2
    assert frame.loc["6003", "gpus"] == 2 and frame.loc["6003", "gpu_hours"] == 0  # never ran
    assert any("read from ReqTRES" in n for n in jobs.notes)


def test_elapsed_from_start_and_end(fixtures):
    jobs = read_sacct(fixtures / "sacct-requeue.txt")
    frame = jobs.frame
    assert frame.loc[frame["job_id"] == "7003_5", "seconds"].tolist() == [1800.0]


def test_requeue_duplicates_het_array_and_located_errors(fixtures):
    jobs = read_sacct(fixtures / "sacct-requeue.txt")
    frame = jobs.frame
    # 7001: the REQUEUED run (1 h) and the final run (2 h) count, its repeated record once
    assert frame.loc[frame["job_id"] == "7001", "gpu_hours"].tolist() == [4.0, 8.0]
    assert jobs.duplicates == 1 and jobs.requeued == 1
    assert sorted(frame["job_id"]) == ["7001", "7001", "7002+0", "7002+1", "7003_5"]
    problems = {p.line: str(p) for p in jobs.problems}
    assert "End is before Start" in problems[8]
    assert "more than 1,000,000 GPUs" in problems[9]


def test_parse_gres():
    from gpulca.ingest.sacct import parse_gres
    assert parse_gres("gpu:4") == (4, "")
    assert parse_gres("gpu:a100:2(IDX:0-1),mps:100") == (2, "a100")
    assert parse_gres("") == (0, "")
    assert parse_gres("gpu:a100:x:y") is None


def test_values_are_kept_exactly_as_written(write):
    """Text columns are never inferred: JobIDs "0012" and "12" are two jobs, an all-digit
    Account stays text, an empty field stays empty."""
    path = write("s.txt", f"{HEADER}|Comment\n0012|nan|0012|gpu|COMPLETED|3600|gres/gpu=1|\n"
                          "12|True|12|gpu|COMPLETED|3600|gres/gpu=1|NA\n")
    jobs = read_sacct(path)
    frame = jobs.frame
    assert frame["job_id"].tolist() == ["0012", "12"]
    assert frame["name"].tolist() == ["nan", "True"]
    assert frame["account"].tolist() == ["0012", "12"]
    assert frame["comment"].tolist() == ["", "NA"]
    assert frame["user"].tolist() == ["", ""]  # column absent
    assert jobs.duplicates == 0 and jobs.requeued == 0


def test_allocation_only_export_keeps_job_ids_as_text(write):
    """sacct -X: no steps, every JobID all digits."""
    rows = "".join(f"{job:04d}|a|lab|gpu|COMPLETED|60|gres/gpu=1\n" for job in (7, 7, 70))
    jobs = read_sacct(write("s.txt", f"{HEADER}\n{rows}"))
    assert jobs.frame["job_id"].tolist() == ["0007", "0070"]
    assert jobs.duplicates == 1 and jobs.steps == 0
