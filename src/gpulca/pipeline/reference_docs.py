"""JSON Schemas of gpulca's YAML files and the study reference, both generated from the pydantic
models (one description per key, written once, in the schema's docstrings).

:func:`json_schemas` gives the JSON Schema of a study, an inventory file, a methods file and an
ingestion rules file (shipped in ``gpulca/data/schemas/``, read by editors through the
``# yaml-language-server: $schema=...`` line of a study; ``gpulca init`` writes it);
:func:`study_reference` gives ``docs/study-reference.md``. ``scripts/reference_docs.py`` writes
both; a test fails when the committed files are out of date.
"""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from gpulca.ingest.rules import RulesFile
from gpulca.schemas.inventory import InventoryFile
from gpulca.schemas.methods import MethodSet
from gpulca.schemas.scenario import Study

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "study": Study,
    "inventory": InventoryFile,
    "methods": MethodSet,
    "rules": RulesFile,
}
"""File kind -> the pydantic model of that kind of YAML file."""

SCHEMA_TITLES = {
    "study": "gpulca study (scenarios/*.yaml)",
    "inventory": "gpulca inventory file (inventories/**/*.yaml)",
    "methods": "gpulca methods file (methods/*.yaml)",
    "rules": "gpulca ingestion tagging rules (rules/*.yaml)",
}


def schema_file_name(kind: str) -> str:
    """``study`` -> ``study.schema.json``."""
    return f"{kind}.schema.json"


ONE_OR_LIST = {("VariantSpec", "inherits"), ("SweepSpec", "inherits")}
"""List fields whose model also accepts a single item (a before-validator wraps it in a list);
pydantic's schema says only "array"."""


def _one_or_list(schema: dict[str, Any]) -> dict[str, Any]:
    for model, field in ONE_OR_LIST:
        properties = schema.get("$defs", {}).get(model, {}).get("properties", {})
        if field in properties:
            many = properties[field]
            item = many.get("items", {})
            properties[field] = {"anyOf": [item, many],
                                 **{k: v for k, v in many.items()
                                    if k in ("description", "default", "title")}}
    return schema


def json_schemas() -> dict[str, str]:
    """File name -> JSON Schema text (draft 2020-12) of every kind of gpulca YAML file."""
    out: dict[str, str] = {}
    for kind, model in SCHEMA_MODELS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **_one_or_list(model.model_json_schema(mode="validation"))}
        schema["title"] = SCHEMA_TITLES[kind]
        out[schema_file_name(kind)] = json.dumps(schema, indent=1, sort_keys=True,
                                                 ensure_ascii=False) + "\n"
    return out


# -- the Markdown reference ---------------------------------------------------------------------

_PATTERN_NAMES = {
    r"^[a-z0-9][a-z0-9_.\-]*$": "code",
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$": "zone id",
}


def _constraint_name(metadata: list[Any]) -> str | None:
    for item in metadata:
        pattern = getattr(item, "pattern", None)
        if pattern in _PATTERN_NAMES:
            return _PATTERN_NAMES[pattern]
    return None


def type_text(annotation: Any, models: list[type[BaseModel]]) -> str:
    """A reader's name of a type (``number``, ``code``, ``list of [ActivityRow](#activityrow)``),
    collecting the models met into ``models``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return _constraint_name(list(args[1:])) or type_text(args[0], models)
    if origin in (Union, types.UnionType):
        parts = [type_text(a, models) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(parts))
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return "list of " + type_text(args[0], models)
    if origin is dict:
        return f"mapping of {type_text(args[0], models)} to {type_text(args[1], models)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in models:
            models.append(annotation)
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {float: "number", int: "integer", str: "text", bool: "true or false"}.get(
        annotation, getattr(annotation, "__name__", str(annotation)))


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "defaults of each key"
        return "empty" if not value else f"`{json.dumps(value)}`"
    if info.default is None or info.default is PydanticUndefined:
        return ""
    return f"`{info.default}`"


def _cell(text: str) -> str:
    """One table cell: reST roles and double backticks as Markdown, on one line."""
    text = re.sub(r":(?:mod|class|func|data|attr):`~?([^`]+)`", r"`\1`", text)
    return " ".join(text.replace("``", "`").replace("|", "\\|").split())


def model_section(model: type[BaseModel], models: list[type[BaseModel]]) -> list[str]:
    """The Markdown of one model: its docstring, then one table row per key."""
    doc = _cell(model.__doc__ or "")
    lines = [f"### {model.__name__}", "", doc, "", "| key | type | default | meaning |",
             "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        kind = _constraint_name(list(info.metadata)) or type_text(info.annotation, models)
        lines.append(f"| `{name}` | {_cell(kind)} | "
                     f"{_default_text(info)} | {_cell(info.description or '')} |")
    return [*lines, ""]


REFERENCE_INTRO = """\
# Study reference

<!-- Generated by scripts/reference_docs.py from the schemas (src/gpulca/schemas/): do not edit. -->

Every key of a study file (`scenarios/*.yaml`), and of the files a study uses: inventory files,
methods files and ingestion tagging rules. `gpulca init` writes a commented study to start from;
`gpulca validate FILE` checks one and lists every problem at once.

Editors that read JSON Schema (VS Code with the YAML extension, JetBrains IDEs, vim/neovim with
yaml-language-server) complete and check these keys as you type: the schemas are shipped in
`src/gpulca/data/schemas/` (`study.schema.json`, `inventory.schema.json`,
`methods.schema.json`, `rules.schema.json`), and a study written by `gpulca init` names its
schema on its first line (`# yaml-language-server: $schema=...`).

Writing values:

- A number with its provenance is a mapping: `pue: {value: 1.2, source: "publication, table"}`,
  or `assumption: "why there is none"` instead of `source`. A bare `pue: 1.2` is an error that
  says so. Quantities carry their unit as text: `lifetime: {value: 6 year, source: ...}`.
- Codes and zone ids are text. YAML 1.1 reads an unquoted `NO`, `yes`, `on` or `off` as a
  boolean and `010` as a number: quote them (`grid_zone: "NO"`).
- A boolean (`true`, `yes`) or `!!binary` where a number is expected is an error (YAML would
  otherwise read `true` as 1).
- An unknown key is an error, with the closest known key ("did you mean 'accelerator'?").

See docs/parameters.md for the plausible range of every site and hardware value.
"""

SECTIONS = (("Study file", "study"), ("Inventory file", "inventory"),
            ("Methods file", "methods"), ("Tagging rules file", "rules"))


def study_reference() -> str:
    """``docs/study-reference.md``: every model reachable from each file kind, in order of first
    appearance (a model documented once, under the first file that uses it)."""
    out = [REFERENCE_INTRO]
    done: set[type[BaseModel]] = set()
    for title, kind in SECTIONS:
        out += [f"## {title}", ""]
        models: list[type[BaseModel]] = [SCHEMA_MODELS[kind]]
        index = 0
        while index < len(models):
            model = models[index]
            index += 1
            if model in done:
                continue
            done.add(model)
            out += model_section(model, models)
    return "\n".join(out).rstrip() + "\n"
