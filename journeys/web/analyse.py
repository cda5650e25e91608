"""The analyse index page: every insight with a page, one click away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics import registry
from journeys.analytics.common import engine_description
from journeys.api.deps import workspace_of
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/analyse", response_class=HTMLResponse)
def analyse_page(request: Request) -> Response:
    """List the insights, and the engine they run on."""
    engine = engine_description(workspace_of(request))
    return _page(request, "analyse.html", "analyse", insights=registry.available(), engine=engine)
