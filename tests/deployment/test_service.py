"""Deployment: per-unit results against bw2calc and hand arithmetic, their properties, the
EcoLogits estimate, and bad input (located one-line errors, exit 2, nothing written)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.cli import main
from gpulca.io.yamlio import LineMap
from gpulca.model.service import ecologits_gpu_count, ecologits_per_output_token
from gpulca.pipeline.run import run_study
from gpulca.results.reference import compare_reference
from gpulca.results.service import service_frame, split_frame, traffic_frame
from gpulca.schemas.deployment import Deployment
from gpulca.study.deployment import resolve_deployment
from tests.test_handcheck import IMPACTS, expected

TINY = Path(__file__).parent.parent / "fixtures" / "tiny"
METHODS = Path(__file__).parent.parent.parent / "methods" / "default.yaml"

# 1,000 requests of 100 output tokens; one GPU serves 1,000 tokens an hour when busy, busy half
# the time: 100,000 / (1,000 x 0.5) = 200 GPU-hours of serving.
DEPLOYMENT = """deployment:
  traffic:
    requests: {count: 1000, assumption: test}
    output_tokens: {per_request: 100, assumption: test}
  serving:
    throughput:
      - {unit: output_tokens, value: 1000 / hour, utilisation: {value: 0.5, assumption: test},
         assumption: test}
"""
REFERENCE = """reference:
  source: test
  figures:
    - id: R1
      what: marginal climate change per request
      value: 1
      unit: kg CO2-eq
      tolerance: {relative: 0.5}
      compute: {impact: climate_change, phases: [serving], divide_by: {service: requests}}
