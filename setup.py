"""Build hook: the wheel carries the top-level ``inventories/``, ``methods/``, ``scenarios/``
and ``data/`` (the curated tables and the alternatives that ``gpulca audit`` reads).

They stay at the top of the repository, where users and contributors know them; at build time
they are copied into the package as ``gpulca/_shipped/`` (read by
``gpulca.library.inventory.shipped_root``). An editable install reads them in place instead.
Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("inventories", "methods", "scenarios", "data")


class BuildWithShippedData(build_py):
    """``build_py`` that also copies the shipped library, methods and example studies."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "gpulca" / "_shipped"
        for name in SHIPPED:
            source = root / name
            if not source.is_dir():
                raise SystemExit(f"error: {source} is missing; build gpulca from a full "
                                 "source tree (or its sdist)")
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        shutil.copy2(root / "DATA_LICENSE.md", target / "DATA_LICENSE.md")


setup(cmdclass={"build_py": BuildWithShippedData})
