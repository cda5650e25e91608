"""The next best action for a customer: read the context, rank the catalogue."""

from __future__ import annotations

import threading
from contextlib import closing
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.feedback.tickets import TicketSummary
from journeys.feedback.tickets.service import summary
from journeys.feedback.tickets.tables import TicketRow
from journeys.orchestration.nba.catalogue import Catalogue
from journeys.orchestration.nba.context import CustomerContext, read_context
from journeys.orchestration.nba.files import load_catalogue
from journeys.orchestration.nba.model import NextBestActions
from journeys.orchestration.nba.positions import JourneyIndex, event_names, positions
from journeys.orchestration.nba.ranking import Situation, rank
from journeys.workspace import Workspace

OPEN_STATUSES = ("new", "contacted")

_indexes: dict[Path, tuple[tuple[tuple[str, int, int], ...], list[JourneyIndex]]] = {}
_lock = threading.Lock()


def next_best_actions(
    ws: Workspace, any_id: str, channel: str | None = None, limit: int = 3
) -> NextBestActions:
    """The ranked actions for the customer behind any of its ids, on ``channel`` (any if None)."""
    catalogue = load_catalogue(ws)
    indexes = journey_indexes(ws)
    with closing(ws.events.reader()) as con:
        ctx = read_context(con, any_id, ws.clock.now(), names=wanted_events(catalogue, indexes))
    return rank_for(ws, catalogue, indexes, ctx, channel, limit)


def rank_for(
    ws: Workspace,
    catalogue: Catalogue,
    indexes: list[JourneyIndex],
    ctx: CustomerContext,
    channel: str | None,
    limit: int,
    tickets: list[TicketSummary] | None = None,
) -> NextBestActions:
    """Rank the catalogue for a context already read (the agent view reads a wider one)."""
    where = {p.journey: p for p in positions(indexes, ctx.events)}
    found = open_tickets(ws, ctx.customer_id) if tickets is None else tickets
    situation = Situation(context=ctx, positions=where, tickets=found)
    return NextBestActions(
        customer_id=ctx.customer_id,
        known=ctx.known,
        channel=channel,
        actions=rank(catalogue, situation, channel, limit),
        evaluated_at=ctx.now,
    )


def open_tickets(ws: Workspace, customer_id: str) -> list[TicketSummary]:
    """The customer's tickets that still wait for a contact or a resolution, most urgent first.

    One indexed query rather than ``list_tickets``, which resolves the id again and counts:
    this runs on every ranking. Tickets are stored under the resolved customer id.
    """
    query = (
        select(TicketRow)
        .where(TicketRow.customer_id == customer_id, TicketRow.status.in_(OPEN_STATUSES))
        .order_by(TicketRow.sla_due_at, TicketRow.number)
    )
    now = ws.clock.now()
    with Session(ws.operational.engine) as session:
        return [summary(row, now) for row in session.scalars(query)]


def journey_indexes(ws: Workspace) -> list[JourneyIndex]:
    """The workspace's journeys indexed for matching, kept until a journey file changes."""
    key = ws.journey_files_key()
    root = ws.root.resolve()
    cached = _indexes.get(root)
    if cached is None or cached[0] != key:
        built = [JourneyIndex.of(j) for j in ws.journeys()]
        with _lock:
            _indexes[root] = cached = (key, built)
    return cached[1]


def wanted_events(catalogue: Catalogue, indexes: list[JourneyIndex]) -> set[str]:
    """The event names ranking looks at: touchpoints, interests and consent statements."""
    names = event_names(indexes) | {m.event for m in catalogue.matchers()}
    return names | set(catalogue.consent_events)
