"""The golden comparison's one normalisation of paths: the repository root."""

from __future__ import annotations

from tests.golden import harness


def test_only_the_repository_root_of_a_path_is_normalised() -> None:
    """A study file's absolute path compares equal from any checkout, and nothing else does."""
    golden = {"overrides.csv": [[f"{harness.GENERATED_IN}/scenarios/siting-study.yaml:48"]]}
    here = str(harness.REPO)
    same = {"overrides.csv": [[f"{here}/scenarios/siting-study.yaml:48"]]}
    other_line = {"overrides.csv": [[f"{here}/scenarios/siting-study.yaml:49"]]}
    other_root = {"overrides.csv": [["/elsewhere/scenarios/siting-study.yaml:48"]]}
    assert not harness.differences(golden, same)
    assert harness.differences(golden, other_line)
    assert harness.differences(golden, other_root)
