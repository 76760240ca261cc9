"""Schema of ``methods/*.yaml``: named impact categories mapped to Brightway method tuples."""

from __future__ import annotations

from pydantic import Field, model_validator

from gpulca.schemas.common import Code, NonEmptyStr, StrictModel


class ImpactCategory(StrictModel):
    """One impact category: a short id used in results, and the Brightway method it runs."""

    id: Code
    label: NonEmptyStr
    method: tuple[NonEmptyStr, ...] = Field(min_length=1)
    """The full Brightway method name, e.g.
    ``[IPCC 2021, climate change, global warming potential (GWP100)]``."""
    unit: NonEmptyStr | None = None
    """Display unit; when omitted, the unit stored with the Brightway method."""
    source: NonEmptyStr | None = None
    comment: str | None = None


class MethodSet(StrictModel):
    """A ``methods/*.yaml`` file: the impact categories a study computes."""

    description: str | None = None
    impact_categories: list[ImpactCategory] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_ids_and_methods(self) -> MethodSet:
        seen_ids: set[str] = set()
        seen_methods: set[tuple[str, ...]] = set()
        for category in self.impact_categories:
            if category.id in seen_ids:
                raise ValueError(f"impact category id {category.id!r} appears twice")
            if category.method in seen_methods:
                raise ValueError(f"method {list(category.method)} appears twice")
            seen_ids.add(category.id)
            seen_methods.add(category.method)
        return self
