"""``gpulca setup``: install the background into the gpulca Brightway project now."""

from __future__ import annotations

import click

from gpulca.brightway import ensure_background, gpulca_project
from gpulca.cli import report_errors
from gpulca.cli.common import brightway_options, setup_progress, stdout


@click.command()
@brightway_options
@report_errors
def setup(data_dir: str | None, project: str) -> None:
    """Install biosphere3 and the bundled LCIA methods (offline; done once per project)."""
    with setup_progress() as progress, gpulca_project(project, data_dir) as bd:
        installed = ensure_background(bd, progress)
        where = bd.projects._base_data_dir
        count = len(bd.methods)
    state = "installed" if installed else "already complete"
    stdout.print(f"Project {project!r} in {where}: background {state} "
                 f"(biosphere3 and {count} LCIA methods).")
