"""``GET /api/analytics/paths``: the most common paths over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from journeys.analytics.paths.query import PathsQuery
from journeys.analytics.paths.result import PathsResult
from journeys.analytics.paths.rules import parse_step
from journeys.analytics.paths.runner import paths
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.get("/paths", response_model=PathsResult)
def get_paths(
    request: Request,
    start: Annotated[
        str | None,
        Query(description="Paths from this step: EVENT [where …] or 'touchpoint JOURNEY/ID'."),
    ] = None,
    end: Annotated[str | None, Query(description="Paths to this step (instead of start).")] = None,
    length: Annotated[int, Query(description="Most steps in a path, the anchor included.")] = 5,
    top: Annotated[int, Query(description="How many paths to list.")] = 10,
    journey: Annotated[
        str | None, Query(description="A journey id: paths of its touchpoints, not events.")
    ] = None,
    collapse_repeats: Annotated[
        bool, Query(description="Count a step repeated back to back once.")
    ] = False,
    segment: Annotated[str | None, Query(description="Only the customers of this segment.")] = None,
) -> PathsResult:
    """The most common paths from (or to) a step, per customer from its first occurrence."""
    workspace = workspace_of(request)
    query = PathsQuery(
        segment=segment,
        start=parse_step(start, "start") if start is not None else None,
        end=parse_step(end, "end") if end is not None else None,
        length=length,
        top=top,
        journey=journey,
        collapse_repeats=collapse_repeats,
    )
    return paths(workspace, query)
