"""The architecture of docs/architecture.md, enforced.

- The import-linter contracts of ``pyproject.toml`` (``[tool.importlinter]``): the pipeline
  layers, only :mod:`gpulca.engine` imports Brightway, libraries kept in their layer.
  ``lint-imports`` runs the same contracts from the command line.
- From the source (every ``import``, at module level, in functions and under ``TYPE_CHECKING``):
  no import cycle between gpulca modules; no private name (leading underscore) imported from
  another package; every package says in its docstring what it owns.
- The public API: ``import gpulca`` does no work, every name of ``gpulca.__all__`` resolves, and
  the names the type checkers see are the names loaded on first use.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
PACKAGE = SRC / "gpulca"



# -- the import graph, from the source -------------------------------------------------------

@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    """The gpulca module imported (``from a.b import c`` is ``a.b.c`` when that is a module)."""
    names: tuple[str, ...]
    """The names taken from it (empty for ``import a.b``)."""
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def package_of(module: str) -> str:
    """The package a module belongs to: itself for a package, else its parent."""
    return module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]


def _absolute(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = package_of(importer).split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> Iterator[Import]:
    """Every import of a gpulca module by ``module``, wherever it is written."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "gpulca":
                    yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if source.split(".")[0] != "gpulca":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    yield Import(module, submodule, (), node.lineno)
                else:
                    yield Import(module, source, (alias.name,), node.lineno)


IMPORTS: list[Import] = [i for m in MODULES for i in imports_of(m)]


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or not."""
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or not."""
    reach = {node: reachable(edges, node) for node in edges}
    on_cycle = sorted(node for node in reach if node in reach[node])
    groups: list[list[str]] = []
    for node in on_cycle:
        group = sorted(m for m in on_cycle if m in reach[node] and node in reach[m])
        if group not in groups:
            groups.append(group)
    return groups


# -- import-linter ---------------------------------------------------------------------------

def test_import_linter_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    """The contracts of pyproject.toml, as ``lint-imports`` checks them."""
    from importlinter.application.use_cases import lint_imports
    from importlinter.configuration import configure

    configure()  # what the lint-imports command does first
    passed = lint_imports(config_filename=str(REPO / "pyproject.toml"), cache_dir=None,
                          no_logo=True)
    report = capsys.readouterr().out
    assert passed, report
    assert "0 broken" in report


