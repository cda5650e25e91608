"""What the KPI analysis and the board give back: Pydantic contracts of every entry point.

Scales: NPS in points from −100 to 100; CSAT in percent (0–100); CES as the mean score (1–7);
sentiment from −1 to 1; operational rates (first-contact resolution, SLA attainment) as shares
from 0 to 1, like conversion elsewhere. A figure without data is None, never 0.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, Field

from journeys.analytics.kpis.query import BoardQuery, KpiQuery


class NpsScore(BaseModel):
    """Net Promoter Score of the answers to nps and nps_plus surveys, with its 95 % margin."""

    responses: int = 0
    promoters: int = Field(default=0, description="Scores 9–10.")
    passives: int = Field(default=0, description="Scores 7–8.")
    detractors: int = Field(default=0, description="Scores 0–6.")
    score: float | None = Field(default=None, description="% promoters − % detractors.")
    margin_of_error: float | None = Field(
        default=None, description="95 % margin of error in NPS points: 1.96·sqrt(var/n)·100."
    )
    low: float | None = Field(default=None, description="score − margin, at least −100.")
    high: float | None = Field(default=None, description="score + margin, at most 100.")


class CsatScore(BaseModel):
    """Customer satisfaction: the share of csat answers scoring 4 or 5."""

    responses: int = 0
    satisfied: int = 0
    score: float | None = Field(default=None, description="Percent satisfied, 0–100.")


class CesScore(BaseModel):
    """Customer effort: the mean of the ces answers (1 very easy … 7 very hard)."""

    responses: int = 0
    mean: float | None = None


class SentimentFigure(BaseModel):
    """The sentiment of the comments given with the answers."""

    comments: int = Field(default=0, description="Answers whose comment has a sentiment.")
    mean: float | None = Field(default=None, description="Mean sentiment, −1 … 1.")
    negative: int = Field(default=0, description="Comments labelled negative.")
    negative_share: float | None = Field(default=None, description="negative / comments.")


class FeedbackKpis(BaseModel):
    """The survey KPIs of one group (or one period of it)."""

    answers: int = Field(default=0, description="survey_answered events of every kind.")
    nps: NpsScore = Field(default_factory=NpsScore)
    csat: CsatScore = Field(default_factory=CsatScore)
    ces: CesScore = Field(default_factory=CesScore)
    sentiment: SentimentFigure = Field(default_factory=SentimentFigure)


class TicketKpis(BaseModel):
    """The operational KPIs of the tickets opened in a group (or one period of it)."""

    tickets: int = Field(default=0, description="Tickets opened (ticket volume).")
    contacted: int = 0
    response_median_seconds: float | None = Field(
        default=None, description="Median time from opened to the first contact."
    )
    response_mean_seconds: float | None = None
    resolved: int = 0
    first_contact_resolved: int = 0
    first_contact_resolution_rate: float | None = Field(
        default=None, description="first_contact_resolved / resolved."
    )
    sla_due: int = Field(
        default=0, description="Tickets contacted, or whose sla_due_at has passed by as_of."
    )
    sla_met: int = Field(default=0, description="…contacted no later than sla_due_at.")
    sla_attainment: float | None = Field(default=None, description="sla_met / sla_due.")
    escalated: int = 0
    closed: int = 0


class KpiGroup(BaseModel):
    """One group's KPIs over the whole range."""

    key: str | None = Field(
        description="The group: journey/touchpoint, journey/stage, journey id, persona, "
        "segment name, or all; None for answers and tickets without one."
    )
    label: str
    feedback: FeedbackKpis
    tickets: TicketKpis


class KpiPoint(BaseModel):
    """One period of a trend series."""

    period: datetime = Field(description="Start of the period (UTC).")
    label: str
    feedback: FeedbackKpis
    tickets: TicketKpis


class KpiSeries(BaseModel):
    """A group's KPIs per period, one point for every period of the range."""

    key: str | None
    label: str
    points: list[KpiPoint]


