"""What a conformance analysis is asked for: a journey, how many top items, a breakdown."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConformanceQuery(BaseModel):
    """Real journeys held against a journey's designed stage order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    segment: str | None = Field(default=None, description="Only the customers of this segment.")

    journey: str = Field(description="The journey id.")
    top: int = Field(default=10, description="How many variants and undesigned events to list.")
    by: str | None = Field(
        default=None,
        description=(
            "Break down by this trait (else event property) of the customer; default: the "
            "persona (trait persona, else segment) when the journey has personas."
        ),
    )
