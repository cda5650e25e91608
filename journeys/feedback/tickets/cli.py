"""``journeys tickets list|show|open|update|close|escalate|report``: thin commands."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.errors import InvalidInput
from journeys.feedback.tickets.model import (
    NoteIn,
    Priority,
    Reason,
    Status,
    StatusChange,
    Ticket,
    TicketDetail,
    TicketFilter,
    TicketOpen,
    TicketSummary,
)
from journeys.feedback.tickets.report import ClosedLoopReport, closed_loop_report
from journeys.feedback.tickets.service import (
    add_note,
    change_status,
    close_ticket,
    escalate_overdue,
    list_tickets,
    open_ticket,
    ticket_detail,
)
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Tickets: the closed loop from an unhappy customer to a root cause.",
    no_args_is_help=True,
)

TicketArg = Annotated[str, typer.Argument(help="Ticket id, e.g. T-12.")]
AuthorOpt = Annotated[str | None, typer.Option(help="Who does it (default: the logged-in user).")]


def _author(author: str | None) -> str:
    if author:
        return author
    try:
        return getpass.getuser()
    except OSError:  # no user name in this environment (a container, a service)
        return "unknown"


@app.command("list")
def tickets_list(
    status: Annotated[Status | None, typer.Option(help="new, contacted, resolved, closed.")] = None,
    priority: Annotated[Priority | None, typer.Option(help="high, normal or low.")] = None,
    team: Annotated[str | None, typer.Option(help="The owning team.")] = None,
    breached: Annotated[
        bool | None,
        typer.Option("--breached/--not-breached", help="Only tickets past (or not) their SLA."),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Any id of the customer.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Tickets to list.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Tickets to skip.")] = 0,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """List tickets, open and most urgent first."""
    where = TicketFilter(
        status=status, priority=priority, team=team, breached=breached, customer=customer
    )
    with Workspace.open(workspace) as ws:
        page = list_tickets(ws, where, limit, offset)
    if as_json:
        print_json(page)
        return
    table = Table("id", "status", "priority", "team", "customer", "due", "summary")
    for t in page.items:
        table.add_row(
            t.id, t.status, t.priority, t.team, t.customer_id, _due(t), _short(t.summary, 60)
        )
    out.print(table)
    last = page.offset + len(page.items)
    out.print(f"Tickets {page.offset + 1 if page.items else 0}–{last} of {page.total}.")


@app.command("show")
def tickets_show(
    ticket: TicketArg,
    timeline: Annotated[int, typer.Option(min=0, help="Timeline events to show.")] = 10,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Show a ticket: details, notes, history and the customer's latest events."""
    with Workspace.open(workspace) as ws:
        detail = ticket_detail(ws, ticket, timeline)
    if as_json:
        print_json(detail)
    else:
        _print_detail(detail)


