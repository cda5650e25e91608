"""``POST /api/analytics/funnel``: the query model as the JSON body, the result as JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from journeys.analytics.funnels.query import FunnelQuery
from journeys.analytics.funnels.result import FunnelResult
from journeys.analytics.funnels.runner import funnel
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.post("/funnel", response_model=FunnelResult)
async def post_funnel(request: Request, query: FunnelQuery) -> FunnelResult:
    """Customers per step, conversion, drop-off, time to convert; optionally who dropped."""
    workspace = workspace_of(request)
    return await run_in_threadpool(funnel, workspace, query)
