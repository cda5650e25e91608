"""The pain-point page and the customers behind each pain point."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.overlay import OverlayQuery, dropped_customers, pain_points
from journeys.api.deps import workspace_of
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/analyse/painpoints", response_class=HTMLResponse)
async def painpoints_page(request: Request, journey: str | None = None) -> Response:
    """Pick a journey; its touchpoints ranked by drop-off and time, with a chart."""
    ws = workspace_of(request)
    journeys = ws.journeys()
    chosen = journey or (journeys[0].id if journeys else None)
    result = None
    if chosen is not None:
        result = await run_in_threadpool(pain_points, ws, OverlayQuery(journey=chosen), 10)
    return _page(request, "analyse_painpoints.html", "analyse", journeys=journeys, result=result)


@router.get("/analyse/painpoints/{journey}/{touchpoint}", response_class=HTMLResponse)
async def dropped_page(
    request: Request, journey: str, touchpoint: str, page: int = Query(1, ge=1, le=10_000_000)
) -> Response:
    """The customers whose journey ended at the touchpoint, linked to their timelines."""
    ws = workspace_of(request)
    query = OverlayQuery(journey=journey)
    result = await run_in_threadpool(
        dropped_customers, ws, query, touchpoint, PAGE, (page - 1) * PAGE
    )
    more = result.offset + len(result.customers) < result.total
    return _page(
        request,
        "analyse_dropped.html",
        "analyse",
        journey=ws.journey(journey),
        result=result,
        page=page,
        more=more,
    )
