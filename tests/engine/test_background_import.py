"""Brightway imported in a background thread while a run reads its study
(gpulca.engine.project.start_brightway_import): its errors surface where Brightway is needed,
as they would without the thread (one line, exit 2 for a project problem, nothing written); an
input error of the study is the one reported; nothing of the thread outlives the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.core.errors import ProjectError
from gpulca.engine import project
from gpulca.engine.bundled import bundled_flow_index, known_method_names

THREAD = "gpulca-brightway-import"


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == THREAD]


@pytest.fixture
def failing_import(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, str]]:
    """Brightway not imported yet (as in a fresh process), and its import failing; the flows
    and method names bw2io bundles are read before (from gpulca's cache, as a user's run
    finds them after its first)."""
    known_method_names()
    bundled_flow_index()
    monkeypatch.delitem(sys.modules, "bw2data", raising=False)
    calls: list[tuple[bool, str]] = []

    def fail(in_background: bool) -> None:
        calls.append((in_background, threading.current_thread().name))
        time.sleep(0.05)  # still running while the foreground reads the study
        raise ProjectError("cannot open project 'gpulca' in the Brightway data directory /x: "
                           "DatabaseError: file is not a database")

    monkeypatch.setattr(project, "_import_quietly", fail)
    return calls


def test_the_background_error_is_raised_where_brightway_is_needed(
        failing_import: list[tuple[bool, str]]) -> None:
    project.start_brightway_import()
    project.start_brightway_import()  # one import at a time
    with pytest.raises(ProjectError, match="file is not a database"):
        project.import_brightway()
    assert failing_import == [(True, THREAD)]
    assert _threads() == []


def test_a_run_reports_the_background_error_in_one_line(failing_import, repo: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(repo / "scenarios" / "example.yaml"),
                                       "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: cannot open project 'gpulca' in the Brightway data directory /x: "
        "DatabaseError: file is not a database"]
    assert "Traceback" not in result.output and not out.exists()
    assert failing_import[0] == (True, THREAD) and _threads() == []


def test_an_input_error_is_reported_and_the_thread_waited_for(failing_import,
                                                              tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    study.write_text("name: broken\nactivity:\n  rows: [{phase: exploration, gpu_hours: -1}]\n")
    result = CliRunner().invoke(main, ["run", str(study), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "gpu_hours" in result.stderr and "file is not a database" not in result.stderr
    assert _threads() == []  # nothing of the import outlives the command


def test_the_background_import_leaves_the_process_as_the_foreground_one(
        bw_shipped_dir: Path, repo: Path, tmp_path: Path) -> None:
    """A fresh process (Brightway not imported): ``gpulca run --json`` prints JSON alone on
    stdout (the import's messages neither reach stdout nor stderr), and the import leaves
    BRIGHTWAY2_DIR and bw2data's feedback logger as the foreground import does, and gpulca's
    unit registry pint's own class."""
    script = (
        "import json, logging, os, sys\n"
        "from gpulca.cli import main\n"
        "from gpulca.engine import project\n"
        "before = os.environ.get('BRIGHTWAY2_DIR')\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    import pint\n"
        "    from gpulca.core.units import registry\n"
        "    log = logging.getLogger(project.FEEDBACK_LOGGER)\n"
        "    sys.stderr.write('STATE ' + json.dumps([\n"
        "        os.environ.get('BRIGHTWAY2_DIR') == before, log.disabled, log.level,\n"
        "        [getattr(h, 'stream', None) is sys.stderr for h in log.handlers],\n"
        "        type(registry()) is pint.UnitRegistry]) + '\\n')\n")
    env = {**os.environ, "BRIGHTWAY2_DIR": str(bw_shipped_dir), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", script, "run",
                           str(repo / "scenarios" / "example.yaml"), "--json", "-o",
                           str(tmp_path / "out")], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["study"]
    state = [line for line in done.stderr.splitlines() if line.startswith("STATE ")]
    assert json.loads(state[0][6:]) == [True, False, 30, [True], True]
    assert "Using environment variable" not in done.stderr
    assert (tmp_path / "out" / "results.csv").is_file()


def test_brightways_pint_registry_from_the_cache_is_pints_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry bw2parameters makes while Brightway is imported
    (:func:`gpulca.engine.project.cached_pint_definitions`): parsed, then read back from the
    cache, it converts every unit as pint's default registry does."""
    import pint

    monkeypatch.setenv("GPULCA_CACHE_DIR", str(tmp_path))
    default = pint.UnitRegistry()
    made = []
    for _ in range(2):  # the first writes the cache, the second reads it
        with project.cached_pint_definitions():
            made.append(pint.UnitRegistry())
        assert pint.UnitRegistry is type(default)
    assert any((tmp_path / project.PINT_CACHE).iterdir())
    units = ["kilowatt hour", "megajoule", "kilogram", "cubic meter", "ton kilometer", "year",
             "hour", "kilobecquerel", "square meter * year", "liter", "kelvin",
             "mile", "calorie", "bar", "ppm"]
    for registry in made:
        assert type(registry) is not type(default) and isinstance(registry, pint.UnitRegistry)
        for unit in units:
            expected = (3 * default(unit)).to_base_units()
            got = (3 * registry(unit)).to_base_units()
            assert (got.magnitude, str(got.units)) == (expected.magnitude, str(expected.units))


_BOOTSTRAP_SCRIPT = (
    "import json, os\n"
    "from pathlib import Path\n"
    "from gpulca.engine import project\n"
    "bd, _ = project.import_brightway()\n"
    "scratch = Path(project._bootstrap_dir)\n"
    "print(json.dumps([bd.projects.current, sorted(str(p.relative_to(scratch))\n"
    "    for p in scratch.rglob('*') if p.is_file() and 'logs' not in p.parts)]))\n")


def _import_in_fresh_process(cache: Path, data_dir: Path) -> tuple[str, list[str]]:
    env = {**os.environ, "GPULCA_CACHE_DIR": str(cache), "BRIGHTWAY2_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-c", _BOOTSTRAP_SCRIPT], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    current, files = json.loads(done.stdout.splitlines()[-1])
    return current, files


def test_brightway_is_imported_into_a_copy_of_the_scratch_directory_it_made_before(
        tmp_path: Path) -> None:
    """The first import keeps a copy of the scratch directory bw2data made (complete: marked,
    then renamed into place); the next process's scratch directory is a copy of it, in which
    bw2data finds the same files (its default project) and writes nothing into the template."""
    cache = tmp_path / "cache"
    first = _import_in_fresh_process(cache, tmp_path / "bw")
    templates = list((cache / project.BOOTSTRAP_CACHE).iterdir())
    assert [t.name.startswith("bw2data-") for t in templates] == [True]
    template = templates[0]
    assert (template / project._BOOTSTRAP_DONE).is_file()
    assert "projects.db" in first[1]
    stamps = {p: p.stat().st_mtime_ns for p in template.rglob("*") if p.is_file()}
    second = _import_in_fresh_process(cache, tmp_path / "bw")
    assert second == first == ("default", first[1])
    assert {p: p.stat().st_mtime_ns for p in template.rglob("*") if p.is_file()} == stamps
    assert not [p for p in template.parent.iterdir() if p.name.endswith(".partial")]


def test_an_incomplete_bootstrap_template_is_neither_used_nor_replaced(tmp_path: Path) -> None:
    """A template without its mark (a process killed while making it, a user's folder) is not
    copied, and not replaced: bw2data makes the scratch directory afresh."""
    template = tmp_path / "template"
    template.mkdir()
    (template / "projects.db").write_bytes(b"not a database")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert not project._copy_bootstrap(template, scratch)
    assert not any(scratch.iterdir())
    (scratch / "projects.db").write_bytes(b"made by bw2data")
    project._keep_bootstrap(scratch, template)
    assert (template / "projects.db").read_bytes() == b"not a database"
    assert not (template / project._BOOTSTRAP_DONE).exists()


def test_a_bootstrap_template_that_cannot_be_copied_leaves_an_empty_scratch_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy failing half-way (a full disk) empties the scratch directory again: bw2data then
    makes it afresh, never from half a copy."""
    template = tmp_path / "template"
    (template / "default").mkdir(parents=True)
    (template / "projects.db").write_bytes(b"db")
    (template / project._BOOTSTRAP_DONE).touch()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copytree = project.shutil.copytree

    def copy_then_fail(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(project.shutil, "copytree", copytree)  # copy whole, then fail
        copytree(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project.shutil, "copytree", copy_then_fail)
    assert not project._copy_bootstrap(template, scratch)
    assert scratch.is_dir() and not any(scratch.iterdir())
