"""What a paths analysis is asked for: where paths start (or end), how long, how many."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.common import Step


class PathsQuery(BaseModel):
    """The most common paths from (or to) a step: an event with filters, or a touchpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    segment: str | None = Field(default=None, description="Only the customers of this segment.")

    start: Step | None = Field(default=None, description="Paths from this step (or give end).")
    end: Step | None = Field(default=None, description="Paths to this step (or give start).")
    length: int = Field(default=5, description="Most steps in a path, the anchor included.")
    top: int = Field(default=10, description="How many paths to list.")
    journey: str | None = Field(
        default=None, description="A journey id: paths of its touchpoints instead of events."
    )
    collapse_repeats: bool = Field(
        default=False, description="Count a step repeated back to back once."
    )
