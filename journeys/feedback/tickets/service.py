"""The closed loop's domain functions: open, read, list, move on, annotate and escalate tickets.

Every change is one transaction in the operational store that also appends a step to the
ticket's history; the steps that are ticket events (docs/feedback/events.md) are then
recorded in the event log. The event log is opened before anything changes, so a change
that could not be recorded (another process holds the log) is refused rather than made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from typing import Any, cast

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Select

from journeys.errors import Conflict, CustomerNotFound, NotFound, StoreUnavailable
from journeys.events.profiles import customer_profile, resolve_customer
from journeys.events.recording import Recorded
from journeys.feedback.tickets import lifecycle, sla
from journeys.feedback.tickets.events import (
    common_properties,
    record_events,
    ticket_events,
    ticket_id,
)
from journeys.feedback.tickets.model import (
    Change,
    Note,
    NoteIn,
    Priority,
    Reason,
    Status,
    StatusChange,
    Ticket,
    TicketDetail,
    TicketFilter,
    TicketOpen,
    TicketPage,
    TicketSummary,
)
from journeys.feedback.tickets.routing import locate
from journeys.feedback.tickets.tables import TicketChangeRow, TicketNoteRow, TicketRow
from journeys.workspace import Workspace

UNKNOWN_AUTHOR = "unknown"


# -- opening ----------------------------------------------------------------------------------


def open_ticket(ws: Workspace, spec: TicketOpen) -> Ticket:
    """Open a ticket; for a survey response that already has one, that ticket is returned."""
    log = ws.events  # before any change: see the module docstring
    if spec.response_id is not None:
        existing = _number_for_response(ws, spec.response_id)
        if existing is not None:
            return _synced(ws, existing)[0]
    with closing(log.fresh_reader()) as con:
        customer_id, known = resolve_customer(con, spec.customer_id)
    place = locate(ws, spec.journey, spec.stage, spec.touchpoint)
    priority = sla.default_priority(spec.reason, spec.score, spec.priority)
    now = ws.clock.now()
    row = TicketRow(
        customer_id=customer_id,
        known=known,
        reason=spec.reason,
        summary=spec.summary.strip() or spec.summary,
        journey=place.journey,
        stage=place.stage,
        touchpoint=place.touchpoint,
        team=spec.team or place.team,
        priority=priority,
        status="new",
        sla_due_at=sla.sla_due(now, priority),
        escalation_level=0,
        contacts=0,
        response_id=spec.response_id,
        score=spec.score,
        created_at=now,
        updated_at=now,
        steps=0,
    )
    try:
        with Session(ws.operational.engine) as session, session.begin():
            session.add(row)
            session.flush()  # gives the ticket its number, which its event carries
            extra = ("ticket_opened", {"reason": spec.reason, "response_id": spec.response_id})
            _step(session, row, now, "opened", actor=spec.actor, before=None, event=extra)
            number = row.number
    except IntegrityError:
        # The same response opened a ticket at the same moment elsewhere: that one stands.
        existing = _number_for_response(ws, spec.response_id) if spec.response_id else None
        if existing is None:
            raise
        number = existing
    return _synced(ws, number)[0]


def _number_for_response(ws: Workspace, response_id: str) -> int | None:
    with Session(ws.operational.engine) as session:
        found: int | None = session.scalar(
            select(TicketRow.number).where(TicketRow.response_id == response_id)
        )
        return found


# -- moving on --------------------------------------------------------------------------------


def change_status(ws: Workspace, ticket: str, change: StatusChange) -> Ticket:
    """Move a ticket forward (contacted, resolved, closed), with an optional contact note."""

    def apply(session: Session, row: TicketRow, now: datetime) -> None:
        tid, before, actor = ticket_id(row.number), row.status, change.author
        lifecycle.check_transition(tid, _status(row), change.status)
        if change.status == "contacted":
            _contact(session, row, now, actor)
        elif change.status == "resolved":
            row.status, row.resolved_at = "resolved", now
            extra = {"contacts": row.contacts, "first_contact_resolution": row.contacts == 1}
            _step(session, row, now, "resolved", actor=actor, before=before,
                  event=("ticket_resolved", extra))  # fmt: skip
        else:
            root_cause = lifecycle.required_root_cause(tid, change.root_cause)
            resolution = (change.resolution or "").strip() or None
            row.status, row.closed_at = "closed", now
            row.root_cause, row.resolution = root_cause, resolution
            _step(session, row, now, "closed", actor=actor, before=before, text=resolution,
                  event=("ticket_closed", {"root_cause": root_cause}))  # fmt: skip
        if change.note and change.note.strip():  # the contact note, after the step it belongs to
            _add_note(session, row, now, actor or UNKNOWN_AUTHOR, change.note.strip())

    return _change(ws, ticket, apply)


def _contact(session: Session, row: TicketRow, now: datetime, actor: str | None) -> None:
    row.contacts += 1
    if row.status == "contacted":  # one more contact: counted, not a new status or event
        _step(session, row, now, "contacted again", actor=actor, before="contacted")
        return
    row.status, row.contacted_at = "contacted", now
    extra = {"response_seconds": int((now - row.created_at).total_seconds())}
    _step(session, row, now, "contacted", actor=actor, before="new",
          event=("ticket_contacted", extra))  # fmt: skip


def close_ticket(
    ws: Workspace,
    ticket: str,
    root_cause: str,
    resolution: str | None = None,
    author: str | None = None,
) -> Ticket:
    """Close a resolved ticket, recording its root cause and what was done."""
    change = StatusChange(
        status="closed", root_cause=root_cause, resolution=resolution, author=author
    )
    return change_status(ws, ticket, change)


def add_note(ws: Workspace, ticket: str, note: NoteIn) -> Ticket:
    """Add a note to a ticket (any status: a closed ticket may still get a follow-up note)."""

    def apply(session: Session, row: TicketRow, now: datetime) -> None:
        _add_note(session, row, now, note.author.strip(), note.text.strip())

    return _change(ws, ticket, apply)


def _add_note(session: Session, row: TicketRow, now: datetime, author: str, text: str) -> None:
    session.add(TicketNoteRow(ticket_number=row.number, author=author, text=text, at=now))
    _step(session, row, now, "note", actor=author, before=row.status)


# -- escalation -------------------------------------------------------------------------------


def escalate_overdue(ws: Workspace) -> list[Ticket]:
    """Raise the escalation level of every breached ticket that is due a higher one.

    Running it twice at the same moment changes nothing the second time.
    """
    ws.events  # noqa: B018 - open the event log before any change
    now = ws.clock.now()
    with Session(ws.operational.engine) as session:
        numbers = session.scalars(
            select(TicketRow.number)
            .where(TicketRow.status == "new", TicketRow.sla_due_at < now)
            .order_by(TicketRow.sla_due_at, TicketRow.number)
        ).all()
    escalated = []
    for number in numbers:
        try:
            if _apply(ws, number, _raise_level, now):
                escalated.append(number)
        except Conflict:
            continue  # it changed meanwhile (someone contacted the customer): look next time
    return _synced(ws, *escalated)


def _raise_level(session: Session, row: TicketRow, now: datetime) -> None:
    level = sla.escalation_due(_status(row), row.sla_due_at, _priority(row), now)
    if level <= row.escalation_level:
        return
    due = f"{row.sla_due_at:%Y-%m-%d %H:%M}"
    text = f"level {row.escalation_level} → {level}: nobody responded by {due}"
    row.escalation_level = level
    _step(session, row, now, "escalated", actor="system", before="new", text=text,
          event=("ticket_escalated", {"level": level}))  # fmt: skip


# -- reading ----------------------------------------------------------------------------------


def get_ticket(ws: Workspace, ticket: str) -> Ticket:
    """One ticket with its notes and history."""
    number = parse_ticket_id(ticket)
    with Session(ws.operational.engine) as session:
        row = _row(session, number)
        return _ticket(session, row, ws.clock.now())


def ticket_detail(ws: Workspace, ticket: str, timeline_limit: int = 50) -> TicketDetail:
    """A ticket with the newest events of its customer's cross-channel timeline."""
    found = get_ticket(ws, ticket)
    try:
        with closing(ws.events.fresh_reader()) as con:
            timeline = customer_profile(con, found.customer_id, limit=timeline_limit).timeline
    except CustomerNotFound:
        timeline = []  # the ids were unmerged or erased since: the ticket stays readable
    return TicketDetail(ticket=found, timeline=timeline)


