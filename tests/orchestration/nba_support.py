"""Scenarios for the next best action and the agent view: a workspace on a fixed clock.

``people`` maps a person to Segment messages built by :func:`page`, :func:`track` and
:func:`identify`, each ``minutes_ago`` before NOW; ``anon:NAME`` sends them anonymously.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.clock import FixedClock
from journeys.workspace import Workspace

from factories import send

NOW = datetime(2026, 4, 1, 12, 0, 0)


def workspace_at(root: Path, now: datetime = NOW) -> Workspace:
    """A new workspace with the example journeys and actions, its clock fixed at ``now``."""
    Workspace.init(root)
    return Workspace.open(root, clock=FixedClock(now))


def page(name: str, minutes_ago: float, **properties: Any) -> dict[str, Any]:
    """A page view."""
    return {"type": "page", "name": name, "minutes_ago": minutes_ago, "properties": properties}


def track(event: str, minutes_ago: float, **properties: Any) -> dict[str, Any]:
    """A track call."""
    return {"type": "track", "event": event, "minutes_ago": minutes_ago, "properties": properties}


def identify(minutes_ago: float, **traits: Any) -> dict[str, Any]:
    """An identify call with traits (and the person's anonymous id, when given with ``as``)."""
    return {"type": "identify", "minutes_ago": minutes_ago, "traits": traits}


def scenario(
    ws: Workspace,
    people: Mapping[str, Sequence[dict[str, Any]]],
    now: datetime = NOW,
    channel: str = "web",
) -> Workspace:
    """Send every person's messages into the workspace's event log."""
    messages = []
    for person, specs in people.items():
        anonymous = person.startswith("anon:")
        who = {"anonymousId": person[5:]} if anonymous else {"userId": person}
        for n, spec in enumerate(specs):
            spec = dict(spec)
            when = now - timedelta(minutes=spec.pop("minutes_ago"))
            msg = {
                **spec,
                **who,
                "timestamp": when.isoformat() + "Z",
                # Derived from the message, so two scenarios sent into one log never collide.
                "messageId": f"nba-{person}-{n}-{spec.get('event') or spec['type']}-{when}",
                "context": {"channel": channel},
            }
            messages.append(msg)
    send(ws.events, *messages)
    return ws
