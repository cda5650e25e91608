"""Validation figures of a scorer on held-out customers: pure functions of scores and labels.

Ties are treated honestly: when customers with the same score straddle the top decile (the
majority-class baseline scores everyone alike), the decile takes each of them with the same
chance, so its positives are the *expected* count under a random order of the tied ones.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from journeys.prediction.query import CalibrationBin, DecileLift, RankMetrics

Floats = NDArray[np.float64]


def roc_auc(scores: Floats, labels: NDArray[np.bool_]) -> float | None:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos, neg = int(labels.sum()), int((~labels).sum())
    if pos == 0 or neg == 0:
        return None
    ranks = _average_ranks(scores)
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _average_ranks(scores: Floats) -> Floats:
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    # Each run of equal scores gets the mean of the ranks it spans (1-based).
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + 1 + end) / 2
    return ranks


def positives_in_top(scores: Floats, labels: NDArray[np.bool_], k: int) -> float:
    """Expected positives among the ``k`` best-scored customers (ties taken at random)."""
    if k <= 0:
        return 0.0
    if k >= len(scores):
        return float(labels.sum())
    threshold = np.sort(scores)[::-1][k - 1]
    above = scores > threshold
    tied = scores == threshold
    slots = k - int(above.sum())
    tied_positives = float(labels[tied].sum())
    return float(labels[above].sum()) + tied_positives * slots / int(tied.sum())


def top_decile_size(n: int) -> int:
    """How many customers make the top tenth (at least one)."""
    return max(1, math.ceil(n / 10))


def rank_metrics(
    name: str, scores: Floats, labels: NDArray[np.bool_], probabilities: bool = True
) -> RankMetrics:
    """AUC, precision, recall and lift in the top decile (and the Brier score of probabilities)."""
    n, positives = len(scores), float(labels.sum())
    if n == 0:
        return RankMetrics(
            scorer=name,
            roc_auc=None,
            precision_top_decile=None,
            recall_top_decile=None,
            lift_top_decile=None,
        )
    k = top_decile_size(n)
    hits = positives_in_top(scores, labels, k)
    base = positives / n
    precision = hits / k
    brier = float(np.mean((scores - labels) ** 2)) if probabilities else None
    return RankMetrics(
        scorer=name,
        roc_auc=roc_auc(scores, labels),
        precision_top_decile=precision,
        recall_top_decile=hits / positives if positives else None,
        lift_top_decile=precision / base if base else None,
        brier=brier,
    )


def lift_table(
    scores: Floats, labels: NDArray[np.bool_], recency: Floats | None = None
) -> list[DecileLift]:
    """Each tenth of the customers, best-scored first, with its lift over the overall rate."""
    n = len(scores)
    base = float(labels.sum()) / n if n else 0.0
    bounds = [round(n * d / 10) for d in range(11)]
    rows = []
    for d in range(10):
        size = bounds[d + 1] - bounds[d]
        got = positives_in_top(scores, labels, bounds[d + 1]) - positives_in_top(
            scores, labels, bounds[d]
        )
        rate = got / size if size else None
        rival = None
        if recency is not None and size and base:
            top = positives_in_top(recency, labels, bounds[d + 1])
            rival = (top - positives_in_top(recency, labels, bounds[d])) / size / base
        rows.append(
            DecileLift(
                decile=d + 1,
                customers=size,
                positives=got,
                rate=rate,
                lift=rate / base if rate is not None and base else None,
                recency_lift=rival,
            )
        )
    return rows


def calibration(
    probabilities: Floats, labels: NDArray[np.bool_], bins: int = 10
) -> list[CalibrationBin]:
    """Predicted against observed rate in equal-width probability bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        rows.append(
            CalibrationBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                customers=count,
                mean_predicted=float(probabilities[inside].mean()) if count else None,
                observed_rate=float(labels[inside].mean()) if count else None,
            )
        )
    return rows
