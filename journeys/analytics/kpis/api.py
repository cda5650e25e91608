"""``GET /api/analytics/kpis`` and ``GET /api/analytics/kpis/board``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from journeys.analytics.kpis.board import kpi_board
from journeys.analytics.kpis.result import KpiBoard, KpiResult
from journeys.analytics.kpis.rules import board_query, kpi_query
from journeys.analytics.kpis.runner import kpis
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
FROM = Query(None, alias="from", description="YYYY-MM-DD: first day included (UTC).")
TO = Query(None, alias="to", description="YYYY-MM-DD: last day included (UTC).")
SEGMENT = Query(None, description="Only the customers of this segment.")


@router.get("/kpis", response_model=KpiResult)
async def get_kpis(
    request: Request,
    by: str = Query(
        "overall", description="overall, touchpoint, stage, journey, persona or segment."
    ),
    grain: str | None = Query(None, description="day, week or month: add the trend series."),
    date_from: str | None = FROM,
    date_to: str | None = TO,
    segment: str | None = SEGMENT,
    journey: str | None = Query(None, description="Only answers and tickets about it."),
) -> KpiResult:
    """NPS with its 95 % margin, CSAT, CES, sentiment and ticket KPIs, per group and period."""
    query = kpi_query(by, grain, date_from, date_to, segment, journey)
    return await run_in_threadpool(kpis, workspace_of(request), query)


@router.get("/kpis/board", response_model=KpiBoard)
async def get_board(
    request: Request,
    date_from: str | None = FROM,
    date_to: str | None = TO,
    segment: str | None = SEGMENT,
    journey: str | None = Query(None, description="Only this journey."),
    inactive: str = Query("30d", description="The retention window: 30d, 4w…"),
) -> KpiBoard:
    """The KPI board: governance, management and operations."""
    query = board_query(date_from, date_to, segment, journey, inactive)
    return await run_in_threadpool(kpi_board, workspace_of(request), query)