def list_tickets(
    ws: Workspace, where: TicketFilter | None = None, limit: int = 50, offset: int = 0
) -> TicketPage:
    """A page of tickets, open ones first and the most urgent (earliest due) first."""
    where = where or TicketFilter()
    now = ws.clock.now()
    query = _filtered(select(TicketRow), ws, where, now)
    rank = case({"new": 0, "contacted": 1, "resolved": 2, "closed": 3}, value=TicketRow.status)
    with Session(ws.operational.engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(rank, TicketRow.sla_due_at, TicketRow.number).limit(limit).offset(offset)
        ).all()
        items = [summary(r, now) for r in rows]
    return TicketPage(total=total, limit=limit, offset=offset, items=items)


def teams(ws: Workspace) -> list[str]:
    """The teams that have tickets, by name (for filters)."""
    with Session(ws.operational.engine) as session:
        return list(session.scalars(select(TicketRow.team).distinct().order_by(TicketRow.team)))


def _filtered(
    query: Select[TicketRow], ws: Workspace, where: TicketFilter, now: datetime
) -> Select[TicketRow]:
    if where.status:
        query = query.where(TicketRow.status == where.status)
    if where.priority:
        query = query.where(TicketRow.priority == where.priority)
    if where.team:
        query = query.where(TicketRow.team == where.team)
    if where.teams is not None:
        query = query.where(TicketRow.team.in_(where.teams))
    if where.breached is not None:
        breached = (TicketRow.status == "new") & (TicketRow.sla_due_at < now)
        query = query.where(breached if where.breached else ~breached)
    if where.customer:
        query = query.where(TicketRow.customer_id.in_(_customer_ids(ws, where.customer)))
    return query


