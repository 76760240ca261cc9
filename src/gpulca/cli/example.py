"""``gpulca example [NAME]``: list the shipped example studies, or write one out to edit."""

from __future__ import annotations

from pathlib import Path

import click

from gpulca.cli.common import stdout
from gpulca.cli.errors import report_errors
from gpulca.library.examples import example_names, example_path, write_example


def example_study(name: str) -> str:
    """The shipped file of example ``name`` (for ``gpulca run --example``)."""
    return str(example_path(name))


@click.command()
@click.argument("name", required=False)
@click.option("--to", "destination", type=click.Path(file_okay=False), default=".",
              show_default=True, help="Folder to write the example into.")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@report_errors
def example(name: str | None, destination: str, force: bool) -> None:
    """Write the shipped example study NAME (and the files it uses) into a folder.

    Without NAME, list the examples. `gpulca run --example NAME` runs one without copying it.
    """
    if name is None:
        for known in example_names():
            click.echo(known)
        return
    written = write_example(name, Path(destination), overwrite=force)
    for path in written:
        click.echo(str(path))
    study = Path(destination) / f"{name.removesuffix('.yaml')}.yaml"
    stdout.print(f"Run it with: gpulca run {study}", highlight=False)


def study_argument(study: str | None, example_name: str | None) -> str:
    """STUDY, or the shipped file of ``--example NAME``; a usage error for both or neither."""
    if (study is None) == (example_name is None):
        raise click.UsageError("give either STUDY or --example NAME")
    return study if study is not None else example_study(str(example_name))
