"""What the measured journey map and the pain-point finder are asked for."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class OverlayQuery(BaseModel):
    """One journey's touchpoints and stages measured against the event log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    journey: str = Field(description="The journey id.")
    from_date: date | None = Field(default=None, description="First day included (UTC).")
    to_date: date | None = Field(default=None, description="Last day included (UTC).")
    segment: str | None = Field(default=None, description="Only the customers of this segment.")
    unmapped: int = Field(default=10, ge=0, le=200, description="How many unmapped events to list.")
    worst: int = Field(default=3, ge=0, le=50, description="How many touchpoints to mark worst.")
    min_reach: int = Field(
        default=5,
        ge=1,
        description="Touchpoints reached by fewer customers (or fewer than 1 % of the journey's) "
        "are too thin to judge: never marked worst or ranked as pain points.",
    )