def _customer_ids(ws: Workspace, any_id: str) -> list[str]:
    """The id as given and, when the event log knows it, the customer it belongs to."""
    try:
        with closing(ws.events.reader()) as con:
            return [any_id, resolve_customer(con, any_id)[0]]
    except (CustomerNotFound, StoreUnavailable):
        return [any_id]  # listing works while another process holds the event log


def parse_ticket_id(ticket: str) -> int:
    """The number of a ticket id: ``T-12`` (any case) or ``12``."""
    text = ticket.strip().upper().removeprefix("T-")
    if not text.isdigit():
        raise NotFound(f"{ticket!r} is not a ticket id; ticket ids look like T-12")
    return int(text)


# -- shaping ----------------------------------------------------------------------------------


def summary(row: TicketRow, now: datetime) -> TicketSummary:
    """The inbox line of a ticket row, with its SLA state at ``now``."""
    status = _status(row)
    return TicketSummary(
        id=ticket_id(row.number),
        customer_id=row.customer_id,
        known=row.known,
        reason=cast(Reason, row.reason),
        summary=row.summary,
        journey=row.journey,
        stage=row.stage,
        touchpoint=row.touchpoint,
        team=row.team,
        priority=_priority(row),
        status=status,
        sla_due_at=row.sla_due_at,
        breached=sla.is_breached(status, row.sla_due_at, now),
        sla_met=sla.sla_met(status, row.sla_due_at, row.contacted_at, row.resolved_at, now),
        escalation_level=row.escalation_level,
        contacts=row.contacts,
        root_cause=row.root_cause,
        resolution=row.resolution,
        response_id=row.response_id,
        score=row.score,
        created_at=row.created_at,
        contacted_at=row.contacted_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        updated_at=row.updated_at,
    )


