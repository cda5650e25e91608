"""Train, evaluate, score and explain: the prediction functions the CLI, API and pages call.

Honest validation is a time-based split. The model is fitted on the customers of the training
date D1 (features before D1, labels in D1 … D1 + horizon) and judged on a later date D2 whose
labels come after all the training labels (D2 ≥ D1 + horizon), against two baselines: recency
alone and the majority class. ``train`` then fits once more on D2, the latest complete labels,
and that model scores customers.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from journeys.errors import InvalidInput, NotFound
from journeys.maps.model import Journey
from journeys.prediction import metrics, model, store
from journeys.prediction.explain import reasons
from journeys.prediction.query import (
    CustomerScore,
    Evaluation,
    ModelSpec,
    ScoreRun,
    StageRisk,
    TrainedModel,
)
from journeys.prediction.rules import split_dates
from journeys.prediction.runner import data_end, feature_frame, label_vector
from journeys.workspace import Workspace

HIGH = 0.7  # a score above it counts as high in summaries


@dataclass
class _Data:
    """A prediction date's customers: features and labels."""

    frame: pd.DataFrame
    labels: NDArray[np.bool_]


class _Context:
    """What one run reads: an open read connection, the journeys, the ledger."""

    def __init__(self, ws: Workspace, spec: ModelSpec, con: duckdb.DuckDBPyConnection) -> None:
        self.ws, self.spec, self.con = ws, spec, con
        self.journeys = {j.id: j for j in ws.journeys()}
        self.journey: Journey | None = (
            ws.journey(spec.features.journey) if spec.features.journey else None
        )
        self.engine = ws.operational.engine

    def stage_names(self) -> list[str]:
        if self.journey is None:
            return []
        return [stage.name for stage in self.journey.stages]

    def features(self, as_of: datetime) -> pd.DataFrame:
        return feature_frame(self.con, self.spec.features, self.journey, as_of, self.engine)

    def data(self, as_of: datetime) -> _Data:
        frame = self.features(as_of)
        labels = label_vector(self.con, self.spec.target, self.journeys, frame.index, as_of)
        return _Data(frame, labels)

    def end(self) -> datetime:
        moment = data_end(self.con)
        if moment is None:
            raise InvalidInput(
                "the event log holds no activity to learn from",
                details={"code": "no_data", "field": "workspace"},
            )
        return moment


def evaluate(ws: Workspace, spec: ModelSpec) -> Evaluation:
    """Fit on the training date and judge on the later held-out date, with baselines."""
    with closing(ws.events.fresh_reader()) as con:
        ctx = _Context(ws, spec, con)
        evaluation, _, _ = _evaluate(ctx)
    return evaluation


def train(ws: Workspace, spec: ModelSpec) -> TrainedModel:
    """Evaluate honestly, then fit on the latest complete labels and save the model."""
    with closing(ws.events.fresh_reader()) as con:
        ctx = _Context(ws, spec, con)
        evaluation, test, test_date = _evaluate(ctx)
        final = model.fit(test.frame, test.labels, ctx.stage_names())
    trained = TrainedModel(
        spec=spec,
        evaluation=evaluation,
        trained_at=ws.clock.now(),
        fitted_on=test_date,
        features=final.features,
    )
    store.save(ws, trained, final)
    return trained


def _evaluate(ctx: _Context) -> tuple[Evaluation, _Data, datetime]:
    train_date, test_date = split_dates(ctx.spec, ctx.end())
    train, test = ctx.data(train_date), ctx.data(test_date)
    fitted = model.fit(train.frame, train.labels, ctx.stage_names())
    evaluation = judge(fitted, ctx.spec, train, test, train_date, test_date)
    return evaluation, test, test_date


def judge(
    fitted: model.Predictor,
    spec: ModelSpec,
    train: _Data,
    test: _Data,
    train_date: datetime,
    test_date: datetime,
) -> Evaluation:
    """The held-out figures of a fitted model and of the two baselines."""
    y = test.labels
    proba = fitted.predict(test.frame)
    recency = recency_scores(test.frame, spec.target.kind)
    base_rate = float(train.labels.mean())
    constant = np.full(len(y), base_rate)
    return Evaluation(
        train_date=train_date,
        test_date=test_date,
        train_customers=len(train.labels),
        test_customers=len(y),
        train_positive_rate=base_rate,
        test_positive_rate=float(y.mean()) if len(y) else 0.0,
        model=metrics.rank_metrics("model", proba, y),
        recency=metrics.rank_metrics("recency alone", recency, y, probabilities=False),
        majority=metrics.rank_metrics("majority class", constant, y),
        calibration=metrics.calibration(proba, y),
        lift=metrics.lift_table(proba, y, recency),
        importance=model.importance(fitted, test.frame),
    )


