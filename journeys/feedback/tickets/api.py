"""``/api/tickets``: list, open, read, move on, annotate and close tickets; the report."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from journeys.api.deps import workspace_of
from journeys.feedback.tickets.model import (
    NoteIn,
    Priority,
    Status,
    StatusChange,
    Ticket,
    TicketDetail,
    TicketFilter,
    TicketOpen,
    TicketPage,
)
from journeys.feedback.tickets.report import ClosedLoopReport, closed_loop_report
from journeys.feedback.tickets.service import (
    add_note,
    change_status,
    close_ticket,
    get_ticket,
    list_tickets,
    open_ticket,
    ticket_detail,
)
from journeys.security.http import check_team, team_scope

router = APIRouter(prefix="/api/tickets", tags=["tickets"])


class TicketCreate(BaseModel):
    """A ticket opened by hand or by another system (its reason is ``api``)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=200, description="any id of the customer")
    summary: str = Field(min_length=1, max_length=2000)
    priority: Priority | None = None
    journey: str | None = None
    stage: str | None = None
    touchpoint: str | None = None
    team: str | None = Field(default=None, max_length=120)
    response_id: str | None = Field(default=None, max_length=120)
    author: str | None = Field(default=None, max_length=80)


class CloseRequest(BaseModel):
    """Close a resolved ticket: its root cause and what was done."""

    model_config = ConfigDict(extra="forbid")

    root_cause: str = Field(min_length=1, max_length=500)
    resolution: str | None = Field(default=None, max_length=5000)
    author: str | None = Field(default=None, max_length=80)


def in_team_scope(request: Request, ticket_id: str) -> None:
    """A route dependency: the ticket must belong to one of the caller's teams."""
    if team_scope(request) is not None:
        check_team(request, get_ticket(workspace_of(request), ticket_id).team)


IN_TEAM = [Depends(in_team_scope)]


@router.get("", response_model=TicketPage)
def list_(
    request: Request,
    status: Status | None = None,
    priority: Priority | None = None,
    team: str | None = None,
    breached: bool | None = None,
    customer: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> TicketPage:
    """Tickets matching the filters, open and most urgent first, a page at a time."""
    where = TicketFilter(
        status=status,
        priority=priority,
        team=team,
        teams=team_scope(request),
        breached=breached,
        customer=customer,
    )
    return list_tickets(workspace_of(request), where, limit, offset)


@router.post("", response_model=Ticket, status_code=201)
async def create(request: Request, body: TicketCreate) -> Ticket:
    """Open a ticket for a customer (any of its ids)."""
    spec = TicketOpen(
        reason="api", actor=body.author, **body.model_dump(exclude={"author"}, exclude_none=True)
    )
    return await run_in_threadpool(open_ticket, workspace_of(request), spec)


@router.get("/report", response_model=ClosedLoopReport)
async def report(
    request: Request, since: datetime | None = None, until: datetime | None = None
) -> ClosedLoopReport:
    """Of the detractors answering in [since, until): ticketed, contacted, promoters later."""
    return await run_in_threadpool(closed_loop_report, workspace_of(request), since, until)


@router.get("/{ticket_id}", dependencies=IN_TEAM, response_model=TicketDetail)
async def get_one(
    request: Request, ticket_id: str, timeline_limit: int = Query(50, ge=0, le=1000)
) -> TicketDetail:
    """One ticket with its notes, history and the customer's cross-channel timeline."""
    return await run_in_threadpool(ticket_detail, workspace_of(request), ticket_id, timeline_limit)


@router.post("/{ticket_id}/status", dependencies=IN_TEAM, response_model=Ticket)
async def set_status(request: Request, ticket_id: str, body: StatusChange) -> Ticket:
    """Move a ticket forward; ``note`` records the contact, ``root_cause`` is needed to close."""
    return await run_in_threadpool(change_status, workspace_of(request), ticket_id, body)


@router.post(
    "/{ticket_id}/notes",
    dependencies=IN_TEAM,
    response_model=Ticket,
    status_code=201,
)
async def post_note(request: Request, ticket_id: str, body: NoteIn) -> Ticket:
    """Add a note."""
    return await run_in_threadpool(add_note, workspace_of(request), ticket_id, body)


@router.post("/{ticket_id}/close", dependencies=IN_TEAM, response_model=Ticket)
async def close(request: Request, ticket_id: str, body: CloseRequest) -> Ticket:
    """Close a resolved ticket with its root cause."""
    ws = workspace_of(request)
    return await run_in_threadpool(
        close_ticket, ws, ticket_id, body.root_cause, body.resolution, body.author
    )