def test_every_stage_package_is_a_layer() -> None:
    """A new top-level package must be placed in the layers contract (it is exhaustive)."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    layered = {name.strip() for layer in contracts["layers"]["layers"]
               for name in layer.replace(":", "|").split("|")}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert layered == packages
    assert contracts["layers"]["exhaustive"] is True


# -- the source ------------------------------------------------------------------------------

def test_there_are_imports_to_check() -> None:
    """The parser sees the imports (guards the tests below against checking nothing)."""
    assert len(MODULES) > 50
    assert any(i.importer == "gpulca.pipeline.run" and i.imported == "gpulca.engine.gateway"
               and i.names == ("open_session",) for i in IMPORTS)
    function_level = [i for i in IMPORTS if i.importer == "gpulca.cli.reports"
                      and i.imported == "gpulca.reports.charts"]
    assert function_level, "imports inside functions are seen"


def test_no_import_cycles_between_modules() -> None:
    """Module-level and function-level imports both count: a cycle hidden in a function is
    still a cycle."""
    edges: dict[str, set[str]] = {}
    for imp in IMPORTS:
        if imp.imported in MODULES and imp.imported != imp.importer:
            edges.setdefault(imp.importer, set()).add(imp.imported)
    assert find_cycles(edges) == []


def test_cycle_finder() -> None:
    """The finder itself: a cycle through three modules, none, and a package and its child."""
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
    assert find_cycles({"p": {"p.x"}, "p.x": {"p"}}) == [["p", "p.x"]]


def test_no_private_names_imported_across_packages() -> None:
    """A name with a leading underscore is private to its package (its folder): no module of
    another package imports it, imports a private module, or reads it as an attribute."""
    assert private_imports(IMPORTS) + private_attribute_reads() == []


def private_imports(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        if package_of(imp.importer) == package_of_imported(imp.imported):
            continue
        private = [n for n in imp.names if is_private(n)]
        private += [p for p in imp.imported.split(".") if is_private(p)]
        found += [f"{imp.importer}:{imp.line} imports {imp.imported}.{n}" for n in private]
    return found


def package_of_imported(module: str) -> str:
    return package_of(module) if module in MODULES else module


def module_aliases(module: str, tree: ast.AST) -> dict[str, str]:
    """Local names bound to gpulca modules (``from gpulca.reports import tables as rp``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            aliases.update({alias.asname or alias.name: f"{source}.{alias.name}"
                            for alias in node.names if f"{source}.{alias.name}" in MODULES})
        elif isinstance(node, ast.Import):
            aliases.update({alias.asname: alias.name for alias in node.names
                            if alias.name in MODULES and alias.asname})
    return aliases


def private_attribute_reads() -> list[str]:
    """``alias._name`` where ``alias`` is a gpulca module of another package."""
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = module_aliases(module, tree)
        found += [f"{module}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in aliases and is_private(node.attr)
                  and package_of(aliases[node.value.id]) != package_of(module)]
    return found


def test_private_import_check_sees_violations() -> None:
    """The rule itself: across packages (folders) private names are refused; within one
    package, and for dunder names, they are not."""
    refused = [Import("gpulca.study.variants.apply", "gpulca.study.resolve", ("_Resolver",), 1),
               Import("gpulca.results.frames", "gpulca.study.resolve", ("_Resolver",), 2)]
    allowed = [Import("gpulca.study.resolve", "gpulca.study", ("_x",), 3),
               Import("gpulca.cli", "gpulca.core.version", ("__version__",), 4)]
    assert len(private_imports(refused)) == 2
    assert private_imports(allowed) == []


@pytest.mark.parametrize("package", sorted(m for m, p in MODULES.items()
                                           if p.name == "__init__.py"))
def test_every_package_says_what_it_owns(package: str) -> None:
    docstring = ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 8, f"{package} has no docstring"


# -- the public API --------------------------------------------------------------------------

def test_importing_gpulca_does_no_work() -> None:
    """``import gpulca`` loads nothing but its version: no pandas, no Brightway, no pydantic."""
    code = ("import json, sys; before = set(sys.modules); import gpulca; "
            "print(json.dumps(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(SRC), "PATH": ""}, cwd=REPO)
    loaded = json.loads(done.stdout)
    third_party = sorted({m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names)
                         - {"gpulca"})
    assert third_party == []
    assert {m for m in loaded if m.startswith("gpulca")} <= {"gpulca", "gpulca.core",
                                                              "gpulca.core.version"}


def exports() -> dict[str, str]:
    import gpulca

    return dict(gpulca._EXPORTS)


@pytest.mark.parametrize("name", sorted(set(__import__("gpulca").__all__)))
def test_every_public_name_resolves(name: str) -> None:
    import gpulca

    value = getattr(gpulca, name)
    assert value is not None
    if name != "__version__":
        assert getattr(importlib.import_module(exports()[name]), name) is value


def test_all_is_the_exports() -> None:
    import gpulca

    assert gpulca.__all__ == ["__version__", *sorted(exports())]
    with pytest.raises(AttributeError):
        gpulca.no_such_name  # noqa: B018
    assert dir(gpulca) == sorted(gpulca.__all__)


def test_type_checkers_see_the_exported_names() -> None:
    """The ``if TYPE_CHECKING:`` imports of gpulca/__init__.py are exactly ``_EXPORTS``."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
            for alias in node.names}
    assert seen == exports()
