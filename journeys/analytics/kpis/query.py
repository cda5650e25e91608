"""What the KPI analysis and the KPI board are asked for.

Pydantic contracts shared by the Python API, the CLI, the HTTP API and the web page. Days are
UTC days, like the event log's naive UTC timestamps.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.retention.periods import PERIODS, Period

Grouping = Literal["overall", "touchpoint", "stage", "journey", "persona", "segment"]
GROUPINGS: tuple[Grouping, ...] = (
    "overall",
    "touchpoint",
    "stage",
    "journey",
    "persona",
    "segment",
)
Grain = Period  # day, week (ISO, from Monday) or month, in UTC
GRAINS: tuple[Grain, ...] = PERIODS
MAX_PERIODS = 400  # points of a trend series: a year and a month of days


class KpiQuery(BaseModel):
    """Feedback and ticket KPIs, per grouping, optionally as a trend over time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by: Grouping = Field(
        default="overall",
        description="overall, touchpoint, stage, journey, persona (trait persona, else trait "
        "segment) or segment (one group per saved segment).",
    )
    grain: Grain | None = Field(
        default=None, description="day, week or month: add a trend series; none: no trend."
    )
    date_from: date | None = Field(default=None, description="First day included (UTC).")
    date_to: date | None = Field(default=None, description="Last day included (UTC).")
    segment: str | None = Field(default=None, description="Only the customers of this segment.")
    journey: str | None = Field(
        default=None, description="Only the answers and tickets about this journey."
    )


class BoardQuery(BaseModel):
    """The three levels of KPIs on one board: governance, management, operations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date_from: date | None = Field(default=None, description="First day included (UTC).")
    date_to: date | None = Field(default=None, description="Last day included (UTC).")
    segment: str | None = Field(default=None, description="Only the customers of this segment.")
    journey: str | None = Field(
        default=None, description="Only this journey (its feedback, tickets and stages)."
    )
    inactive: timedelta = Field(
        default=timedelta(days=30),
        description="The retention window: active in the window before the last one and again "
        "in the last one.",
    )
