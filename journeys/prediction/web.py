"""The model page ``/predict``: each model's held-out figures, lift and calibration charts,
and the customers with the highest scores."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from journeys.api.deps import workspace_of
from journeys.prediction import format as fmt
from journeys.prediction import store
from journeys.prediction.query import CustomerScore
from journeys.web.routes import _page, templates

router = APIRouter(include_in_schema=False)


def scores_of(request: Request, customer_id: str) -> list[CustomerScore]:
    """A customer's stored scores, for the customer page's prediction card."""
    return store.customer_scores(workspace_of(request), customer_id)


# The customer page asks for the card through this global, so it needs no import of its own.
templates.env.globals["prediction_scores"] = scores_of


@router.get("/predict", response_class=HTMLResponse)
def predict_page(request: Request) -> Response:
    """Every saved model, its validation against the baselines, and its top scores."""
    ws = workspace_of(request)
    models: list[dict[str, Any]] = []
    for trained in store.trained_models(ws):
        e = trained.evaluation
        run = store.last_run(ws, trained.spec.name)
        models.append(
            {
                "trained": trained,
                "description": fmt.describe(trained),
                "rows": fmt.metric_rows(e),
                "lift": fmt.lift_chart(e),
                "calibration": fmt.calibration_chart(e),
                "importance": e.importance[:8],
                "top": store.top_scores(ws, trained.spec.name, 10),
                "run": run,
                "stages": fmt.stage_chart(run) if run and run.by_stage else None,
            }
        )
    return _page(
        request, "predict.html", "predict", models=models, headers=fmt.METRIC_HEADERS, fmt=fmt
    )
