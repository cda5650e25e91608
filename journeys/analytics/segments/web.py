"""Segment pages: the list with a form to save one, and each segment with its customers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.analytics.segments import (
    SegmentDefinition,
    all_segments,
    check,
    delete,
    evaluate,
    get,
    parse_condition,
    save,
)
from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/analyse/segments", response_class=HTMLResponse)
async def segments_page(request: Request) -> Response:
    """Every segment with its size, and the form to add one."""
    return await _list(request, form={"match": "all"}, error=None)


@router.post("/analyse/segments", response_class=HTMLResponse)
async def segments_save(
    request: Request,
    name: Annotated[str, Form()],
    conditions: Annotated[str, Form()],
    match: Annotated[str, Form()] = "all",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Save the form's segment and open it; on a mistake, the form again with the reason."""
    form = {"name": name, "conditions": conditions, "match": match, "description": description}
    try:
        lines = [line for line in conditions.splitlines() if line.strip()]
        if not lines:
            raise InvalidInput("write at least one condition", details={"field": "conditions"})
        segment = SegmentDefinition.model_validate(
            {
                "name": name.strip(),
                "description": description.strip() or None,
                "match": match,
                "conditions": [parse_condition(line) for line in lines],
            }
        )
        await run_in_threadpool(check, workspace_of(request), segment)
    except InvalidInput as exc:
        return await _list(request, form=form, error=exc.message)
    except ValueError as exc:  # pydantic: the name or the match
        first = str(exc).splitlines()
        return await _list(request, form=form, error=" ".join(first[:3]))
    save(workspace_of(request).operational, segment)
    return RedirectResponse(f"/analyse/segments/{segment.name}", status_code=303)


@router.get("/analyse/segments/{name}", response_class=HTMLResponse)
async def segment_page(
    request: Request, name: str, page: int = Query(1, ge=1, le=10_000_000)
) -> Response:
    """One segment: its conditions, size and customers, a page at a time."""
    ws = workspace_of(request)
    segment = get(ws.operational, name)
    result = await run_in_threadpool(evaluate, ws, segment, limit=PAGE, offset=(page - 1) * PAGE)
    more = result.offset + len(result.customers) < result.size
    return _page(request, "analyse_segment.html", "analyse", result=result, page=page, more=more)


@router.post("/analyse/segments/{name}/delete")
def segment_delete(request: Request, name: str) -> Response:
    """Delete the segment and go back to the list."""
    delete(workspace_of(request).operational, name)
    return RedirectResponse("/analyse/segments", status_code=303)


async def _list(request: Request, form: dict[str, str], error: str | None) -> Response:
    ws = workspace_of(request)
    segments = all_segments(ws.operational)
    sizes = {}
    for s in segments:
        sizes[s.name] = (await run_in_threadpool(evaluate, ws, s, limit=0)).size
    return _page(
        request,
        "analyse_segments.html",
        "analyse",
        status_code=422 if error else 200,
        segments=segments,
        sizes=sizes,
        form=form,
        error=error,
    )
