"""Bad input: a one-line located error per problem, exit code 2, no traceback, nothing written.

Each case starts from a valid copy of the tiny study (tests/fixtures/tiny/), applies one edit,
and runs ``gpulca run`` through the real CLI. The expected message fragments name the file, the
line or key path, the offending value and what was expected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny"
METHODS = Path(__file__).parent.parent / "methods" / "default.yaml"


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A writable copy of the tiny study with its methods file beside it."""
    for name in ("inventory.yaml", "study.yaml"):
        shutil.copy(TINY / name, tmp_path / name)
    shutil.copy(METHODS, tmp_path / "methods.yaml")
    study = tmp_path / "study.yaml"
    study.write_text(study.read_text().replace("../../../methods/default.yaml", "methods.yaml"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1))


def run_cli(case: Path, *extra: str) -> tuple[int, str, Path, Path]:
    output = case / "out"
    data_dir = case / "bw"
    result = CliRunner().invoke(main, ["run", str(case / "study.yaml"), "-o", str(output),
                                       "--data-dir", str(data_dir), *extra])
    return result.exit_code, result.stderr + result.stdout, output, data_dir


CASES = [
    # (id, file, old text, new text, expected fragments of the message)
    ("infrastructure part missing from the library", "study.yaml",
     "not_assessed: [building, network, storage]", "not_assessed: [network, storage]",
     ["study.yaml:", "not_assessed", "datacenter_building_share_per_kwh_it",
      "cluster_rack_share_per_gpu", "declare 'not_assessed: [building]'"]),
    ("not assessed twice", "study.yaml", "not_assessed: [building, network, storage]",
     "not_assessed: [building, network, storage, network]",
     ["study.yaml:", "not_assessed", "network listed more than once"]),
    ("unknown infrastructure part", "study.yaml", "not_assessed: [building, network, storage]",
     "not_assessed: [roof, network, storage]", ["study.yaml:", "not_assessed", "roof"]),
    ("unknown accelerator", "study.yaml", "accelerator: tiny_card", "accelerator: tiny_crd",
     ["study.yaml:", "hardware.accelerator", "'tiny_crd'", "unknown accelerator",
      "did you mean tiny_card"]),
    ("unknown zone", "study.yaml", "grid_zone: TZ", "grid_zone: XX",
     ["study.yaml:", "site.grid_zone", "'XX'", "unknown grid zone"]),
    ("unknown process code", "inventory.yaml", "technosphere: tiny_chip",
     "technosphere: tiny_chop", ["inventory.yaml:", "technosphere", "'tiny_chop'",
                                 "no process with this code"]),
    ("unknown biosphere flow", "inventory.yaml", 'name: "Carbon dioxide, fossil", categories: '
     "[air]}, amount: 0.5", 'name: "Carbon dioxid, fossil", categories: [air]}, amount: 0.5',
     ["inventory.yaml:", "biosphere", "no such biosphere3 flow", "close matches",
      "Carbon dioxide, fossil (air)"]),
    ("unit that does not convert", "inventory.yaml", "amount: 0.2, unit: kilogram",
     "amount: 0.2, unit: kilowatt hour", ["inventory.yaml:", "exchanges[4].unit",
                                          "'kilowatt hour'", "does not convert"]),
    ("negative gpu-hours", "study.yaml", "gpu_hours: 100", "gpu_hours: -100",
     ["study.yaml:", "activity.rows[0].gpu_hours", "-100", "expected a number >= 0"]),
    ("NaN gpu-hours", "study.yaml", "gpu_hours: 100", "gpu_hours: .nan",
     ["study.yaml:", "activity.rows[0].gpu_hours", "nan", "expected a finite number"]),
    ("non-numeric gpu-hours", "study.yaml", "gpu_hours: 100", "gpu_hours: lots",
     ["study.yaml:", "activity.rows[0].gpu_hours", "'lots'", "expected a number"]),
    ("value without a source", "study.yaml", "pue: {value: 1.5, assumption: test fixture}",
     "pue: {value: 1.5}", ["study.yaml:", "site.pue", "no source"]),
    ("unknown key", "study.yaml", "  server: tiny_server", "  server: tiny_server\n  colour: red",
     ["study.yaml:", "hardware.colour", "unknown key"]),
    ("YAML syntax error", "study.yaml", "rows:", "rows: [", ["study.yaml:", "YAML syntax error"]),
    ("empty activity table", "study.yaml",
     "  rows:\n    - {phase: exploration, gpu_hours: 100}\n"
     "    - {phase: final_training, gpu_count: 10, wall_hours: 30}", "  rows: []",
     ["study.yaml:", "activity", "activity table is empty"]),
    ("unknown phase", "study.yaml", "phase: exploration", "phase: exploratoin",
     ["study.yaml:", "activity.rows[0].phase", "'exploratoin'", "unknown phase",
      "did you mean exploration"]),
    ("unknown method", "methods.yaml", "global warming potential (GWP100)]",
     "global warming potential (GWP101)]", ["methods.yaml:", "impact_categories[0].method",
                                            "no such LCIA method", "close matches"]),
    ("forbidden formula", "inventory.yaml", 'formula: "fab_energy"',
     "formula: \"open('/etc/passwd')\"", ["inventory.yaml:", "formula",
                                          "only the functions"]),
    ("PUE out of range", "study.yaml", "pue: {value: 1.5,", "pue: {value: 0.5,",
     ["study.yaml:", "site.pue.value", "got 0.5; out of range: PUE must be from 1 to 3"]),
    ("quantity with the wrong dimension", "study.yaml", "value: 1000 hour", "value: 1000 kg",
     ["study.yaml:", "hardware.lifetime.value", "'1000 kg'", "does not convert"]),
    ("duplicate process code", "inventory.yaml", "  - code: tiny_host", "  - code: tiny_chip",
     ["inventory.yaml:", "processes[3].code", "'tiny_chip'", "duplicate code"]),
    ("unknown parameter in formula", "inventory.yaml", 'formula: "fab_energy"',
     'formula: "fab_enrgy"', ["inventory.yaml:", "formula", "unknown parameter 'fab_enrgy'"]),
    ("uncertainty out of bounds", "inventory.yaml",
     "amount: 800, unit: kilogram, assumption: test fixture}",
     "amount: 800, unit: kilogram, assumption: test fixture, uncertainty: "
     "{distribution: triangular, minimum: 900, maximum: 1000}}",
     ["inventory.yaml:", "exchanges[0]", "800 lies outside the triangular range [900, 1000]"]),
    ("empty file", "study.yaml", None, "", ["study.yaml:", "the file is empty"]),
]


