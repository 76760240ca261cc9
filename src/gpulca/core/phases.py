"""The research-phase taxonomy: defaults, and a study's own additions or relabellings.

Phase ids are what activity rows, ingestion rules and results use; labels are for people.
The defaults follow the phases that whole-development studies report (exploration, ablations,
hyper-parameter searches, failed runs and debugging besides the final training run; see the Moshi
study, arXiv:2604.11154, and the OLMo study, arXiv:2503.05804).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import get_close_matches
from types import MappingProxyType

DEFAULT_PHASES: Mapping[str, str] = MappingProxyType({
    "data_processing": "Data processing",
    "exploration": "Exploration",
    "baseline": "Baselines",
    "ablation": "Ablations",
    "hyperparameter_search": "Hyper-parameter search",
    "debugging": "Debugging",
    "failed_run": "Failed runs",
    "pretraining": "Pre-training",
    "post_training": "Post-training / fine-tuning",
    "evaluation": "Evaluation",
    "final_training": "Final training",
    "inference": "Inference",
})

FINAL_TRAINING = "final_training"
"""The phase whose share of the total is the headline of a whole-development study."""


def phase_labels(extra: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Return id -> label for the defaults plus a study's ``(id, label)`` additions/relabellings."""
    labels = dict(DEFAULT_PHASES)
    labels.update(dict(extra))
    return labels


def unknown_phase_message(phase: str, known: Iterable[str]) -> str:
    """Message for a phase id that is not in the taxonomy, with close matches."""
    known = sorted(known)
    close = get_close_matches(phase, known, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return (f"unknown phase; {hint}known phases: {', '.join(known)} "
            "(a study may add phases under 'phases:')")
