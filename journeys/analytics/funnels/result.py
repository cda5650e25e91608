"""What a funnel answers: per step the customers, conversion, drop-off and time to convert."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
from pydantic import BaseModel, Field

from journeys.analytics.funnels.query import FunnelQuery


class StepResult(BaseModel):
    """One step of the funnel (or of one breakdown value's funnel)."""

    step: int = Field(description="1-based position.")
    label: str
    customers: int = Field(description="Customers who reached this step.")
    conversion_from_previous: float | None = Field(description="customers / previous step's.")
    conversion_from_first: float | None = Field(description="customers / step 1's.")
    dropped: int = Field(description="Reached the previous step but not this one.")
    avg_seconds_to_convert: float | None = Field(description="From the previous step.")
    median_seconds_to_convert: float | None = Field(description="From the previous step.")


class BreakdownResult(BaseModel):
    """The funnel of the customers whose step-1 event had one value of the breakdown property."""

    value: str = Field(description="The value; '(none)' without one, 'other' past the top N.")
    steps: list[StepResult]


class DroppedCustomer(BaseModel):
    """A customer who reached the step before and not the asked step."""

    customer_id: str
    reached_step: int
    reached_at: datetime = Field(description="When they did the last step they reached (UTC).")


class DroppedPage(BaseModel):
    """One page of the customers who dropped at a step, by customer id."""

    step: int
    total: int
    limit: int
    offset: int
    customers: list[DroppedCustomer]


class FunnelResult(BaseModel):
    """The answer to a FunnelQuery."""

    query: FunnelQuery
    steps: list[StepResult]
    breakdown: list[BreakdownResult] | None = None
    dropped: DroppedPage | None = None

    def to_arrow(self) -> pa.Table:
        """One row per step (per breakdown value when broken down): a DataFrame-able table."""
        groups: list[tuple[str | None, list[StepResult]]] = []
        if self.breakdown is None:
            groups.append((None, self.steps))
        groups += [(b.value, b.steps) for b in self.breakdown or []]
        rows = [{"breakdown": value, **s.model_dump()} for value, steps in groups for s in steps]
        schema = pa.schema(
            [
                ("breakdown", pa.string()),
                ("step", pa.int64()),
                ("label", pa.string()),
                ("customers", pa.int64()),
                ("conversion_from_previous", pa.float64()),
                ("conversion_from_first", pa.float64()),
                ("dropped", pa.int64()),
                ("avg_seconds_to_convert", pa.float64()),
                ("median_seconds_to_convert", pa.float64()),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)

    def dropped_arrow(self) -> pa.Table:
        """The dropped customers of this page as a table."""
        rows = [c.model_dump() for c in self.dropped.customers] if self.dropped else []
        schema = pa.schema(
            [
                ("customer_id", pa.string()),
                ("reached_step", pa.int64()),
                ("reached_at", pa.timestamp("us")),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)
