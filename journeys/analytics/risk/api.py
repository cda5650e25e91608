"""``GET /api/predict/risk-by-stage``: the churn-risk chart's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from journeys.analytics.risk.query import By, RiskByStage, RiskQuery
from journeys.analytics.risk.runner import risk_by_stage
from journeys.api.deps import workspace_of

router = APIRouter(prefix="/api/predict", tags=["prediction"])


@router.get("/risk-by-stage", response_model=RiskByStage)
async def risk_by_stage_endpoint(
    request: Request,
    journey: Annotated[str, Query(description="The journey id.")],
    model: Annotated[str, Query(description="A model with stored scores.")] = "churn",
    by: Annotated[By, Query(description="stage (furthest reached) or touchpoint (latest).")] = (
        "stage"
    ),
    low: Annotated[float, Query(ge=0, le=1, description="Below: low risk.")] = 0.3,
    high: Annotated[float, Query(ge=0, le=1, description="Above: high risk.")] = 0.7,
    segment: Annotated[str | None, Query(description="Only this segment's customers.")] = None,
) -> RiskByStage:
    """Scored customers per stage (or touchpoint) of the journey, in low/medium/high bands."""
    query = RiskQuery(model=model, journey=journey, by=by, low=low, high=high, segment=segment)
    return await run_in_threadpool(risk_by_stage, workspace_of(request), query)
