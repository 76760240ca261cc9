"""gpulca's command-line interface: a thin layer over the library API.

Exit codes: 0 success; 2 bad input (every problem listed, one per line, no traceback);
1 an unexpected internal error (:mod:`gpulca.cli.errors`). ``--debug`` shows the traceback of
any error. One module per command; this one only assembles them.
"""

from __future__ import annotations

import click

from gpulca.core.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gpulca")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """gpulca: life cycle assessment of AI research and deployment, on Brightway 2.5."""


def _register() -> None:
    from gpulca.cli.audit import audit
    from gpulca.cli.compare import compare
    from gpulca.cli.example import example
    from gpulca.cli.export import export
    from gpulca.cli.hourly import hourly
    from gpulca.cli.ingest import ingest
    from gpulca.cli.init import init
    from gpulca.cli.list import list_cmd
    from gpulca.cli.run import run
    from gpulca.cli.scope2 import scope2
    from gpulca.cli.setup import setup
    from gpulca.cli.validate import validate

    main.add_command(run)
    main.add_command(validate)
    main.add_command(setup)
    main.add_command(compare)
    main.add_command(ingest)
    main.add_command(list_cmd)
    main.add_command(example)
    main.add_command(init)
    main.add_command(audit)
    main.add_command(hourly)
    main.add_command(scope2)
    main.add_command(export)


_register()
