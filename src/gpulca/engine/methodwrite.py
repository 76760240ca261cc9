"""Writing LCIA methods fast: bw2data's per-factor flow look-up skipped for known flow ids.

Used by the background (:mod:`gpulca.engine.background`, the bundled methods) and by the regional
water method (:mod:`gpulca.engine.regional`); it sits below both so that neither imports the other
for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def fast_method_ids(valid_ids: set[int]) -> Iterator[None]:
    """Skip bw2data's one-SQL-query-per-CF id lookup for ids we already know are valid.

    ``Method.write`` resolves every CF's flow with a database query (266 s for the bundled
    methods); the ids come from one query on biosphere3 here, so the lookup is redundant. The
    original function is restored on exit; nothing in site-packages is modified.
    """
    import bw2data.method as method_module

    original = method_module.get_id

    def get_id(key: Any) -> Any:
        if isinstance(key, int) and key in valid_ids:
            return key
        return original(key)

    method_module.get_id = get_id
    try:
        yield
    finally:
        method_module.get_id = original


@contextlib.contextmanager
def deferred_methods_flush(bd: Any) -> Iterator[None]:
    """Write bw2data's ``methods.json`` once at the end instead of after every change.

    bw2data serialises the whole methods registry on every ``register`` and ``write`` (2,313
    rewrites of a growing file for the bundled methods, about 5 s). Inside this block the
    registry changes in memory only; it is written once on exit, also after an error, so what
    was registered is never lost from the file while its data files exist.
    """
    registry = bd.methods
    registry.flush = lambda signal=True: None  # instance attribute shadows the method
    try:
        yield
    finally:
        del registry.flush
        registry.flush()


def _cf_arrays(cfs: list[tuple[int, float]]) -> Any:
    """The sorted structured array that bw_processing's ``resolve_dict_iterator`` builds for
    plain-number characterisation factors, built column-wise (same dtype, same sort order)."""
    import numpy as np
    from bw_processing.constants import INDICES_DTYPE, UNCERTAINTY_DTYPE

    dtype = (INDICES_DTYPE + [("amount", np.float32)] + UNCERTAINTY_DTYPE
             + [("flip", bool), ("rescale", np.float32), ("reference", bool)])
    array = np.zeros(len(cfs), dtype=dtype)
    flow_ids = np.fromiter((cf[0] for cf in cfs), dtype=np.int64, count=len(cfs))
    amounts = np.fromiter((cf[1] for cf in cfs), dtype=np.float64, count=len(cfs))
    array["row"] = flow_ids
    array["amount"] = amounts
    array["loc"] = amounts
    for field in ("scale", "shape", "minimum", "maximum"):
        array[field] = np.nan
    array["rescale"] = 1.0
    sort_fields = ["row", "col", "amount", "uncertainty_type"]
    fields = {name for name, *_ in dtype}
    array.sort(order=sort_fields + sorted(fields - set(sort_fields)))
    return array


def write_method_fast(bd: Any, name: tuple[str, ...], cfs: list[tuple[int, float]],
                      metadata: dict[str, Any]) -> None:
    """Register and write one global method whose CFs are ``(flow id, number)`` pairs.

    The same files and metadata as ``bd.Method(name).write(cfs)`` (a test compares them byte for
    byte on the arrays), without bw2data's per-row dictionaries: the processed datapackage is
    built from numpy columns. CFs with locations or uncertainty must use bw2data's own path.
    """
    from bw_processing import clean_datapackage_name, create_datapackage
    from bw_processing.utils import repack_fields
    from fsspec.implementations.zip import ZipFileSystem

    handle = bd.Method(name)
    if name not in bd.methods:
        handle.register(**metadata)
    # bw2data's own write keeps the intermediate pickle, the metadata (num_cfs, geocollections)
    # and the geomapping right; only its processing step is replaced.
    handle.write(cfs, process=False)
    array = _cf_arrays(cfs)
    # Every CF is global: one constant column, so the sorted order of the rows stands.
    array["col"] = bd.geomapping[bd.config.global_location]
    path = handle.filepath_processed()
    package = create_datapackage(fs=ZipFileSystem(path, mode="w"),
                                 name=handle.filename_processed(),
                                 sum_intra_duplicates=True, sum_inter_duplicates=False)
    package.add_persistent_vector(
        matrix=handle.matrix,
        name=clean_datapackage_name(str(name) + " matrix data"),
        nrows=len(array),
        data_array=array["amount"],
        indices_array=repack_fields(array[["row", "col"]]),
        flip_array=array["flip"],
        distributions_array=repack_fields(array[["uncertainty_type", "loc", "scale", "shape",
                                                 "minimum", "maximum", "negative"]]),
        global_index=bd.geomapping[bd.config.global_location],
        identifier=list(name),
    )
    package.finalize_serialization()
