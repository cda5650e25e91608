"""Declarative scenarios for analytics tests: who did what, when, sent into a real event log.

    t0 = T0
    ws = journeys_for(workspace, {
        "alice": [("view", t0), ("purchase", t0 + 1 * H, {"price": 30})],
        "bob": [("view", t0)],
    })

A customer's events are Segment track messages with that user id (``anon:NAME`` instead makes
them anonymous: ``anonymousId`` NAME). Extra tuple members: properties (a dict) and channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from journeys.workspace import Workspace

from factories import T0, send

H = timedelta(hours=1)
D = timedelta(days=1)
M = timedelta(minutes=1)

EventSpec = tuple[Any, ...]  # (event, timestamp[, properties[, channel]])

__all__ = ["T0", "D", "H", "M", "journeys_for", "messages_for"]


def messages_for(people: Mapping[str, Sequence[EventSpec]]) -> list[dict[str, Any]]:
    """The Segment messages of a scenario, in the order given (person by person)."""
    messages = []
    for person, events in people.items():
        who = {"anonymousId": person[5:]} if person.startswith("anon:") else {"userId": person}
        for n, spec in enumerate(events):
            event, ts, *rest = spec
            properties = rest[0] if rest else {}
            msg: dict[str, Any] = {
                "type": "track",
                "event": event,
                "timestamp": _iso(ts),
                "properties": properties,
                # Derived from what it says: sending a scenario again stores nothing new,
                # and two scenarios sent into one log do not collide.
                "messageId": f"scenario-{person}-{n}-{event}-{_iso(ts)}",
                **who,
            }
            if len(rest) > 1:
                msg["context"] = {"channel": rest[1]}
            messages.append(msg)
    return messages


def journeys_for(workspace: Workspace, people: Mapping[str, Sequence[EventSpec]]) -> Workspace:
    """Append the scenario's events to the workspace's event log and wait for the consumers."""
    messages = messages_for(people)
    if messages:
        send(workspace.events, *messages)
    return workspace


def _iso(ts: datetime) -> str:
    return ts.isoformat() + "Z"
