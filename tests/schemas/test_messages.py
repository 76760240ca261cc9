"""The common mistakes of a first study get one plain line each, all in one run: a bare number
without a source, a misspelt key, YAML 1.1 booleans or numbers where a code is expected, a
boolean or binary value where a number is expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.core.errors import InputError
from gpulca.io.yamlio import load_yaml_text
from gpulca.schemas import parse
from gpulca.schemas.scenario import Study

FIRST_TRY = """\
name: first
site:
  grid_zone: NO
  pue: 1.2
  wue: {value: 0.5 L/kWh, source: "x"}
hardware:
  acelerator: h100_sxm_80gb
  lifetime: {value: 6 year, source: "x"}
  utilisation: {value: yes, source: "x"}
activity:
  source: "made up"
  rows:
    - {phase: final_training, gpu_hours: true}
    - {phase: debugging, gpu_hours: !!binary aGVsbG8=}
    - {phase: 1, gpu_hours: 5}
"""


def problems(text: str) -> dict[str, str]:
    data, lines = load_yaml_text(text, "study.yaml")
    with pytest.raises(InputError) as caught:
        parse(Study, data, lines)
    return {p.path: p.message for p in caught.value.problems}


def test_every_first_try_mistake_in_one_run() -> None:
    found = problems(FIRST_TRY)
    assert set(found) == {"site.grid_zone", "site.pue", "hardware.acelerator",
                          "hardware.utilisation.value", "activity.rows[0].gpu_hours",
                          "activity.rows[1].gpu_hours", "activity.rows[2].phase"}
    assert 'quote it, e.g. grid_zone: "NO"' in found["site.grid_zone"]
    assert found["site.pue"].startswith("a bare number needs its source: write pue: "
                                        '{value: 1.2, source: "')
    assert found["hardware.acelerator"] == "unknown key; did you mean 'accelerator'?"
    assert "YAML boolean" in found["hardware.utilisation.value"]
    assert "YAML boolean" in found["activity.rows[0].gpu_hours"]
    assert "!!binary" in found["activity.rows[1].gpu_hours"]
    assert 'quote it, e.g. phase: "1"' in found["activity.rows[2].phase"]


def test_quoted_codes_and_plain_numbers_pass() -> None:
    text = FIRST_TRY.replace("grid_zone: NO", 'grid_zone: "NO"').replace(
        "pue: 1.2", 'pue: {value: 1.2, assumption: "typical"}').replace(
        "acelerator", "accelerator").replace("value: yes", "value: 0.8").replace(
        "gpu_hours: true", "gpu_hours: 10").replace("!!binary aGVsbG8=", "3").replace(
        "phase: 1,", "phase: evaluation,")
    data, lines = load_yaml_text(text, "study.yaml")
    study = parse(Study, data, lines)
    assert study.site.grid_zone == "NO"
    assert study.activity.rows is not None and study.activity.rows[0].gpu_hours == 10.0


def test_problems_are_listed_in_file_order() -> None:
    data, lines = load_yaml_text(FIRST_TRY, "study.yaml")
    with pytest.raises(InputError) as caught:
        parse(Study, data, lines)
    numbers = [p.line or 0 for p in caught.value.problems]
    assert numbers == sorted(numbers)


def test_init_writes_a_study_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "My Study.yaml"
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text.startswith("# yaml-language-server: $schema=file://")
    assert "study.schema.json" in text.splitlines()[0]
    assert "name: my-study" in text
    validated = runner.invoke(main, ["validate", str(target)])
    assert validated.exit_code == 0, validated.output
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 2 and "already exists" in again.output
