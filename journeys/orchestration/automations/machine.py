"""Moving customers through automations: enter, advance, wait, wake, convert, exit.

A :class:`Runner` works inside one transaction of an operational store (the workspace's for
the engine, a throwaway in-memory one for a backtest) and never performs an action itself:
an action becomes a row of the outbox, delivered later by ``delivery.py``. Every decision
uses the moment of the event or timer that caused it, not the wall clock, so a backtest over
past events decides exactly as the engine would have. Consent is the exception: the engine
reads it as it stands when it decides (a refusal counts at once), from ``journeys.privacy``.

Ids are derived, not random: an enrolment's id is a hash of the automation, the customer and
what let them in; an action's idempotency key a hash of (automation, version, enrolment,
step). Processing the same events again therefore produces the same keys, and the outbox's
unique key stores each action once.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.analytics.common import parse_duration
from journeys.analytics.touchpoints import MappedTouchpoint, mapped_event, mapped_touchpoints
from journeys.maps.model import Journey, Matcher, lookup_property
from journeys.orchestration.automations.facts import Event, Facts
from journeys.orchestration.automations.model import Automation, Condition, Step
from journeys.orchestration.automations.tables import EnrolmentRow, OutboxRow, StepLogRow
from journeys.privacy.consent import ConsentBook

_TEMPLATES = SandboxedEnvironment(autoescape=False)
MESSAGES = ("webhook", "email")  # the actions quiet hours hold back


def stable_hash(*parts: object, size: int = 32) -> str:
    """A hex digest of the parts, stable across processes and runs."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def idempotency_key(automation_id: str, version: int, enrolment_id: str, step_id: str) -> str:
    """The key every delivery of one action carries."""
    return stable_hash(automation_id, version, enrolment_id, step_id, size=40)


def bucket(automation_id: str, customer_id: str, salt: str = "") -> int:
    """A stable number in 0..9999 for a customer in an automation (splits, holdouts)."""
    return int(stable_hash(automation_id, salt, customer_id, size=8), 16) % 10_000


class Trigger:
    """An automation's trigger compiled for matching events in Python."""

    def __init__(self, automation: Automation, journeys: dict[str, Journey]) -> None:
        t = automation.trigger
        self.matcher: Matcher | None = t.event
        if t.survey_answered is not None:
            self.matcher = t.survey_answered.matcher()
        self.stage: str | None = None
        self.touchpoints: list[MappedTouchpoint] = []
        if t.stage_entered is not None:
            journey_id, _, self.stage = t.stage_entered.partition("/")
            journey = journeys.get(journey_id)  # checked on save; a journey removed since
            self.touchpoints = mapped_touchpoints(journey) if journey else []

    def names(self) -> set[str]:
        """The event names that can trigger."""
        if self.matcher is not None:
            return {self.matcher.event}
        return {tp.matcher.event for tp in self.touchpoints}

    def equality(self) -> tuple[str, Any] | None:
        """A ``property = value`` filter of the trigger's matcher (the first), for indexing."""
        if self.matcher is None:
            return None
        for f in self.matcher.where:
            if f.op == "=" and isinstance(f.value, str | int | float | bool):
                return f.property, f.value
        return None

    def matches(self, event: Event) -> bool:
        """Whether the event lets its customer in."""
        if self.matcher is not None:
            return self.matcher.matches(event)
        if self.stage is None:
            return False
        index = mapped_event(self.touchpoints, event)
        return index is not None and self.touchpoints[index].stage == self.stage


def _value_key(value: Any) -> tuple[bool, Any]:
    return isinstance(value, bool), value  # JSON equality: true is not 1


