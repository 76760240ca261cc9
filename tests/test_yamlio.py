"""Located YAML loading."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.io.yamlio import load_yaml, load_yaml_text


def test_line_map_points_at_keys():
    data, lines = load_yaml_text("a: 1\nb:\n  - x: 2\n    y: [1, 2]\n", "f.yaml")
    assert data == {"a": 1, "b": [{"x": 2, "y": [1, 2]}]}
    assert lines.line_of(("b",)) == 2
    assert lines.line_of(("b", 0, "y")) == 4
    assert lines.line_of(("b", 0, "missing")) == 3


@pytest.mark.parametrize("text,message", [
    ("a: 1\na: 2\n", "duplicate key"), ("a: [1\n", "YAML syntax error"),
    ("a: !!python/object:os.system 1\n", "YAML value error"),
])
def test_bad_yaml(text, message):
    with pytest.raises(InputError, match=message) as info:
        load_yaml_text(text, "f.yaml")
    assert info.value.problems[0].line is not None


def test_non_utf8_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: \xff\xfe\n")
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        load_yaml(path)
    assert info.value.problems[0].line == 2
