"""What the user asks (retention and churn queries) and what they get back (result models).

Both are Pydantic contracts shared by the Python API, the CLI's ``--json``, the HTTP API and
the web page. Timestamps are naive UTC, like the event log's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.common import Step
from journeys.analytics.retention.periods import Period

Mode = Literal["on", "on_or_after"]
MODES: tuple[Mode, ...] = ("on", "on_or_after")
MAX_PERIODS = 120  # columns of the table: four months of days, two years of weeks
MAX_COHORTS = 400  # rows: a year of daily cohorts
MAX_PAGE = 1000
MAX_OFFSET = 1_000_000_000
# The event types that show a customer doing something. identify, alias and group describe who
# someone is and are often sent by a back end (a nightly CRM sync) with the customer away.
ACTIVITY_TYPES = ("track", "page", "screen")


class RetentionQuery(BaseModel):
    """Cohorts by the period of each customer's first ``start``; who returns with ``returning``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: Step = Field(description="The step whose first occurrence puts a customer in a cohort.")
    returning: Step | None = Field(
        default=None, description="The step that counts as returning; none: any activity."
    )
    period: Period = Field(default="week", description="day, week (ISO, from Monday) or month.")
    periods: int = Field(default=8, ge=1, le=MAX_PERIODS, description="Periods after the cohort's.")
    date_from: date | None = Field(default=None, description="First day of the first cohort.")
    date_to: date | None = Field(default=None, description="A day in the last cohort.")
    mode: Mode = Field(default="on", description="on: in that period; on_or_after: then or later.")
    segment: str | None = Field(default=None, description="Only the customers of this segment.")


class ChurnQuery(BaseModel):
    """Customers with no activity for ``inactive`` as of ``as_of``, a page of them at a time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inactive: timedelta = Field(default=timedelta(days=30), description="Silence that is churn.")
    as_of: datetime | None = Field(
        default=None, description="Reference instant (naive UTC); none: the latest activity."
    )
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    segment: str | None = Field(default=None, description="Only the customers of this segment.")


# -- results -----------------------------------------------------------------------------------


class CohortPeriod(BaseModel):
    """One cell: how many of a cohort were retained in its k-th period."""

    period: int
    start: datetime
    retained: int | None = Field(description="None when the log does not reach this period yet.")
    share: float | None = Field(description="retained / cohort size, from 0 to 1.")
    complete: bool = Field(description="The period ended before the log's latest activity.")


class Cohort(BaseModel):
    """The customers whose first start step fell in one period."""

    start: datetime
    label: str
    size: int
    periods: list[CohortPeriod]


class AveragePeriod(BaseModel):
    """The retention curve: period k over every cohort whose period k is complete."""

    period: int
    retained: int
    customers: int = Field(description="Sum of the sizes of the cohorts counted.")
    share: float | None


class RetentionResult(BaseModel):
    """Cohort table and the average curve weighted by cohort size."""

    query: RetentionQuery
    first_cohort: datetime | None
    last_cohort: datetime | None
    data_end: datetime | None = Field(description="The latest activity in the log.")
    customers: int = Field(description="Customers in all cohorts together.")
    cohorts: list[Cohort]
    average: list[AveragePeriod]

    def to_arrow(self) -> pa.Table:
        """The table in long form: one row per cohort and period."""
        rows: list[dict[str, Any]] = [
            {
                "cohort": c.label,
                "cohort_start": c.start,
                "cohort_size": c.size,
                "period": p.period,
                "period_start": p.start,
                "retained": p.retained,
                "share": p.share,
                "complete": p.complete,
            }
            for c in self.cohorts
            for p in c.periods
        ]
        return pa.Table.from_pylist(rows, schema=_RETENTION_SCHEMA)


_RETENTION_SCHEMA = pa.schema(
    [
        ("cohort", pa.string()),
        ("cohort_start", pa.timestamp("us")),
        ("cohort_size", pa.int64()),
        ("period", pa.int64()),
        ("period_start", pa.timestamp("us")),
        ("retained", pa.int64()),
        ("share", pa.float64()),
        ("complete", pa.bool_()),
    ]
)


class ChurnedCustomer(BaseModel):
    """A customer silent for at least the inactive period."""

    customer_id: str
    known: bool
    first_seen: datetime
    last_seen: datetime
    days_inactive: int = Field(description="Whole days from last seen to as_of.")
    events: int = Field(description="Activity events up to as_of.")


class ChurnResult(BaseModel):
    """Churn as of one instant: the rate over the window before, and the churned customers."""

    query: ChurnQuery
    as_of: datetime | None = Field(description="None when the log holds no activity.")
    window_start: datetime | None = Field(description="as_of − 2 × inactive (exclusive).")
    cutoff: datetime | None = Field(description="as_of − inactive: silent since then is churned.")
    customers: int = Field(description="Customers with activity up to as_of.")
    churned: int = Field(description="Customers whose last activity is at or before cutoff.")
    active_before: int = Field(description="Customers active in (window_start, cutoff].")
    churned_from_active: int = Field(description="Of those, silent since the cutoff.")
    churn_rate: float | None = Field(description="churned_from_active / active_before.")
    churned_customers: list[ChurnedCustomer]

    def to_arrow(self) -> pa.Table:
        """The page of churned customers."""
        rows = [c.model_dump() for c in self.churned_customers]
        return pa.Table.from_pylist(rows, schema=_CHURN_SCHEMA)


_CHURN_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("known", pa.bool_()),
        ("first_seen", pa.timestamp("us")),
        ("last_seen", pa.timestamp("us")),
        ("days_inactive", pa.int64()),
        ("events", pa.int64()),
    ]
)
