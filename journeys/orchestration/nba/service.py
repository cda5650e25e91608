"""The next best action for a customer: read the context, rank the catalogue."""

from __future__ import annotations

import threading
from contextlib import closing
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from journeys.feedback.tickets import TicketSummary
from journeys.feedback.tickets.service import summary
from journeys.feedback.tickets.tables import TicketRow
from journeys.orchestration.automations.scores import read_scores
from journeys.orchestration.nba.catalogue import Catalogue
from journeys.orchestration.nba.context import CustomerContext, OnDemand, read_context
from journeys.orchestration.nba.files import load_catalogue
from journeys.orchestration.nba.index import index_reader
from journeys.orchestration.nba.model import NextBestActions
from journeys.orchestration.nba.pins import live_pins
from journeys.orchestration.nba.positions import JourneyIndex, event_names, positions
from journeys.orchestration.nba.ranking import Situation, rank
from journeys.workspace import JourneyFilesKey, Workspace

OPEN_STATUSES = ("new", "contacted")

_indexes: dict[Path, tuple[tuple[tuple[str, int, int], ...], list[JourneyIndex]]] = {}
_lock = threading.Lock()


def next_best_actions(
    ws: Workspace, any_id: str, channel: str | None = None, limit: int = 3
) -> NextBestActions:
    """The ranked actions for the customer behind any of its ids, on ``channel`` (any if None)."""
    files_key = ws.journey_files_key()  # one directory scan for both
    catalogue, indexes = load_catalogue(ws, files_key), journey_indexes(ws, files_key)
    with OnDemand(ws.events.reader) as connect:
        index = index_reader(ws.customer_index_path)
        names = wanted_events(catalogue, indexes)
        ctx = read_context(connect, index, any_id, ws.clock.now(), names=names)
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
    situation = Situation(
        context=ctx,
        positions=where,
        tickets=found,
        pins=live_pins(ws, ctx.customer_id, ctx.now),
        scores=customer_scores(ws, ctx.customer_id) if catalogue.uses_scores() else {},
    )
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
    now = ws.clock.now()
    with Session(ws.operational.engine) as session:
        rows = session.scalars(_OPEN, {"customer": customer_id})
        return [summary(row, now) for row in rows]


# Text, not a select(): SQLAlchemy builds a cache key for a select() on every execution,
# which costs more than the query (measured: ~1 ms a ranking).
_OPEN = select(TicketRow).from_statement(
    text(
        f"SELECT * FROM {TicketRow.__tablename__} WHERE customer_id = :customer "
        f"AND status IN {OPEN_STATUSES!r} ORDER BY sla_due_at, number"
    )
)


def customer_scores(ws: Workspace, customer_id: str) -> dict[str, float]:
    """The customer's stored prediction scores, model → score (read only when the catalogue
    ranks by them: it costs a query on the event log)."""
    with closing(ws.events.reader()) as con:
        return read_scores(con, [customer_id])[customer_id]


def journey_indexes(ws: Workspace, files_key: JourneyFilesKey | None = None) -> list[JourneyIndex]:
    """The workspace's journeys indexed for matching, kept until a journey file changes."""
    key = ws.journey_files_key() if files_key is None else files_key
    root = ws.root
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
