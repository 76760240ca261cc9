"""The JSON Schemas and docs/study-reference.md are generated from the pydantic schemas and
committed current; the shipped studies and the `gpulca init` template satisfy the study schema."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from gpulca.library.templates import shipped_schema, study_template
from gpulca.pipeline.reference_docs import json_schemas, study_reference

REPO = Path(__file__).resolve().parents[2]


def script() -> ModuleType:
    name = "gpulca_reference_docs_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "reference_docs.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_generated_files_are_current() -> None:
    assert script().main(["--check"]) == 0, \
        "out of date: run python scripts/reference_docs.py"


def test_reference_documents_every_study_key() -> None:
    from gpulca.schemas.scenario import ActivityRow, HardwareSpec, SiteSpec, Study

    text = study_reference()
    for model in (Study, SiteSpec, HardwareSpec, ActivityRow):
        assert f"### {model.__name__}" in text
        for key in model.model_fields:
            assert f"| `{key}` |" in text


@pytest.mark.parametrize("kind", ["study", "inventory", "methods", "rules"])
def test_schemas_are_shipped_json(kind: str) -> None:
    schema = json.loads(shipped_schema(kind).read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert f"{kind}.schema.json" in json_schemas()


def _studies() -> list[Path]:
    return [p for p in sorted((REPO / "scenarios").rglob("*.yaml"))
            if "activity" in (yaml.safe_load(p.read_text()) or {})]


def test_shipped_studies_and_the_template_satisfy_the_study_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        json.loads(shipped_schema("study").read_text(encoding="utf-8")))
    documents = {p.name: yaml.safe_load(p.read_text()) for p in _studies()}
    documents["template"] = yaml.safe_load(study_template("my-study", "study.yaml"))
    assert len(documents) >= 6
    for name, document in documents.items():
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], name
    bare = {**documents["template"], "site": {"grid_zone": "FR", "pue": 1.2, "wue": 1}}
    assert any("pue" in list(e.absolute_path) for e in validator.iter_errors(bare))
