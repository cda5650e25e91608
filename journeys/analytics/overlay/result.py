"""The measured journey map and the ranked pain points: the contracts of every entry point."""

from __future__ import annotations

from pydantic import BaseModel, Field

from journeys.loyalty.contracts import StageLoyalty


class FeedbackMeasure(BaseModel):
    """What customers said about a place of the journey, and the tickets opened about it.

    From the ``survey_answered`` and ``ticket_opened`` events that name the place (their
    ``journey``, ``stage`` and ``touchpoint`` properties); see docs/analytics/kpis.md.
    """

    answers: int = Field(default=0, description="Survey answers of every kind.")
    nps: float | None = Field(default=None, description="NPS, −100 … 100.")
    nps_margin_of_error: float | None = Field(default=None, description="95 %, NPS points.")
    nps_responses: int = 0
    csat: float | None = Field(default=None, description="Percent of csat answers 4–5.")
    csat_responses: int = 0
    ces: float | None = Field(default=None, description="Mean ces answer, 1 … 7.")
    ces_responses: int = 0
    sentiment: float | None = Field(default=None, description="Mean comment sentiment, −1 … 1.")
    comments: int = Field(default=0, description="Answers whose comment has a sentiment.")
    negative_comments: int = 0
    tickets: int = Field(default=0, description="Tickets opened about it.")
    escalated: int = Field(default=0, description="…of which escalated past their SLA.")


class StageMeasure(BaseModel):
    """A stage as customers lived it."""

    stage: str
    name: str
    reached: int = Field(description="Customers with an event at one of its touchpoints.")
    continued: int = Field(description="…of whom later reached a later stage.")
    conversion: float | None = Field(description="continued / reached; None for the last stage.")
    dropped: int = Field(description="reached − continued (0 for the last stage).")
    median_seconds_to_next_stage: float | None
    feedback: FeedbackMeasure = Field(default_factory=FeedbackMeasure)
    loyalty: StageLoyalty | None = Field(
        default=None,
        description="The loyalty stage only (id `loyalty` or `loyalty-…`), when the workspace "
        "has a loyalty programme: the programme among the customers who reached it.",
    )


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
    feedback: FeedbackMeasure = Field(default_factory=FeedbackMeasure)


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
    feedback: FeedbackMeasure = Field(
        default_factory=FeedbackMeasure, description="Everything said about the journey."
    )
    unmatched_feedback: dict[str, FeedbackMeasure] = Field(
        default_factory=dict,
        description="Feedback about designed touchpoints without a matcher (offline ones), "
        "by touchpoint id.",
    )


class Signal(BaseModel):
    """One piece of evidence for a pain point."""

    kind: str  # drop_off | time | sentiment | tickets
    value: float
    text: str


class PainPoint(BaseModel):
    """A touchpoint ranked by how much it hurts, with its evidence."""

    rank: int
    touchpoint: str
    name: str
    stage: str
    channel: str
    score: float = Field(
        description="0..1: drop-off, time, negative comments and ticket load, each against "
        "the journey's worst, weighted."
    )
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
