"""``--json`` and ``--quiet``, shared by the commands that print results (run, compare,
validate, list): one decorator, so each command only returns what it computed.

- ``--json``: stdout holds one JSON document and nothing else (tables, summaries and the
  "Wrote ..." line are not printed); warnings and errors still go to stderr, and the exit code
  says whether it worked (0 success, 2 bad input).
- ``--quiet``: nothing on stdout; warnings and errors on stderr.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from gpulca.cli.common import stdout
from gpulca.results.result import StudyResult

if TYPE_CHECKING:  # imported where used: `gpulca run` does not compare
    from gpulca.results.comparison import ComparisonResult


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records (NaN as null, numpy numbers as Python numbers)."""
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", double_precision=15))
    return out


def study_json(result: StudyResult) -> dict[str, Any]:
    """What ``gpulca run --json`` prints: totals per impact, every score and the audit rows."""
    totals = (result.scores.groupby(["impact", "impact_label", "unit"], sort=False)["score"]
              .sum().reset_index())
    return {"study": result.study.name, "variant": result.variant, "project": result.project,
            "database": result.database, "totals": records(totals),
            "scores": records(result.scores), "audit": records(result.audit),
            "warnings": list(result.warnings)}


def comparison_json(result: ComparisonResult) -> dict[str, Any]:
    """What ``gpulca compare --json`` prints: every variant's totals and what differs."""
    return {"study": result.name, "baseline": result.baseline, "project": result.project,
            "database": result.database, "comparison": records(result.comparison),
            "differences": records(result.differences), "warnings": list(result.warnings)}


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def to_json(value: Any) -> str:
    """A command's return value as JSON text (strict JSON: no NaN)."""
    if isinstance(value, StudyResult):
        value = study_json(value)
    elif "gpulca.results.comparison" in sys.modules:  # (else no comparison was made)
        from gpulca.results.comparison import ComparisonResult

        if isinstance(value, ComparisonResult):
            value = comparison_json(value)
    return json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False, default=str)


JSON_KEY = "gpulca.json"


def json_requested() -> bool:
    """True inside a command run with ``--json`` (e.g. to print JSON before exiting with 2)."""
    return bool(click.get_current_context().meta.get(JSON_KEY))


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--json`` and ``--quiet`` to a command that returns its result.

    Put it directly above ``@report_errors``. The command prints its human output to
    :data:`gpulca.cli.common.stdout` as usual and returns what ``--json`` should print (a
    result, or a JSON-ready dict/list).
    """
    @wraps(function)
    def wrapper(*args: Any, json_output: bool = False, quiet: bool = False,
                **kwargs: Any) -> Any:
        click.get_current_context().meta[JSON_KEY] = json_output and not quiet
        previous = stdout.quiet
        stdout.quiet = previous or json_output or quiet
        try:
            value = function(*args, **kwargs)
        finally:
            stdout.quiet = previous
        if json_output and not quiet and value is not None:
            click.echo(to_json(value))
        return value

    wrapper = click.option("-q", "--quiet", "quiet", is_flag=True,
                           help="Print nothing on stdout (warnings and errors still go to "
                                "stderr).")(wrapper)
    return click.option("--json", "json_output", is_flag=True,
                        help="Print the result as JSON on stdout, and nothing else.")(wrapper)
