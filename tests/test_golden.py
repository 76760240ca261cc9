"""Golden outputs of every shipped study: every number within 1e-9 relative, every text exact.

The goldens (``tests/golden/data/``) change only in a commit that says why; see
:mod:`tests.golden.harness` for what is kept and how to regenerate them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import harness


@pytest.mark.parametrize(("command", "study"), list(harness.cases()),
                         ids=[harness.case_name(s, c) for c, s in harness.cases()])
def test_shipped_study_matches_golden(command: str, study: str, module_bw: Path,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    actual = harness.produce(command, study, module_bw, tmp_path)
    expected = harness.load(command, study)
    found = harness.differences(expected, actual)
    assert not found, "outputs differ from the golden files:\n" + "\n".join(found)


def test_comparison_is_strict() -> None:
    """The comparison itself: a relative change above 1e-9 or a changed text is a difference."""
    golden = {"results.csv": [["score"], ["1.0"]], "workbook": {"S": [["a", 2.0]]}}
    assert not harness.differences(golden, {"results.csv": [["score"], ["1.0000000001"]],
                                            "workbook": {"S": [["a", 2.0]]}})
    assert harness.differences(golden, {"results.csv": [["score"], ["1.00000001"]],
                                        "workbook": {"S": [["a", 2.0]]}})
    assert harness.differences(golden, {"results.csv": [["score"], ["1.0"]],
                                        "workbook": {"S": [["b", 2.0]]}})
    assert harness.differences(golden, {"results.csv": [["score"], ["1.0"], ["2.0"]],
                                        "workbook": {"S": [["a", 2.0]]}})
