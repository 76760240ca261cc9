"""The commented study that ``gpulca init`` writes, and the shipped JSON Schemas it names.

The template (``gpulca/data/templates/study.yaml``) is valid as written: it runs against the
shipped library, and its first line points editors at the shipped study schema
(``gpulca/data/schemas/study.schema.json``) for completion and checks as you type.
"""

from __future__ import annotations

import importlib.resources
import re
import textwrap
from pathlib import Path

from gpulca.core.errors import InputError, Problem
from gpulca.core.phases import DEFAULT_PHASES


def _data_file(*parts: str) -> Path:
    return Path(str(importlib.resources.files("gpulca").joinpath("data", *parts)))


def shipped_schema(kind: str) -> Path:
    """The JSON Schema of ``kind`` (study, inventory, methods, rules) shipped with gpulca."""
    path = _data_file("schemas", f"{kind}.schema.json")
    if not path.is_file():
        raise InputError(Problem(None, "", f"no shipped JSON Schema for {kind!r} files", None))
    return path


def study_code(text: str) -> str:
    """A study name made from ``text`` (a file stem): lower-case, other characters as '-'."""
    code = re.sub(r"[^a-z0-9_.\-]+", "-", text.lower()).strip("-._")
    return code or "my-study"


def study_template(name: str, file_name: str) -> str:
    """The commented template study, named ``name``, to be saved as ``file_name``."""
    text = _data_file("templates", "study.yaml").read_text(encoding="utf-8")
    phases = textwrap.fill(", ".join(DEFAULT_PHASES), width=96,
                           initial_indent="  # GPU-hours per research phase, one of: ",
                           subsequent_indent="  #   ")
    return (text.replace("@SCHEMA@", shipped_schema("study").resolve().as_uri())
            .replace("@FILE@", file_name).replace("@NAME@", name).replace("@PHASES@", phases))
