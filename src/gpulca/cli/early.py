"""What a command starts before it is imported (:class:`gpulca.cli.LazyGroup`): ``gpulca run
STUDY`` begins reading the study's activity CSV (:mod:`gpulca.ingest.prefetch`) while the
command's Python is imported. Light on purpose: nothing here imports more than the standard
library until a read ahead starts."""

from __future__ import annotations

import os
from collections.abc import Sequence

RUN_VALUE_OPTIONS = frozenset({
    "--example", "-o", "--output", "--results-format", "--excel", "--charts", "--html",
    "--uncertainty", "--seed", "--scheduler", "--sobol", "--data-dir", "--project"})
"""The options of ``gpulca run`` that take a value (a test checks them against the
command's)."""


def run_study_argument(args: Sequence[str]) -> str | None:
    """The STUDY argument of ``gpulca run ARGS`` as click will read it, or None (none, a
    shipped example, help asked, or anything unusual: the read ahead is only a guess)."""
    study = None
    skip = False
    only_arguments = False
    for arg in args:
        if skip:
            skip = False
        elif only_arguments or arg == "-" or not arg.startswith("-"):
            if study is not None:
                return None  # (click refuses a second one)
            study = arg
        elif arg == "--":
            only_arguments = True
        elif arg in ("--example", "-h", "--help") or arg.startswith("--example="):
            return None
        elif arg in RUN_VALUE_OPTIONS:
            skip = True
        elif arg.startswith("-o") or arg.startswith("--") and "=" in arg:
            pass  # -oDIR, --option=value
        elif arg.startswith("--"):
            pass  # a flag
        else:
            return None  # short options bundled: not worth guessing
    return study


def read_ahead(command: str, args: Sequence[str]) -> None:
    """Begin what ``gpulca COMMAND ARGS`` will read, while the command is imported."""
    if command != "run":
        return
    study = run_study_argument(args)
    if study is None or study == "-" or not os.path.isfile(study):
        return
    from gpulca.ingest.prefetch import start_prefetch

    start_prefetch(study)


def forget() -> None:
    """Drop what :func:`read_ahead` read and the command did not take."""
    import sys

    prefetch = sys.modules.get("gpulca.ingest.prefetch")
    if prefetch is not None:
        prefetch.forget()
