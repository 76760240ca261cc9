"""Every source can be followed from the repository alone: no citation points outside it (the
developers' reading notes, a local folder), every repository path a source names exists, and every
``docs/sources/*.md#anchor`` names a heading of that page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CITING = sorted({*REPO.glob("inventories/**/*.yaml"), *REPO.glob("scenarios/**/*.yaml"),
                 *REPO.glob("methods/**/*.yaml"), *REPO.glob("src/gpulca/data/**/*.yaml"),
                 *REPO.glob("src/gpulca/data/**/*.md"), *REPO.glob("data/**/*.csv"),
                 *REPO.glob("data/**/*.md"), *REPO.glob("docs/sources/*.md"),
                 REPO / "inventories" / "README.md", REPO / "scripts" / "build_library.py"})
OUTSIDE = re.compile(r"(?<![\w-])(?:\.\./)*shared/|reference-data/|/work/|/home/|/tmp/")
ROOTS = ("docs/sources", "data/sources", "data/curated", "data/derived", "inventories", "scenarios",
         "methods", "src/gpulca")
"""Paths of this repository (other repositories' paths, e.g. ``src/data/...`` of the GPU
calculator, are cited as ``owner/repo@commit:path`` or after the repository's name)."""
PATH = re.compile(r"(?<![\w./@:-])((?:" + "|".join(ROOTS) + r")/[\w./-]*[\w-])(#[\w-]+)?")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"\s", "-", text)


def anchors(page: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in page.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def problems_of(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [f"{path.relative_to(REPO)}: points outside the repository: "
             f"{text[m.start():m.start() + 60]!r}" for m in OUTSIDE.finditer(text)]
    for match in PATH.finditer(text) if path.suffix != ".py" else ():
        target, anchor = match.group(1).rstrip("."), match.group(2)
        full = REPO / target
        if not full.exists():
            full = path.parent / target  # a study names its files relative to itself
        if not full.exists():
            found.append(f"{path.relative_to(REPO)}: {target} does not exist")
        elif anchor and full.suffix == ".md" and anchor[1:] not in anchors(full):
            found.append(f"{path.relative_to(REPO)}: {target} has no heading {anchor}")
    return found


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(REPO)))
def test_sources_resolve_in_the_repository(path: Path) -> None:
    assert problems_of(path) == []


def test_the_check_catches_outside_and_missing_paths(tmp_path: Path) -> None:
    sample = REPO / "docs" / "sources" / "README.md"
    assert problems_of(sample) == []
    assert OUTSIDE.search("see shared/reference/notes.md section 2")
    assert OUTSIDE.search("(../shared/reference-data/x.csv)")
    assert not OUTSIDE.search("hubblo-org/gpu-calculator@2308a62:src/data/gpu/gpus.json")
    text = "owner/repo@abc:src/gpulca/x.py, data/sources/x.csv"
    assert [m.group(1) for m in PATH.finditer(text)] == ["data/sources/x.csv"]
    assert slug("Vendor and published per-GPU figures") == "vendor-and-published-per-gpu-figures"
