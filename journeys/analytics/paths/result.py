"""What a paths analysis answers."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, Field

from journeys.analytics.paths.query import PathsQuery

END = "(end)"  # what follows (or precedes) the anchor for customers with nothing there


class PathRow(BaseModel):
    """One distinct path and how many customers took it."""

    steps: list[str] = Field(description="From the anchor on (start) or up to it (end).")
    customers: int
    share: float = Field(description="Of the customers who reached the anchor.")


class NextStep(BaseModel):
    """Right after the anchor (start), or right before it (end): what customers did."""

    step: str = Field(description=f"An event or touchpoint; {END!r}: nothing.")
    customers: int
    share: float


class PathsResult(BaseModel):
    """The most common paths from or to a step."""

    query: PathsQuery
    direction: Literal["start", "end"]
    anchor: str = Field(description="The step, in its text form.")
    level: Literal["event", "touchpoint"]
    customers: int = Field(description="Customers who reached the anchor.")
    distinct_paths: int
    paths: list[PathRow] = Field(description="The most common first.")
    next_steps: list[NextStep] = Field(
        description="Every customer's step next to the anchor, most common first."
    )

    def to_arrow(self) -> pa.Table:
        """The paths as an Arrow table (steps, customers, share)."""
        return pa.Table.from_pylist(
            [p.model_dump() for p in self.paths],
            schema=pa.schema(
                [
                    ("steps", pa.list_(pa.string())),
                    ("customers", pa.int64()),
                    ("share", pa.float64()),
                ]
            ),
        )
