"""What a directly-follows graph answers: nodes with start/end counts, edges with counts."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.dfg.query import DfgQuery


class DfgEdge(BaseModel):
    """``to`` directly followed ``from`` (same customer, nothing in between) ``count`` times."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: str = Field(alias="from")
    to: str
    count: int
    median_seconds: float = Field(description="Median time from one to the next.")


class DfgNode(BaseModel):
    """An activity (event name or touchpoint id) with how often it starts and ends a journey."""

    name: str
    label: str = Field(description="The touchpoint's name; the event name for events.")
    stage: str | None = None
    channel: str | None = None
    events: int
    starts: int = Field(description="Customers whose first activity this is.")
    ends: int = Field(description="Customers whose last activity this is.")


class DfgResult(BaseModel):
    """The directly-follows graph, and what went into it."""

    query: DfgQuery
    level: Literal["event", "touchpoint"]
    customers: int = Field(description="Customers (cases) with at least one activity.")
    events: int = Field(description="Events in the graph.")
    unmapped: int | None = Field(
        default=None,
        description="Touchpoint level: events of these customers that match no touchpoint.",
    )
    nodes: list[DfgNode]
    edges: list[DfgEdge] = Field(description="Most frequent first; min_count applied.")

    def to_arrow(self) -> pa.Table:
        """The edges as an Arrow table (from, to, count, median_seconds)."""
        return pa.table(
            {
                "from": pa.array([e.from_ for e in self.edges], pa.string()),
                "to": pa.array([e.to for e in self.edges], pa.string()),
                "count": pa.array([e.count for e in self.edges], pa.int64()),
                "median_seconds": pa.array([e.median_seconds for e in self.edges], pa.float64()),
            }
        )

    def nodes_arrow(self) -> pa.Table:
        """The nodes as an Arrow table (name, label, stage, channel, events, starts, ends)."""
        rows = [n.model_dump() for n in self.nodes]
        schema = pa.schema(
            [
                ("name", pa.string()),
                ("label", pa.string()),
                ("stage", pa.string()),
                ("channel", pa.string()),
                ("events", pa.int64()),
                ("starts", pa.int64()),
                ("ends", pa.int64()),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)
