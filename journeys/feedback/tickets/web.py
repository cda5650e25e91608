"""Ticket pages: the inbox with its filters, and each ticket with its forms.

The forms post to routes that call the same service functions as the API and the CLI; a
refused change (a step the life cycle does not allow, a missing root cause) shows the ticket
page again with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.analytics.common import elapsed_text
from journeys.api.deps import workspace_of
from journeys.errors import Conflict, InvalidInput
from journeys.feedback.tickets import lifecycle, service
from journeys.feedback.tickets.api import IN_TEAM
from journeys.feedback.tickets.model import (
    PRIORITIES,
    STATUSES,
    NoteIn,
    StatusChange,
    TicketFilter,
    TicketSummary,
)
from journeys.feedback.tickets.report import closed_loop_report
from journeys.security.http import team_scope
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50
TIMELINE = 30


@router.get("/tickets", response_class=HTMLResponse)
def inbox(
    request: Request,
    status: str = "",
    priority: str = "",
    team: str = "",
    breached: str = "",
    page: int = Query(1, ge=1, le=10_000_000),
) -> Response:
    """The inbox: open and most urgent tickets first, filtered, a page at a time."""
    ws = workspace_of(request)
    where = TicketFilter(
        status=_choice("status", status, STATUSES),
        priority=_choice("priority", priority, PRIORITIES),
        team=team or None,
        teams=team_scope(request),
        breached={"": None, "yes": True, "no": False}.get(breached),
    )
    found = service.list_tickets(ws, where, PAGE, (page - 1) * PAGE)
    filters = {"status": status, "priority": priority, "team": team, "breached": breached}
    query = {k: v for k, v in filters.items() if v}
    now = ws.clock.now()
    return _page(
        request,
        "tickets/inbox.html",
        "tickets",
        found=found,
        rows=[(t, sla_text(t, now)) for t in found.items],
        filters=filters,
        statuses=STATUSES,
        priorities=PRIORITIES,
        teams=service.teams(ws),
        report=closed_loop_report(ws),
        page=page,
        prev_href=_href(query, page - 1) if page > 1 else None,
        next_href=_href(query, page + 1) if found.offset + len(found.items) < found.total else None,
    )


@router.get("/tickets/{ticket_id}", dependencies=IN_TEAM, response_class=HTMLResponse)
async def ticket_page(request: Request, ticket_id: str) -> Response:
    """One ticket: details, SLA, history, notes, its forms and the customer's timeline."""
    return await _ticket(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/status",
    dependencies=IN_TEAM,
    response_class=HTMLResponse,
)
async def post_status(
    request: Request,
    ticket_id: str,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "",
) -> Response:
    """Move the ticket on (with a contact note), then show it again."""
    ws = workspace_of(request)
    try:
        target = _choice("status", status, STATUSES)
        if target is None:
            raise InvalidInput("choose a status", details={"field": "status"})
        change = StatusChange(status=target, note=note or None, author=author.strip() or None)
        await run_in_threadpool(service.change_status, ws, ticket_id, change)
    except (Conflict, InvalidInput) as exc:
        return await _ticket(request, ticket_id, error=exc.message, status_code=exc.status)
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/notes", dependencies=IN_TEAM, response_class=HTMLResponse)
async def post_note(
    request: Request,
    ticket_id: str,
    text: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "",
) -> Response:
    """Add a note, then show the ticket again."""
    ws = workspace_of(request)
    if not text.strip() or not author.strip():
        message = "a note needs your name and a text"
        return await _ticket(request, ticket_id, error=message, status_code=422)
    note = NoteIn(author=author.strip()[:80], text=text.strip())
    await run_in_threadpool(service.add_note, ws, ticket_id, note)
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/close", dependencies=IN_TEAM, response_class=HTMLResponse)
async def post_close(
    request: Request,
    ticket_id: str,
    root_cause: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "",
) -> Response:
    """Close the ticket with its root cause, then show it again."""
    ws = workspace_of(request)
    try:
        await run_in_threadpool(
            service.close_ticket,
            ws,
            ticket_id,
            root_cause,
            resolution or None,
            author.strip() or None,
        )
    except (Conflict, InvalidInput) as exc:
        return await _ticket(request, ticket_id, error=exc.message, status_code=exc.status)
    return _back(ticket_id)


def sla_text(t: TicketSummary, now: datetime) -> str:
    """The SLA as a person reads it: due in, overdue by, answered in time or late."""
    if t.breached:
        return f"overdue by {elapsed_text((now - t.sla_due_at).total_seconds())}"
    if t.status == "new":
        return f"due in {elapsed_text((t.sla_due_at - now).total_seconds())}"
    if t.sla_met:
        return "responded in time"
    return "responded late"


async def _ticket(
    request: Request, ticket_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    ws = workspace_of(request)
    detail = await run_in_threadpool(service.ticket_detail, ws, ticket_id, TIMELINE)
    t = detail.ticket
    context: dict[str, Any] = {
        "t": t,
        "timeline": detail.timeline,
        "sla": sla_text(t, ws.clock.now()),
        "moves": [s for s in lifecycle.NEXT[t.status] if s != "closed"],
        "can_close": "closed" in lifecycle.NEXT[t.status],
        "error": error,
    }
    return _page(request, "tickets/ticket.html", "tickets", status_code=status_code, **context)


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> Any:
    """A filter's value: None when empty, else one of ``allowed`` (InvalidInput otherwise)."""
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(
            f"unknown {field} {value!r}; choose one of {', '.join(allowed)}",
            details={"field": field},
        )
    return value


def _href(query: dict[str, str], page: int) -> str:
    return "/tickets?" + urlencode({**query, "page": page})


def _back(ticket_id: str) -> Response:
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
