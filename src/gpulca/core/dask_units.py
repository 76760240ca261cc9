"""A Dask worker plugin: every worker unpickles pint quantities into gpulca's one unit registry.

pint unpickles a quantity into its *application* registry. Objects gpulca sends to a worker
(a study, a Monte Carlo model) carry quantities of gpulca's registry
(:func:`gpulca.core.units.registry`); Dask also copies them from worker to worker with plain
pickle. Without this plugin they would land in pint's default registry on the other side, and a
formula mixing them with gpulca's own quantities fails ("different registries").

Imported only when Dask is used (:func:`gpulca.core.cluster.dask_client`).
"""

from __future__ import annotations

from typing import Any

import pint
from distributed.diagnostics.plugin import WorkerPlugin

from gpulca.core.units import registry


class GpulcaUnits(WorkerPlugin):
    """Sets pint's application registry to gpulca's on every worker, present and future."""

    name = "gpulca-units"

    def setup(self, worker: Any) -> None:
        pint.set_application_registry(registry())
