"""The page ``/analyse/dfg``: the directly-follows graph drawn with ECharts, and its tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.common import elapsed_text
from journeys.analytics.dfg.format import (
    CHART_EDGES,
    graph_options,
    summary_text,
)
from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.dfg.runner import dfg
from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput, JourneysError
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
TABLE_ROWS = 200


@router.get("/analyse/dfg", response_class=HTMLResponse)
def dfg_page(request: Request) -> Response:
    """The form, the graph of the most frequent edges, and the edges and activities tables."""
    ws = workspace_of(request)
    form = {k: v.strip() for k, v in request.query_params.items()}
    context: dict[str, Any] = {"form": form, "journeys": ws.journeys(), "chart_edges": CHART_EDGES}
    try:
        result = dfg(ws, read_form(form))
    except JourneysError as exc:
        return _page(request, "analyse_dfg.html", "analyse", exc.status, error=exc, **context)
    return _page(
        request,
        "analyse_dfg.html",
        "analyse",
        result=result,
        summary=summary_text(result),
        options=graph_options(result),
        edges=result.edges[:TABLE_ROWS],
        table_rows=TABLE_ROWS,
        duration=elapsed_text,
        **context,
    )


def read_form(form: dict[str, str]) -> DfgQuery:
    """The query of the page's form; empty fields take their defaults."""
    return DfgQuery(
        journey=form.get("journey") or None,
        from_date=form_date(form, "from"),
        to_date=form_date(form, "to"),
        min_count=form_int(form, "min_count", 1),
    )


def form_date(form: dict[str, str], field: str) -> date | None:
    """A date field of a form (YYYY-MM-DD); empty is None."""
    text = form.get(field)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{field}: {text!r} is not a date (YYYY-MM-DD)",
            details={"code": "not_a_date", "field": field},
        ) from exc


def form_int(form: dict[str, str], field: str, default: int) -> int:
    """A whole-number field of a form; empty takes the default."""
    text = form.get(field)
    if not text:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{field}: {text!r} is not a whole number",
            details={"code": "not_a_number", "field": field},
        ) from exc
