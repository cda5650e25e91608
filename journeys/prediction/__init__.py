"""Churn risk and conversion propensity per customer, learnt from the company's own history.

Features are an analysis like the others (SQL built by ``builder.py`` over
``stitched_events``, point-in-time correct); labels say whether the target happened within a
horizon after the prediction date; the model is validated on a later, held-out date against
recency alone and the majority class. See docs/prediction.md.

    from journeys.prediction import rules, service
    from journeys.prediction.query import FeatureSpec
    spec = rules.model_spec("churn", rules.target("churn", 30, None), FeatureSpec())
    trained = service.train(workspace, spec)     # evaluates, fits, saves models/churn/
    service.score(workspace, "churn")             # stores prediction_scores
"""

from journeys.prediction.query import (
    CustomerScore,
    Evaluation,
    FeatureSpec,
    ModelSpec,
    Reason,
    ScoreRun,
    TargetSpec,
    TrainedModel,
)
from journeys.prediction.service import evaluate, explain, score, score_all, train
from journeys.prediction.store import customer_scores, top_scores, trained_models

__all__ = [
    "CustomerScore",
    "Evaluation",
    "FeatureSpec",
    "ModelSpec",
    "Reason",
    "ScoreRun",
    "TargetSpec",
    "TrainedModel",
    "customer_scores",
    "evaluate",
    "explain",
    "score",
    "score_all",
    "top_scores",
    "train",
    "trained_models",
]