class KpiResult(BaseModel):
    """KPIs overall and per group, and the trend series when a grain was asked."""

    query: KpiQuery
    as_of: datetime | None = Field(description="The latest event: tickets due by then count.")
    overall: KpiGroup
    groups: list[KpiGroup] = Field(description="Empty when grouped overall.")
    periods: list[str] = Field(description="The trend's period labels, oldest first.")
    trend: list[KpiSeries] = Field(description="Overall first, then every group.")

    def to_arrow(self) -> pa.Table:
        """One row per group (the overall row first), every figure a column."""
        rows = [_flat(g.key, g.label, None, g.feedback, g.tickets) for g in self._all_groups()]
        return pa.Table.from_pylist(rows, schema=SCHEMA)

    def trend_arrow(self) -> pa.Table:
        """The trend in long form: one row per group and period."""
        rows = [
            _flat(s.key, s.label, p.period, p.feedback, p.tickets)
            for s in self.trend
            for p in s.points
        ]
        return pa.Table.from_pylist(rows, schema=SCHEMA)

    def _all_groups(self) -> list[KpiGroup]:
        return [self.overall, *self.groups]


def _flat(
    key: str | None,
    label: str,
    period: datetime | None,
    feedback: FeedbackKpis,
    tickets: TicketKpis,
) -> dict[str, Any]:
    f = feedback
    return {
        "group": key,
        "label": label,
        "period": period,
        "answers": f.answers,
        "nps": f.nps.score,
        "nps_margin_of_error": f.nps.margin_of_error,
        "nps_responses": f.nps.responses,
        "promoters": f.nps.promoters,
        "passives": f.nps.passives,
        "detractors": f.nps.detractors,
        "csat": f.csat.score,
        "csat_responses": f.csat.responses,
        "ces": f.ces.mean,
        "ces_responses": f.ces.responses,
        "sentiment": f.sentiment.mean,
        "comments": f.sentiment.comments,
        "negative_comments": f.sentiment.negative,
        **tickets.model_dump(),
    }


_INT, _FLOAT = pa.int64(), pa.float64()
SCHEMA = pa.schema(
    [
        ("group", pa.string()),
        ("label", pa.string()),
        ("period", pa.timestamp("us")),
        ("answers", _INT),
        ("nps", _FLOAT),
        ("nps_margin_of_error", _FLOAT),
        ("nps_responses", _INT),
        ("promoters", _INT),
        ("passives", _INT),
        ("detractors", _INT),
        ("csat", _FLOAT),
        ("csat_responses", _INT),
        ("ces", _FLOAT),
        ("ces_responses", _INT),
        ("sentiment", _FLOAT),
        ("comments", _INT),
        ("negative_comments", _INT),
        *(
            (name, _FLOAT if "seconds" in name or name.endswith(("rate", "attainment")) else _INT)
            for name in TicketKpis.model_fields
        ),
    ]
)


# -- the board ---------------------------------------------------------------------------------


class RetentionFigure(BaseModel):
    """Of the customers active in the window before the last, how many were active again."""

    as_of: datetime | None
    window_days: float = Field(description="The length of each window, in days.")
    active_before: int
    retained: int
    rate: float | None = Field(description="retained / active_before.")
    churn_rate: float | None = Field(description="1 − rate.")


class StageConversion(BaseModel):
    """A measured stage of a journey: how many moved on, and what they said there."""

    journey: str
    journey_name: str
    stage: str
    name: str
    reached: int
    continued: int
    conversion: float | None = Field(
        description="continued / reached; None for the last stage and a stage nobody reached."
    )
    last: bool = Field(description="The journey's last measured stage: it has no conversion.")
    nps: float | None
    nps_responses: int


class Governance(BaseModel):
    """What the board of directors follows: satisfaction and loyalty."""

    satisfaction: CsatScore
    loyalty: NpsScore
    retention: RetentionFigure


class Management(BaseModel):
    """What journey owners steer on: NPS, retention and the conversion of every stage."""

    nps: NpsScore
    retention: RetentionFigure
    stages: list[StageConversion] = Field(
        description="The stages of the journeys with customers or feedback, in designed order."
    )
    unmeasured_journeys: list[str] = Field(
        description="Journeys without touchpoint matchers: no stage conversion to show."
    )


class Operations(BaseModel):
    """What the teams run on: response time, first-contact resolution, SLA, ticket volume."""

    tickets: TicketKpis
    touchpoints: list[KpiGroup] = Field(description="Per touchpoint, most tickets first.")


class KpiBoard(BaseModel):
    """The three levels of KPIs on one board."""

    query: BoardQuery
    as_of: datetime | None
    answers: int
    governance: Governance
    management: Management
    operations: Operations
