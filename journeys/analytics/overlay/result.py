"""The measured journey map and the ranked pain points: the contracts of every entry point."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StageMeasure(BaseModel):
    """A stage as customers lived it."""

    stage: str
    name: str
    reached: int = Field(description="Customers with an event at one of its touchpoints.")
    continued: int = Field(description="…of whom later reached a later stage.")
    conversion: float | None = Field(description="continued / reached; None for the last stage.")
    dropped: int = Field(description="reached − continued (0 for the last stage).")
    median_seconds_to_next_stage: float | None


class TouchpointMeasure(BaseModel):
    """A touchpoint as customers lived it."""

    touchpoint: str
    name: str
    stage: str
    channel: str
    designed_emotion: int
    reached: int = Field(description="Customers with an event matched to it.")
    events: int
    dropped: int = Field(description="Customers whose journey ended here before the last stage.")
    drop_off_rate: float | None = Field(description="dropped / reached.")
    median_seconds_to_next: float | None = Field(
        description="Median time from an event here to the customer's next touchpoint."
    )
    worst: bool = False


class UnmappedEvent(BaseModel):
    """Behaviour inside the journey that the design has no touchpoint for."""

    event: str
    events: int
    customers: int


class MeasuredMap(BaseModel):
    """The journey's designed stages and touchpoints with what customers really did."""

    journey: str
    name: str
    customers: int = Field(description="Customers with at least one touchpoint of the journey.")
    completed: int = Field(description="…of whom reached the last stage.")
    mapped_events: int
    unmapped_events: int = Field(description="Their other events within their journey's span.")
    stages: list[StageMeasure]
    touchpoints: list[TouchpointMeasure]
    unmapped: list[UnmappedEvent]
    unmatched_touchpoints: list[str] = Field(
        description="Designed touchpoints without an event matcher: never measured."
    )


class Signal(BaseModel):
    """One piece of evidence for a pain point (drop-off, time; later sentiment and tickets)."""

    kind: str  # drop_off | time | (sentiment | tickets, once feedback exists)
    value: float
    text: str


class PainPoint(BaseModel):
    """A touchpoint ranked by how much it hurts, with its evidence."""

    rank: int
    touchpoint: str
    name: str
    stage: str
    channel: str
    score: float = Field(description="0..1: the weighted share of the worst drop-off and time.")
    reached: int
    dropped: int
    signals: list[Signal]
    customers_url: str = Field(description="The customers who dropped here.")


class PainPoints(BaseModel):
    """The ranked touchpoints of one journey."""

    journey: str
    name: str
    customers: int
    pain_points: list[PainPoint]


class DroppedCustomers(BaseModel):
    """The customers whose journey ended at one touchpoint, a page at a time."""

    journey: str
    touchpoint: str
    total: int
    customers: list[str]
    limit: int
    offset: int
