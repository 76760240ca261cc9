"""Booleans and binary values where numbers or text are due are errors (issue 18:
``gpu_hours: true`` ran as 1 GPU-hour)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gpulca.schemas.scenario import ActivityRow


@pytest.mark.parametrize("field,value", [("gpu_hours", True), ("gpu_hours", False),
                                         ("model", b"bert"), ("gpu_count", True)])
def test_a_yes_no_or_binary_value_is_refused(field, value):
    data = {"phase": "exploration", "gpu_hours": 1.0, field: value}
    if field == "gpu_count":
        data = {"phase": "exploration", "gpu_count": value, "wall_hours": 1.0}
    with pytest.raises(ValidationError, match="boolean|binary"):
        ActivityRow.model_validate(data)


def test_numbers_and_text_still_pass():
    row = ActivityRow.model_validate({"phase": "exploration", "gpu_hours": 3, "model": "bert"})
    assert row.gpu_hours == 3.0 and row.model == "bert"
