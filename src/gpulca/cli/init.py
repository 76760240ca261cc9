"""``gpulca init [STUDY.yaml]``: write a commented study template to start from."""

from __future__ import annotations

from pathlib import Path

import click

from gpulca.cli.errors import report_errors
from gpulca.core.errors import InputError, Problem
from gpulca.io.atomic import write_text_atomic
from gpulca.library.templates import study_code, study_template


@click.command()
@click.argument("path", default="study.yaml", type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="The study's name (default: from the file name).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@report_errors
def init(path: str, name: str | None, force: bool) -> None:
    """Write a commented study template to PATH (default: study.yaml).

    The template runs as written against the shipped library; its first line names the study
    JSON Schema, so editors with YAML language support complete and check keys as you type.
    """
    target = Path(path)
    if target.exists() and not force:
        raise InputError(Problem(str(target), "", "already exists (use --force to replace it)"))
    code = study_code(name or target.stem)
    write_text_atomic(target, study_template(code, str(target)))
    click.echo(f"Wrote {target}. Next: gpulca validate {target}, then gpulca run {target}.")
