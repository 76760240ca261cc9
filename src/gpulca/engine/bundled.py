"""Data bundled with bw2io that gpulca reads without a project: the biosphere3 flow list and
the LCIA methods (ecoinvent 3.9 set), cached on disk per bw2io version."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from gpulca.engine.project import import_brightway
from gpulca.io.cache import cached_json
from gpulca.library.flows import Flow, FlowIndex

REGIONAL_WATER_METHOD = ("gpulca", "water scarcity",
                         "AWARE 2.0 country factors, non-irrigation, regionalised")
"""gpulca's own method (:mod:`gpulca.engine.regional`), installed with the background."""
WITHDRAWAL_METHOD = ("gpulca", "water withdrawal", "fresh water withdrawn, on-site and off-site")
"""gpulca's own method (:mod:`gpulca.engine.withdrawal`), installed with the background."""


def bundled_lcia_data() -> list[dict[str, Any]]:
    """The LCIA methods bundled with bw2io (ecoinvent 3.9 set), as plain data."""
    import_brightway()
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            import bw2io
    finally:
        logging.disable(logging.NOTSET)

    archive = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(archive) as handle:
        data: list[dict[str, Any]] = json.load(handle.open("data.json"))
    return data



def _read_bundled_flows() -> list[list[Any]]:
    import_brightway()  # bw2io imports bw2data: do it the quiet, scratch-directory way first
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # bw2io prints its strategies
            from bw2io.importers import Ecospold2BiosphereImporter

            importer = Ecospold2BiosphereImporter()
            importer.apply_strategies(verbose=False)
    finally:
        logging.disable(logging.NOTSET)
    return [[r["code"], r["name"], list(r["categories"]), r["unit"]] for r in importer.data]


@lru_cache(maxsize=1)
def bundled_flow_index() -> FlowIndex:
    """The biosphere3 flows bundled with bw2io, as a :class:`FlowIndex` (cached on disk)."""
    by_code: dict[str, Flow] = {}
    by_name: dict[tuple[str, tuple[str, ...]], Flow] = {}
    for code, name, categories, unit in cached_json("biosphere3-flows", _read_bundled_flows):
        flow = Flow(code, name, tuple(categories), unit)
        by_code[flow.code] = flow
        by_name[(flow.name, flow.categories)] = flow
    return FlowIndex(by_code, by_name)


@lru_cache(maxsize=1)
def bundled_method_names() -> frozenset[tuple[str, ...]]:
    """Names of the LCIA methods bundled with bw2io (what gpulca installs)."""
    names = cached_json("lcia-method-names",
                        lambda: [list(m["name"]) for m in bundled_lcia_data()])
    return frozenset(tuple(name) for name in names)


def gpulca_method_names() -> frozenset[tuple[str, ...]]:
    """LCIA methods gpulca defines itself and installs with the background."""
    return frozenset({REGIONAL_WATER_METHOD, WITHDRAWAL_METHOD})


def known_method_names() -> frozenset[tuple[str, ...]]:
    """Every method a gpulca project has: bundled with bw2io, plus gpulca's own."""
    return bundled_method_names() | gpulca_method_names()
