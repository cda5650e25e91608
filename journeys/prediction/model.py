"""The classifier and its per-customer explanations.

Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier): they take missing
values as they are (a customer who never answered a survey has no NPS, which is itself
telling), need no scaling, and give probabilities close to calibrated on these data.

Explanations are occlusion against the typical customer *without* the outcome (one who stayed,
or did not convert): a feature's effect on a customer's score is the score minus the score
with that feature set to its typical value among those customers (their median; "missing" when
most of them lack it). So the reasons say what sets the customer apart from the ones who
stayed; positive effects raise the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from journeys.errors import InvalidInput

if TYPE_CHECKING:  # scikit-learn loads in a second; only training and scoring need it
    from sklearn.ensemble import HistGradientBoostingClassifier

Floats = NDArray[np.float64]
CHUNK = 50_000  # customers explained at a time


@dataclass
class Predictor:
    """A fitted classifier with what its explanations need."""

    estimator: HistGradientBoostingClassifier
    features: list[str]
    typical: dict[str, float]
    stage_names: list[str] = field(default_factory=list)

    def predict(self, frame: pd.DataFrame) -> Floats:
        """The probability of the target for each row."""
        if frame.empty:
            return np.zeros(0)
        proba: Floats = self.estimator.predict_proba(frame[self.features].to_numpy())[:, 1]
        return proba

    def effects(self, frame: pd.DataFrame) -> Floats:
        """customers × features: how much each feature moves each score from typical."""
        x = frame[self.features].to_numpy(dtype=np.float64)
        out = np.empty((len(x), len(self.features)))
        # In slices, so a million customers need one slice's copy at a time, not the log's.
        for start in range(0, len(x), CHUNK):
            out[start : start + CHUNK] = self._effects(x[start : start + CHUNK])
        return out

    def _effects(self, x: Floats) -> Floats:
        base = self.estimator.predict_proba(x)[:, 1]
        out = np.empty((len(x), len(self.features)))
        for j, name in enumerate(self.features):
            moved = x.copy()
            moved[:, j] = self.typical[name]
            out[:, j] = base - self.estimator.predict_proba(moved)[:, 1]
        return out


def fit(frame: pd.DataFrame, labels: NDArray[np.bool_], stage_names: list[str]) -> Predictor:
    """Fit on one prediction date's customers; InvalidInput when the labels are all alike."""
    if len(labels) < 10 or labels.all() or not labels.any():
        raise InvalidInput(
            f"cannot learn from {len(labels)} customers with {int(labels.sum())} positive: the "
            "training period needs both outcomes; choose another date or horizon",
            details={"code": "labels_single_class", "field": "train_date"},
        )
    # A feature nobody has (no surveys in this log) carries nothing and trips the binning.
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = [name for name in frame.columns if frame[name].notna().any()]
    frame = frame[features]
    estimator = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        random_state=0,
    )
    estimator.fit(frame.to_numpy(dtype=np.float64), labels)
    negatives = frame[~labels]
    typical = {name: _typical(negatives[name]) for name in features}
    return Predictor(estimator, features, typical, stage_names)


def _typical(column: pd.Series) -> float:
    if column.notna().mean() < 0.5:
        return float("nan")
    return float(column.median())


def importance(
    predictor: Predictor, frame: pd.DataFrame, sample: int = 2000
) -> list[tuple[str, float]]:
    """Mean absolute effect of each feature on a sample of customers, largest first."""
    rows = frame.sample(n=min(sample, len(frame)), random_state=0) if len(frame) else frame
    effects = np.abs(predictor.effects(rows)).mean(axis=0) if len(rows) else []
    pairs = [(name, float(v)) for name, v in zip(predictor.features, effects, strict=False)]
    return sorted(pairs, key=lambda p: -p[1])
