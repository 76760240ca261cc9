"""Hostile YAML and files that are not files: located errors up front, never a hang or a crash
(issue 18)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gpulca.core.errors import InputError
from gpulca.io import limits
from gpulca.io.yamlio import load_yaml, load_yaml_text


def _message(text: str) -> str:
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "s.yaml")
    return str(caught.value)


def test_a_complex_key_is_located():
    assert "s.yaml:2" in _message("a: 1\n? [x, y]\n: 2\n")
    assert "plain value" in _message("? {x: 1}\n: 2\n")


def test_a_recursive_alias_is_located():
    message = _message("a: 1\nloop: &x [1, *x]\n")
    assert "recursive alias" in message and "loop" in message


def test_an_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    assert "more than 1,000,000 values" in _message("\n".join(lines) + "\n")


def test_deep_nesting_and_huge_values_are_refused():
    assert "nested more than" in _message("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "the limit is" in _message("a: " + "x" * (limits.MAX_SCALAR_CHARS + 1) + "\n")


def test_a_nul_byte_is_reported_with_its_line():
    assert "s.yaml:3" in _message("a: 1\nb: 2\nc: x\x00y\n")


def test_a_folder_a_pipe_and_a_huge_file_are_refused_before_reading(tmp_path: Path,
                                                                   monkeypatch):
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        load_yaml(tmp_path / "dir.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would wait forever
    with pytest.raises(InputError, match="named pipe"):
        load_yaml(tmp_path / "pipe.yaml")
    (tmp_path / "big.yaml").write_text("a: 1\n" * 100)
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", 10)
    with pytest.raises(InputError, match="too large"):
        limits.read_input_bytes(tmp_path / "big.yaml", limits.MAX_INPUT_BYTES)
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")


def test_plain_documents_still_load():
    data, lines = load_yaml_text("a: &x [1, 2]\nb: *x\nc: {d: true}\n", "s.yaml")
    assert data == {"a": [1, 2], "b": [1, 2], "c": {"d": True}}
    assert lines.line_of(("c", "d")) == 3
