"""Write the JSON Schemas of gpulca's YAML files (``src/gpulca/data/schemas/*.schema.json``) and
``docs/study-reference.md`` from the pydantic schemas (:mod:`gpulca.pipeline.reference_docs`).

Run from the repository root::

    python scripts/reference_docs.py          # writes the files
    python scripts/reference_docs.py --check  # exits 1 when a committed file is out of date

``tests/pipeline/test_reference_docs.py`` fails when a committed file is out of date: edit the
schema, then run this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "src" / "gpulca" / "data" / "schemas"
REFERENCE = ROOT / "docs" / "study-reference.md"

if __name__ == "__main__":  # document this checkout's schemas, not an installed gpulca's
    sys.path.insert(0, str(ROOT / "src"))

from gpulca.pipeline.reference_docs import json_schemas, study_reference  # noqa: E402


def expected_files() -> dict[Path, str]:
    """Every generated file with the text it must have."""
    files = {SCHEMA_DIR / name: text for name, text in json_schemas().items()}
    files[REFERENCE] = study_reference()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a generated file differs")
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check and stale:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run python scripts/reference_docs.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