def _ticket(session: Session, row: TicketRow, now: datetime) -> Ticket:
    notes = session.scalars(
        select(TicketNoteRow)
        .where(TicketNoteRow.ticket_number == row.number)
        .order_by(TicketNoteRow.at, TicketNoteRow.id)
    ).all()
    history = _history(session, row.number)
    return Ticket(
        **summary(row, now).model_dump(),
        notes=[Note.model_validate(n) for n in notes],
        history=[Change.model_validate(h) for h in history],
    )


def _history(session: Session, number: int) -> list[TicketChangeRow]:
    return list(
        session.scalars(
            select(TicketChangeRow)
            .where(TicketChangeRow.ticket_number == number)
            .order_by(TicketChangeRow.step)
        )
    )


# -- the plumbing of a change -----------------------------------------------------------------

Apply = Callable[[Session, TicketRow, datetime], None]


def _change(ws: Workspace, ticket: str, apply: Apply) -> Ticket:
    """Run ``apply`` on the ticket in one transaction, then record its events."""
    number = parse_ticket_id(ticket)
    _apply(ws, number, apply, ws.clock.now())
    return _synced(ws, number)[0]


def _apply(ws: Workspace, number: int, apply: Apply, now: datetime) -> bool:
    """Run ``apply`` on ticket ``number`` in one transaction; whether it changed anything."""
    ws.events  # noqa: B018 - open the event log before any change
    try:
        with Session(ws.operational.engine) as session, session.begin():
            row = _row(session, number)
            steps = row.steps
            apply(session, row, now)
            changed = row.steps != steps
            if changed:
                row.updated_at = now
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(
            f"ticket {ticket_id(number)} was changed by someone else at the same moment; "
            "look at it again and retry",
            {"ticket_id": ticket_id(number)},
        ) from exc
    return changed


def _synced(ws: Workspace, *numbers: int) -> list[Ticket]:
    """The tickets, after recording every event of their history that the log lacks."""
    events: list[Recorded] = []
    tickets = []
    now = ws.clock.now()
    with Session(ws.operational.engine) as session:
        for number in numbers:
            row = _row(session, number)
            events += ticket_events(row, _history(session, number))
            tickets.append(_ticket(session, row, now))
    record_events(ws.events, events)
    return tickets


def _status(row: TicketRow) -> Status:
    return cast(Status, row.status)


def _priority(row: TicketRow) -> Priority:
    return cast(Priority, row.priority)


def _row(session: Session, number: int) -> TicketRow:
    row = session.get(TicketRow, number)
    if row is None:
        raise NotFound(f"there is no ticket {ticket_id(number)}")
    return row


def _step(
    session: Session,
    row: TicketRow,
    now: datetime,
    action: str,
    *,
    actor: str | None,
    before: str | None,
    text: str | None = None,
    event: tuple[str, dict[str, Any]] | None = None,
) -> None:
    """Append a step (the row already changed) to the ticket's history.

    ``event`` is the step's ticket event with its own properties; the step keeps them with
    the properties every ticket event carries, as they are now.
    """
    row.steps += 1
    name, properties = (event[0], {**common_properties(row), **event[1]}) if event else (None, None)
    session.add(
        TicketChangeRow(
            ticket_number=row.number,
            step=row.steps,
            at=now,
            actor=actor,
            action=action,
            from_status=before,
            to_status=row.status,
            text=text,
            event=name,
            event_properties=json.dumps(properties) if properties is not None else None,
        )
    )
