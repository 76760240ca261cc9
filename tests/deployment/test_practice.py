"""What-if variants on practice: scale or drop a phase, add rows, change the traffic or the
model served; each change logged, each problem located at its override."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gpulca.core.errors import InputError
from gpulca.pipeline.compare import compare_study
from gpulca.results.service import service_frame
from tests.deployment.test_service import DEPLOYMENT, METHODS, TINY

VARIANTS = """variants:
  define:
    no-exploration:
      overrides:
        activity.phase_scale: {exploration: 0}
    fine-tune:
      overrides:
        activity.phase_scale: {final_training: 0.5}
        activity.add_rows: [{phase: post_training, gpu_hours: 40}]
    more-users:
      overrides:
        deployment.traffic_scale: 2
    smaller:
      overrides:
        deployment.serving:
          throughput:
            - {unit: output_tokens, value: 4000 / hour, assumption: t,
               utilisation: {value: 0.5, assumption: t}}
"""


def _study(folder: Path, text: str) -> Path:
    for name in ("inventory.yaml", "study.yaml"):
        shutil.copy(TINY / name, folder / name)
    shutil.copy(METHODS, folder / "methods.yaml")
    study = folder / "study.yaml"
    study.write_text(study.read_text().replace("../../../methods/default.yaml", "methods.yaml")
                     + text)
    return study


@pytest.fixture(scope="module")
def compared(module_bw, tmp_path_factory):
    study = _study(tmp_path_factory.mktemp("practice"), DEPLOYMENT + VARIANTS)
    return compare_study(study, data_dir=module_bw)


def _gpu_hours(compared, variant: str) -> dict[str, float]:
    audit = compared.results[variant].audit
    return audit.groupby("phase")["gpu_hours"].sum().to_dict()


def test_phase_scale_drops_and_scales_phases(compared):
    assert "exploration" not in _gpu_hours(compared, "no-exploration")
    hours = _gpu_hours(compared, "fine-tune")
    assert hours["final_training"] == pytest.approx(150.0)
    assert hours["post_training"] == pytest.approx(40.0)
    assert hours["serving"] == pytest.approx(200.0)


def test_traffic_and_serving_change_the_per_unit_figures(compared):
    def value(variant: str, metric: str) -> float:
        frame = service_frame(compared.results[variant])
        row = frame[(frame["service_unit"] == "requests") & (frame["impact"] == "climate_change")
                    & (frame["metric"] == metric)]
        return float(row["value"].iloc[0])

    assert _gpu_hours(compared, "more-users")["serving"] == pytest.approx(400.0)
    assert value("more-users", "marginal") == pytest.approx(value("base", "marginal"), rel=1e-9)
    assert value("more-users", "levelised_development") == pytest.approx(
        value("base", "levelised_development") / 2, rel=1e-9)
    assert _gpu_hours(compared, "smaller")["serving"] == pytest.approx(50.0)
    assert value("smaller", "marginal") == pytest.approx(value("base", "marginal") / 4, rel=1e-9)


def test_every_practice_override_is_logged(compared):
    log = compared.overrides
    keys = set(zip(log["variant"], log["key"], strict=True))
    assert {("no-exploration", "activity.phase_scale"), ("fine-tune", "activity.add_rows"),
            ("more-users", "deployment.traffic_scale"),
            ("smaller", "deployment.serving")} <= keys
    assert all(":" in origin for origin in log["origin"])


@pytest.mark.parametrize("override,fragments", [
    ("activity.phase_scale: {exploratoin: 0}", ["phase_scale.exploratoin", "unknown phase"]),
    ("activity.phase_scale: {exploration: -1}", ["phase_scale.exploration", "at least 0"]),
    ("activity.add_rows: [{phase: post_training}]", ["add_rows[0]", "gpu_hours"]),
    ("deployment.traffic_scale: 0", ["traffic_scale", "out of range"]),
])
def test_bad_practice_override_is_located(tmp_path, override, fragments):
    text = DEPLOYMENT + f"variants:\n  define:\n    bad:\n      overrides:\n        {override}\n"
    with pytest.raises(InputError) as caught:
        compare_study(_study(tmp_path, text), data_dir=tmp_path / "bw")
    message = str(caught.value)
    assert "study.yaml:" in message and "variant bad" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_deployment_override_without_deployment(tmp_path):
    text = "variants:\n  define:\n    bad:\n      overrides:\n        deployment.traffic_scale: 2\n"
    with pytest.raises(InputError, match="no 'deployment:' block"):
        compare_study(_study(tmp_path, text), data_dir=tmp_path / "bw")
