"""What a conformance analysis answers."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, Field

from journeys.analytics.conformance.query import ConformanceQuery
from journeys.analytics.conformance.variants import Status

DeviationKind = Literal["skipped_stage", "went_back", "undesigned_touchpoint", "channel_switch"]


class Deviation(BaseModel):
    """How many customers show one kind of deviation, and how often it happens."""

    kind: DeviationKind
    customers: int
    share: float = Field(description="Of the journey's customers.")
    occurrences: int
    breaks_conformance: bool = Field(
        description="Skipped stages and going back break the stage order; the others do not."
    )


class SkippedStage(BaseModel):
    """A stage customers jumped over."""

    stage: str
    name: str
    customers: int


class LoopBack(BaseModel):
    """Going back from a stage to an earlier one."""

    from_stage: str
    to_stage: str
    customers: int
    times: int


class ChannelSwitch(BaseModel):
    """Two consecutive touchpoints on different channels (the touchpoints' designed channels)."""

    from_channel: str
    to_channel: str
    switches: int
    customers: int


class UndesignedEvent(BaseModel):
    """An event customers do during the journey that no touchpoint matches."""

    event: str
    events: int
    customers: int
    share: float = Field(description="Of the journey's customers.")


class Variant(BaseModel):
    """A distinct sequence of stages visited (repeats collapsed)."""

    stages: list[str]
    customers: int
    share: float
    status: Status
    conforming: bool


class GroupConformance(BaseModel):
    """Conformance of the customers with one value of the breakdown."""

    value: str | None
    customers: int
    conforming: int
    conforming_share: float
    complete: int
    deviations: dict[str, int] = Field(description="Customers per deviation kind.")


class ConformanceResult(BaseModel):
    """Real journeys against the designed stage order."""

    query: ConformanceQuery
    stages: list[str] = Field(description="The measured stages in designed order.")
    unmeasured_stages: list[str] = Field(description="Stages with no matched touchpoint.")
    customers: int = Field(description="Customers with at least one touchpoint of the journey.")
    conforming: int
    conforming_share: float
    statuses: dict[Status, int] = Field(
        description="complete, incomplete, entered_late and deviating customers."
    )
    deviations: list[Deviation]
    skipped_stages: list[SkippedStage]
    loops_back: list[LoopBack]
    channel_switches: list[ChannelSwitch]
    undesigned: list[UndesignedEvent] = Field(description="The top ones, by customers.")
    variant_count: int
    variants: list[Variant] = Field(description="The top ones, by customers.")
    by: str | None = Field(description="What the breakdown is by; None: no breakdown.")
    groups: list[GroupConformance]

    def to_arrow(self) -> pa.Table:
        """The top variants as an Arrow table (stages, customers, share, status, conforming)."""
        return pa.Table.from_pylist(
            [v.model_dump() for v in self.variants],
            schema=pa.schema(
                [
                    ("stages", pa.list_(pa.string())),
                    ("customers", pa.int64()),
                    ("share", pa.float64()),
                    ("status", pa.string()),
                    ("conforming", pa.bool_()),
                ]
            ),
        )
