"""Serving a model: GPU-hours and GPU energy of the serving fleet (pure functions).

Two ways of knowing the serving besides measuring it (:mod:`gpulca.schemas.deployment`):

- a throughput: units of service per GPU and per hour, at a utilisation
  (:func:`throughput_gpu_hours`);
- EcoLogits' parametric model of LLM inference (:func:`ecologits_per_output_token`), as published
  in ``genai-impact/ecologits@2d0a1c76358a1aad0c530d47794e37465ad029e8:ecologits/impacts/llm.py``
  (methodology: ``docs/methodology/llm_inference.md`` of the same commit; MPL-2.0 code, re-stated
  here as formulas, not copied). Its regression was fitted on the ML.ENERGY leaderboard (vLLM on
  H100 80GB; Chung et al., arXiv:2505.06371). The derivation and a worked example are in
  ``docs/sources/ecologits-inference.md``.

The serving rows these functions size go into the study's activity as rows of the serving
phase, so that the GPU-hour model (:mod:`gpulca.model.translate`) turns them into energy, water
and amortised hardware like any other phase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ECOLOGITS_COMMIT = "genai-impact/ecologits@2d0a1c76358a1aad0c530d47794e37465ad029e8"
ECOLOGITS_SOURCE = f"{ECOLOGITS_COMMIT}:ecologits/impacts/llm.py"

# EcoLogits' constants (ecologits/impacts/llm.py at ECOLOGITS_COMMIT).
ENERGY_ALPHA_WH = 1.1665273170451914e-06
"""Wh per output token per GPU per billion active parameters, before the batch factor."""
ENERGY_BETA = -0.011205921025579175
"""Batch-size exponent of the energy regression (per request in the batch)."""
ENERGY_GAMMA_WH = 4.052928146734005e-05
"""Wh per output token per GPU at zero parameters."""
LATENCY_ALPHA_S = 0.0006785088094353663
"""Seconds per output token per billion active parameters."""
LATENCY_BETA_S = 0.0003119310311688259
"""Seconds per output token per request in the batch."""
LATENCY_GAMMA_S = 0.019473717579473387
"""Seconds per output token at zero parameters and batch."""
MEMORY_OVERHEAD = 1.2
"""Memory to load a model = 1.2 x parameters x bits / 8 (EcoLogits' ``model_required_memory``)."""


@dataclass(frozen=True)
class TokenEstimate:
    """EcoLogits' serving of one output token, for the whole GPU group holding the model."""

    gpus: int
    """GPUs holding one copy of the model (a power of two)."""
    gpu_energy_wh: float
    """GPU energy of all ``gpus`` per output token [Wh] (boards only, no host)."""
    gpu_hours: float
    """GPU-hours per output token: gpus x latency per token / batch size / 3600 [GPU·h]."""
    latency_s: float
    """Generation latency per output token of one request [s]."""


def ecologits_gpu_count(total_parameters_b: float, quantization_bits: int = 16,
                        gpu_memory_gb: float = 80.0) -> int:
    """GPUs needed to hold the model: memory / GPU memory, rounded up to a power of two."""
    memory_gb = MEMORY_OVERHEAD * total_parameters_b * quantization_bits / 8
    needed = max(1, math.ceil(memory_gb / gpu_memory_gb))
    return int(2 ** math.ceil(math.log2(needed)))


def ecologits_per_output_token(active_parameters_b: float, total_parameters_b: float,
                               batch_size: int = 64, quantization_bits: int = 16,
                               gpu_memory_gb: float = 80.0) -> TokenEstimate:
    """EcoLogits' GPU energy and GPU time of one output token.

    Energy per token per GPU f_E = alpha x exp(beta x B) x P_active + gamma [Wh]; latency per
    token f_L = a x P_active + b x B + c [s]; n GPUs each serve B requests at once.
    """
    gpus = ecologits_gpu_count(total_parameters_b, quantization_bits, gpu_memory_gb)
    per_gpu_wh = (ENERGY_ALPHA_WH * math.exp(ENERGY_BETA * batch_size) * active_parameters_b
                  + ENERGY_GAMMA_WH)
    latency_s = (LATENCY_ALPHA_S * active_parameters_b + LATENCY_BETA_S * batch_size
                 + LATENCY_GAMMA_S)
    return TokenEstimate(gpus, gpus * per_gpu_wh, gpus * latency_s / batch_size / 3600.0,
                         latency_s)


def throughput_gpu_hours(units: float, units_per_gpu_hour: float, utilisation: float) -> float:
    """GPU-hours to serve ``units`` at ``units_per_gpu_hour`` per busy GPU, busy ``utilisation``
    of the time [GPU·h]."""
    return units / (units_per_gpu_hour * utilisation)


def lognormal_range(value: float, gsd: float) -> tuple[float, float]:
    """The central 95% of a lognormal of median ``value``: value / gsd^1.96, value x gsd^1.96."""
    factor = gsd ** 1.96
    return value / factor, value * factor