class TriggerIndex:
    """The automations an event may let in, found by its name and, where a trigger asks for
    ``property = value``, by that value, so an event is not matched against every trigger
    (50 automations on one event name cost 50 matches an event without it). The full match
    still decides."""

    def __init__(self, automations: list[Automation], triggers: dict[str, Trigger]) -> None:
        self.order = {a.id: i for i, a in enumerate(automations)}
        self.by_name: dict[str, list[Automation]] = {}
        self.by_value: dict[str, dict[str, dict[tuple[bool, Any], list[Automation]]]] = {}
        for a in automations:
            t = triggers[a.id]
            eq = t.equality()
            for name in t.names():
                if eq is None:
                    self.by_name.setdefault(name, []).append(a)
                else:
                    values = self.by_value.setdefault(name, {}).setdefault(eq[0], {})
                    values.setdefault(_value_key(eq[1]), []).append(a)

    def candidates(self, event: Event) -> list[Automation]:
        """In the order of the automations: those whose trigger may match the event."""
        name = str(event.get("event"))
        found = list(self.by_name.get(name, ()))
        for prop, values in self.by_value.get(name, {}).items():
            present, actual = lookup_property(
                prop, event.get("properties") or {}, event.get("context") or {}
            )
            if present and isinstance(actual, str | int | float | bool):
                found += values.get(_value_key(actual), ())
        return sorted(found, key=lambda a: self.order[a.id]) if len(found) > 1 else found


