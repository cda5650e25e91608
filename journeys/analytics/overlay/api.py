"""``/api/analytics/overlay`` and ``/api/analytics/painpoints``: the measured journey map."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from journeys.analytics.overlay import (
    DroppedCustomers,
    MeasuredMap,
    OverlayQuery,
    PainPoints,
    dropped_customers,
    measured_map,
    pain_points,
)
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
FromQ = Annotated[date | None, Query(alias="from", description="First day (UTC).")]
ToQ = Annotated[date | None, Query(alias="to", description="Last day (UTC).")]
MinReachQ = Annotated[int, Query(ge=1, description="Touchpoints reached by fewer are not judged.")]
SegmentQ = Annotated[str | None, Query(description="Only the customers of this segment.")]
JourneyQ = Annotated[str, Query(description="The journey id.")]


def _query(
    journey: str,
    from_date: date | None,
    to_date: date | None,
    segment: str | None,
    min_reach: int = 5,
) -> OverlayQuery:
    return OverlayQuery(
        journey=journey,
        from_date=from_date,
        to_date=to_date,
        segment=segment,
        min_reach=min_reach,
    )


@router.get("/overlay", response_model=MeasuredMap)
async def get_overlay(
    request: Request,
    journey: JourneyQ,
    from_date: FromQ = None,
    to_date: ToQ = None,
    segment: SegmentQ = None,
    min_reach: MinReachQ = 5,
) -> MeasuredMap:
    """The measured journey map: reach, conversion, drop-off and time per stage and touchpoint."""
    query = _query(journey, from_date, to_date, segment, min_reach)
    return await run_in_threadpool(measured_map, workspace_of(request), query)


@router.get("/painpoints", response_model=PainPoints)
async def get_painpoints(
    request: Request,
    journey: JourneyQ,
    top: int = Query(10, ge=1, le=100),
    from_date: FromQ = None,
    to_date: ToQ = None,
    segment: SegmentQ = None,
    min_reach: MinReachQ = 5,
) -> PainPoints:
    """The journey's touchpoints ranked by drop-off and time, with their evidence."""
    query = _query(journey, from_date, to_date, segment, min_reach)
    return await run_in_threadpool(pain_points, workspace_of(request), query, top)


@router.get("/painpoints/{journey}/{touchpoint}/customers", response_model=DroppedCustomers)
async def get_dropped(
    request: Request,
    journey: str,
    touchpoint: str,
    limit: int = Query(50, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
    from_date: FromQ = None,
    to_date: ToQ = None,
    segment: SegmentQ = None,
) -> DroppedCustomers:
    """The customers whose journey ended at the touchpoint before the last stage."""
    query = _query(journey, from_date, to_date, segment)
    return await run_in_threadpool(
        dropped_customers, workspace_of(request), query, touchpoint, limit, offset
    )
