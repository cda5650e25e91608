"""Backtest: what an automation would have done over a past date range, without side effects.

The same :class:`Runner` as the engine runs over the real events of the range, against a
throwaway in-memory store: nothing is written to the workspace, no cursor moves, nothing is
delivered. Waits and date/time triggers fire at their moments inside the range (each moment
of a recurring schedule, as a running engine would have); a customer still waiting at its end
is counted as waiting. Caps count only this automation's own actions (the real outbox, where
other automations' actions are, is not read). Score conditions read today's stored scores;
score triggers let nobody in (the scores of the past are not kept).
"""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from journeys.analytics.common import check_date_order
from journeys.analytics.segments.store import all_segments
from journeys.maps.model import Journey
from journeys.orchestration.automations.engine import inactivity_entries, segment_entries
from journeys.orchestration.automations.facts import Facts, read_events_between
from journeys.orchestration.automations.files import get_automation
from journeys.orchestration.automations.machine import Runner
from journeys.orchestration.automations.model import Automation
from journeys.orchestration.automations.schedule import schedule_entries
from journeys.orchestration.automations.tables import (
    EnrolmentRow,
    OutboxRow,
    StepLogRow,
    ensure_tables,
)
from journeys.workspace import Workspace


class BacktestResult(BaseModel):
    """How many customers would have entered, been capped, received each action, converted."""

    automation: str
    version: int
    date_from: date
    date_to: date
    events_read: int
    entered: int
    refused_conditions: int
    refused_reentry: int
    capped: int  # customers with at least one action held back by a cap
    actions: dict[str, int]  # step id → customers who would have received it
    converted: int  # reached the goal
    exited: int
    completed: int
    held_out: int
    waiting: int  # still inside at the end of the range


def backtest(
    ws: Workspace, automation: str | Automation, date_from: date, date_to: date
) -> BacktestResult:
    """Run ``automation`` over the events of ``date_from``..``date_to`` (whole days)."""
    check_date_order(date_from, date_to)
    a = get_automation(ws, automation) if isinstance(automation, str) else automation
    start = datetime.combine(date_from, time())
    end = datetime.combine(date_to + timedelta(days=1), time())
    journeys = {j.id: j for j in ws.journeys()}
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    ensure_tables(scratch)
    try:
        with (
            Session(scratch) as session,
            session.begin(),
            closing(ws.events.fresh_reader()) as con,
        ):
            runner = Runner(session, Facts(con), [a], {(a.id, a.version): a}, journeys)
            events = read_events_between(con, start, end, runner.event_names())
            items: list[tuple[datetime, int, Any]] = [(e["timestamp"], e["seq"], e) for e in events]
            items += inactivity_entries(con, [a], start, end)
            items += _segment_entries(ws, con, a, journeys, start, end)
            items += _schedule_entries(ws, con, a, journeys, start, end)
            runner.run(items, end)
            return _result(session, a, date_from, date_to, len(events), runner.stats)
    finally:
        scratch.dispose()


def _segment_entries(
    ws: Workspace,
    con: Any,
    a: Automation,
    journeys: dict[str, Journey],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, int, Any]]:
    """Segment entries checked at the end of every day of the range."""
    if a.trigger.segment_entered is None:
        return []
    segments = {s.name: s for s in all_segments(ws.operational)}
    items: list[tuple[datetime, int, Any]] = []
    day = start
    while day < end:
        items += segment_entries(con, [a], segments, journeys, day, day + timedelta(days=1))
        day += timedelta(days=1)
    return items


def _schedule_entries(
    ws: Workspace,
    con: Any,
    a: Automation,
    journeys: dict[str, Journey],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, int, Any]]:
    """Every moment of a date/time trigger in the range, each with its audience then."""
    if a.trigger.schedule is None:
        return []
    segments = {s.name: s for s in all_segments(ws.operational)}
    tick = timedelta(microseconds=1)  # the range is [start, end); moments are (since, until]
    return schedule_entries(con, [a], segments, journeys, start - tick, end - tick)


def _result(
    session: Session, a: Automation, date_from: date, date_to: date, read: int, stats: Counter[str]
) -> BacktestResult:
    statuses = dict(
        session.execute(
            select(
                EnrolmentRow.status, func.count(func.distinct(EnrolmentRow.customer_id))
            ).group_by(EnrolmentRow.status)
        ).all()
    )
    entered = session.scalar(select(func.count(func.distinct(EnrolmentRow.customer_id))))
    capped = session.scalar(
        select(func.count(func.distinct(EnrolmentRow.customer_id)))
        .join(StepLogRow, StepLogRow.enrolment_id == EnrolmentRow.id)
        .where(StepLogRow.outcome == "capped")
    )
    per_step = dict(
        session.execute(
            select(OutboxRow.step_id, func.count(func.distinct(OutboxRow.customer_id))).group_by(
                OutboxRow.step_id
            )
        ).all()
    )
    actions = {s.id: int(per_step.get(s.id, 0)) for s in a.steps if s.kind not in FLOW}
    return BacktestResult(
        automation=a.id,
        version=a.version,
        date_from=date_from,
        date_to=date_to,
        events_read=read,
        entered=int(entered or 0),
        refused_conditions=stats["refused_conditions"],
        refused_reentry=stats["refused_reentry"] + stats["refused_inside"],
        capped=int(capped or 0),
        actions=actions,
        converted=int(statuses.get("converted", 0)),
        exited=int(statuses.get("exited", 0)),
        completed=int(statuses.get("completed", 0)),
        held_out=int(statuses.get("held_out", 0)),
        waiting=int(statuses.get("active", 0)),
    )


FLOW = ("wait", "branch", "split")
