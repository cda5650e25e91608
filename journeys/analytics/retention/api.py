"""``GET /api/analytics/retention`` and ``GET /api/analytics/churn``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from journeys.analytics.retention.query import ChurnResult, RetentionResult
from journeys.analytics.retention.rules import churn_query, retention_query
from journeys.analytics.retention.runner import churn, retention
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.get("/retention", response_model=RetentionResult)
def get_retention(
    request: Request,
    start: str = Query(
        description="Start step, e.g. `signup`, `purchase where price > 100` or "
        "`touchpoint fashion/order-placed`: its first occurrence puts a customer in a cohort."
    ),
    returning: str | None = Query(
        None, alias="return", description="Return step; default: any activity."
    ),
    period: str = Query("week", description="day, week (ISO, from Monday) or month (UTC)."),
    periods: int = Query(8, description="Periods to show after the cohort's own."),
    date_from: str | None = Query(
        None, alias="from", description="YYYY-MM-DD: the first cohort is this day's period."
    ),
    date_to: str | None = Query(
        None, alias="to", description="YYYY-MM-DD: the last cohort is this day's period."
    ),
    mode: str = Query("on", description="on: returned in that period; on_or_after: or later."),
    segment: str | None = Query(None, description="Only the customers of this segment."),
) -> RetentionResult:
    """Retention cohorts by the period of each customer's first start step."""
    query = retention_query(start, returning, period, periods, date_from, date_to, mode)
    return retention(workspace_of(request), query.model_copy(update={"segment": segment}))


@router.get("/churn", response_model=ChurnResult)
def get_churn(
    request: Request,
    inactive: str = Query("30d", description="Silence that counts as churn: 30d, 2w, 12h…"),
    as_of: str | None = Query(
        None, description="Reference day (its end) or ISO instant; default: latest activity."
    ),
    limit: int = Query(50, description="Churned customers to return (1–1000)."),
    offset: int = Query(0, description="Churned customers to skip."),
    segment: str | None = Query(None, description="Only the customers of this segment."),
) -> ChurnResult:
    """Customers silent for ``inactive`` as of a reference time, and the churn rate."""
    query = churn_query(inactive, as_of, limit, offset)
    return churn(workspace_of(request), query.model_copy(update={"segment": segment}))
