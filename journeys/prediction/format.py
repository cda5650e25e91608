"""Pure formatting of prediction results for the CLI and the pages."""

from __future__ import annotations

from typing import Any

from journeys.prediction.query import Evaluation, RankMetrics, ScoreRun, TrainedModel

METRIC_HEADERS = [
    "scorer",
    "ROC AUC",
    "precision top 10 %",
    "recall top 10 %",
    "lift top 10 %",
    "Brier",
]


def number(value: float | None, digits: int = 3) -> str:
    """A figure, or a dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    """A share as a percentage, or a dash."""
    return "—" if value is None else f"{value * 100:.1f} %"


def metric_row(m: RankMetrics) -> list[str]:
    """One scorer's figures as table cells."""
    return [
        m.scorer,
        number(m.roc_auc),
        percent(m.precision_top_decile),
        percent(m.recall_top_decile),
        number(m.lift_top_decile, 2),
        number(m.brier),
    ]


def metric_rows(e: Evaluation) -> list[list[str]]:
    """The model and its two baselines."""
    return [metric_row(m) for m in (e.model, e.recency, e.majority)]


def describe(trained: TrainedModel) -> str:
    """A model in one line: what it predicts and how it was validated."""
    e = trained.evaluation
    return (
        f"{trained.spec.name}: {trained.spec.target.kind} — {trained.spec.target.describe()}. "
        f"Trained on {e.train_date:%Y-%m-%d} ({e.train_customers:,} customers, "
        f"{percent(e.train_positive_rate)} positive), held out {e.test_date:%Y-%m-%d} "
        f"({e.test_customers:,} customers, {percent(e.test_positive_rate)} positive)."
    )


def lift_chart(e: Evaluation) -> dict[str, Any]:
    """ECharts options: lift per decile of the model against recency alone and the base."""
    deciles = [f"{row.decile}" for row in e.lift]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["model", "recency alone", "majority class"]},
        "xAxis": {"type": "category", "data": deciles, "name": "decile (best scored first)"},
        "yAxis": {"type": "value", "name": "lift"},
        "series": [
            {"name": "model", "type": "bar", "data": [_r(r.lift) for r in e.lift]},
            {"name": "recency alone", "type": "bar", "data": [_r(r.recency_lift) for r in e.lift]},
            {
                "name": "majority class",
                "type": "line",
                "data": [1.0 for _ in e.lift],
                "symbol": "none",
            },
        ],
    }


def calibration_chart(e: Evaluation) -> dict[str, Any]:
    """ECharts options: observed rate against predicted probability, with the diagonal."""
    points = [
        [_r(b.mean_predicted), _r(b.observed_rate), b.customers]
        for b in e.calibration
        if b.customers
    ]
    return {
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "value", "min": 0, "max": 1, "name": "predicted"},
        "yAxis": {"type": "value", "min": 0, "max": 1, "name": "observed"},
        "series": [
            {"name": "perfect", "type": "line", "data": [[0, 0], [1, 1]], "symbol": "none"},
            {"name": "model", "type": "line", "data": points},
        ],
    }


def stage_chart(run: ScoreRun) -> dict[str, Any]:
    """ECharts options: mean score per furthest journey stage, and the customers there."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["mean score", "above 0.7"]},
        "xAxis": {"type": "category", "data": [s.stage for s in run.by_stage]},
        "yAxis": [
            {"type": "value", "min": 0, "max": 1, "name": "mean score"},
            {"type": "value", "name": "customers above 0.7"},
        ],
        "series": [
            {"name": "mean score", "type": "bar", "data": [_r(s.mean_score) for s in run.by_stage]},
            {
                "name": "above 0.7",
                "type": "line",
                "yAxisIndex": 1,
                "data": [s.high for s in run.by_stage],
            },
        ],
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