def recency_scores(frame: pd.DataFrame, kind: str) -> NDArray[np.float64]:
    """The recency baseline: the longer silent, the likelier churn (and the less a conversion)."""
    days = frame["recency_days"].to_numpy(dtype=np.float64)
    days = np.where(np.isnan(days), np.nanmax(days, initial=0.0), days)
    scores: NDArray[np.float64] = days if kind == "churn" else -days
    return scores


def score(ws: Workspace, name: str, as_of: datetime | None = None) -> ScoreRun:
    """Score every customer active before ``as_of`` (default: just after the log's end)."""
    trained = store.trained_model(ws, name)
    predictor = store.load_predictor(ws, name)
    with closing(ws.events.fresh_reader()) as con:
        ctx = _Context(ws, trained.spec, con)
        moment = as_of or ctx.end() + timedelta(seconds=1)
        frame = ctx.features(moment)
    scores = predictor.predict(frame)
    effects = predictor.effects(frame)
    values = frame[predictor.features].to_numpy(dtype=np.float64)
    texts = [
        json.dumps(
            [
                r.model_dump()
                for r in reasons(predictor.features, values[i], effects[i], predictor.stage_names)
            ]
        )
        for i in range(len(frame))
    ]
    now = ws.clock.now()
    rows = pa.table(
        {
            "model": pa.array([name] * len(frame), pa.string()),
            "customer_id": pa.array([str(c) for c in frame.index], pa.string()),
            "score": pa.array(scores, pa.float64()),
            "as_of": pa.array([moment] * len(frame), pa.timestamp("us")),
            "scored_at": pa.array([now] * len(frame), pa.timestamp("us")),
            "reasons": pa.array(texts, pa.string()),
        }
    )
    store.store_scores(ws, name, rows)
    run = ScoreRun(
        model=name,
        as_of=moment,
        customers=len(frame),
        mean_score=float(scores.mean()) if len(scores) else None,
        high_risk=int((scores > HIGH).sum()),
        by_stage=by_stage(frame["furthest_stage"], scores, predictor.stage_names),
    )
    store.save_run(ws, run)
    return run


def by_stage(stages: pd.Series, scores: NDArray[np.float64], names: list[str]) -> list[StageRisk]:
    """Mean score and high scores per furthest stage, in journey order (none: no stage)."""
    if not names:
        return []
    found = []
    keys = stages.to_numpy(dtype=np.float64)
    for index, label in [*enumerate(names), (-1, "no stage reached")]:
        inside = np.isnan(keys) if index < 0 else keys == index
        if inside.any():
            found.append(
                StageRisk(
                    stage=label,
                    customers=int(inside.sum()),
                    mean_score=float(scores[inside].mean()),
                    high=int((scores[inside] > HIGH).sum()),
                )
            )
    return found


def score_all(ws: Workspace) -> list[ScoreRun]:
    """Score with every saved model (the scheduled refresh)."""
    return [score(ws, trained.spec.name) for trained in store.trained_models(ws)]


def explain(
    ws: Workspace, name: str, customer_id: str, as_of: datetime | None = None
) -> CustomerScore:
    """A customer's score and its reasons, computed now from the log (nothing stored)."""
    trained = store.trained_model(ws, name)
    predictor = store.load_predictor(ws, name)
    with closing(ws.events.fresh_reader()) as con:
        ctx = _Context(ws, trained.spec, con)
        moment = as_of or ctx.end() + timedelta(seconds=1)
        frame = ctx.features(moment)
    if customer_id not in frame.index:
        raise NotFound(
            f"customer {customer_id!r} has no activity before {moment:%Y-%m-%d %H:%M}",
            details={"customer_id": customer_id},
        )
    row = frame.loc[[customer_id]]
    values = row[predictor.features].to_numpy(dtype=np.float64)[0]
    effects = predictor.effects(row)[0]
    return CustomerScore(
        model=name,
        customer_id=customer_id,
        score=float(predictor.predict(row)[0]),
        as_of=moment,
        scored_at=ws.clock.now(),
        reasons=reasons(predictor.features, values, effects, predictor.stage_names),
    )