@app.command("open")
def tickets_open(
    customer: Annotated[str, typer.Argument(help="Any id of the customer.")],
    summary: Annotated[str, typer.Option(help="What is wrong, in a sentence.")],
    reason: Annotated[Reason, typer.Option(help="Why it is opened.")] = "api",
    priority: Annotated[
        Priority | None, typer.Option(help="Default: from the reason and score.")
    ] = None,
    journey: Annotated[str | None, typer.Option(help="Journey id where it happened.")] = None,
    stage: Annotated[str | None, typer.Option(help="Stage id (found from the touchpoint).")] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Touchpoint id (its owner's).")] = None,
    team: Annotated[str | None, typer.Option(help="Team, instead of the touchpoint's.")] = None,
    score: Annotated[int | None, typer.Option(min=0, max=10, help="The survey score.")] = None,
    response: Annotated[str | None, typer.Option(help="The survey response id.")] = None,
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Open a ticket for a customer."""
    spec = TicketOpen(
        customer_id=customer,
        reason=reason,
        summary=summary,
        journey=journey,
        stage=stage,
        touchpoint=touchpoint,
        priority=priority,
        team=team,
        score=score,
        response_id=response,
        actor=_author(author),
    )
    with Workspace.open(workspace) as ws:
        ticket = open_ticket(ws, spec)
    _done(ticket, f"Ticket {ticket.id} is open for {ticket.team}", as_json)


@app.command("update")
def tickets_update(
    ticket: TicketArg,
    status: Annotated[
        Status | None, typer.Option(help="contacted, resolved (or closed, with --root-cause).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note (with contacted: the contact).")] = None,
    root_cause: Annotated[str | None, typer.Option(help="Needed to close.")] = None,
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Move a ticket forward, and/or add a note."""
    if status is None and not note:
        raise InvalidInput("give --status, --note or both", details={"field": "status"})
    who = _author(author)
    with Workspace.open(workspace) as ws:
        if status is None:
            result = add_note(ws, ticket, NoteIn(author=who, text=note or ""))
        else:
            change = StatusChange(status=status, note=note, author=who, root_cause=root_cause)
            result = change_status(ws, ticket, change)
    _done(result, f"Ticket {result.id} is {result.status}", as_json)


@app.command("close")
def tickets_close(
    ticket: TicketArg,
    root_cause: Annotated[str, typer.Option(help="What caused the customer's problem.")],
    resolution: Annotated[str | None, typer.Option(help="What was done about it.")] = None,
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Close a resolved ticket with its root cause."""
    with Workspace.open(workspace) as ws:
        result = close_ticket(ws, ticket, root_cause, resolution, _author(author))
    _done(result, f"Ticket {result.id} is closed (root cause: {result.root_cause})", as_json)


@app.command("escalate")
def tickets_escalate(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Escalate tickets past their SLA, one level per SLA period (`journeys serve` does too)."""
    with Workspace.open(workspace) as ws:
        escalated = escalate_overdue(ws)
    if as_json:
        print_json([t.model_dump(mode="json") for t in escalated])
        return
    for t in escalated:
        out.print(f"{t.id} ({t.priority}, {t.team}) is at escalation level {t.escalation_level}")
    out.print(f"Escalated {len(escalated)} ticket(s).")


@app.command("report")
def tickets_report(
    since: Annotated[datetime | None, typer.Option(help="Detractors answering from (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="… up to, not including (UTC).")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The closed loop: detractors ticketed, contacted (within SLA), promoters later."""
    with Workspace.open(workspace) as ws:
        report = closed_loop_report(ws, since, until)
    if as_json:
        print_json(report)
    else:
        out.print(report_table(report))


def report_table(r: ClosedLoopReport) -> Table:
    """The report as a Rich table."""
    table = Table("detractors", "count", "share", title="Closed loop", title_justify="left")
    rows = (
        ("answered as detractor", r.detractors, None),
        ("got a ticket", r.ticketed, r.ticketed_share),
        ("were contacted", r.contacted, r.contacted_share),
        ("were contacted within SLA", r.contacted_within_sla, r.contacted_within_sla_share),
        ("answered as promoter later", r.became_promoters, r.became_promoters_share),
        ("… of those contacted", r.promoters_when_contacted, r.promoters_when_contacted_share),
        (
            "… of those not contacted",
            r.promoters_when_not_contacted,
            r.promoters_when_not_contacted_share,
        ),
    )
    for label, count, share in rows:
        table.add_row(label, f"{count:,}", "" if share is None else f"{share:.1%}")
    return table


def _done(ticket: Ticket, message: str, as_json: bool) -> None:
    if as_json:
        print_json(ticket)
    else:
        out.print(f"{message}; due {ticket.sla_due_at:%Y-%m-%d %H:%M} UTC.", highlight=False)


def _print_detail(detail: TicketDetail) -> None:
    t = detail.ticket
    where = "/".join(p for p in (t.journey, t.stage, t.touchpoint) if p) or "—"
    out.print(f"[bold]{t.id}[/bold] {t.summary}", highlight=False, soft_wrap=True)
    facts = Table(show_header=False)
    for label, value in (
        ("status", t.status),
        ("priority", t.priority),
        ("team", t.team),
        ("customer", t.customer_id),
        ("reason", t.reason + (f" (score {t.score})" if t.score is not None else "")),
        ("where", where),
        ("due", _due(t)),
        ("escalation level", str(t.escalation_level)),
        ("contacts", str(t.contacts)),
        ("root cause", t.root_cause or ""),
        ("resolution", t.resolution or ""),
    ):
        facts.add_row(label, value)
    out.print(facts)
    history = Table("step", "when", "who", "what", title="History", title_justify="left")
    for c in t.history:
        what = c.action + (f": {c.text}" if c.text else "")
        history.add_row(str(c.step), f"{c.at:%Y-%m-%d %H:%M}", c.actor or "", what)
    out.print(history)
    if t.notes:
        notes = Table("when", "author", "note", title="Notes", title_justify="left")
        for n in t.notes:
            notes.add_row(f"{n.at:%Y-%m-%d %H:%M}", n.author, n.text)
        out.print(notes)
    if detail.timeline:
        events = Table("when", "event", "channel", title="Customer timeline", title_justify="left")
        for e in detail.timeline:
            events.add_row(f"{e.timestamp:%Y-%m-%d %H:%M}", e.event, e.channel or "")
        out.print(events)


def _due(t: TicketSummary) -> str:
    due = f"{t.sla_due_at:%Y-%m-%d %H:%M}"
    if t.breached:
        return f"{due} BREACHED" + (f" (level {t.escalation_level})" if t.escalation_level else "")
    return due


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
