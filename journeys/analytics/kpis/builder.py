"""The SQL of the KPI analysis over ``stitched_events``; builds text, never executes.

Two statements, one for survey answers and one for tickets. Each returns rows told apart by
``level``: ``total`` (every answer or ticket of the range), ``total_trend`` (per period ``p``),
``group`` (per group ``g``) and ``trend`` (per group and period); the counts and sums are
turned into scores in :mod:`journeys.analytics.kpis.measures`.

The relation read (``stitched_events``, or its rows of one segment's customers) is never cut
by date: answers are kept by their own time, tickets by the time they were opened, and a
ticket's later steps count even when they fall after the range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeys.analytics.common import EVENTS
from journeys.analytics.conformance.builder import PERSONA_TRAITS
from journeys.analytics.kpis.query import Grain, Grouping
from journeys.store.duck import literal

ANSWERED = "survey_answered"
TICKET_EVENTS = (
    "ticket_opened",
    "ticket_contacted",
    "ticket_resolved",
    "ticket_closed",
    "ticket_escalated",
)
NPS_KINDS = ("nps", "nps_plus")
# Scores outside a survey kind's scale are not answers to it (they would bend every mean).
NPS_SCORE = "score BETWEEN 0 AND 10"
CSAT_SCORE = "score BETWEEN 1 AND 5"
CES_SCORE = "score BETWEEN 1 AND 7"


@dataclass(frozen=True)
class Sql:
    """A statement's text and its named parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """What every statement is narrowed to: the range, a journey, the grouping and grain."""

    by: Grouping
    grain: Grain | None
    start: datetime | None  # inclusive
    end: datetime | None  # exclusive
    journey: str | None
    memberships: str | None = None  # for by=segment: SELECT g, c (segment name, customer)


def prop(name: str, alias: str = "e") -> str:
    """A property of the event as text (NULL when absent)."""
    return f"json_extract_string({alias}.properties, {literal('$.' + json.dumps(name))})"


def number(name: str, alias: str = "e") -> str:
    """A property of the event as a number (NULL when absent or not a number)."""
    return f"TRY_CAST({prop(name, alias)} AS DOUBLE)"


def _window(column: str, scope: Scope, params: dict[str, Any]) -> str:
    parts = ["true"]
    if scope.start is not None:
        parts.append(f"{column} >= $start")
        params["start"] = scope.start
    if scope.end is not None:
        parts.append(f"{column} < $end")
        params["end"] = scope.end
    if scope.journey is not None:
        parts.append("journey = $journey")
        params["journey"] = scope.journey
    return " AND ".join(parts)


def _place(part: str) -> str:
    # Stage and touchpoint ids are unique only within their journey.
    return f"CASE WHEN {part} IS NOT NULL THEN coalesce(journey, '') || '/' || {part} END"


_KEYS = {
    "overall": "'all'",
    "journey": "journey",
    "stage": _place("stage"),
    "touchpoint": _place("touchpoint"),
}


def persona_sql(relation: str) -> str:
    """The persona of each customer in ``base``: the latest identify trait ``persona``, else
    ``segment``."""
    values = [f"json_extract_string(e.traits, {literal('$.' + t)})" for t in PERSONA_TRAITS]
    latest = ", ".join(
        f"arg_max({v}, (e.timestamp, e.seq)) FILTER (WHERE {v} IS NOT NULL)" for v in values
    )
    return f"""SELECT e.customer_id AS c, coalesce({latest}) AS g
        FROM {relation} e
        WHERE e.type = 'identify' AND e.customer_id IN (SELECT c FROM base)
        GROUP BY e.customer_id"""


def _grouped(scope: Scope, rows: str, relation: str) -> str:
    """``rows`` (a CTE with column ``c``) with the group ``g`` of each row.

    By segment a row is repeated for every segment its customer is in, and left out when the
    customer is in none; by persona a customer without one has the group NULL.
    """
    if scope.by == "persona":
        return f"SELECT x.*, p.g FROM {rows} x LEFT JOIN ({persona_sql(relation)}) p ON p.c = x.c"
    if scope.by == "segment":
        return f"SELECT x.*, m.g FROM {rows} x JOIN ({scope.memberships}) m ON m.c = x.c"
    return f"SELECT x.*, {_KEYS[scope.by]} AS g FROM {rows} x"


