"""gpulca's command-line interface: a thin layer over the library API.

Exit codes: 0 success; 2 bad input (every problem listed, one per line, no traceback);
1 an unexpected internal error (:mod:`gpulca.cli.errors`). ``--debug`` shows the traceback of
any error. One module per command; this one only assembles them.

Commands are loaded lazily (click's "lazy group" pattern): ``gpulca run`` imports
:mod:`gpulca.cli.run` and what it needs, not every other command's library (``gpulca --help``
still lists them all, importing each to read its short help).
"""

from __future__ import annotations

import gc
import importlib
import sys

import click

from gpulca.core.version import __version__

COMMANDS = {
    "run": "gpulca.cli.run:run",
    "validate": "gpulca.cli.validate:validate",
    "setup": "gpulca.cli.setup:setup",
    "compare": "gpulca.cli.compare:compare",
    "ingest": "gpulca.cli.ingest:ingest",
    "list": "gpulca.cli.list:list_cmd",
    "example": "gpulca.cli.example:example",
    "init": "gpulca.cli.init:init",
    "audit": "gpulca.cli.audit:audit",
    "hourly": "gpulca.cli.hourly:hourly",
    "scope2": "gpulca.cli.scope2:scope2",
    "export": "gpulca.cli.export:export",
}
"""Every command of ``gpulca``: its name and where it is defined ("module:attribute")."""


class LazyGroup(click.Group):
    """A click group whose :data:`COMMANDS` are imported when first asked for."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in self.lazy and args[0] not in self.commands:
            # e.g. gpulca run reads the study's activity CSV while its Python is imported
            from gpulca.cli.early import read_ahead

            read_ahead(args[0], args[1:])
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        finally:
            if "gpulca.cli.early" in sys.modules:  # (what a command read ahead, dropped)
                sys.modules["gpulca.cli.early"].forget()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(_import_quickly(module), attribute)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise TypeError(f"{self.lazy[cmd_name]} is not the command {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


def _import_quickly(module: str) -> object:
    """Import ``module`` with the cyclic garbage collector paused, then frozen: a command's
    import makes hundreds of thousands of objects that live as long as the process and no
    garbage; the collector's passes over them cost about 0.06 s of ``gpulca run``'s start, and
    its later full passes (``gc.freeze`` keeps them out of every one) about 0.15 s more of a
    million-row run."""
    if not gc.isenabled():
        return importlib.import_module(module)
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        if not gc.get_freeze_count():  # once a process (a test session imports many)
            gc.freeze()  # what the import made is never scanned again
        gc.enable()


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gpulca")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """gpulca: life cycle assessment of AI research and deployment, on Brightway 2.5."""
