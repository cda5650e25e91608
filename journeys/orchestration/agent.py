"""The agent view: the whole customer context in one call, for the phone or chat agent.

Who this is (every stitched id), where they are in each journey, the last interaction on every
channel and the latest ones overall, open tickets, survey answers, loyalty status and the next
best actions, all read once. The customer is found by any id: user id, anonymous id, e-mail
address, phone number or CRM id.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from journeys.errors import JourneysError
from journeys.feedback.surveys.answers import Response, list_responses
from journeys.feedback.tickets import TicketSummary
from journeys.orchestration.nba.context import Event, read_context
from journeys.orchestration.nba.files import load_catalogue
from journeys.orchestration.nba.index import index_reader
from journeys.orchestration.nba.model import NextBestActions
from journeys.orchestration.nba.positions import JourneyPosition, positions
from journeys.orchestration.nba.ranking import ago
from journeys.orchestration.nba.service import journey_indexes, open_tickets, rank_for
from journeys.prediction.query import CustomerScore
from journeys.prediction.store import customer_scores
from journeys.workspace import Workspace

RECENT = 25  # interactions listed newest first
ANSWERS = 10
_DETAIL_KEYS = ("title", "path", "name", "topic", "template", "product_id", "order_id", "query")


class Interaction(BaseModel):
    """One thing the customer did or was sent, as an agent reads it."""

    at: datetime
    ago: str
    channel: str | None
    type: str
    event: str
    detail: str = Field(description="the event's most telling properties")


class LoyaltyPanel(BaseModel):
    """The loyalty programme's view of the customer, when the workspace has a programme."""

    available: bool
    status: dict[str, Any] | None = None
    note: str = ""


class AgentView(BaseModel):
    """Everything the agent needs about one customer, with the next best actions on top."""

    customer_id: str
    known: bool
    name: str | None
    user_ids: list[str]
    anonymous_ids: list[str]
    external_ids: dict[str, list[str]]
    traits: dict[str, Any]
    next_best_actions: NextBestActions
    journeys: list[JourneyPosition]
    last_by_channel: list[Interaction]
    recent: list[Interaction]
    open_tickets: list[TicketSummary]
    survey_answers: list[Response]
    loyalty: LoyaltyPanel
    predictions: list[CustomerScore] = Field(
        default_factory=list, description="churn risk, propensity: stored scores and reasons"
    )
    evaluated_at: datetime


def agent_view(ws: Workspace, any_id: str, channel: str | None = None) -> AgentView:
    """The whole context of the customer behind any of its ids, and their next best actions."""
    files_key = ws.journey_files_key()
    catalogue, indexes = load_catalogue(ws, files_key), journey_indexes(ws, files_key)
    with closing(ws.events.reader()) as con:
        index = index_reader(ws.customer_index_path)
        ctx = read_context(lambda: con, index, any_id, ws.clock.now())
        external = _external_ids(con, ctx.user_ids) if ctx.known else {}
    tickets = open_tickets(ws, ctx.customer_id)
    nba = rank_for(ws, catalogue, indexes, ctx, channel, limit=5, tickets=tickets)
    traits = ctx.traits
    return AgentView(
        customer_id=ctx.customer_id,
        known=ctx.known,
        name=_name(traits),
        user_ids=ctx.user_ids if ctx.known else [],
        anonymous_ids=ctx.anonymous_ids,
        external_ids=external,
        traits=traits,
        next_best_actions=nba,
        journeys=positions(indexes, ctx.events),
        last_by_channel=_last_by_channel(ctx.events, ctx.now),
        recent=[interaction(e, ctx.now) for e in ctx.events[:RECENT]],
        open_tickets=tickets,
        survey_answers=list_responses(ws, customer=ctx.customer_id, limit=ANSWERS).responses,
        loyalty=loyalty_panel(ws, ctx.customer_id),
        predictions=customer_scores(ws, ctx.customer_id),
        evaluated_at=ctx.now,
    )


def interaction(event: Event, now: datetime) -> Interaction:
    """An event as a line of the agent's timeline."""
    props = event["properties"]
    parts = [f"{k}: {props[k]}" for k in _DETAIL_KEYS if isinstance(props.get(k), str | int)]
    return Interaction(
        at=event["timestamp"],
        ago=ago(event["timestamp"], now),
        channel=event["channel"],
        type=event["type"],
        event=event["event"],
        detail=", ".join(parts[:2]),
    )


def loyalty_panel(ws: Workspace, customer_id: str) -> LoyaltyPanel:
    """The loyalty status when the loyalty programme is installed, else a note saying so."""
    status_of = _loyalty_status_function()
    if status_of is None:
        return LoyaltyPanel(available=False, note="no loyalty programme")
    try:
        status = status_of(ws, customer_id)
    except JourneysError as exc:  # an invalid programme file must not hide the rest
        return LoyaltyPanel(available=False, note=f"loyalty status unavailable: {exc.message}")
    data = status.model_dump(mode="json") if isinstance(status, BaseModel) else dict(status)
    return LoyaltyPanel(available=True, status=data)


def _loyalty_status_function() -> Callable[[Workspace, str], Any] | None:
    # Loyalty is an optional part of the product: looked up, not imported, so the agent view
    # works (and says so) without it.
    for module in ("journeys.loyalty", "journeys.loyalty.members"):
        try:
            found = getattr(importlib.import_module(module), "loyalty_status", None)
        except ImportError:
            continue
        if callable(found):
            return found  # type: ignore[no-any-return]
    return None


def _last_by_channel(events: list[Event], now: datetime) -> list[Interaction]:
    latest: dict[str, Event] = {}
    for e in events:  # newest first
        if e["channel"] and e["type"] != "identify":
            latest.setdefault(e["channel"], e)
    return [interaction(e, now) for e in latest.values()]


def _external_ids(con: Any, users: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for id_type, value in con.execute(
        "SELECT DISTINCT id_type, value FROM external_ids WHERE list_contains(?, user_id) "
        "ORDER BY 1, 2",
        [users],
    ).fetchall():
        found.setdefault(id_type, []).append(value)
    return found


def _name(traits: dict[str, Any]) -> str | None:
    if isinstance(traits.get("name"), str):
        return str(traits["name"])
    parts = [traits.get("first_name"), traits.get("last_name")]
    joined = " ".join(p for p in parts if isinstance(p, str))
    return joined or None