def _levels(scope: Scope, aggregates: str, time: str) -> str:
    """The level rows of the module docstring over CTEs ``base`` and ``grouped``."""
    period = f"date_trunc('{scope.grain}', {time})" if scope.grain else None
    parts = [f"SELECT 'total' AS level, {aggregates} FROM base"]
    if period:
        parts.append(
            f"SELECT 'total_trend' AS level, {period} AS p, {aggregates} FROM base GROUP BY p"
        )
    if scope.by != "overall":
        parts.append(f"SELECT 'group' AS level, g, {aggregates} FROM grouped GROUP BY g")
        if period:
            parts.append(
                f"SELECT 'trend' AS level, g, {period} AS p, {aggregates} "
                "FROM grouped GROUP BY g, p"
            )
    return "\nUNION ALL BY NAME\n".join(parts)


def feedback_sql(scope: Scope, relation: str = EVENTS) -> Sql:
    """Counts and sums of the survey answers per level (see the module docstring)."""
    params: dict[str, Any] = {}
    nps_kinds = ", ".join(literal(k) for k in NPS_KINDS)
    is_nps = f"kind IN ({nps_kinds}) AND {NPS_SCORE}"
    is_csat = f"kind = 'csat' AND {CSAT_SCORE}"
    is_ces = f"kind = 'ces' AND {CES_SCORE}"
    # A comment is negative by its label; without a label, by its sign.
    negative = "coalesce(sentiment_label = 'negative', sentiment < 0)"
    aggregates = f"""count(*) AS answers,
        count(*) FILTER (WHERE {is_nps}) AS nps_n,
        count(*) FILTER (WHERE {is_nps} AND score >= 9) AS promoters,
        count(*) FILTER (WHERE {is_nps} AND score <= 6) AS detractors,
        count(*) FILTER (WHERE {is_csat}) AS csat_n,
        count(*) FILTER (WHERE {is_csat} AND score >= 4) AS satisfied,
        count(*) FILTER (WHERE {is_ces}) AS ces_n,
        sum(score) FILTER (WHERE {is_ces}) AS ces_sum,
        count(sentiment) AS comments,
        sum(sentiment) AS sentiment_sum,
        count(*) FILTER (WHERE sentiment IS NOT NULL AND {negative}) AS negative"""
    answers = f"""SELECT e.customer_id AS c, e.timestamp AS t,
               {prop("survey_kind")} AS kind, {number("score")} AS score,
               {prop("journey")} AS journey, {prop("stage")} AS stage,
               {prop("touchpoint")} AS touchpoint,
               {number("sentiment")} AS sentiment, {prop("sentiment_label")} AS sentiment_label
        FROM {relation} e
        WHERE e.event = {literal(ANSWERED)} AND e.type = 'track'"""
    text = f"""
WITH base AS MATERIALIZED (
    SELECT * FROM ({answers}) WHERE {_window("t", scope, params)}
),
grouped AS ({_grouped(scope, "base", relation)})
{_levels(scope, aggregates, "t")}
"""
    return Sql(text, params)


def _due_epoch(column: str) -> str:
    """``sla_due_at`` (ISO 8601) as seconds since the epoch; no offset means UTC."""
    zoned = f"regexp_matches({column}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$')"
    return (
        f"CASE WHEN {zoned} THEN epoch(TRY_CAST({column} AS TIMESTAMPTZ)) "
        f"ELSE epoch(TRY_CAST({column} AS TIMESTAMP)) END"
    )


def _ticket_events(relation: str) -> str:
    """The ticket events with the properties the KPIs read."""
    events = ", ".join(literal(e) for e in TICKET_EVENTS)
    # The prefix test is pushed below the stitching joins, the IN list is not: 0.1 s instead
    # of 0.5 s on a million events.
    return f"""SELECT e.customer_id AS c, e.timestamp AS t, e.seq AS s, e.event,
               {prop("ticket_id")} AS ticket, {prop("journey")} AS journey,
               {prop("stage")} AS stage, {prop("touchpoint")} AS touchpoint,
               {number("response_seconds")} AS response_seconds,
               {prop("first_contact_resolution")} AS fcr, {prop("sla_due_at")} AS sla_due
        FROM {relation} e
        WHERE starts_with(e.event, 'ticket_') AND e.event IN ({events}) AND e.type = 'track'"""


