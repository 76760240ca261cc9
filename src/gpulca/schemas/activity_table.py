"""An activity table as columns: one numpy array per field of
:class:`~gpulca.schemas.scenario.ActivityRow`, not one Python object per row.

A million-row activity CSV (:func:`gpulca.ingest.activity_csv.read_activity_table`) is read into
an :class:`ActivityTable`; the translator consumes its columns
(:mod:`gpulca.model.columnar`). Texts (phase, accelerator, model, component, comment) are
factorised: integer codes into a tuple of distinct values, ``-1`` for a missing value. Numbers are
float64 arrays with NaN for a missing value. Measured energy and power are stored in kWh and W.
:meth:`ActivityTable.rows` materialises the rows (for code that needs them, small studies).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gpulca.schemas.scenario import ActivityRow

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.int32]

TEXT_FIELDS = ("phase", "accelerator", "model", "component", "comment")
"""The text columns of an activity table (factorised)."""
NUMBER_FIELDS = ("gpu_hours", "gpu_count", "wall_hours", "it_energy_kwh", "it_energy_gpu_hours",
                 "it_power_w", "gpu_load")
"""The number columns of an activity table (NaN: not given)."""


@dataclass(frozen=True, eq=False)
class TextColumn:
    """A factorised text column: ``values[codes[i]]`` is row i's text; code -1: not given."""

    codes: CodeArray
    values: tuple[str, ...]

    @classmethod
    def from_texts(cls, texts: Sequence[str | None]) -> TextColumn:
        """Factorise a list of texts (None: not given), distinct values in first-seen order."""
        index: dict[str, int] = {}
        codes = np.fromiter((-1 if t is None else index.setdefault(t, len(index))
                             for t in texts), dtype=np.int32, count=len(texts))
        return cls(codes, tuple(index))

    def text(self, row: int) -> str | None:
        code = int(self.codes[row])
        return None if code < 0 else self.values[code]

    def take(self, rows: npt.NDArray[np.intp]) -> TextColumn:
        return TextColumn(self.codes[rows], self.values)

    def concat(self, other: TextColumn) -> TextColumn:
        """This column followed by ``other`` (codes of ``other`` renumbered)."""
        index = {v: i for i, v in enumerate(self.values)}
        for value in other.values:
            index.setdefault(value, len(index))
        mapping = np.array([index[v] for v in other.values] + [-1], dtype=np.int32)
        return TextColumn(np.concatenate([self.codes, mapping[other.codes]]).astype(np.int32),
                          tuple(index))


@dataclass(frozen=True, eq=False)
class ActivityTable:
    """Activity rows as columns (module docstring). Every array has one entry per row."""

    phase: TextColumn
    accelerator: TextColumn
    model: TextColumn
    component: TextColumn
    comment: TextColumn
    gpu_hours: FloatArray
    """As given (NaN when the row gives ``gpu_count`` and ``wall_hours``)."""
    gpu_count: FloatArray
    wall_hours: FloatArray
    it_energy_kwh: FloatArray
    it_energy_gpu_hours: FloatArray
    it_power_w: FloatArray
    gpu_load: FloatArray
    gpu_scope: npt.NDArray[np.bool_]
    """``it_energy_scope`` is ``gpu`` (else ``it``)."""

    def __len__(self) -> int:
        return len(self.gpu_hours)

    @property
    def total_gpu_hours(self) -> FloatArray:
        """GPU-hours of each row (``gpu_count x wall_hours`` where no ``gpu_hours``) [GPU·h]."""
        return np.where(np.isnan(self.gpu_hours), self.gpu_count * self.wall_hours,
                        self.gpu_hours)

    def row(self, index: int) -> ActivityRow:
        """Row ``index`` as an :class:`ActivityRow` (the values as read; no re-validation)."""
        values: dict[str, object] = {}
        for name in TEXT_FIELDS:
            text = getattr(self, name).text(index)
            if text is not None:
                values[name] = text
        for name in ("gpu_hours", "gpu_count", "wall_hours", "it_energy_gpu_hours", "gpu_load"):
            number = float(getattr(self, name)[index])
            if not np.isnan(number):
                values[name] = number
        energy, power = float(self.it_energy_kwh[index]), float(self.it_power_w[index])
        if not np.isnan(energy):
            values["it_energy"] = f"{energy} kWh"
        if not np.isnan(power):
            values["it_power"] = f"{power} W"
        if self.gpu_scope[index]:
            values["it_energy_scope"] = "gpu"
        return ActivityRow.model_construct(**values)  # type: ignore[arg-type]

    def rows(self) -> list[ActivityRow]:
        """Every row as an :class:`ActivityRow` (one Python object per row: small tables)."""
        return list(self)

    def __iter__(self) -> Iterator[ActivityRow]:
        return (self.row(i) for i in range(len(self)))

    @classmethod
    def from_rows(cls, rows: Sequence[ActivityRow]) -> ActivityTable:
        """The table of ``rows``; measured energy and power (texts with units) in kWh and W."""
        from gpulca.core.units import cached_magnitude

        def numbers(values: Sequence[float | None]) -> FloatArray:
            return np.array([np.nan if v is None else float(v) for v in values],
                            dtype=np.float64)

        def texts(name: str) -> TextColumn:
            return TextColumn.from_texts([getattr(r, name) for r in rows])

        return cls(
            phase=texts("phase"), accelerator=texts("accelerator"), model=texts("model"),
            component=texts("component"), comment=texts("comment"),
            gpu_hours=numbers([r.gpu_hours for r in rows]),
            gpu_count=numbers([r.gpu_count for r in rows]),
            wall_hours=numbers([r.wall_hours for r in rows]),
            it_energy_kwh=numbers([cached_magnitude(r.it_energy, "kWh") if r.it_energy else None
                                   for r in rows]),
            it_energy_gpu_hours=numbers([r.it_energy_gpu_hours for r in rows]),
            it_power_w=numbers([cached_magnitude(r.it_power, "W") if r.it_power else None
                                for r in rows]),
            gpu_load=numbers([r.gpu_load for r in rows]),
            gpu_scope=np.array([r.it_energy_scope == "gpu" for r in rows], dtype=bool))

    def concat(self, other: ActivityTable) -> ActivityTable:
        """This table's rows followed by ``other``'s."""
        def texts(name: str) -> TextColumn:
            column: TextColumn = getattr(self, name)
            return column.concat(getattr(other, name))

        def numbers(name: str) -> FloatArray:
            return np.concatenate([getattr(self, name), getattr(other, name)])

        return ActivityTable(
            phase=texts("phase"), accelerator=texts("accelerator"), model=texts("model"),
            component=texts("component"), comment=texts("comment"),
            gpu_hours=numbers("gpu_hours"), gpu_count=numbers("gpu_count"),
            wall_hours=numbers("wall_hours"), it_energy_kwh=numbers("it_energy_kwh"),
            it_energy_gpu_hours=numbers("it_energy_gpu_hours"),
            it_power_w=numbers("it_power_w"), gpu_load=numbers("gpu_load"),
            gpu_scope=np.concatenate([self.gpu_scope, other.gpu_scope]))
