"""``GET /api/analytics/conformance``: conformance to a journey's design over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from journeys.analytics.conformance.query import ConformanceQuery
from journeys.analytics.conformance.result import ConformanceResult
from journeys.analytics.conformance.runner import conformance
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.get("/conformance", response_model=ConformanceResult)
def get_conformance(
    request: Request,
    journey: Annotated[str, Query(description="The journey id.")],
    top: Annotated[int, Query(description="How many variants and undesigned events.")] = 10,
    by: Annotated[
        str | None, Query(description="Break down by this trait (else property).")
    ] = None,
    segment: Annotated[str | None, Query(description="Only the customers of this segment.")] = None,
) -> ConformanceResult:
    """How far customers follow the journey's stage order: variants and deviations."""
    workspace = workspace_of(request)
    return conformance(
        workspace, ConformanceQuery(segment=segment, journey=journey, top=top, by=by)
    )
