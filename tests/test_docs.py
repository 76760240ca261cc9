"""The documentation names what exists: the public API is documented name for name, and every
source path, ``file:line`` and dotted gpulca name in README.md and docs/*.md is there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "gpulca"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
        REPO / "inventories" / "README.md"]


ROOTS = ("src", "inventories", "methods", "scenarios", "tests", "bench", "scripts", "data",
         "docs", *(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()))
"""A path is checked when it starts in one of these folders (of the repository or package)."""
PATH = re.compile(r"(?<![\w./-])((?:" + "|".join(ROOTS) + r")/[\w.-]+(?:/[\w.-]+)*"
                  r"\.(?:py|ya?ml|md|csv|txt))(?::(\d+)|:([A-Za-z_][\w.]*))?")
DOTTED = re.compile(r"(?<![\w./-])(gpulca(?:\.[A-Za-z_]\w*)+)")


def api_headings() -> list[str]:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    return re.findall(r"^#{2,4} `([^`]+)`\s*$", text, flags=re.MULTILINE)


def test_api_md_documents_exactly_the_public_names() -> None:
    import gpulca

    headings = api_headings()
    assert len(headings) == len(set(headings)), "a name is documented twice"
    assert sorted(headings) == sorted(gpulca.__all__)


def top_level_names(path: Path) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments, imports), and
    ``Class.attribute`` for what its classes define."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}.{item.name}")
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(f"{node.name}.{item.target.id}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    if "__getattr__" in names:  # a lazy module: what it imports for type checkers it exports
        names |= type_checking_names(path)
    return names


def type_checking_names(path: Path) -> set[str]:
    """Names a module imports or declares in its top-level ``if TYPE_CHECKING:`` blocks."""
    items = [item for node in ast.parse(path.read_text(encoding="utf-8")).body
             if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
             for item in node.body]
    return {(a.asname or a.name).split(".")[0] for item in items
            if isinstance(item, ast.ImportFrom | ast.Import) for a in item.names} | \
        {item.target.id for item in items
         if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}


def public_names() -> set[str]:
    import gpulca

    return set(gpulca.__all__)


def find_file(text: str, doc: Path) -> Path | None:
    """A path as docs write it: from the repository root, the document's folder or the package."""
    for base in (REPO, doc.parent, PACKAGE):
        candidate = base / text
        if candidate.is_file():
            return candidate
    return None


def module_file(dotted: str) -> tuple[Path, list[str]] | None:
    """The longest prefix of ``dotted`` that is a gpulca module, and the names after it."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = REPO / "src" / Path(*parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate, parts[cut:]
    return None


def references() -> list[tuple[Path, int, str]]:
    found = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            found += [(doc, number, m.group(0)) for m in PATH.finditer(line)]
            found += [(doc, number, m.group(1)) for m in DOTTED.finditer(line)]
    return found


def broken(doc: Path, reference: str) -> str | None:
    """Why ``reference`` does not hold, or None."""
    if reference.startswith("gpulca.") and not reference.endswith((".py", ".yaml")):
        located = module_file(reference)
        if located is None:
            return "no such module"
        path, rest = located
        if path == PACKAGE / "__init__.py" and rest and rest[0] in public_names():
            return None
        if rest and ".".join(rest[:2]) not in top_level_names(path) and \
                rest[0] not in top_level_names(path):
            return f"{path.relative_to(REPO)} defines no {'.'.join(rest)}"
        return None
    match = PATH.fullmatch(reference)
    assert match is not None
    text, line, name = match.groups()
    path = find_file(text, doc)
    if path is None:
        return "no such file"
    if line and int(line) > len(path.read_text(encoding="utf-8").splitlines()):
        return f"{path.name} has fewer than {line} lines"
    if name and path.suffix == ".py" and name not in top_level_names(path):
        return f"{path.relative_to(REPO)} defines no {name}"
    return None


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_documented_paths_and_names_exist(doc: Path) -> None:
    problems = [f"{d.name}:{n}: {ref}: {why}" for d, n, ref in references() if d == doc
                if (why := broken(d, ref)) is not None]
    assert problems == []


def test_reference_check_catches_stale_paths() -> None:
    readme = REPO / "README.md"
    assert broken(readme, "src/gpulca/translate.py") == "no such file"
    assert broken(readme, "src/gpulca/model/translate.py") is None
    assert broken(readme, "model/translate.py:row_quantities") is None
    assert broken(readme, "model/translate.py:no_such_function") is not None
    assert broken(readme, "scenarios/example.yaml:9999") is not None
    assert broken(readme, "gpulca.pipeline.run.run_study") is None
    assert broken(readme, "gpulca.pipeline.run.no_such_name") is not None
    assert broken(readme, "gpulca.no_such_module") is not None
    assert broken(readme, "gpulca.run_study") is None
