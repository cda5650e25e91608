"""Ranking: which actions of the catalogue fit a customer's context, scored, with a reason.

Pure: a catalogue and a context in, ranked actions out; nothing is read here.

An action fits when every part of ``eligible`` it gives holds, no part of ``exclude`` holds,
the customer consented to its purpose (if it names one) and it is offered on the channel
asked for. Its score is::

    priority
    + weights.stage     if a journey condition of `eligible` holds
    + weights.interest  × matching interest events (at most 5)
    + weights.recency   × 0.5 ^ (hours since the latest of them / half_life in hours)
    + weights.tickets   × open tickets
    + weights.scores[m] × the customer's stored score from model m

Ties go to the higher priority, then the id. An action an automation pinned for the customer
(a live pin, ``pins.py``) comes before all others, with the pin's reason first; it still needs
the channel and the consent, but not its ``eligible`` conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeys.feedback.tickets.model import TicketSummary
from journeys.orchestration.nba.catalogue import Action, Catalogue, Conditions, Interest
from journeys.orchestration.nba.context import CustomerContext, Event
from journeys.orchestration.nba.model import RankedAction
from journeys.orchestration.nba.pins import Pin
from journeys.orchestration.nba.positions import JourneyPosition
from journeys.orchestration.nba.rules import PLACEHOLDER

MAX_COUNTED = 5  # more events of one interest say little more than five do


@dataclass
class Situation:
    """Everything ranking looks at: the context, journey positions and open tickets."""

    context: CustomerContext
    positions: dict[str, JourneyPosition]
    tickets: list[TicketSummary]
    pins: list[Pin] = field(default_factory=list)  # live ones, the latest set first
    scores: dict[str, float] = field(default_factory=dict)  # model → stored score


@dataclass
class Seen:
    """An interest found in the events: how often within its window, and the latest event."""

    interest: Interest
    count: int
    latest: Event


@dataclass
class Evidence:
    """What made an action fit: parts of the score and sentences for the reason."""

    score: float
    reasons: list[str] = field(default_factory=list)
    event: Event | None = None


def rank(
    catalogue: Catalogue, situation: Situation, channel: str | None, limit: int
) -> list[RankedAction]:
    """The fitting actions, best first, at most ``limit``."""
    ranked: list[tuple[int, float, float, str, RankedAction]] = []
    pinned: dict[str, tuple[int, Pin | None]] = {}
    for n, live in enumerate(situation.pins):
        pinned.setdefault(live.action_id, (n, live))
    for action in catalogue.actions:
        if channel is not None and channel not in action.channels:
            continue
        evidence = evaluate(action, catalogue, situation)
        order, pin = pinned.get(action.id, (len(pinned), None))
        if pin is not None and (
            not action.consent or consented(situation.context, action.consent, catalogue)
        ):
            evidence = evidence or Evidence(score=action.priority)
            evidence.reasons.insert(0, pin.text())
        elif evidence is None:
            continue
        else:
            order = len(pinned)
        result = RankedAction(
            id=action.id,
            title=render(action.title, situation, evidence.event),
            message=render(action.message, situation, evidence.event),
            score=round(evidence.score, 2),
            reason="; ".join(evidence.reasons) or f"fits everyone (priority {action.priority:g})",
            channels=list(action.channels),
        )
        ranked.append((order, -result.score, -action.priority, action.id, result))
    ranked.sort(key=lambda r: r[:4])
    return [r[4] for r in ranked[:limit]]


def evaluate(action: Action, catalogue: Catalogue, situation: Situation) -> Evidence | None:
    """The evidence that the action fits, or None when it does not."""
    if _excluded(action.exclude, situation):
        return None
    if action.consent and not consented(situation.context, action.consent, catalogue):
        return None
    cond, w = action.eligible, action.weights
    ctx = situation.context
    if cond.known is not None and ctx.known != cond.known:
        return None
    if not all(f.matches(ctx.traits) for f in cond.traits):
        return None
    evidence = Evidence(score=action.priority)
    if cond.open_tickets is not None:
        if bool(situation.tickets) != cond.open_tickets:
            return None
        if situation.tickets:
            evidence.reasons.append(_tickets_reason(situation.tickets))
    evidence.score += w.tickets * len(situation.tickets)
    if cond.journeys:
        position = next((p for c in cond.journeys if (p := _at(c, situation))), None)
        if position is None:
            return None
        evidence.score += w.stage
        evidence.reasons.append(
            f"at stage {position.stage_name!r} of {position.journey_name} "
            f"(last: {position.touchpoint_name}, {ago(position.at, ctx.now)})"
        )
    if cond.interests:
        seen = [s for i in cond.interests if (s := interest_seen(i, ctx))]
        if not seen:
            return None
        _add_interests(evidence, seen, action, ctx.now)
    evidence.reasons.extend(f"{f.text()} (trait)" for f in cond.traits)
    if not _add_scores(evidence, action, situation.scores):
        return None
    return evidence


def interest_seen(interest: Interest, ctx: CustomerContext) -> Seen | None:
    """The interest when the customer showed it at least ``min_count`` times in its window."""
    since = ctx.now - interest.window
    count, latest, completed = 0, None, False
    for event in ctx.events:  # newest first
        if event["timestamp"] < since:
            break
        if any(m.matches(event) for m in interest.not_followed_by):
            completed = True  # every older event of the interest was followed by this one
        elif not completed and interest.match.matches(event):
            count += 1
            latest = latest or event
    if latest is None or count < interest.min_count:
        return None
    return Seen(interest, count, latest)


def consented(ctx: CustomerContext, purpose: str, catalogue: Catalogue) -> bool:
    """Whether the latest statement about ``purpose`` says yes; no statement means no.

    A statement is an identify trait ``consent: {purpose: bool}`` or a consent event
    (``catalogue.consent_events``) with a boolean property named after the purpose.
    """
    for event in ctx.events:  # newest first
        if event["type"] == "identify" and isinstance(event["traits"], dict):
            given = event["traits"].get("consent")
            if isinstance(given, dict) and isinstance(given.get(purpose), bool):
                return bool(given[purpose])
        elif event["event"] in catalogue.consent_events:
            value = event["properties"].get(purpose)
            if isinstance(value, bool):
                return value
    return False


def render(text: str, situation: Situation, event: Event | None) -> str:
    """Fill ``{traits.x}``, ``{event.x}`` and ``{ticket.x}`` (``{…|fallback}`` when missing)."""

    def fill(m: Any) -> str:
        value = _lookup(m[1], m[2], situation, event)
        if value is None or value == "":
            return str(m[3] or "")
        return str(value)

    return PLACEHOLDER.sub(fill, text)


def ago(when: datetime, now: datetime) -> str:
    """``10 minutes ago``, ``3 hours ago``, ``2 days ago``."""
    seconds = max(0.0, (now - when).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "just now"


def _excluded(cond: Conditions, situation: Situation) -> bool:
    ctx = situation.context
    return (
        (cond.known is not None and ctx.known == cond.known)
        or (cond.open_tickets is not None and bool(situation.tickets) == cond.open_tickets)
        or any(f.matches(ctx.traits) for f in cond.traits)
        or any(_at(c, situation) for c in cond.journeys)
        or any(interest_seen(i, ctx) for i in cond.interests)
        or any(c.holds(situation.scores.get(c.model)) for c in cond.scores)
    )


def _at(cond: Any, situation: Situation) -> JourneyPosition | None:
    position = situation.positions.get(cond.journey)
    if position is None or (cond.stages and position.stage not in cond.stages):
        return None
    return position


def _add_interests(evidence: Evidence, seen: Sequence[Seen], action: Action, now: datetime) -> None:
    w = action.weights
    latest = max(seen, key=lambda s: (s.latest["timestamp"], s.latest["seq"]))
    hours = max(0.0, (now - latest.latest["timestamp"]).total_seconds() / 3600)
    evidence.score += w.interest * min(sum(s.count for s in seen), MAX_COUNTED)
    evidence.score += w.recency * 0.5 ** (hours / w.half_life_hours)
    evidence.event = latest.latest
    for s in seen:
        times = "once" if s.count == 1 else f"{s.count} times"
        evidence.reasons.append(
            f"{s.interest.name}: {times} in the last {s.interest.within}, "
            f"latest {ago(s.latest['timestamp'], now)}"
        )


def _add_scores(evidence: Evidence, action: Action, scores: dict[str, float]) -> bool:
    """Check the eligible score conditions and add the score weights; False when one fails."""
    for c in action.eligible.scores:
        score = scores.get(c.model)
        if score is None or not c.holds(score):
            return False
        evidence.reasons.append(c.text(score))
    for model, weight in action.weights.scores.items():
        score = scores.get(model)
        if score is not None and weight:
            evidence.score += weight * score
            evidence.reasons.append(f"{model} score {score:.2f} (+{weight * score:.0f})")
    return True


def _tickets_reason(tickets: Sequence[TicketSummary]) -> str:
    first = tickets[0]
    more = f" (and {len(tickets) - 1} more open)" if len(tickets) > 1 else ""
    overdue = ", overdue" if first.breached else ""
    state = f"{first.priority} priority, {first.status}{overdue}"
    return f"open ticket {first.id} ({state}): {first.summary}{more}"


def _lookup(namespace: str, path: str, situation: Situation, event: Event | None) -> Any:
    node: Any
    if namespace == "traits":
        node = situation.context.traits
    elif namespace == "event":
        node = event["properties"] if event else None
    else:
        node = situation.tickets[0].model_dump() if situation.tickets else None
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
