"""``gpulca setup``: install the background into the gpulca Brightway project now."""

from __future__ import annotations

import click

from gpulca.cli.common import brightway_options, setup_progress, stdout
from gpulca.cli.errors import report_errors
from gpulca.engine.gateway import install_background


@click.command()
@brightway_options
@report_errors
def setup(data_dir: str | None, project: str) -> None:
    """Install biosphere3 and the bundled LCIA methods (offline; done once per project)."""
    with setup_progress() as progress:
        status = install_background(project, data_dir, progress)
    state = "installed" if status.installed else "already complete"
    stdout.print(f"Project {project!r} in {status.data_dir}: background {state} "
                 f"(biosphere3 and {status.method_count} LCIA methods).")
