"""The funnel page ``/analyse/funnel``: a form (steps, window, order…), a bar chart, the step
table and the customers who dropped at a step, each linked to their profile."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.funnels.format import HEADERS, chart_options, tables
from journeys.analytics.funnels.query import ORDERS, FunnelQuery
from journeys.analytics.funnels.runner import funnel
from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50
EXAMPLE = "product_viewed\nadded_to_cart\ncheckout_started\norder_completed"


@router.get("/analyse/funnel", response_class=HTMLResponse)
def funnel_page(
    request: Request,
    steps: str = "",
    window: str = "7d",
    order: str = "ordered",
    exclude: str = "",
    breakdown: str = "",
    dropped_at: int | None = Query(None),
    page: int = Query(1, ge=1, le=10_000_000),
) -> Response:
    """The form; with steps, the funnel as a chart and a table, and who dropped where."""
    form = {
        "steps": steps,
        "window": window,
        "order": order,
        "exclude": exclude,
        "breakdown": breakdown,
    }
    context: dict[str, Any] = {"form": form, "orders": ORDERS, "example": EXAMPLE}
    lines = _lines(steps)
    if not lines:
        return _page(request, "analyse_funnel.html", "analyse", **context)
    try:
        query = FunnelQuery.build(
            steps=lines,
            window=window,
            order=order,
            exclude=_lines(exclude),
            breakdown=breakdown.strip() or None,
            dropped_at=dropped_at,
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
        result = funnel(workspace_of(request), query)
    except InvalidInput as exc:
        context["error"] = exc.message
        return _page(request, "analyse_funnel.html", "analyse", status_code=422, **context)
    dropped = result.dropped
    context.update(
        result=result,
        headers=HEADERS,
        tables=tables(result),
        chart=json.dumps(chart_options(result)),  # escaped into a data attribute by Jinja
        dropped=dropped.customers[:PAGE] if dropped else None,
        more=bool(dropped and len(dropped.customers) > PAGE),
        page=page,
        link=lambda **changes: "?" + urlencode({**form, **changes}),
    )
    return _page(request, "analyse_funnel.html", "analyse", **context)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
