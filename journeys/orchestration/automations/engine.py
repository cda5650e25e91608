"""The automation engine: a consumer of the event log with a durable cursor.

One run reads the events after the engine's cursor (on a read connection, so ingestion never
waits), lets customers in, moves them on, fires the durable timers that are due, writes the
actions to the outbox, and moves the cursor, all in ONE transaction of the operational store.
A crash before the commit leaves nothing behind and the next run reads the same events again;
after the commit nothing is read twice. Actions are delivered separately (``delivery.py``).
Consent statements in the same events are recorded first (``journeys.privacy.consent``), so
a customer's consent is current when their events are decided on.

The first run places the cursor at the end of the log: automations act on what happens from
then on, and ``backtest`` answers what they would have done over the past.
"""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.analytics.segments.query import SegmentDefinition
from journeys.analytics.segments.store import all_segments
from journeys.maps.model import Journey
from journeys.orchestration.automations import facts
from journeys.orchestration.automations.facts import Facts, inactive_customers, read_events
from journeys.orchestration.automations.files import check_files, definition_json
from journeys.orchestration.automations.machine import Runner
from journeys.orchestration.automations.model import Automation
from journeys.orchestration.automations.schedule import schedule_entries
from journeys.orchestration.automations.scores import score_entries
from journeys.orchestration.automations.tables import (
    CursorRow,
    EnrolmentRow,
    VersionRow,
    ensure_tables,
    local_lock,
)
from journeys.privacy.consent import ConsentBook, sync_consent
from journeys.workspace import Workspace

CURSOR = "engine"
BATCH = 20_000  # events per transaction, so a large backlog is worked through in pieces
# How often segment triggers are evaluated: a segment's members are a query over the log.
SEGMENT_CHECK = timedelta(seconds=60)


class EngineResult(BaseModel):
    """What one run of the engine did."""

    events_read: int
    entered: int
    actions_queued: int
    ended: int
    position: int
    started: bool  # the first run: the cursor was placed at the end of the log
    no_consent: int = 0  # actions not queued: no consent for the automation's purpose


def run_engine(ws: Workspace, *, caught_up: bool = False) -> EngineResult:
    """Apply the new events and the due timers to the automations; returns what it did.

    ``caught_up``: take the events the log's consumers have already caught up with, without
    asking the log's writer to run them first (the server's loop, woken by those very
    consumers, saves a round trip to the writer that way); else every event committed."""
    with local_lock(ws.root, "engine"):
        return _run(ws, caught_up)


def _run(ws: Workspace, caught_up: bool = False) -> EngineResult:
    engine = ws.operational.engine
    ensure_tables(engine)
    # An invalid file does not stop the others (``journeys automations list`` shows its
    # problems); customers already inside it go on with the version they entered.
    files = [c.value for c in check_files(ws) if c.value is not None and not c.issues]
    files = [a for a in files if a.active]
    log = ws.events
    if not caught_up:
        log.sync()  # the stitched customer of an event needs identity caught up
    upto, now = (log.consumed_seq if caught_up else log.last_seq), ws.clock.now()
    journeys = {j.id: j for j in ws.journeys()}
    sync_consent(ws, upto)
    total = EngineResult(
        events_read=0, entered=0, actions_queued=0, ended=0, position=0, started=False
    )
    while True:
        with Session(engine) as session, session.begin(), closing(log.reader()) as con:
            current = [register_version(session, a, now, str(ws.root)) for a in files]
            cursor = session.get(CursorRow, CURSOR)
            if cursor is None:
                session.add(
                    CursorRow(
                        name=CURSOR, position=upto, inactivity_checked=now, segments_checked=now
                    )
                )
                return total.model_copy(update={"position": upto, "started": True})
            known = definitions(session, current, str(ws.root))
            consent = ConsentBook(session, con)
            runner = Runner(session, Facts(con), current, known, journeys, consent)
            after = cursor.position
            step_to = min(upto, after + BATCH)
            final = step_to == upto
            events = read_events(con, after, step_to, runner.event_names())
            items: list[tuple[datetime, int, Any]] = [(e["timestamp"], e["seq"], e) for e in events]
            if final:
                items += clock_entries(ws, session, con, current, journeys, cursor, now)
            until = now if final else (events[-1]["timestamp"] if events else datetime.min)
            runner.run(items, until)
            cursor.position = step_to
            s = runner.stats
            total = EngineResult(
                events_read=total.events_read + len(events),
                entered=total.entered + s["entered"],
                actions_queued=total.actions_queued
                + sum(n for k, n in s.items() if k.startswith("action:")),
                ended=total.ended
                + sum(s[k] for k in ("completed", "converted", "exited", "held_out")),
                position=step_to,
                started=False,
                no_consent=total.no_consent + s["no_consent"],
            )
        if final:
            return total


