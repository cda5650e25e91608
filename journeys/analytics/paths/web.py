"""The page ``/analyse/paths``: the most common paths as an ECharts Sankey, and tables."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.analytics.dfg.web import form_int
from journeys.analytics.paths.format import sankey_options, summary_text
from journeys.analytics.paths.query import PathsQuery
from journeys.analytics.paths.rules import parse_step
from journeys.analytics.paths.runner import paths, step_suggestions
from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/analyse/paths", response_class=HTMLResponse)
def paths_page(request: Request) -> Response:
    """The form; once a step is given, the Sankey, the paths and the steps next to it."""
    ws = workspace_of(request)
    form = read_form({k: v.strip() for k, v in request.query_params.items()})
    context: dict[str, Any] = {
        "form": form,
        "journeys": ws.journeys(),
        "suggestions": step_suggestions(ws),
    }
    if not form["step"]:
        return _page(request, "analyse_paths.html", "analyse", **context)
    try:
        result = paths(ws, query_of(form))
    except JourneysError as exc:
        return _page(request, "analyse_paths.html", "analyse", exc.status, error=exc, **context)
    return _page(
        request,
        "analyse_paths.html",
        "analyse",
        result=result,
        summary=summary_text(result),
        options=sankey_options(result),
        **context,
    )


def read_form(params: dict[str, str]) -> dict[str, str]:
    """The form's fields; ``?start=…`` or ``?end=…`` work as well as direction and step."""
    form = dict(params)
    for direction in ("start", "end"):
        if params.get(direction):
            form["direction"], form["step"] = direction, params[direction]
    form.setdefault("direction", "start")
    form.setdefault("step", "")
    return form


def query_of(form: dict[str, str]) -> PathsQuery:
    """The query the form asks."""
    direction = "end" if form["direction"] == "end" else "start"
    return PathsQuery.model_validate(
        {
            direction: parse_step(form["step"], direction),
            "length": form_int(form, "length", 5),
            "top": form_int(form, "top", 10),
            "journey": form.get("journey") or None,
            "collapse_repeats": form.get("collapse_repeats") in ("on", "true", "1"),
        }
    )
