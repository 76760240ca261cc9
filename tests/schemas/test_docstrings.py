"""The models' attribute docstrings read from each module's parsed source
(:mod:`gpulca.schemas.docstrings`) are pydantic's own, for every gpulca model."""

from __future__ import annotations

import importlib
import pkgutil

from pydantic import BaseModel, ConfigDict
from pydantic._internal import _docs_extraction, _fields

import gpulca
from gpulca.schemas.docstrings import class_docstrings


def _gpulca_models() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(gpulca.__path__, "gpulca."):
        if module.name.startswith(("gpulca.schemas", "gpulca.ingest.rules",
                                   "gpulca.library.alternatives")):
            importlib.import_module(module.name)
    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("gpulca.") and cls not in found:
            found.append(cls)
    return found


def test_same_docstrings_as_pydantic_for_every_model() -> None:
    models = _gpulca_models()
    assert len(models) >= 40
    for cls in models:
        fast = class_docstrings(cls)
        assert fast is not None, cls  # every gpulca model takes the cheaper route
        assert fast == _docs_extraction.extract_docstrings_from_cls(cls, use_inspect=True), cls
        assert all(cls.model_fields[name].description for name in fast
                   if name in cls.model_fields), cls


def test_installed_once_with_pydantic_as_fallback() -> None:
    current = _fields.extract_docstrings_from_cls
    assert current.gpulca_original is _docs_extraction.extract_docstrings_from_cls

    def nested() -> type[BaseModel]:
        class Local(BaseModel):
            model_config = ConfigDict(use_attribute_docstrings=True)
            x: int = 0
            """A local model's docstring."""

        return Local

    assert class_docstrings(nested()) is None  # pydantic's own route
    assert nested().model_fields["x"].description == "A local model's docstring."