@pytest.mark.parametrize("name,file,old,new,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_located_and_writes_nothing(case, name, file, old, new, fragments):
    if old is None:
        (case / file).write_text(new)
    else:
        edit(case / file, old, new)
    code, text, output, data_dir = run_cli(case)
    assert code == 2, text
    assert "Traceback" not in text
    first = text.splitlines()[0]
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert first.startswith("error: ")
    assert not output.exists(), "no output may be written on bad input"
    assert not (data_dir / "projects.db").exists() or not any(
        p.name.startswith("gpulca-inventory") for p in data_dir.rglob("*")), \
        "no inventory database may be written on bad input"


def test_every_problem_reported_in_one_run(case):
    edit(case / "study.yaml", "accelerator: tiny_card", "accelerator: nope")
    edit(case / "study.yaml", "grid_zone: TZ", "grid_zone: XX")
    edit(case / "study.yaml", "phase: exploration", "phase: nope")
    code, text, _, _ = run_cli(case)
    assert code == 2
    assert text.count("error: ") == 3, text


def test_debug_shows_traceback(case):
    edit(case / "study.yaml", "grid_zone: TZ", "grid_zone: XX")
    result = CliRunner().invoke(main, ["--debug", "run", str(case / "study.yaml"), "-o",
                                       str(case / "out"), "--data-dir", str(case / "bw")])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["run", str(tmp_path / "nope.yaml"), "--data-dir",
                                       str(tmp_path / "bw")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr and "file not found" in result.stderr


def test_activity_csv_problems_name_the_line(case):
    (case / "activity.csv").write_text(
        "phase,gpu_hours,model\nexploration,100,a\nablation,many,b\nbaseline,1,2,3\n")
    edit(case / "study.yaml", "  rows:\n    - {phase: exploration, gpu_hours: 100}\n"
         "    - {phase: final_training, gpu_count: 10, wall_hours: 30}", "  file: activity.csv")
    code, text, output, _ = run_cli(case)
    assert code == 2
    assert "activity.csv:3: gpu_hours: got 'many'; expected a number" in text
    assert "activity.csv:4:" in text and "expected 3 fields" in text
    assert not output.exists()
