"""The analyse index page: every insight with a page, one click away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics import registry
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/analyse", response_class=HTMLResponse)
def analyse_page(request: Request) -> Response:
    """List the insights."""
    return _page(request, "analyse.html", "analyse", insights=registry.available())