def clock_entries(
    ws: Workspace,
    session: Session,
    con: Any,
    current: list[Automation],
    journeys: dict[str, Journey],
    cursor: CursorRow,
    now: datetime,
) -> list[tuple[datetime, int, Any]]:
    """Entries of the triggers that are not an event: inactivity, schedules, segments, scores.

    The cursor's check times move in the caller's transaction, with the entries they caused.
    """
    needs_segments = any(a.trigger.segment_entered or _schedule_segment(a) for a in current)
    segments = {s.name: s for s in all_segments(ws.operational)} if needs_segments else {}
    since = cursor.inactivity_checked
    items = inactivity_entries(con, current, since, now)
    items += schedule_entries(con, current, segments, journeys, since, now, every_moment=False)
    cursor.inactivity_checked = now
    if now - cursor.segments_checked >= SEGMENT_CHECK:
        since = cursor.segments_checked
        items += segment_entries(con, current, segments, journeys, since, now)
        cursor.segments_checked = now
    items += score_entries(session, con, current, now)
    return items


def _schedule_segment(a: Automation) -> bool:
    return a.trigger.schedule is not None and a.trigger.schedule.segment is not None


def register_version(
    session: Session, a: Automation, now: datetime, workspace: str = ""
) -> Automation:
    """Store a version the first time it is seen; the stored definition is the one in force."""
    stored = _stored(session, workspace, a.id, a.version)
    if stored is None:
        session.add(
            VersionRow(automation_id=a.id, version=a.version, definition=definition_json(a),
                       first_seen=now)
        )  # fmt: skip
        return a
    return stored


# Stored versions never change: each is read once per process (the engine runs often).
_VERSIONS: dict[tuple[str, str, int], Automation] = {}


def _stored(
    session: Session, workspace: str, automation_id: str, version: int
) -> Automation | None:
    key = (workspace, automation_id, version)
    found = _VERSIONS.get(key)
    if found is None:
        row = session.get(VersionRow, (automation_id, version))
        if row is None:
            return None
        found = _VERSIONS[key] = Automation.model_validate_json(row.definition)
    return found


def definitions(
    session: Session, current: list[Automation], workspace: str = ""
) -> dict[tuple[str, int], Automation]:
    """The definitions customers may be inside: the current ones and every version in use."""
    found = {(a.id, a.version): a for a in current}
    in_use = session.execute(
        select(EnrolmentRow.automation_id, EnrolmentRow.version)
        .where(EnrolmentRow.status == "active")
        .distinct()
    ).all()
    for automation_id, version in in_use:
        if (automation_id, version) not in found:
            stored = _stored(session, workspace, automation_id, version)
            if stored is not None:
                found[(automation_id, version)] = stored
    return found


def inactivity_entries(
    con: Any, automations: list[Automation], since: datetime, until: datetime
) -> list[tuple[datetime, int, Any]]:
    """Entries of inactivity triggers whose N days ran out in ``(since, until]``."""
    items: list[tuple[datetime, int, Any]] = []
    for a in automations:
        days = a.trigger.inactive_days
        if days is None:
            continue
        for customer, known, seq, last in inactive_customers(con, days, since, until):
            entry = (a, customer, known, f"inactive:{seq}", seq)
            items.append((last + timedelta(days=days), seq, entry))
    return items


def segment_entries(
    con: Any,
    automations: list[Automation],
    segments: dict[str, SegmentDefinition],
    journeys: dict[str, Journey],
    since: datetime,
    until: datetime,
) -> list[tuple[datetime, int, Any]]:
    """Entries of segment triggers: customers in the segment at ``until`` but not at ``since``.

    A segment that does not exist (deleted since the file was checked) lets nobody in.
    """
    items: list[tuple[datetime, int, Any]] = []
    for a in automations:
        segment = segments.get(a.trigger.segment_entered or "")
        if segment is None:
            continue
        for customer, known in facts.segment_entries(con, segment, journeys, since, until):
            entry = (a, customer, known, f"segment:{until.isoformat()}", 0)
            items.append((until, 0, entry))
    return items


def known_versions(ws: Workspace, automation_id: str) -> dict[int, str]:
    """Every version of an automation the engine has seen, with its definition."""
    ensure_tables(ws.operational.engine)
    with Session(ws.operational.engine) as session:
        rows = session.scalars(select(VersionRow).where(VersionRow.automation_id == automation_id))
        return {r.version: r.definition for r in rows}
