"""The page ``/analyse/conformance``: deviations as an ECharts bar chart, variants and more."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.conformance import format as fmt
from journeys.analytics.conformance.query import ConformanceQuery
from journeys.analytics.conformance.runner import conformance
from journeys.analytics.dfg.web import form_int
from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/analyse/conformance", response_class=HTMLResponse)
def conformance_page(request: Request) -> Response:
    """The form, the deviations chart and the variants, deviations and breakdown tables."""
    ws = workspace_of(request)
    journeys = ws.journeys()
    form = {k: v.strip() for k, v in request.query_params.items()}
    if not form.get("journey") and journeys:
        form["journey"] = journeys[0].id  # something to look at on arrival
    context: dict[str, Any] = {"form": form, "journeys": journeys, "fmt": fmt}
    if not journeys:
        return _page(request, "analyse_conformance.html", "analyse", **context)
    try:
        query = ConformanceQuery(
            journey=form["journey"], top=form_int(form, "top", 10), by=form.get("by") or None
        )
        result = conformance(ws, query)
    except JourneysError as exc:
        template = "analyse_conformance.html"
        return _page(request, template, "analyse", exc.status, error=exc, **context)
    return _page(
        request,
        "analyse_conformance.html",
        "analyse",
        result=result,
        summary=fmt.summary_text(result),
        options=fmt.bar_options(result),
        **context,
    )
