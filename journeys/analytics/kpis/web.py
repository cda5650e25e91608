"""The KPI page ``/analyse/kpis``: the board of the three levels, the NPS, CSAT and CES trend
charts, and the KPIs per group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.kpis import format as fmt
from journeys.analytics.kpis.board import kpi_board
from journeys.analytics.kpis.query import GRAINS, GROUPINGS
from journeys.analytics.kpis.result import KpiBoard, KpiResult
from journeys.analytics.kpis.rules import board_query, kpi_query
from journeys.analytics.kpis.runner import kpis
from journeys.analytics.segments import all_segments
from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput
from journeys.web.routes import _page
from journeys.workspace import Workspace

router = APIRouter(include_in_schema=False)


@router.get("/analyse/kpis", response_class=HTMLResponse)
async def kpis_page(
    request: Request,
    by: str = "touchpoint",
    grain: str = "week",
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    segment: str = "",
    journey: str = "",
) -> Response:
    """The board, the trend charts and the table of the groups asked for."""
    form = {
        "by": by,
        "grain": grain,
        "from": date_from,
        "to": date_to,
        "segment": segment,
        "journey": journey,
    }
    ws = workspace_of(request)
    context: dict[str, Any] = {
        "form": form,
        "groupings": GROUPINGS,
        "grains": GRAINS,
        "segments": [s.name for s in all_segments(ws.operational)],
        "journeys": ws.journeys(),
    }
    try:
        result, board = await run_in_threadpool(_measure, ws, form)
    except InvalidInput as exc:
        context["error"] = exc
        return _page(request, "analyse_kpis.html", "analyse", status_code=422, **context)
    context.update(_view(result, board))
    return _page(request, "analyse_kpis.html", "analyse", **context)


def _measure(ws: Workspace, form: dict[str, str]) -> tuple[KpiResult, KpiBoard]:
    f = form
    query = kpi_query(f["by"], f["grain"] or "week", f["from"], f["to"], f["segment"], f["journey"])
    board = kpi_board(ws, board_query(f["from"], f["to"], f["segment"], f["journey"]))
    return kpis(ws, query), board


def _view(result: KpiResult, board: KpiBoard) -> dict[str, Any]:
    return {
        "result": result,
        "board": board,
        "chart": fmt.trend_chart(result),
        "groups": [result.overall, *result.groups],
        "fmt": fmt,
    }
