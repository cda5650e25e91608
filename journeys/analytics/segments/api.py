"""``/api/segments``: list, create or replace, evaluate and delete saved segments."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.segments import (
    SegmentDefinition,
    SegmentMembers,
    all_segments,
    check,
    delete,
    evaluate,
    get,
    parse_condition,
    save,
)
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/segments", tags=["segments"])


class SegmentText(BaseModel):
    """A segment written with the text form of its conditions (as on the command line)."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    match: str = "all"
    where: list[str] = Field(
        min_length=1, description='e.g. "did purchase in 30d", "score churn > 0.7"'
    )


@router.get("", response_model=list[SegmentDefinition])
def list_segments(request: Request) -> list[SegmentDefinition]:
    """Every saved segment."""
    return all_segments(workspace_of(request).operational)


@router.put("/{name}", response_model=SegmentMembers)
async def put_segment(request: Request, name: str, body: SegmentText) -> SegmentMembers:
    """Create or replace a segment from the text form of its conditions; returns its size."""
    segment = SegmentDefinition.model_validate(
        {
            "name": name,
            "description": body.description,
            "match": body.match,
            "conditions": [parse_condition(w) for w in body.where],
        }
    )
    ws = workspace_of(request)
    await run_in_threadpool(check, ws, segment)
    save(ws.operational, segment)
    return await run_in_threadpool(evaluate, ws, segment, limit=0)


@router.get("/{name}", response_model=SegmentMembers)
async def get_segment(
    request: Request,
    name: str,
    as_of: datetime | None = None,
    limit: int = Query(50, ge=0, le=10_000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> SegmentMembers:
    """The segment, its size and a page of its customers."""
    ws = workspace_of(request)
    segment = get(ws.operational, name)
    return await run_in_threadpool(evaluate, ws, segment, as_of=as_of, limit=limit, offset=offset)


@router.delete("/{name}", status_code=204)
def delete_segment(request: Request, name: str) -> Response:
    """Delete a segment."""
    delete(workspace_of(request).operational, name)
    return Response(status_code=204)
