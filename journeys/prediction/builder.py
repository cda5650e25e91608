"""SQL for prediction features and labels over ``stitched_events``; builds text, never runs.

Point in time: the features of a prediction date read only events with ``timestamp < as_of``;
the labels read only ``as_of <= timestamp < as_of + horizon``. So the features a model is
trained on never see the outcome, and an event after the date changes no feature.

Activity is a track, page or screen event that the customer did: the events the product writes
on a customer's behalf (ticket steps, loyalty tier changes) are feedback, not activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeys.analytics.common import EVENTS
from journeys.analytics.touchpoints import (
    candidate_sql,
    lookup_sql,
    mapped_touchpoints,
    touchpoint_index_sql,
)
from journeys.maps.model import Journey
from journeys.prediction.query import FeatureSpec
from journeys.store.duck import literal

ACTIVITY_TYPES = ("track", "page", "screen")
SYSTEM_EVENTS = (
    "ticket_opened",
    "ticket_contacted",
    "ticket_resolved",
    "ticket_closed",
    "ticket_escalated",
    "loyalty_tier_changed",
)
DAY = 86400.0


@dataclass(frozen=True)
class Sql:
    """A query's text and its named parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


def activity_sql(alias: str = "e") -> str:
    """The condition for an event the customer did (not one written on their behalf)."""
    types = ", ".join(literal(t) for t in ACTIVITY_TYPES)
    system = ", ".join(literal(t) for t in SYSTEM_EVENTS)
    return f"({alias}.type IN ({types}) AND {alias}.event NOT IN ({system}))"


def _number(prop: str, alias: str = "e") -> str:
    return f"TRY_CAST({alias}.properties ->> {literal('$.' + prop)} AS DOUBLE)"


def _text(prop: str, alias: str = "e") -> str:
    return f"({alias}.properties ->> {literal('$.' + prop)})"


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(literal(n) for n in names) if names else "NULL"


def _satisfaction(alias: str = "e") -> str:
    """A survey answer on a common 0–1 scale (1 = happiest), whatever the survey's kind."""
    kind, score = _text("survey_kind", alias), _number("score", alias)
    return (
        f"CASE WHEN {kind} IN ('nps', 'nps_plus') THEN {score} / 10 "
        f"WHEN {kind} = 'csat' THEN ({score} - 1) / 4 "
        f"WHEN {kind} = 'ces' THEN (7 - {score}) / 6 END"
    )


def _stage_sql(journey: Journey | None) -> tuple[str, str]:
    """The stage index of an event of the journey (else NULL) and a cheap pre-filter."""
    touchpoints = mapped_touchpoints(journey) if journey else []
    if not touchpoints:
        return "CAST(NULL AS INTEGER)", "false"
    stages = [tp.stage_index for tp in touchpoints]
    return lookup_sql(stages, touchpoint_index_sql(touchpoints)), candidate_sql(touchpoints)


def features_sql(spec: FeatureSpec, journey: Journey | None, events: str = EVENTS) -> Sql:
    """One row per customer active before ``$as_of``: the behaviour features as of then."""
    purchase = f"e.event IN ({_names(spec.purchase_events)})"
    revenue = ", ".join(_number(p) for p in spec.revenue_properties) or "NULL"
    stage, stage_filter = _stage_sql(journey)
    survey = "e.event = 'survey_answered'"
    nps = f"{survey} AND {_text('survey_kind')} IN ('nps', 'nps_plus')"
    ticket = _text("ticket_id")
    since = "date_diff('second', {0}, $as_of) / 86400.0"
    text = f"""
WITH e AS (
    SELECT e.customer_id, e.timestamp AS ts, e.event, e.type, e.channel, e.properties,
           {activity_sql()} AS active,
           CASE WHEN {stage_filter} THEN {stage} END AS stage
    FROM {events} e
    WHERE e.customer_id IS NOT NULL AND e.timestamp < $as_of
),
stages AS (
    SELECT customer_id, max(stage) AS furthest_stage, arg_max(first_at, stage) AS stage_at
    FROM (SELECT customer_id, stage, min(ts) AS first_at FROM e
          WHERE stage IS NOT NULL GROUP BY customer_id, stage)
    GROUP BY customer_id
),
f AS (
    SELECT e.customer_id,
        {since.format("max(e.ts) FILTER (WHERE e.active)")} AS recency_days,
        {since.format("min(e.ts) FILTER (WHERE e.active)")} AS tenure_days,
        count(*) FILTER (WHERE e.active) AS events,
        count(DISTINCT CAST(e.ts AS DATE)) FILTER (WHERE e.active) AS active_days,
        count(*) FILTER (WHERE e.active AND e.ts >= $as_of - INTERVAL 30 DAY) AS events_30d,
        count(*) FILTER (WHERE e.active AND e.ts >= $as_of - INTERVAL 90 DAY
                         AND e.ts < $as_of - INTERVAL 30 DAY) AS events_prior_60d,
        count(DISTINCT e.channel) FILTER (WHERE e.active) AS channels,
        count(*) FILTER (WHERE {purchase}) AS purchases,
        coalesce(sum(coalesce({revenue}, 0)) FILTER (WHERE {purchase}), 0) AS monetary,
        {since.format(f"max(e.ts) FILTER (WHERE {purchase})")} AS purchase_recency_days,
        count(*) FILTER (WHERE {survey}) AS surveys,
        arg_max({_number("score")}, e.ts) FILTER (WHERE {nps}) AS last_nps,
        avg({_satisfaction()}) FILTER (WHERE {survey}) AS satisfaction,
        avg({_number("sentiment")}) FILTER (WHERE {survey}) AS sentiment,
        count(DISTINCT {ticket}) FILTER (WHERE e.event = 'ticket_opened') AS tickets,
        count(DISTINCT {ticket}) FILTER (WHERE e.event IN ('ticket_resolved', 'ticket_closed'))
            AS tickets_done,
        count(DISTINCT {ticket}) FILTER (WHERE e.event = 'ticket_escalated') AS tickets_breached,
        arg_max({_number("points")}, e.ts) FILTER (WHERE e.event = 'loyalty_tier_changed')
            AS tier_points
    FROM e
    GROUP BY e.customer_id
    HAVING count(*) FILTER (WHERE e.active) > 0
)
SELECT f.* EXCLUDE (events_prior_60d, tickets_done),
    f.events_30d - f.events_prior_60d / 2.0 AS trend,
    greatest(f.tickets - f.tickets_done, 0) AS open_tickets,
    s.furthest_stage,
    {since.format("s.stage_at")} AS stage_days
FROM f LEFT JOIN stages s USING (customer_id)
ORDER BY f.customer_id
"""
    return Sql(text)


def labels_sql(condition: str, events: str = EVENTS) -> Sql:
    """Customers with an event meeting ``condition`` in ``[$as_of, $until)``."""
    text = f"""
SELECT DISTINCT e.customer_id
FROM {events} e
WHERE e.customer_id IS NOT NULL AND e.timestamp >= $as_of AND e.timestamp < $until
  AND {condition}
"""
    return Sql(text)


def scores_ddl() -> str:
    """The table of stored scores (in the event log's database, next to the events)."""
    return """
CREATE TABLE IF NOT EXISTS prediction_scores (
    model       VARCHAR   NOT NULL,
    customer_id VARCHAR   NOT NULL,
    score       DOUBLE    NOT NULL,
    as_of       TIMESTAMP NOT NULL,
    scored_at   TIMESTAMP NOT NULL,
    reasons     JSON,
    PRIMARY KEY (model, customer_id)
);
"""
