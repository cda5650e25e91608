"""Test data builders: Segment-shaped messages sent straight into an event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from journeys.events.messages import normalize, rows_to_table
from journeys.store.eventlog import AppendResult, EventLog

T0 = datetime(2026, 3, 2, 9, 0, 0)


def at(minutes: float) -> str:
    """An ISO timestamp ``minutes`` after T0."""
    return (T0 + timedelta(minutes=minutes)).isoformat() + "Z"


def send(log: EventLog, *messages: dict[str, Any], source: str = "test") -> AppendResult:
    """Normalise Segment messages and append them; every message must be valid."""
    rows, errors = normalize(list(messages), received_at=T0 + timedelta(days=30))
    assert not errors, errors
    result = log.append(rows_to_table(rows), source)
    log.sync()
    return result


def track(who: dict[str, str], event: str, minute: float, **properties: Any) -> dict[str, Any]:
    """A track message; ``who`` holds userId and/or anonymousId."""
    return {
        "type": "track",
        "event": event,
        "timestamp": at(minute),
        "properties": properties,
        **who,
    }


def identify(user: str, minute: float, anon: str | None = None, **traits: Any) -> dict[str, Any]:
    """An identify message linking ``anon`` (if given) to ``user``."""
    msg: dict[str, Any] = {
        "type": "identify",
        "userId": user,
        "timestamp": at(minute),
        "traits": traits,
    }
    if anon:
        msg["anonymousId"] = anon
    return msg


def alias(previous: str, user: str, minute: float, message_id: str) -> dict[str, Any]:
    """An alias message merging ``previous`` into ``user``."""
    return {
        "type": "alias",
        "previousId": previous,
        "userId": user,
        "timestamp": at(minute),
        "messageId": message_id,
    }