@dataclass
class Runner:
    """Applies events and timers to the enrolments, inside the caller's transaction."""

    session: Session
    facts: Facts
    current: list[Automation]  # the automations new customers enter (their files' versions)
    definitions: dict[tuple[str, int], Automation]  # every version customers may be in
    journeys: dict[str, Journey]
    # Consent as it stands now (the operational store's history, every source); without it
    # (a backtest), ``consent`` conditions read the statements in events as of each moment
    # and ``purpose`` is not checked.
    consent: ConsentBook | None = None
    stats: Counter[str] = field(default_factory=Counter)
    _timers: list[tuple[datetime, str]] = field(default_factory=list)
    _triggers: dict[str, Trigger] = field(default_factory=dict)
    _index: TriggerIndex = field(init=False)
    _until: datetime = datetime.max
    # The run's state in memory, so the loop sends no query and the inserts go out in bulk
    # at the commit: every enrolment touched by id, the active ones per customer, the entry
    # times per (automation, customer), the actions queued per (customer, kind).
    _rows: dict[str, EnrolmentRow] = field(default_factory=dict)
    _active: dict[str, list[EnrolmentRow]] = field(default_factory=dict)
    _entries: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)
    _queued: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._triggers = {a.id: Trigger(a, self.journeys) for a in self.current}
        self._index = TriggerIndex(self.current, self._triggers)

    # -- what to read -------------------------------------------------------------------
    def event_names(self) -> set[str]:
        """Names of the events any trigger, goal, exit or wait of a live version listens to."""
        names: set[str] = set()
        for t in self._triggers.values():
            names |= t.names()
        for a in self.definitions.values():
            names |= {m.event for m in a.exit}
            names |= {a.goal.event} if a.goal else set()
            names |= {s.wait.event.event for s in a.steps if s.wait and s.wait.event}
        return names

    # -- the loop -----------------------------------------------------------------------
    def run(self, items: list[tuple[datetime, int, Any]], until: datetime) -> None:
        """Apply ``items`` in time order, firing the timers due before each, then every timer
        due by ``until``. An item is (time, order, event) or, for triggers that are not an
        event (inactivity, a segment, a schedule, a score), (time, order, (automation,
        customer, known, cause, seq)).
        """
        with self.session.no_autoflush:
            customers = self._load_timers(until)
            customers |= {i["customer_id"] if isinstance(i, dict) else i[1] for _, _, i in items}
            self.facts.prefetch(customers)
            if self.consent is not None and any(map(uses_consent, self.definitions.values())):
                self.consent.prefetch(customers)
            self._load_state(customers)
            for at, _, item in sorted(items, key=lambda x: (x[0], x[1])):
                self._fire_timers(at)
                if isinstance(item, dict):
                    self.on_event(item)
                else:
                    automation, customer, known, cause, seq = item
                    self.enter(automation, customer, known, at, cause, seq)
            self._fire_timers(until)

    def _load_state(self, customers: set[str]) -> None:
        ordered = sorted(customers)
        for i in range(0, len(ordered), 500):  # SQLite caps the parameters of one statement
            chunk = ordered[i : i + 500]
            for row in self.session.scalars(
                select(EnrolmentRow).where(
                    EnrolmentRow.customer_id.in_(chunk), EnrolmentRow.status == "active"
                )
            ):
                row = self._rows.setdefault(row.id, row)
                self._active.setdefault(row.customer_id, []).append(row)
            entries = self.session.execute(
                select(
                    EnrolmentRow.automation_id, EnrolmentRow.customer_id, EnrolmentRow.entered_at
                ).where(EnrolmentRow.customer_id.in_(chunk))
            )
            for automation_id, customer, entered_at in entries:
                self._entries.setdefault((automation_id, customer), []).append(entered_at)

    def _load_timers(self, until: datetime) -> set[str]:
        """Load the timers due by ``until``; returns their customers."""
        rows = self.session.scalars(
            select(EnrolmentRow).where(
                EnrolmentRow.status == "active", EnrolmentRow.wake_at <= until
            )
        ).all()
        self._rows.update((r.id, r) for r in rows)
        self._timers = [(r.wake_at, r.id) for r in rows if r.wake_at is not None]
        heapq.heapify(self._timers)
        self._until = until
        return {r.customer_id for r in rows}

    def _fire_timers(self, upto: datetime) -> None:
        while self._timers and self._timers[0][0] <= upto:
            wake_at, enrolment_id = heapq.heappop(self._timers)
            row = self._rows.get(enrolment_id)
            if row is None or row.status != "active" or row.wake_at != wake_at:
                continue  # moved on since (an event ended the wait)
            self.wake(row, wake_at)

    # -- events -------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """An event: ends or moves the customer's enrolments, then may let them in."""
        customer, at = event["customer_id"], event["timestamp"]
        for row in list(self._active.get(customer, ())):
            a = self.definitions[(row.automation_id, row.version)]
            if a.goal is not None and a.goal.matches(event):
                self._end(row, "converted", at)
            elif any(m.matches(event) for m in a.exit):
                self._end(row, "exited", at)
            elif row.wake_at is not None and row.step_index < len(a.steps):
                wait = a.steps[row.step_index].wait
                if wait is not None and wait.event is not None and wait.event.matches(event):
                    step = a.steps[row.step_index]
                    self._log(row, step.id, "event", at)
                    self._go(row, a, wait.on_event, row.step_index + 1, at)
        for a in self._index.candidates(event):
            if self._triggers[a.id].matches(event):
                self.enter(a, customer, event["known"], at, f"event:{event['seq']}", event["seq"])

    def enter(
        self, a: Automation, customer: str, known: bool, at: datetime, cause: str, seq: int
    ) -> EnrolmentRow | None:
        """Let a customer in, when re-entry rules and conditions allow; then advance."""
        enrolment_id = stable_hash(a.id, customer, cause)
        if enrolment_id in self._rows:
            # Already let in by this cause; across runs the cursor (and the primary key, for
            # a second process racing this one) make sure a cause is applied once.
            return None
        refusal = self._reentry_refusal(a, customer, at)
        if refusal is None and not self._all_hold(a.conditions, customer, at):
            refusal = "conditions"
        if refusal is not None:
            self.stats[f"refused_{refusal}"] += 1
            return None
        row = EnrolmentRow(
            id=enrolment_id,
            automation_id=a.id,
            version=a.version,
            customer_id=customer,
            known=known,
            entered_at=at,
            entry_seq=seq,
            status="active",
            step_index=0,
            wake_at=None,
            variant=None,
            ended_at=None,
        )
        self.session.add(row)
        self._rows[row.id] = row
        self._active.setdefault(customer, []).append(row)
        self._entries.setdefault((a.id, customer), []).append(at)
        self.stats["entered"] += 1
        self._log(row, "", "entered", at)
        self.advance(row, a, at)
        return row

    def _all_hold(self, conditions: list[Condition], customer: str, at: datetime) -> bool:
        """Whether every condition holds; consent is read from the consent store when given."""
        return all(self._holds(c, customer, at) for c in conditions)

    def _holds(self, c: Condition, customer: str, at: datetime) -> bool:
        if c.consent is not None and self.consent is not None:
            return self.consent.allows(customer, c.consent)
        return self.facts.holds(c, customer, at)

    def _reentry_refusal(self, a: Automation, customer: str, at: datetime) -> str | None:
        if any(r.automation_id == a.id for r in self._active.get(customer, ())):
            return "inside"
        entries = self._entries.get((a.id, customer))
        if entries and not a.reentry.allowed:
            return "reentry"
        if entries and a.reentry.after and at < max(entries) + parse_duration(a.reentry.after):
            return "reentry"
        return None

    # -- steps --------------------------------------------------------------------------
    def advance(self, row: EnrolmentRow, a: Automation, at: datetime) -> None:
        """Run steps from ``row.step_index`` until a wait, the end, or a holdout."""
        while row.status == "active" and row.step_index < len(a.steps):
            step = a.steps[row.step_index]
            if step.wait is not None:
                row.wake_at = self._wake_time(step, row, a, at)
                self._log(row, step.id, "waiting", at)
                if row.wake_at <= self._until:
                    heapq.heappush(self._timers, (row.wake_at, row.id))
                return
            if step.branch is not None:
                holds = self._all_hold(step.branch.conditions, row.customer_id, at)
                self._log(row, step.id, "then" if holds else "otherwise", at)
                target = step.branch.then if holds else step.branch.otherwise
                row.step_index = self._target(a, target, row.step_index + 1)
            elif step.split is not None:
                self._split(row, a, step, at)
            else:
                self._act(row, a, step, at)
                row.step_index += 1
        if row.status == "active":
            self._end(row, "completed", at)

    def wake(self, row: EnrolmentRow, at: datetime) -> None:
        """A timer fired: a wait is over, or a wait for an event timed out."""
        a = self.definitions[(row.automation_id, row.version)]
        wait = a.steps[row.step_index].wait
        assert wait is not None
        timed_out = wait.event is not None
        self._log(row, a.steps[row.step_index].id, "timeout" if timed_out else "woke", at)
        self._go(row, a, wait.on_timeout if timed_out else None, row.step_index + 1, at)

    def _go(
        self, row: EnrolmentRow, a: Automation, target: str | None, default: int, at: datetime
    ) -> None:
        row.wake_at = None
        row.step_index = self._target(a, target, default)
        self.advance(row, a, at)

    @staticmethod
    def _target(a: Automation, target: str | None, default: int) -> int:
        return default if target is None else a.step_index(target)

    def _split(self, row: EnrolmentRow, a: Automation, step: Step, at: datetime) -> None:
        assert step.split is not None
        if bucket(a.id, row.customer_id, "holdout") < step.split.holdout * 100:
            self._log(row, step.id, "holdout", at)
            self._end(row, "held_out", at)
            return
        point, upto = bucket(a.id, row.customer_id, step.id), 0
        chosen = step.split.variants[-1]
        for v in step.split.variants:
            upto += v.share * 100
            if point < upto:
                chosen = v
                break
        row.variant = chosen.name
        self._log(row, step.id, f"variant:{chosen.name}", at)
        row.step_index = self._target(a, chosen.goto, row.step_index + 1)

    def _end(self, row: EnrolmentRow, status: str, at: datetime) -> None:
        row.status, row.wake_at, row.ended_at = status, None, at
        self._active[row.customer_id].remove(row)
        self.stats[status] += 1
        self._log(row, "", status, at)

    # -- actions ------------------------------------------------------------------------
    def _act(self, row: EnrolmentRow, a: Automation, step: Step, at: datetime) -> None:
        kind = step.kind
        if a.purpose and self.consent and not self.consent.allows(row.customer_id, a.purpose):
            self.stats["no_consent"] += 1
            self._log(row, step.id, "no_consent", at)
            return
        cap = next((c for c in a.caps if c.action == kind), None)
        if cap is not None:
            since = at - parse_duration(cap.per)
            stored = self.session.scalar(  # committed by earlier runs
                select(func.count()).where(
                    OutboxRow.customer_id == row.customer_id,
                    OutboxRow.kind == kind,
                    OutboxRow.created_at > since,
                    OutboxRow.created_at <= at,
                )
            )
            queued = self._queued.get((row.customer_id, kind), [])
            if (stored or 0) + sum(1 for t in queued if since < t <= at) >= cap.max:
                self.stats["capped"] += 1
                self._log(row, step.id, "capped", at)
                return
        payload = self._payload(row, a, step)
        if payload is None:
            self._log(row, step.id, "skipped", at)
            return
        key = idempotency_key(a.id, a.version, row.id, step.id)
        due = self._after_quiet_hours(row, a, at) if kind in MESSAGES else at
        self.session.add(
            OutboxRow(
                idempotency_key=key,
                automation_id=a.id,
                version=a.version,
                enrolment_id=row.id,
                step_id=step.id,
                kind=kind,
                customer_id=row.customer_id,
                known=row.known,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=due,
                created_at=at,
                delivered_at=None,
                last_error=None,
            )
        )
        self._queued.setdefault((row.customer_id, kind), []).append(at)
        self.stats[f"action:{step.id}"] += 1
        self._log(row, step.id, "queued" if due == at else "held_quiet", at)

    def _payload(self, row: EnrolmentRow, a: Automation, step: Step) -> dict[str, Any] | None:
        """The action's content, rendered now (templates see the profile as it is now)."""
        variables = {
            "traits": self.facts.traits(row.customer_id),
            "customer_id": row.customer_id,
            "automation": {"id": a.id, "name": a.name, "version": a.version},
            "variant": row.variant,
        }

        def render(text: str) -> str:
            return _template(text).render(variables)

        if step.webhook is not None:
            extra = {
                k: render(v) if isinstance(v, str) else v for k, v in step.webhook.payload.items()
            }
            return {"url": step.webhook.url, "secret_env": a.secret_env, "data": extra}
        if step.email is not None:
            to = render(step.email.to).strip()
            if not to:
                return None  # no address to write to
            subject, body = render(step.email.subject), render(step.email.body)
            return {"to": to, "subject": subject, "body": body}
        if step.create_ticket is not None:
            t = step.create_ticket
            return {"summary": render(t.summary), "priority": t.priority, "team": t.team}
        if step.add_points is not None:
            return {"points": step.add_points.points, "reason": step.add_points.reason}
        if step.set_next_best_action is not None:
            pin = step.set_next_best_action
            return {
                "action": pin.action,
                "days": pin.days,
                "reason": render(pin.reason),
                "automation_name": a.name,
            }
        assert step.set_trait is not None
        return {"trait": step.set_trait.trait, "value": step.set_trait.value}

    # -- time ---------------------------------------------------------------------------
    def _zone(self, row: EnrolmentRow, a: Automation) -> ZoneInfo:
        trait = a.quiet_hours.timezone_trait if a.quiet_hours else "timezone"
        default = a.quiet_hours.timezone if a.quiet_hours else "UTC"
        name = self.facts.traits(row.customer_id).get(trait)
        for candidate in (name, default):
            if isinstance(candidate, str):
                try:
                    return ZoneInfo(candidate)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")

    def _wake_time(self, step: Step, row: EnrolmentRow, a: Automation, at: datetime) -> datetime:
        wait = step.wait
        assert wait is not None
        if wait.duration is not None:
            return at + parse_duration(wait.duration)
        if wait.timeout is not None:
            return at + parse_duration(wait.timeout)
        assert wait.until is not None
        return next_local(at, _clock(wait.until), self._zone(row, a))

    def _after_quiet_hours(self, row: EnrolmentRow, a: Automation, at: datetime) -> datetime:
        q = a.quiet_hours
        if q is None:
            return at
        zone = self._zone(row, a)
        local = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).time()
        start, end = _clock(q.start), _clock(q.end)
        quiet = start <= local < end if start <= end else (local >= start or local < end)
        return next_local(at, end, zone) if quiet else at

    def _log(self, row: EnrolmentRow, step_id: str, outcome: str, at: datetime) -> None:
        self.session.add(
            StepLogRow(
                enrolment_id=row.id,
                automation_id=row.automation_id,
                version=row.version,
                step_id=step_id,
                outcome=outcome,
                at=at,
            )
        )


def uses_consent(a: Automation) -> bool:
    """Whether the automation declares a purpose or has a consent condition anywhere."""
    conditions = [*a.conditions, *(c for s in a.steps if s.branch for c in s.branch.conditions)]
    return a.purpose is not None or any(c.consent is not None for c in conditions)


@lru_cache(maxsize=1024)
def _template(text: str) -> Template:
    """A compiled template (compiling takes a millisecond; rendering microseconds)."""
    return _TEMPLATES.from_string(text)


def next_local(at: datetime, clock: time, zone: ZoneInfo) -> datetime:
    """The first moment after ``at`` (naive UTC) when the local clock in ``zone`` reads
    ``clock``; as naive UTC."""
    utc = ZoneInfo("UTC")
    local = at.replace(tzinfo=utc).astimezone(zone)
    candidate = local.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=clock.hour, minute=clock.minute)
    return candidate.astimezone(utc).replace(tzinfo=None)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
