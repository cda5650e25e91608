"""``GET /api/analytics/dfg``: the directly-follows graph over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.dfg.result import DfgResult
from journeys.analytics.dfg.runner import dfg
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.get("/dfg", response_model=DfgResult)
def get_dfg(
    request: Request,
    journey: Annotated[
        str | None, Query(description="A journey id: the graph of its touchpoints.")
    ] = None,
    from_date: Annotated[date | None, Query(alias="from", description="First day (UTC).")] = None,
    to_date: Annotated[date | None, Query(alias="to", description="Last day (UTC).")] = None,
    min_count: Annotated[int, Query(description="Leave out edges seen fewer times.")] = 1,
    segment: Annotated[str | None, Query(description="Only the customers of this segment.")] = None,
) -> DfgResult:
    """Which event (or touchpoint) directly follows which, per customer: counts and median times."""
    workspace = workspace_of(request)
    query = DfgQuery(
        segment=segment, journey=journey, from_date=from_date, to_date=to_date, min_count=min_count
    )
    return dfg(workspace, query)
