"""The server-rendered web UI: overview, journeys, and the journey map with its SVG export.

Views are thin: they parse the request, call one domain function and render a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from journeys import __version__
from journeys.analytics.risk import default_query
from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.maps import render
from journeys.maps.channels import CHANNEL_STYLES, channel_symbols
from journeys.maps.model import Journey
from journeys.security.http import csrf_field, may_open
from journeys.web.overview import overview

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    version=__version__,
    channel_styles=CHANNEL_STYLES,
    emotion_colours=render.EMOTION_COLOURS,
    emotion_labels=render.EMOTION_LABELS,
    emotion_ticks=render.emotion_ticks(),
    # The channel icons are drawn once, in channels.py, for the pages and the SVG export alike.
    channel_symbols=Markup(channel_symbols()),
    # The navigation shows what the caller may open; forms carry the session's CSRF token.
    may_open=may_open,
    csrf_field=csrf_field,
)
templates.env.filters["signed"] = render.signed_emotion


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request) -> Response:
    """The overview: the workspace, its journeys, events and customers."""
    ws = workspace_of(request)
    summary, risk = overview(ws), default_query(ws)  # risk: None without a scored churn model
    return _page(request, "overview.html", "overview", summary=summary, risk=risk)


@router.get("/journeys", response_class=HTMLResponse)
def journeys_page(request: Request) -> Response:
    """Every journey of the workspace with its size and personas."""
    journeys = workspace_of(request).journeys()
    return _page(request, "journeys.html", "journeys", journeys=journeys)


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
def journey_page(request: Request, journey_id: str) -> Response:
    """The journey map: stages, lanes, emotion curve, personas, goals and backlog."""
    journey = workspace_of(request).journey(journey_id)
    return _page(request, "journey.html", "journeys", **journey_view(journey))


@router.get("/journeys/{journey_id}/map.svg")
def journey_svg(request: Request, journey_id: str) -> Response:
    """The journey map as a standalone SVG file, offered as a download."""
    journey = workspace_of(request).journey(journey_id)
    return Response(
        render.render_svg(journey),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{journey.id}-journey-map.svg"'},
    )


def error_page(request: Request, exc: JourneysError) -> Response:
    """An HTML page for an error: its status, code and message, never a stack trace."""
    return status_page(request, exc.status, exc.code, exc.message, exc.details)


def status_page(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page for any status, including errors raised outside Journeys (404, 405)."""
    context = {
        "status": status,
        "reason": _reason(status),
        "code": code,
        "message": message,
        "details": _detail_lines(details),
    }
    response = _page(request, "error.html", "", status_code=status, **context)
    response.headers.update(headers or {})
    return response


# -- what the views show ---------------------------------------------------------------------


def journey_view(journey: Journey) -> dict[str, Any]:
    """Everything the journey map template needs besides the journey itself."""
    return {
        "journey": journey,
        "numbers": render.touchpoint_numbers(journey),
        "channels": render.channels_used(journey),
        "stage_colours": render.stage_colours(journey),
        "emotion_curve": Markup(render.emotion_curve_svg(journey)),
        "backlog": journey.prioritised_backlog(),
        "touchpoint_names": {t.id: t.name for _, t in journey.touchpoints()},
    }


# -- helpers -----------------------------------------------------------------------------------


def _page(
    request: Request, template: str, active: str, status_code: int = 200, **context: Any
) -> Response:
    context["active"] = active
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _detail_lines(details: Any) -> list[str]:
    """Readable lines for an error's details (e.g. the issues of an invalid journey file)."""
    if not isinstance(details, list):
        return []
    lines = []
    for item in details:
        if isinstance(item, dict) and "message" in item:
            where = ":".join(str(item[k]) for k in ("file", "line", "column") if k in item)
            field = f"{item['field']}: " if item.get("field") else ""
            lines.append(f"{where + ': ' if where else ''}{field}{item['message']}")
        elif isinstance(item, str):
            lines.append(item)
    return lines
