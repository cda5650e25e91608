"""The contracts of tickets: what opens one, what a ticket is, and the changes it accepts.

Shared by the Python API, the HTTP API, the CLI's ``--json`` and the web pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from journeys.events.profiles import TimelineEvent

Reason = Literal["detractor", "negative_comment", "api", "rule"]
Priority = Literal["high", "normal", "low"]
Status = Literal["new", "contacted", "resolved", "closed"]

REASONS: tuple[Reason, ...] = ("detractor", "negative_comment", "api", "rule")
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
STATUSES: tuple[Status, ...] = ("new", "contacted", "resolved", "closed")


class TicketOpen(BaseModel):
    """What opens a ticket: a detractor's answer, a negative comment, the API or a rule."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=200, description="any id of the customer")
    reason: Reason
    summary: str = Field(min_length=1, max_length=2000)
    journey: str | None = None
    stage: str | None = None
    touchpoint: str | None = None
    priority: Priority | None = Field(
        default=None, description="default: from the reason and score"
    )
    response_id: str | None = Field(default=None, max_length=120, description="the survey response")
    score: int | None = Field(default=None, ge=0, le=10, description="the score that opened it")
    team: str | None = Field(
        default=None, max_length=120, description="default: the owner of the touchpoint"
    )
    actor: str | None = Field(
        default=None, max_length=80, description="who opened it, for the history"
    )


class Note(BaseModel):
    """A note on a ticket: who wrote what, when."""

    model_config = ConfigDict(from_attributes=True)

    author: str
    text: str
    at: datetime


class Change(BaseModel):
    """One step of a ticket's history; ``event`` names the event it wrote, if any."""

    model_config = ConfigDict(from_attributes=True)

    step: int
    at: datetime
    actor: str | None
    action: str
    from_status: Status | None
    to_status: Status | None
    text: str | None
    event: str | None


class TicketSummary(BaseModel):
    """A ticket without its notes and history: one line of the inbox."""

    id: str = Field(description="short and readable: T-<number>")
    customer_id: str
    known: bool
    reason: Reason
    summary: str
    journey: str | None
    stage: str | None
    touchpoint: str | None
    team: str
    priority: Priority
    status: Status
    sla_due_at: datetime
    breached: bool = Field(description="past sla_due_at and still new (nobody responded)")
    sla_met: bool | None = Field(description="responded by sla_due_at; None while undecided")
    escalation_level: int
    contacts: int
    root_cause: str | None
    resolution: str | None
    response_id: str | None
    score: int | None
    created_at: datetime
    contacted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class Ticket(TicketSummary):
    """A ticket with its notes and the history of every change, oldest first."""

    notes: list[Note]
    history: list[Change]


class TicketDetail(BaseModel):
    """A ticket with the newest events of its customer's cross-channel timeline."""

    ticket: Ticket
    timeline: list[TimelineEvent]


class StatusChange(BaseModel):
    """Move a ticket on; ``note`` is the contact note, ``root_cause`` is needed to close."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    note: str | None = Field(default=None, max_length=5000)
    author: str | None = Field(default=None, max_length=80)
    root_cause: str | None = Field(default=None, max_length=500)
    resolution: str | None = Field(default=None, max_length=5000, description="what was done")


class NoteIn(BaseModel):
    """A note to add."""

    model_config = ConfigDict(extra="forbid")

    author: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=5000)


class TicketFilter(BaseModel):
    """Which tickets to list; every field left empty matches all."""

    status: Status | None = None
    priority: Priority | None = None
    team: str | None = None
    teams: list[str] | None = Field(default=None, description="only these teams (a scope)")
    breached: bool | None = None
    customer: str | None = Field(default=None, description="any id of the customer")


class TicketPage(BaseModel):
    """A page of tickets: most urgent first."""

    total: int
    limit: int
    offset: int
    items: list[TicketSummary]
