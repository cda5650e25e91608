"""What the churn-risk chart is asked for, and what it answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

By = Literal["stage", "touchpoint"]


class RiskQuery(BaseModel):
    """Customers of a journey's stages (or touchpoints), split into bands of a model's score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(description="A prediction model with stored scores, e.g. churn.")
    journey: str = Field(description="The journey whose stages the customers are placed in.")
    by: By = Field(
        default="stage",
        description="stage: the furthest stage a customer reached; touchpoint: the touchpoint "
        "of their latest event in the journey.",
    )
    low: float = Field(default=0.3, ge=0, le=1, description="Scores below are low risk.")
    high: float = Field(default=0.7, ge=0, le=1, description="Scores above are high risk.")
    segment: str | None = Field(default=None, description="Only the customers of this segment.")


class RiskRow(BaseModel):
    """The scored customers placed at one stage (or touchpoint), by band."""

    id: str | None = Field(description="Stage or touchpoint id; None: not in the journey.")
    name: str
    stage: str | None = Field(default=None, description="The touchpoint's stage id.")
    customers: int
    low: int = Field(description="Scores below the low threshold.")
    medium: int = Field(description="Scores from the low to the high threshold.")
    high: int = Field(description="Scores above the high threshold.")
    mean_score: float | None


class RiskByStage(BaseModel):
    """The answer: one row per stage (or touchpoint) in journey order, and the rest."""

    query: RiskQuery
    scored: int = Field(description="Customers with a stored score from the model.")
    rows: list[RiskRow]
    outside: RiskRow = Field(description="Scored customers with no event of the journey.")