"""


def _case(folder: Path, extra: str) -> Path:
    for name in ("inventory.yaml", "study.yaml"):
        shutil.copy(TINY / name, folder / name)
    shutil.copy(METHODS, folder / "methods.yaml")
    study = folder / "study.yaml"
    study.write_text(study.read_text().replace("../../../methods/default.yaml", "methods.yaml")
                     + extra)
    return study


@pytest.fixture(scope="module")
def served(module_bw, tmp_path_factory):
    study = _case(tmp_path_factory.mktemp("served"), DEPLOYMENT + REFERENCE)
    return run_study(study, data_dir=module_bw)


def _total(stages: dict[str, tuple[float, ...]], impact: str) -> float:
    return sum(values[IMPACTS.index(impact)] for values in stages.values())


@pytest.mark.parametrize("impact", IMPACTS)
def test_per_unit_results_equal_hand_arithmetic(served, impact):
    """Serving is 200 GPU-hours solved by bw2calc; per request and per 1,000 tokens by hand."""
    serving = _total(expected(200.0), impact)
    fixed = _total(expected(100.0), impact) + _total(expected(300.0), impact)
    scores = served.scores
    got = scores[(scores["phase"] == "serving") & (scores["impact"] == impact)]["score"].sum()
    assert got == pytest.approx(serving, rel=1e-9, abs=1e-15)
    frame = service_frame(served).set_index(["service_unit", "impact", "metric"])["value"]
    assert frame["requests", impact, "marginal"] == pytest.approx(serving / 1000, rel=1e-9)
    assert frame["requests", impact, "levelised"] == pytest.approx((fixed + serving) / 1000,
                                                                    rel=1e-9)
    assert frame["output_tokens", impact, "marginal"] == pytest.approx(
        serving / 100_000 * 1000, rel=1e-9)
    if serving > 0:
        assert frame["requests", impact, "break_even_units"] == pytest.approx(
            fixed / (serving / 1000), rel=1e-9)


def test_reference_per_request(served):
    row = compare_reference(served).iloc[0]
    assert row["gpulca"] == pytest.approx(_total(expected(200.0), "climate_change") / 1000,
                                          rel=1e-9)


def test_split_adds_up_and_leaves_serving_out_of_development(served):
    split = split_frame(served)
    parts = split["development"] + split["final_training"] + split["serving_life"]
    assert list(parts) == pytest.approx(list(split["total_life"]), rel=1e-12)
    totals = served.scores.groupby("impact", sort=False)["score"].sum()
    assert list(split["total_life"]) == pytest.approx(list(totals), rel=1e-12)


# -- properties of the per-unit arithmetic (no solve) ---------------------------------------

def _result(develop: float, final: float, serving: float, count: float,
            factors: list[float] | None = None) -> SimpleNamespace:
    spec = Deployment.model_validate({
        "traffic": {"requests": {"count": count, "assumption": "t"}},
        "serving": {"measured": {"phases": ["inference"]}},
        **({"traffic_factors": factors} if factors else {})})
    phases = {"exploration": "", "final_training": "", "inference": ""}
    deployment, _, problems = resolve_deployment(spec, LineMap("s.yaml"), phases)
    assert not problems
    scores = pd.DataFrame({"phase": ["exploration", "final_training", "inference"],
                           "impact": ["c"] * 3, "impact_label": ["C"] * 3, "unit": ["kg"] * 3,
                           "score": [develop, final, serving]})
    study = SimpleNamespace(deployment=deployment, name="s", file="s.yaml")
    return SimpleNamespace(study=study, scores=scores, variant="base")


positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(positive, positive, positive, st.floats(min_value=1.0, max_value=1e12))
def test_splits_add_up_to_the_levelised_figure(develop, final, serving, count):
    values = service_frame(_result(develop, final, serving, count)).set_index("metric")["value"]
    parts = (values["levelised_development"] + values["levelised_final_training"]
             + values["levelised_serving"])
    assert parts == pytest.approx(values["levelised"], rel=1e-9)
    assert values["levelised_serving"] == pytest.approx(values["marginal"], rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(positive, positive, positive, st.floats(min_value=1.0, max_value=1e9),
       st.floats(min_value=1.5, max_value=1e3))
def test_fixed_part_scales_as_one_over_traffic(develop, final, serving, count, factor):
    """Serving grows with traffic (marginal unchanged); development per unit falls as 1/N."""
    one = service_frame(_result(develop, final, serving, count)).set_index("metric")["value"]
    more = service_frame(_result(develop, final, serving * factor, count * factor)
                         ).set_index("metric")["value"]
    assert more["marginal"] == pytest.approx(one["marginal"], rel=1e-9)
    assert more["levelised_development"] * factor == pytest.approx(
        one["levelised_development"], rel=1e-9)
    assert more["break_even_units"] == pytest.approx(one["break_even_units"], rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(positive, positive, positive, st.floats(min_value=1.0, max_value=1e6))
def test_levelised_tends_to_marginal_as_traffic_grows(develop, final, serving, count):
    table = traffic_frame(_result(develop, final, serving, count,
                                  [1.0, 10.0, 1e3, 1e6, 1e12]))
    levelised, marginal = table["levelised"].to_numpy(), table["marginal"].to_numpy()
    assert all(b <= a * (1 + 1e-12) for a, b in zip(levelised, levelised[1:], strict=False))
    assert (levelised >= marginal * (1 - 1e-12)).all()
    assert levelised[-1] == pytest.approx(marginal[-1] + (develop + final) / (count * 1e12),
                                          rel=1e-9)
    # the ratio of two doubles near 1 is known to a few ulps (2.2e-16 each): where the
    # development's share is itself that small, the bound allows their rounding
    assert levelised[-1] / marginal[-1] - 1 <= \
        (develop + final) / serving / 1e12 * 1.01 + 4 * np.finfo(float).eps


def test_no_serving_gives_an_empty_break_even_never_an_infinity():
    values = service_frame(_result(5.0, 1.0, 0.0, 10.0)).set_index("metric")["value"]
    assert math.isnan(values["break_even_units"])
    assert values["levelised"] == pytest.approx(0.6)


# -- the EcoLogits estimate -------------------------------------------------------------------

@pytest.mark.parametrize("billions,gpus,gpu_wh_400", [(8, 1, 0.018), (70, 4, 0.129),
                                                     (405, 16, 1.735)])
def test_ecologits_worked_example(billions, gpus, gpu_wh_400):
    """docs/sources/ecologits-inference.md: 400 output tokens, batch 64, dense models."""
    assert ecologits_gpu_count(billions) == gpus
    estimate = ecologits_per_output_token(billions, billions)
    assert estimate.gpus == gpus
    assert estimate.gpu_energy_wh * 400 == pytest.approx(gpu_wh_400, rel=5e-3)


# -- bad input ----------------------------------------------------------------------------

BAD = [
    ("zero count", "requests: {count: 1000", "requests: {count: 0",
     ["deployment.traffic.requests.count", "got 0", "> 0"]),
    ("negative count", "requests: {count: 1000", "requests: {count: -5",
     ["deployment.traffic.requests.count", "-5"]),
    ("rate without a period", "requests: {count: 1000", "requests: {rate: 10 / day",
     ["deployment", "is a rate", "service_life"]),
    ("negative service life", "deployment:\n", "deployment:\n  service_life: {value: -1 month, "
     "assumption: t}\n", ["deployment.service_life.value", "positive"]),
    ("tokens without requests", "requests: {count: 1000, assumption: test}",
     "input_tokens: {count: 5, assumption: test}", ["deployment", "declare traffic.requests"]),
    ("tokens without a count", "output_tokens: {per_request: 100, assumption: test}",
     "output_tokens: {assumption: test}", ["deployment.traffic.output_tokens",
                                           "exactly one"]),
    ("zero rate", "requests: {count: 1000", "requests: {rate: 0 / day", ["positive"]),
]


@pytest.mark.parametrize("name,old,new,fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_deployment(tmp_path, name, old, new, fragments):
    text = DEPLOYMENT.replace(old, new, 1)
    if name == "zero rate":
        text = text.replace("deployment:\n", "deployment:\n  service_life: {value: 1 year, "
                                             "assumption: t}\n", 1)
    assert text != DEPLOYMENT
    study = _case(tmp_path, text)
    output = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(study), "-o", str(output), "--data-dir",
                                       str(tmp_path / "bw")])
    message = result.stderr + result.stdout
    assert result.exit_code == 2, message
    assert "study.yaml:" in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert not output.exists()


def test_per_unit_figure_without_deployment(tmp_path):
    study = _case(tmp_path, REFERENCE)
    output = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(study), "-o", str(output), "--data-dir",
                                       str(tmp_path / "bw")])
    message = result.stderr + result.stdout
    assert result.exit_code == 2, message
    assert "reference.figures[0].compute.divide_by.service" in message
    assert "no 'deployment:'" in message
    assert not output.exists()


def test_input_and_output_tokens_apart_with_a_throughput_each(module_bw, tmp_path):
    """Prefill and decode sized apart: each token kind's own share of serving, exactly its
    row's hand arithmetic (100 input tokens a request at 10,000 / h: 10 GPU-h)."""
    text = DEPLOYMENT.replace(
        "    output_tokens: {per_request: 100, assumption: test}\n",
        "    output_tokens: {per_request: 100, assumption: test}\n"
        "    input_tokens: {per_request: 100, assumption: test}\n").replace(
        "         assumption: test}\n",
        "         assumption: test}\n"
        "      - {unit: input_tokens, value: 10000 / hour, utilisation: {value: 1, "
        "assumption: test}, assumption: test}\n")
    result = run_study(_case(tmp_path, text), data_dir=module_bw)
    frame = service_frame(result).set_index(["service_unit", "impact", "metric"])["value"]
    for impact in IMPACTS:
        own_input = _total(expected(10.0), impact) / 100_000 * 1000
        own_output = _total(expected(200.0), impact) / 100_000 * 1000
        assert frame["input_tokens", impact, "marginal_allocated"] == pytest.approx(
            own_input, rel=1e-9, abs=1e-15)
        assert frame["output_tokens", impact, "marginal_allocated"] == pytest.approx(
            own_output, rel=1e-9, abs=1e-15)
        assert frame["output_tokens", impact, "marginal"] == pytest.approx(
            own_input + own_output, rel=1e-9, abs=1e-15)


def test_a_unit_label_cannot_be_a_formula():
    with pytest.raises(ValueError, match="label"):
        Deployment.model_validate({
            "traffic": {"requests": {"count": 5, "label": "=HYPERLINK(1)", "assumption": "t"}},
            "serving": {"measured": {"phases": ["inference"]}}})
