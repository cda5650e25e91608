"""Run retention and churn: validate, fill defaults, build SQL, run it, shape the result.

``retention(workspace, query)`` and ``churn(workspace, query)`` are the Python API; the
``run_*`` functions take an open read connection for callers that already hold one.
"""

from __future__ import annotations

from contextlib import closing
from datetime import datetime

from journeys.analytics.common import EVENTS, Connection, analytics_reader, run_query
from journeys.analytics.retention import periods as cal
from journeys.analytics.retention.builder import (
    churn_sql,
    data_end_sql,
    event_names_sql,
    retention_sql,
)
from journeys.analytics.retention.context import (
    RetentionContext,
    churn_context,
    retention_context,
)
from journeys.analytics.retention.query import (
    AveragePeriod,
    ChurnedCustomer,
    ChurnQuery,
    ChurnResult,
    Cohort,
    CohortPeriod,
    RetentionQuery,
    RetentionResult,
)
from journeys.analytics.retention.rules import check_churn, check_retention, step_condition
from journeys.analytics.segments import segment_relation
from journeys.maps.model import Journey
from journeys.workspace import Workspace

Counts = dict[tuple[datetime, int], int]  # (cohort start, period) → customers


def retention(workspace: Workspace, query: RetentionQuery) -> RetentionResult:
    """Cohorts by first ``query.start`` and the share retained in each period after."""
    journeys = {j.id: j for j in workspace.journeys()}
    with closing(analytics_reader(workspace)) as con:
        return run_retention(con, journeys, query, segment_relation(workspace, con, query.segment))


def churn(workspace: Workspace, query: ChurnQuery) -> ChurnResult:
    """Customers silent for ``query.inactive``, and the churn rate of those active before."""
    with closing(analytics_reader(workspace)) as con:
        return run_churn(con, query, segment_relation(workspace, con, query.segment))


def run_retention(
    con: Connection,
    journeys: dict[str, Journey],
    query: RetentionQuery,
    events: str = EVENTS,
) -> RetentionResult:
    """Retention on an open read connection."""
    start = step_condition(query.start, journeys, "start")
    back = step_condition(query.returning, journeys, "return") if query.returning else None
    ctx = retention_context(check_retention(query), data_end(con))
    counts: Counts = {}
    if ctx.cohorts:
        sql = retention_sql(ctx, start, back, events)
        rows = run_query(con, sql.text, sql.params, what="the retention query").to_pylist()
        counts = {(r["cohort_start"], r["period"]): r["customers"] for r in rows}
    return assemble(ctx, counts)


def run_churn(con: Connection, query: ChurnQuery, events: str = EVENTS) -> ChurnResult:
    """Churn on an open read connection."""
    ctx = churn_context(check_churn(query), data_end(con))
    totals = {"customers": 0, "churned": 0, "active_before": 0, "churned_from_active": 0}
    page: list[ChurnedCustomer] = []
    if ctx.as_of is not None:
        sql = churn_sql(ctx, events)
        rows = run_query(con, sql.text, sql.params, what="the churn query").to_pylist()
        totals = {name: rows[0][name] for name in totals}  # every row carries the totals
        page = [
            ChurnedCustomer(**{k: r[k] for k in _CUSTOMER})
            for r in rows
            if r["customer_id"] is not None  # the one row of an empty page
        ]
    base = totals["active_before"]
    return ChurnResult(
        query=query,
        as_of=ctx.as_of,
        window_start=ctx.window_start,
        cutoff=ctx.cutoff,
        **totals,
        churn_rate=totals["churned_from_active"] / base if base else None,
        churned_customers=page,
    )


_CUSTOMER = tuple(ChurnedCustomer.model_fields)


def data_end(con: Connection) -> datetime | None:
    """The latest activity in the log (None when there is none)."""
    sql = data_end_sql()
    value = run_query(con, sql.text, sql.params, what="the latest activity").column(0)[0]
    moment: datetime | None = value.as_py()
    return moment


def assemble(ctx: RetentionContext, counts: Counts) -> RetentionResult:
    """The cohort table and the weighted average curve from the counts per cell."""
    cohorts = [_cohort(ctx, start, counts) for start in ctx.cohorts]
    return RetentionResult(
        query=ctx.query,
        first_cohort=ctx.cohorts[0] if ctx.cohorts else None,
        last_cohort=ctx.cohorts[-1] if ctx.cohorts else None,
        data_end=ctx.data_end,
        customers=sum(c.size for c in cohorts),
        cohorts=cohorts,
        average=[_average(cohorts, k) for k in range(ctx.query.periods + 1)],
    )


def _cohort(ctx: RetentionContext, start: datetime, counts: Counts) -> Cohort:
    period, end = ctx.query.period, ctx.data_end
    size = counts.get((start, 0), 0)
    cells = []
    for k in range(ctx.query.periods + 1):
        begins, ends = cal.shift(start, period, k), cal.shift(start, period, k + 1)
        # Period 0 holds the cohort by definition, even when the start step is an identify
        # later than the latest activity.
        reached = (k == 0 and size > 0) or (end is not None and begins <= end)
        retained = counts.get((start, k), 0) if reached else None
        share = retained / size if retained is not None and size else None
        complete = end is not None and ends <= end
        cells.append(
            CohortPeriod(period=k, start=begins, retained=retained, share=share, complete=complete)
        )
    return Cohort(start=start, label=cal.label(start, period), size=size, periods=cells)


def _average(cohorts: list[Cohort], k: int) -> AveragePeriod:
    # A period still running would pull the curve down, so only complete periods count; the
    # cohort's own period 0 is 100 % by definition, running or not.
    counted = [c for c in cohorts if c.size and (k == 0 or c.periods[k].complete)]
    retained = sum(c.periods[k].retained or 0 for c in counted)
    customers = sum(c.size for c in counted)
    share = retained / customers if customers else None
    return AveragePeriod(period=k, retained=retained, customers=customers, share=share)


def step_suggestions(workspace: Workspace, limit: int = 100) -> list[str]:
    """Steps to offer in a form: the most frequent event names, then every touchpoint."""
    touchpoints = [
        f"touchpoint {j.id}/{tp.id}"
        for j in workspace.journeys()
        for _, tp in j.touchpoints()
        if tp.match is not None
    ]
    sql = event_names_sql(limit)
    with closing(analytics_reader(workspace)) as con:
        names = run_query(con, sql.text, sql.params, what="the event names").column(0)
    return [str(n) for n in names.to_pylist()] + touchpoints
