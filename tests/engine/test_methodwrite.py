"""The column-wise method writer gives exactly what bw2data's own ``Method.write`` gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gpulca.engine.bundled import bundled_lcia_data
from gpulca.engine.methodwrite import deferred_methods_flush, write_method_fast
from gpulca.engine.project import gpulca_project
from gpulca.engine.solve import node_ids


def _resources(bd, name):  # type: ignore[no-untyped-def]
    package = bd.Method(name).datapackage()
    return {resource["kind"]: package.get_resource(resource["name"])[0]
            for resource in package.resources}, package.metadata["resources"]


def test_fast_writer_equals_bw2data_write(bw_dir: Path) -> None:
    methods = [m for m in bundled_lcia_data()
               if m["name"][0].startswith(("EF v3.1", "IPCC 2021"))][:3]
    assert len(methods) == 3
    with gpulca_project("gpulca", bw_dir) as bd:
        ids = {("biosphere3", code): i for code, i in node_ids("biosphere3").items()}
        for method in methods:
            cfs = [(ids[tuple(cf["input"])], cf["amount"]) for cf in method["exchanges"]
                   if tuple(cf["input"]) in ids]
            metadata = {"unit": method["unit"], "description": "d", "filename": "f"}
            reference = (*method["name"], "reference")
            bd.Method(reference).register(**metadata)
            bd.Method(reference).write(cfs)
            fast = (*method["name"], "fast")
            with deferred_methods_flush(bd):
                write_method_fast(bd, fast, cfs, metadata)
            expected, expected_meta = _resources(bd, reference)
            got, got_meta = _resources(bd, fast)
            assert expected.keys() == got.keys()
            for kind, array in expected.items():
                assert array.dtype == got[kind].dtype
                np.testing.assert_array_equal(array, got[kind])
            assert [r["kind"] for r in expected_meta] == [r["kind"] for r in got_meta]
            strip = {"abbreviation", "filename"}
            assert ({k: v for k, v in bd.methods[reference].items() if k not in strip}
                    == {k: v for k, v in bd.methods[fast].items() if k not in strip})
            # The registry on disk has the fast method once the deferred write is over.
            on_disk = json.loads((Path(bd.projects.dir) / "methods.json").read_text())
            assert any(tuple(entry[0]) == fast for entry in on_disk)
