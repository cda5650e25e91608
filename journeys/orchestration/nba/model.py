"""The contracts of the next best action: shared by the Python API, HTTP, CLI and web page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RankedAction(BaseModel):
    """One action that fits the customer, with its score and why it fits."""

    id: str
    title: str
    message: str = Field(description="with the customer's details filled in")
    score: float
    reason: str = Field(description="the evidence behind the score, for the agent to read")
    channels: list[str]


class NextBestActions(BaseModel):
    """The ranked actions for one customer (or anonymous visitor) on one channel."""

    customer_id: str
    known: bool
    channel: str | None
    actions: list[RankedAction]
    evaluated_at: datetime
