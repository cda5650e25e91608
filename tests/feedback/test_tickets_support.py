"""Shared builders of the ticket tests (no tests here): a workspace on a fixed clock, customers
in its event log, and survey answers recorded as the survey code records them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.clock import FixedClock
from journeys.events.recording import Recorded, record
from journeys.workspace import Workspace

from factories import T0, identify, send, track

NOW = T0 + timedelta(days=1)  # the clock starts a day after the customers' first events

# A small journey (the examples take long to load): one touchpoint with an owner, one without.
SHOP = """\
id: fashion
name: Fashion
stages:
  - id: purchase
    name: Purchase
    touchpoints:
      - id: checkout
        name: Checkout
        channel: web
        online: true
  - id: service
    name: Service
    touchpoints:
      - id: delivery-tracking
        name: Delivery tracking
        channel: web
        online: true
        owner: Logistics
"""


def fixed_workspace(tmp_path: Path, start: datetime = NOW) -> tuple[Workspace, FixedClock]:
    """A fresh workspace with the journey ``fashion`` whose clock only moves when told."""
    clock = FixedClock(start)
    ws = Workspace.init(tmp_path / "ws", examples=False, clock=clock)
    (ws.journeys_dir / "fashion.yaml").write_text(SHOP, encoding="utf-8")
    return ws, clock


def seed_customers(ws: Workspace) -> None:
    """Alice (known, with an e-mail address and a visit on the web) and Bob (known)."""
    send(
        ws.events,
        track({"anonymousId": "laptop"}, "page_viewed", 0, channel="web", path="/dresses"),
        identify("alice", 1, anon="laptop", email="alice@example.com"),
        identify("bob", 2),
    )


def answer(
    customer: str,
    response_id: str,
    score: int,
    at: datetime,
    kind: str = "nps",
    **extra: Any,
) -> Recorded:
    """A ``survey_answered`` event as docs/feedback/events.md describes it."""
    properties = {
        "response_id": response_id,
        "survey": f"{kind}-survey",
        "survey_kind": kind,
        "score": score,
        "journey": "fashion",
        "stage": "service",
        "touchpoint": "delivery-tracking",
        "root_cause": None,
        "comment": None,
        "topics": [],
        "invitation_id": None,
        **extra,
    }
    return Recorded(
        message_id=f"survey-response-{response_id}",
        event="survey_answered",
        customer_id=customer,
        timestamp=at,
        properties=properties,
        channel="web",
    )


def record_answers(ws: Workspace, *answers: Recorded) -> None:
    """Record survey answers and wait until the identity graph knows their customers."""
    record(ws.events, list(answers))
    ws.events.sync()


def ticket_events(ws: Workspace) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """(message id, event, user id, properties) of every ticket event, in log order."""
    rows = (
        ws.events.fresh_reader()
        .execute(
            "SELECT message_id, event, user_id, properties, channel FROM events "
            "WHERE event LIKE 'ticket_%' ORDER BY seq"
        )
        .fetchall()
    )
    assert all(r[4] is None for r in rows), "ticket events carry no channel"
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]
