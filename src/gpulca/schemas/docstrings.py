"""The attribute docstrings of gpulca's models, each module's source parsed once.

Every gpulca schema describes its keys in docstrings under the attributes
(``use_attribute_docstrings``: the JSON Schemas and ``docs/study-reference.md`` are made from
them, :mod:`gpulca.pipeline.reference_docs`). On Python 3.11 and 3.12, pydantic finds each
class's source by walking the interpreter's frames, asking :func:`inspect.getmodule` of each
(a scan of every loaded module per frame) and re-tokenizing the class: about 0.07 s of every
``gpulca run``'s start for its 43 models.

:func:`install` puts a cheaper equivalent in front of pydantic's extraction: a top-level class
of a module whose source is at hand is looked up in that module's syntax tree, parsed once per
module, and read with pydantic's own visitor (the same docstrings, the same cleaning). Any
other class (nested, defined twice in its module, of an interactive session, or without
source) gets pydantic's own answer. Tests compare both for every gpulca model.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

ExtractDocstrings = Callable[..., dict[str, str]]

_by_module: dict[str, dict[str, ast.ClassDef] | None] = {}
"""Module name -> its top-level classes by name (a name defined twice: left out), or None
when its source is not at hand."""


def _module_classes(module_name: str) -> dict[str, ast.ClassDef] | None:
    if module_name in _by_module:
        return _by_module[module_name]
    classes: dict[str, ast.ClassDef] | None = None
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        try:
            with open(path, "rb") as handle:
                tree = ast.parse(handle.read(), path)
        except (OSError, SyntaxError, ValueError):
            tree = None
        if tree is not None:
            classes = {}
            seen: set[str] = set()
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    if node.name in seen:
                        classes.pop(node.name, None)
                    else:
                        classes[node.name] = node
                    seen.add(node.name)
    _by_module[module_name] = classes
    return classes


def class_docstrings(cls: type[Any]) -> dict[str, str] | None:
    """Attribute name -> cleaned docstring of top-level class ``cls`` from its module's syntax
    tree (pydantic's visitor), or None when this cheaper route cannot vouch for the answer."""
    from pydantic._internal._docs_extraction import DocstringVisitor

    if "<locals>" in cls.__qualname__ or cls.__qualname__ != cls.__name__:
        return None
    classes = _module_classes(cls.__module__)
    if not classes or cls.__name__ not in classes:
        return None
    visitor = DocstringVisitor()
    visitor.generic_visit(classes[cls.__name__])
    return visitor.attrs


def _fast(original: ExtractDocstrings) -> ExtractDocstrings:
    def extract_docstrings_from_cls(cls: type[Any], use_inspect: bool = False
                                    ) -> dict[str, str]:
        found = class_docstrings(cls) if cls.__module__.startswith("gpulca.") else None
        return original(cls, use_inspect=use_inspect) if found is None else found

    extract_docstrings_from_cls.gpulca_original = original  # type: ignore[attr-defined]
    return extract_docstrings_from_cls


def install() -> None:
    """Route pydantic's attribute-docstring extraction of gpulca's top-level classes through
    :func:`class_docstrings` (once; nothing when pydantic's internals are not as expected:
    then pydantic extracts them itself, as slowly as before)."""
    try:
        from pydantic._internal import _fields
    except ImportError:  # pragma: no cover - another pydantic
        return
    current = getattr(_fields, "extract_docstrings_from_cls", None)
    if current is None or hasattr(current, "gpulca_original"):
        return
    _fields.extract_docstrings_from_cls = _fast(current)  # type: ignore[attr-defined]
