"""SQL for retention and churn over ``stitched_events``; returns text and parameters, never runs.

Retention is one pass over the events: rows are grouped by (customer, calendar period), then a
window over each customer's few rows finds the period of their first start step, their cohort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeys.analytics.common import EVENTS
from journeys.analytics.retention.context import ChurnContext, RetentionContext
from journeys.analytics.retention.periods import sql_index
from journeys.analytics.retention.query import ACTIVITY_TYPES
from journeys.store.duck import literal

RAW_EVENTS = "events"  # the event log's table, before stitching


@dataclass(frozen=True)
class Sql:
    """A query's text and its named parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


def activity_sql(alias: str = "e") -> str:
    """The condition for an activity event (track, page or screen)."""
    types = ", ".join(literal(t) for t in ACTIVITY_TYPES)
    return f"{alias}.type IN ({types})"


def data_end_sql() -> Sql:
    """The latest activity in the log."""
    # The raw table holds the same rows and timestamps as the stitched view without its three
    # joins: 60 ms instead of 300 ms on a million events.
    return Sql(f"SELECT max(e.timestamp) FROM {RAW_EVENTS} e WHERE {activity_sql()}")


def event_names_sql(limit: int) -> Sql:
    """The most frequent event names, most frequent first."""
    text = f"SELECT event FROM {RAW_EVENTS} GROUP BY event ORDER BY count(*) DESC, event LIMIT $n"
    return Sql(text, {"n": limit})


def retention_sql(
    ctx: RetentionContext, start: str, returning: str | None, events: str = EVENTS
) -> Sql:
    """Rows (cohort_start, period, customers) for every non-empty cell, period 0 included.

    ``start`` and ``returning`` are SQL conditions on an event row ``e`` (None: any activity).
    Only start events before the last cohort's end matter (to find each customer's first);
    only returns from the first cohort on, and before ``returns_end`` when there is one.
    """
    q = ctx.query
    back = returning or activity_sql()
    returns_window = "e.timestamp >= $cohorts_start"
    params: dict[str, Any] = {"cohorts_start": ctx.cohorts_start, "cohorts_end": ctx.cohorts_end}
    if ctx.returns_end is not None:
        returns_window += " AND e.timestamp < $returns_end"
        params["returns_end"] = ctx.returns_end
    index = sql_index(q.period, "cohort_start", "period_start")
    text = f"""
WITH activity AS (
    SELECT e.customer_id, date_trunc('{q.period}', e.timestamp) AS period_start,
           bool_or(CASE WHEN {start} THEN true ELSE false END) AS started,
           bool_or(CASE WHEN {back} THEN true ELSE false END) AS returned
    FROM {events} e
    WHERE ({start} AND e.timestamp < $cohorts_end) OR ({back} AND {returns_window})
    GROUP BY ALL
),
members AS (
    SELECT customer_id, period_start, returned,
           min(period_start) FILTER (WHERE started) OVER (PARTITION BY customer_id) AS cohort_start
    FROM activity
),
cells AS (
    SELECT customer_id, cohort_start, {index} AS period, returned
    FROM members
    WHERE cohort_start >= $cohorts_start AND cohort_start < $cohorts_end
)
{_MODES[q.mode]}
ORDER BY cohort_start, period
"""
    params["periods"] = q.periods
    return Sql(text, params)


# "on": a customer counts in period k when they returned in it. "on_or_after": when they
# returned in k or any later period, so each customer counts in 1..(their last return).
_MODES = {
    "on": """SELECT cohort_start, period, count(*) AS customers
FROM cells
WHERE period = 0 OR (returned AND period BETWEEN 1 AND $periods)
GROUP BY ALL""",
    "on_or_after": """, last_return AS (
    SELECT customer_id, cohort_start,
           coalesce(max(period) FILTER (WHERE returned AND period >= 1), 0) AS last_period
    FROM cells GROUP BY ALL
)
SELECT cohort_start, p.period, count(*) AS customers
FROM last_return, unnest(range(0, least(last_period, $periods) + 1)) AS p(period)
GROUP BY ALL""",
}


def churn_sql(ctx: ChurnContext, events: str = EVENTS) -> Sql:
    """The totals (customers, churned, active_before, churned_from_active) on every row, each
    row with one churned customer of the page (the most recently seen first); one row with
    null customer columns when the page is empty."""
    # One pass over the events: the per-customer rows are materialised and read twice.
    text = f"""
WITH per_customer AS MATERIALIZED (
    {_per_customer(events)}
),
totals AS (
    SELECT count(*) AS customers,
           count(*) FILTER (WHERE last_seen <= $cutoff) AS churned,
           count(*) FILTER (WHERE active_before) AS active_before,
           count(*) FILTER (WHERE active_before AND last_seen <= $cutoff) AS churned_from_active
    FROM per_customer
),
page AS (
    SELECT customer_id, known, first_seen, last_seen,
           CAST(floor((epoch($as_of) - epoch(last_seen)) / 86400) AS BIGINT) AS days_inactive,
           events
    FROM per_customer
    WHERE last_seen <= $cutoff
    ORDER BY last_seen DESC, customer_id
    LIMIT $limit OFFSET $offset
)
SELECT t.*, p.* FROM totals t LEFT JOIN page p ON true
ORDER BY p.last_seen DESC, p.customer_id
"""
    params = {
        "as_of": ctx.as_of,
        "cutoff": ctx.cutoff,
        "window_start": ctx.window_start,
        "limit": ctx.query.limit,
        "offset": ctx.query.offset,
    }
    return Sql(text, params)


def _per_customer(events: str) -> str:
    return f"""SELECT e.customer_id, bool_or(e.known) AS known, count(*) AS events,
           min(e.timestamp) AS first_seen, max(e.timestamp) AS last_seen,
           bool_or(e.timestamp > $window_start AND e.timestamp <= $cutoff) AS active_before
    FROM {events} e
    WHERE {activity_sql()} AND e.timestamp <= $as_of
    GROUP BY e.customer_id"""
