"""The contracts of prediction: what to predict, the features asked for, and the results.

A :class:`ModelSpec` names a target (churn or propensity within a horizon), how features are
computed (:class:`FeatureSpec`) and the dates of the time-based split. Results
(:class:`Evaluation`, :class:`CustomerScore`) are what the CLI, the API and the pages show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

TargetKind = Literal["churn", "propensity"]
TARGET_KINDS: tuple[str, ...] = ("churn", "propensity")
DEFAULT_PURCHASE_EVENTS: tuple[str, ...] = ("purchase", "order_completed", "order_placed")
DEFAULT_REVENUE_PROPERTIES: tuple[str, ...] = ("revenue", "total", "price", "value", "amount")


class FeatureSpec(BaseModel):
    """How the behaviour features of a customer are computed as of a date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purchase_events: tuple[str, ...] = Field(
        default=DEFAULT_PURCHASE_EVENTS,
        description="Events that are purchases (frequency, monetary).",
    )
    revenue_properties: tuple[str, ...] = Field(
        default=DEFAULT_REVENUE_PROPERTIES,
        description="Properties holding a purchase's value; the first one present counts.",
    )
    journey: str | None = Field(
        default=None, description="Journey whose stages give the furthest stage."
    )


class TargetSpec(BaseModel):
    """What is predicted for the ``horizon_days`` after the prediction date.

    churn: no activity (or, with ``step``, no such event) in the horizon; propensity: the
    ``step`` (an event with filters, ``touchpoint J/T`` or ``stage J/S``) in the horizon.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TargetKind
    horizon_days: int = Field(30, gt=0)
    step: str | None = None

    def describe(self) -> str:
        """The target in words."""
        if self.kind == "churn":
            what = f"no {self.step}" if self.step else "no activity"
        else:
            what = self.step or "?"
        return f"{what} within {self.horizon_days} days"


class ModelSpec(BaseModel):
    """A model: its name, target, features and the dates of its time-based split."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    target: TargetSpec
    features: FeatureSpec = Field(default_factory=FeatureSpec)
    train_date: datetime | None = Field(
        None,
        description="Features before it, labels in the horizon after it (default: test − horizon).",
    )
    test_date: datetime | None = Field(
        None, description="The held-out later date (default: the log's end − horizon)."
    )


class RankMetrics(BaseModel):
    """How well one scorer ranks the held-out customers."""

    scorer: str
    roc_auc: float | None
    precision_top_decile: float | None
    recall_top_decile: float | None
    lift_top_decile: float | None
    brier: float | None = None


class CalibrationBin(BaseModel):
    """Customers whose predicted probability falls in [low, high)."""

    low: float
    high: float
    customers: int
    mean_predicted: float | None
    observed_rate: float | None


class DecileLift(BaseModel):
    """One tenth of the customers, best-scored first: its positives and lift over the base."""

    decile: int
    customers: int
    positives: float
    rate: float | None
    lift: float | None
    recency_lift: float | None = None


class Evaluation(BaseModel):
    """The held-out figures of a model against its two baselines."""

    train_date: datetime
    test_date: datetime
    train_customers: int
    test_customers: int
    train_positive_rate: float
    test_positive_rate: float
    model: RankMetrics
    recency: RankMetrics
    majority: RankMetrics
    calibration: list[CalibrationBin]
    lift: list[DecileLift]
    importance: list[tuple[str, float]] = Field(
        default_factory=list, description="Mean absolute effect of each feature on the score."
    )


class TrainedModel(BaseModel):
    """What ``train`` saved: the spec, its held-out evaluation and when it was trained."""

    spec: ModelSpec
    evaluation: Evaluation
    trained_at: datetime
    fitted_on: datetime = Field(description="Date of the final fit (the test date).")
    features: list[str]


class Reason(BaseModel):
    """One feature's contribution to a customer's score, in plain words."""

    feature: str
    value: float | None
    effect: float = Field(description="How much the feature moves the score from typical.")
    text: str


class CustomerScore(BaseModel):
    """A customer's score from one model, with the features that contributed most."""

    model: str
    customer_id: str
    score: float
    as_of: datetime
    scored_at: datetime
    reasons: list[Reason]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def explanation(self) -> str:
        """The reasons that raise the score, as one line."""
        return "; ".join(r.text for r in self.reasons if r.effect > 0) or "nothing stands out"


class StageRisk(BaseModel):
    """The scores of the customers whose furthest stage (of the model's journey) is this one."""

    stage: str
    customers: int
    mean_score: float
    high: int = Field(description="Customers with a score above 0.7.")


class ScoreRun(BaseModel):
    """What one scoring run stored."""

    model: str
    as_of: datetime
    customers: int
    mean_score: float | None
    high_risk: int = Field(description="Customers with a score above 0.7.")
    by_stage: list[StageRisk] = Field(default_factory=list)
