"""Run the KPI analysis: validate, build the SQL, run it on a read connection, shape the result.

``kpis(workspace, query)`` is the Python API; ``run_kpis`` takes an open read connection for
callers that already hold one (the measured journey map asks it for its feedback figures).
"""

from __future__ import annotations

from contextlib import closing
from datetime import date, datetime, timedelta
from typing import Any

from journeys.analytics.common import EVENTS, Connection, analytics_reader, run_query
from journeys.analytics.kpis import builder, labels
from journeys.analytics.kpis.measures import feedback_of, tickets_of
from journeys.analytics.kpis.query import KpiQuery
from journeys.analytics.kpis.result import KpiGroup, KpiPoint, KpiResult, KpiSeries
from journeys.analytics.kpis.rules import check_kpis, check_period_count
from journeys.analytics.retention import periods as cal
from journeys.analytics.segments import all_segments, segment_relation
from journeys.analytics.segments.builder import members_sql
from journeys.analytics.segments.runner import as_of_default
from journeys.maps.model import Journey
from journeys.workspace import Workspace

Rows = dict[str, list[dict[str, Any]]]  # level → rows


def kpis(workspace: Workspace, query: KpiQuery) -> KpiResult:
    """NPS, CSAT, CES, sentiment and ticket KPIs overall and per group, and their trend."""
    check_kpis(query)
    if query.journey is not None:
        workspace.journey(query.journey)  # an unknown journey is a 404, not an empty result
    journeys = {j.id: j for j in workspace.journeys()}
    with closing(analytics_reader(workspace)) as con:
        relation = segment_relation(workspace, con, query.segment)
        memberships = segment_memberships(workspace, con) if query.by == "segment" else None
        return run_kpis(con, query, journeys, relation, memberships)


def segment_memberships(workspace: Workspace, con: Connection) -> str:
    """``SELECT g, c``: the customers of every saved segment, as of the latest event."""
    when = as_of_default(con)
    if when is None:  # an empty log: nobody is in any segment
        return builder.memberships_sql({})
    journeys = {j.id: j for j in workspace.journeys()}
    found = all_segments(workspace.operational)
    return builder.memberships_sql({s.name: members_sql(s, journeys, when) for s in found})


def run_kpis(
    con: Connection,
    query: KpiQuery,
    journeys: dict[str, Journey],
    relation: str = EVENTS,
    memberships: str | None = None,
) -> KpiResult:
    """The KPIs on an open read connection; ``relation`` has the columns of stitched_events."""
    check_kpis(query)
    as_of = data_end(con)
    scope = builder.Scope(
        by=query.by,
        grain=query.grain,
        start=_day(query.date_from),
        end=_day(query.date_to + timedelta(days=1)) if query.date_to else None,
        journey=query.journey,
        memberships=memberships,
    )
    feedback = _levels(con, builder.feedback_sql(scope, relation), "the survey KPIs")
    tickets = _levels(con, builder.tickets_sql(scope, as_of, relation), "the ticket KPIs")
    return assemble(query, journeys, as_of, feedback, tickets)


def data_end(con: Connection) -> datetime | None:
    """The latest event in the log (None when the log is empty)."""
    value = run_query(con, builder.data_end_sql(), what="the latest event").column(0)[0]
    moment: datetime | None = value.as_py()
    return moment


def _levels(con: Connection, sql: builder.Sql, what: str) -> Rows:
    found: Rows = {"total": [], "total_trend": [], "group": [], "trend": []}
    for row in run_query(con, sql.text, sql.params, what=what).to_pylist():
        found[row["level"]].append(row)
    return found


def assemble(
    query: KpiQuery,
    journeys: dict[str, Journey],
    as_of: datetime | None,
    feedback: Rows,
    tickets: Rows,
) -> KpiResult:
    """The result model from the rows of the two statements."""
    overall = KpiGroup(
        key="all",
        label=labels.OVERALL,
        feedback=feedback_of(_one(feedback["total"])),
        tickets=tickets_of(_one(tickets["total"])),
    )
    by_group = _keyed(feedback["group"]), _keyed(tickets["group"])
    keys = labels.ordered(query.by, set(by_group[0]) | set(by_group[1]), journeys)
    groups = [
        KpiGroup(
            key=k,
            label=labels.label(query.by, k, journeys),
            feedback=feedback_of(by_group[0].get(k)),
            tickets=tickets_of(by_group[1].get(k)),
        )
        for k in keys
    ]
    starts = _periods(query, feedback, tickets)
    trend = []
    if query.grain is not None:
        trend.append(
            _series(query, overall, starts, feedback["total_trend"], tickets["total_trend"])
        )
        for g in groups:
            fb = [r for r in feedback["trend"] if r["g"] == g.key]
            tk = [r for r in tickets["trend"] if r["g"] == g.key]
            trend.append(_series(query, g, starts, fb, tk))
    grain = query.grain or "day"
    return KpiResult(
        query=query,
        as_of=as_of,
        overall=overall,
        groups=groups,
        periods=[cal.label(s, grain) for s in starts],
        trend=trend,
    )


def _one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def _keyed(rows: list[dict[str, Any]]) -> dict[str | None, dict[str, Any]]:
    return {r["g"]: r for r in rows}


def _periods(query: KpiQuery, feedback: Rows, tickets: Rows) -> list[datetime]:
    """Every period from the range's first to its last (else the data's), oldest first."""
    grain = query.grain
    if grain is None:
        return []
    seen = [r["p"] for r in feedback["total_trend"] + tickets["total_trend"]]
    first = cal.start_of(query.date_from, grain) if query.date_from else min(seen, default=None)
    last = cal.start_of(query.date_to, grain) if query.date_to else max(seen, default=None)
    if first is None or last is None or last < first:
        return []
    count = cal.between(first, last, grain) + 1
    check_period_count(count, grain)
    return [cal.shift(first, grain, i) for i in range(count)]


def _series(
    query: KpiQuery,
    group: KpiGroup,
    starts: list[datetime],
    feedback: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
) -> KpiSeries:
    """A group's points for every period; ``feedback`` and ``tickets`` are its rows."""
    assert query.grain is not None
    fb = {r["p"]: r for r in feedback}
    tk = {r["p"]: r for r in tickets}
    points = [
        KpiPoint(
            period=s,
            label=cal.label(s, query.grain),
            feedback=feedback_of(fb.get(s)),
            tickets=tickets_of(tk.get(s)),
        )
        for s in starts
    ]
    return KpiSeries(key=group.key, label=group.label, points=points)


def _day(d: date | None) -> datetime | None:
    return datetime(d.year, d.month, d.day) if d else None