def _ticket_rows(events: str) -> str:
    """One row per ticket: its customer, place, times and outcome, from its events."""
    latest = "(t, s)"
    places = ",\n               ".join(
        f"arg_max({p}, {latest}) FILTER (WHERE {p} IS NOT NULL) AS {p}"
        for p in ("journey", "stage", "touchpoint")
    )
    return f"""SELECT ticket, min(c) AS c,
               min(t) FILTER (WHERE event = 'ticket_opened') AS opened_at,
               min(t) FILTER (WHERE event = 'ticket_contacted') AS contacted_at,
               arg_min(response_seconds, {latest})
                   FILTER (WHERE event = 'ticket_contacted') AS response_seconds,
               bool_or(event = 'ticket_resolved') AS resolved,
               coalesce(arg_max(fcr, {latest}) FILTER (WHERE event = 'ticket_resolved'), '')
                   = 'true' AS fcr,
               bool_or(event = 'ticket_closed') AS closed,
               bool_or(event = 'ticket_escalated') AS escalated,
               arg_max(sla_due, {latest}) FILTER (WHERE sla_due IS NOT NULL) AS sla_due,
               {places}
        FROM {events}
        WHERE ticket IS NOT NULL
        GROUP BY ticket"""


def tickets_sql(scope: Scope, as_of: datetime | None, relation: str = EVENTS) -> Sql:
    """Ticket counts, response times and SLA per level, for the tickets opened in the range.

    A ticket is *due* once it was contacted or its ``sla_due_at`` has passed by ``as_of``
    (the latest event); it *met* its SLA when it was contacted no later than ``sla_due_at``.
    """
    params: dict[str, Any] = {"as_of": as_of}
    response = "coalesce(response_seconds, epoch(contacted_at) - epoch(opened_at))"
    aggregates = """count(*) AS tickets,
        count(contacted_at) AS contacted,
        median(response) AS response_median,
        avg(response) AS response_mean,
        count(*) FILTER (WHERE resolved) AS resolved,
        count(*) FILTER (WHERE resolved AND fcr) AS fcr,
        count(*) FILTER (WHERE due) AS sla_due,
        count(*) FILTER (WHERE due AND met) AS sla_met,
        count(*) FILTER (WHERE escalated) AS escalated,
        count(*) FILTER (WHERE closed) AS closed"""
    text = f"""
WITH tev AS MATERIALIZED ({_ticket_events(relation)}),
tickets AS (
    SELECT *, {_due_epoch("sla_due")} AS due_epoch FROM ({_ticket_rows("tev")})
    WHERE opened_at IS NOT NULL AND {_window("opened_at", scope, params)}
),
base AS MATERIALIZED (
    SELECT *, CASE WHEN contacted_at IS NOT NULL THEN {response} END AS response,
           due_epoch IS NOT NULL AND (contacted_at IS NOT NULL
                                      OR due_epoch <= epoch(CAST($as_of AS TIMESTAMP))) AS due,
           contacted_at IS NOT NULL AND epoch(contacted_at) <= due_epoch AS met
    FROM tickets
),
grouped AS ({_grouped(scope, "base", relation)})
{_levels(scope, aggregates, "opened_at")}
"""
    return Sql(text, params)


def data_end_sql() -> str:
    """The latest event in the log (the raw table: the same times without the stitching joins)."""
    return "SELECT max(timestamp) FROM events"


def memberships_sql(members: dict[str, str]) -> str:
    """``SELECT g, c``: every saved segment's customers, from each segment's member query."""
    if not members:
        return "SELECT NULL::VARCHAR AS g, NULL::VARCHAR AS c WHERE false"
    return "\nUNION ALL\n".join(
        f"SELECT {literal(name)} AS g, customer_id AS c FROM ({sql})"
        for name, sql in members.items()
    )
