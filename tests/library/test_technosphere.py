"""A loop of processes that consumes all it produces is a located error before Brightway."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpulca.core.errors import InputError
from gpulca.engine.bundled import bundled_flow_index
from gpulca.library.inventory import load_library, resolve_library

LOOP = Path(__file__).parent.parent / "fixtures" / "bad" / "singular-loop.yaml"


def test_singular_loop_is_located() -> None:
    with pytest.raises(InputError) as error:
        resolve_library(load_library([LOOP]), bundled_flow_index())
    problems = error.value.problems
    assert {p.value for p in problems} == {"a_proc", "b_proc"}
    assert all("singular" in p.message and p.line for p in problems)


def test_loop_that_does_not_consume_all_is_fine(tmp_path: Path) -> None:
    text = LOOP.read_text().replace("{technosphere: a_proc, amount: 1,",
                                    "{technosphere: a_proc, amount: 0.5,", 1)
    (tmp_path / "loop.yaml").write_text(text)
    resolved = resolve_library(load_library([tmp_path / "loop.yaml"]), bundled_flow_index())
    assert set(resolved.exchanges) == {"a_proc", "b_proc", "c_proc"}
