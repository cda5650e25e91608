"""``/api/predict``: the models and their held-out figures, scoring, a customer's scores."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from journeys.api.deps import workspace_of
from journeys.prediction import service, store
from journeys.prediction.query import CustomerScore, ScoreRun, TrainedModel

router = APIRouter(prefix="/api/predict", tags=["prediction"])


@router.get("/models", response_model=list[TrainedModel])
def get_models(request: Request) -> list[TrainedModel]:
    """Every saved model with its held-out evaluation against the baselines."""
    return store.trained_models(workspace_of(request))


@router.get("/models/{name}", response_model=TrainedModel)
def get_model(request: Request, name: str) -> TrainedModel:
    """One model: spec, held-out metrics, calibration and lift per decile."""
    return store.trained_model(workspace_of(request), name)


@router.post("/models/{name}/score", response_model=ScoreRun)
async def post_score(request: Request, name: str) -> ScoreRun:
    """Score every customer with the model now and store the scores."""
    return await run_in_threadpool(service.score, workspace_of(request), name)


@router.get("/models/{name}/top", response_model=list[CustomerScore])
def get_top(request: Request, name: str, limit: int = 20) -> list[CustomerScore]:
    """The customers with the highest stored scores of the model."""
    ws = workspace_of(request)
    store.trained_model(ws, name)
    return store.top_scores(ws, name, max(1, min(limit, 1000)))


@router.get("/customers/{customer_id}", response_model=list[CustomerScore])
def get_customer_scores(request: Request, customer_id: str) -> list[CustomerScore]:
    """A customer's stored scores, one per model, with their reasons in plain words."""
    return store.customer_scores(workspace_of(request), customer_id)


@router.get("/models/{name}/explain/{customer_id}", response_model=CustomerScore)
async def get_explanation(request: Request, name: str, customer_id: str) -> CustomerScore:
    """A customer's score computed now from the log, with its reasons (nothing stored)."""
    return await run_in_threadpool(service.explain, workspace_of(request), name, customer_id)
