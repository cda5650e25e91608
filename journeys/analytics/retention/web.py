"""The retention and churn page, ``/analyse/retention``: a form, the cohort heat-map and
table, and the churned customers with links to their profiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.retention import format as fmt
from journeys.analytics.retention.periods import PERIODS
from journeys.analytics.retention.query import MODES, ChurnResult, RetentionResult
from journeys.analytics.retention.rules import churn_query, retention_query
from journeys.analytics.retention.runner import churn, retention, step_suggestions
from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50  # churned customers per page


@router.get("/analyse/retention", response_class=HTMLResponse)
def retention_page(
    request: Request,
    start: str = "",
    returning: str = Query("", alias="return"),
    period: str = "week",
    periods: int = 8,
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    mode: str = "on",
    inactive: str = "30d",
    as_of: str = "",
    page: int = Query(1, ge=1, le=10_000_000),
) -> Response:
    """Retention cohorts for the start step asked (none yet: just the form) and churn."""
    form = {
        "start": start,
        "return": returning,
        "period": period,
        "periods": periods,
        "from": date_from,
        "to": date_to,
        "mode": mode,
        "inactive": inactive,
        "as_of": as_of,
    }
    ws = workspace_of(request)
    context: dict[str, Any] = {"form": form, "periods_choice": PERIODS, "modes": MODES}
    context["suggestions"] = step_suggestions(ws)
    errors: dict[str, InvalidInput] = {}
    if start.strip():
        try:
            query = retention_query(start, returning, period, periods, date_from, date_to, mode)
            context.update(_retention_view(retention(ws, query)))
        except InvalidInput as exc:
            errors["retention"] = exc
    try:
        found = churn(ws, churn_query(inactive, as_of or None, PAGE, (page - 1) * PAGE))
        context.update(_churn_view(request, found, page))
    except InvalidInput as exc:
        errors["churn"] = exc
    status = 422 if errors else 200
    return _page(
        request, "analyse_retention.html", "analyse", status_code=status, errors=errors, **context
    )


def _retention_view(result: RetentionResult) -> dict[str, Any]:
    return {
        "result": result,
        "description": fmt.describe(result.query),
        "period_names": fmt.period_names(result.query),
        "average_label": fmt.AVERAGE_LABEL,
        "heatmap": fmt.heatmap(result),
        "percent": fmt.percent,
        "cell_text": fmt.cell_text,
    }


def _churn_view(request: Request, found: ChurnResult, page: int) -> dict[str, Any]:
    more = found.query.offset + len(found.churned_customers) < found.churned
    return {
        "churn": found,
        "churn_summary": fmt.churn_summary(found),
        "inactive_text": fmt.duration_text(found.query.inactive),
        "page": page,
        "prev_href": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "next_href": str(request.url.include_query_params(page=page + 1)) if more else None,
    }
