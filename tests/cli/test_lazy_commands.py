"""``gpulca``'s commands load lazily (gpulca.cli.LazyGroup): each registered command resolves,
``--help`` lists every one with its short help, and a command imports only what it needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from gpulca.cli import COMMANDS, LazyGroup, main


def test_every_registered_command_resolves() -> None:
    context = click.Context(main)
    assert main.list_commands(context) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name
    assert main.get_command(context, "no-such-command") is None


def test_help_lists_every_command_with_its_short_help() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    context = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert command is not None
        short = command.get_short_help_str(limit=80 - 6 - max(map(len, COMMANDS)))
        assert any(line.split(None, 1) == [name, short] for line in listed), (name, listed)


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["rnu"])
    assert result.exit_code == 2 and "No such command 'rnu'" in result.output


def test_a_wrong_registration_is_refused() -> None:
    group = LazyGroup(name="g", lazy={"other": "gpulca.cli.run:run"})
    with pytest.raises(TypeError, match="is not the command 'other'"):
        group.get_command(click.Context(group), "other")


def test_run_imports_only_what_it_needs() -> None:
    """``gpulca run --help`` (as ``gpulca run`` starts) imports no other command, nor the
    libraries only they need (the alternatives of ``gpulca audit``), nor Brightway."""
    script = ("import json, sys\n"
              "from gpulca.cli import main\n"
              "before = set(sys.modules)\n"
              "try:\n"
              "    main(['run', '--help'])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(json.dumps([sorted(before), sorted(sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env={**os.environ, "COLUMNS": "80"}, timeout=120)
    before, after = json.loads(done.stdout.splitlines()[-1])
    assert not any(name.startswith("gpulca.cli.") for name in before if name != "gpulca.cli")
    others = {module.partition(":")[0] for name, module in COMMANDS.items() if name != "run"}
    assert not others & set(after) - {"gpulca.cli.example"}  # run --example reads examples
    assert "gpulca.library.alternatives" not in after
    assert "bw2data" not in after  # Brightway: when a run solves, not to show its help


def test_the_garbage_collector_is_as_it_was_after_a_command_loads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A command's module is imported with the cyclic collector paused, then resumed (or left
    off when it was off)."""
    import gc

    seen = []
    monkeypatch.setattr("importlib.import_module",
                        lambda name: seen.append(gc.isenabled()) or sys.modules[name])
    for enabled in (True, False):
        group = LazyGroup(name="g", lazy={"run": "gpulca.cli.run:run"})
        (gc.enable if enabled else gc.disable)()
        try:
            assert group.get_command(click.Context(group), "run") is not None
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert seen == [False, False]
