"""The closed-loop report: of the detractors, how many got a ticket, were contacted in time,
and answered as promoters later.

Read from the event log alone (``survey_answered`` and the ticket events of
docs/feedback/events.md), so it agrees with every other analysis and needs no operational data:

- a *detractor* is a ``survey_answered`` event of an ``nps`` or ``nps_plus`` survey with a
  score of 0–6, answered in [since, until); each such answer counts once;
- it *got a ticket* when a ``ticket_opened`` event names its ``response_id``;
- that ticket's customer was *contacted* when the ticket has a ``ticket_contacted`` event,
  *within SLA* when that event is no later than the ticket's ``sla_due_at``;
- the customer *became a promoter* when the same (stitched) customer answered an ``nps`` or
  ``nps_plus`` survey later (at any time, even after ``until``) with a score of 9 or 10.
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from journeys.errors import InvalidInput
from journeys.workspace import Workspace

REPORT_SQL = """
WITH answers AS (
    SELECT customer_id, timestamp, seq,
           json_extract_string(properties, '$.response_id') AS response_id,
           TRY_CAST(json_extract_string(properties, '$.score') AS INTEGER) AS score
    FROM stitched_events
    WHERE type = 'track' AND event = 'survey_answered'
      AND json_extract_string(properties, '$.survey_kind') IN ('nps', 'nps_plus')
),
detractors AS (
    SELECT * FROM answers WHERE score <= 6 {window}
),
opened AS (
    SELECT json_extract_string(properties, '$.response_id') AS response_id,
           min(json_extract_string(properties, '$.ticket_id')) AS ticket_id
    FROM events
    WHERE type = 'track' AND event = 'ticket_opened'
      AND json_extract_string(properties, '$.response_id') IS NOT NULL
    GROUP BY 1
),
contacted AS (
    SELECT json_extract_string(properties, '$.ticket_id') AS ticket_id,
           min(timestamp) AS contacted_at,
           min(TRY_CAST(json_extract_string(properties, '$.sla_due_at') AS TIMESTAMP)) AS due
    FROM events
    WHERE type = 'track' AND event = 'ticket_contacted'
    GROUP BY 1
),
followed AS (
    SELECT d.seq,
           o.ticket_id IS NOT NULL AS ticketed,
           c.contacted_at IS NOT NULL AS contacted,
           coalesce(c.contacted_at <= c.due, false) AS in_sla,
           EXISTS (
               SELECT 1 FROM answers p
               WHERE p.customer_id = d.customer_id AND p.timestamp > d.timestamp
                 AND p.score >= 9
           ) AS promoter
    FROM detractors d
    LEFT JOIN opened o ON o.response_id = d.response_id
    LEFT JOIN contacted c ON c.ticket_id = o.ticket_id
)
SELECT count(*),
       count(*) FILTER (WHERE ticketed),
       count(*) FILTER (WHERE contacted),
       count(*) FILTER (WHERE in_sla),
       count(*) FILTER (WHERE promoter),
       count(*) FILTER (WHERE promoter AND contacted),
       count(*) FILTER (WHERE promoter AND NOT contacted)
FROM followed
"""


class ClosedLoopReport(BaseModel):
    """How the closed loop did for the detractors of a period; shares are of the detractors."""

    since: datetime | None
    until: datetime | None
    detractors: int
    ticketed: int
    ticketed_share: float | None
    contacted: int
    contacted_share: float | None
    contacted_within_sla: int
    contacted_within_sla_share: float | None
    became_promoters: int
    became_promoters_share: float | None
    # Did contacting help? The promoter rate among contacted and not contacted detractors.
    promoters_when_contacted: int
    promoters_when_contacted_share: float | None
    promoters_when_not_contacted: int
    promoters_when_not_contacted_share: float | None


def closed_loop_report(
    ws: Workspace, since: datetime | None = None, until: datetime | None = None
) -> ClosedLoopReport:
    """The closed-loop figures of the detractors who answered in [since, until)."""
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise InvalidInput("`since` must come before `until`", details={"field": "since"})
    window, args = _window(since, until)
    with closing(ws.events.fresh_reader()) as con:
        row = con.execute(REPORT_SQL.format(window=window), args).fetchone()
    assert row is not None  # an aggregate always returns one row
    total, ticketed, contacted, in_sla, promoters, after_contact, without = (int(v) for v in row)
    return ClosedLoopReport(
        since=since,
        until=until,
        detractors=total,
        ticketed=ticketed,
        ticketed_share=_share(ticketed, total),
        contacted=contacted,
        contacted_share=_share(contacted, total),
        contacted_within_sla=in_sla,
        contacted_within_sla_share=_share(in_sla, total),
        became_promoters=promoters,
        became_promoters_share=_share(promoters, total),
        promoters_when_contacted=after_contact,
        promoters_when_contacted_share=_share(after_contact, contacted),
        promoters_when_not_contacted=without,
        promoters_when_not_contacted_share=_share(without, total - contacted),
    )


def _window(since: datetime | None, until: datetime | None) -> tuple[str, dict[str, Any]]:
    sql, args = "", {}
    if since is not None:
        sql, args["since"] = sql + " AND timestamp >= $since", since
    if until is not None:
        sql, args["until"] = sql + " AND timestamp < $until", until
    return sql, args


def _utc(moment: datetime | None) -> datetime | None:
    """Naive UTC, as the event log keeps time."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
