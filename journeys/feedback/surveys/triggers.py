"""Survey triggers: an event invites its customer to a survey after a delay, within fatigue rules.

The dispatcher reads the event log after its cursor, finds the events that match an active
survey's trigger, and for each one schedules an invitation (due at the event's time plus
the delay), unless the customer was asked too much:

* ``fatigue.same_survey``: not the same survey again within this span;
* ``fatigue.max_surveys`` per ``fatigue.period``: invitations of any survey in that span.

Nor is a customer invited who has not consented to the purpose ``surveys`` (refused it, or
never granted it when the setting ``consent_opt_in`` lists it); consent is read as it stands
when the dispatcher runs, after the statements in the new events are recorded.

A refused invitation is kept with status ``skipped`` and its reason, so the decision can be
seen; it is never sent. The invitations and the cursor are written in one transaction of the
operational store, and an event never invites twice (one invitation per survey and triggering
event), so running the dispatcher again, or after a crash, changes nothing.
"""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.analytics.common import EVENTS, matcher_sql
from journeys.feedback.surveys.files import load_surveys
from journeys.feedback.surveys.model import Survey, span
from journeys.feedback.surveys.tables import InvitationRow, TriggerCursorRow
from journeys.privacy.consent import ConsentBook, sync_consent
from journeys.workspace import Workspace

CURSOR = "survey_triggers"
PURPOSE = "surveys"  # the consent purpose of an invitation
BATCH = 50_000  # events read per step, so a large backlog is worked through in pieces


class DispatchResult(BaseModel):
    """What one run of the dispatcher did."""

    events_read: int
    scheduled: int
    skipped: int
    position: int


def dispatch(ws: Workspace) -> DispatchResult:
    """Turn the new trigger events into invitations; returns what it did."""
    surveys = [s for s in load_surveys(ws) if s.active and s.trigger is not None]
    log = ws.events
    log.sync()  # the stitched customer of an event needs identity caught up
    upto = log.last_seq
    sync_consent(ws, upto)
    total = DispatchResult(events_read=0, scheduled=0, skipped=0, position=_position(ws))
    while total.position < upto:
        step_to = min(upto, total.position + BATCH)
        matches = _matches(ws, surveys, total.position, step_to) if surveys else []
        scheduled, skipped = _schedule(ws, {s.id: s for s in surveys}, matches, step_to)
        total = DispatchResult(
            events_read=total.events_read + step_to - total.position,
            scheduled=total.scheduled + scheduled,
            skipped=total.skipped + skipped,
            position=step_to,
        )
    return total


Match = tuple[str, int, str, bool, datetime]  # survey id, seq, customer, known, timestamp


def _matches(ws: Workspace, surveys: list[Survey], after: int, upto: int) -> list[Match]:
    arms = []
    for s in surveys:
        assert s.trigger is not None
        arms.append(
            f"SELECT '{s.id}' AS survey, e.seq, e.customer_id, e.known, e.timestamp "
            f"FROM {EVENTS} e WHERE e.seq > $after AND e.seq <= $upto "
            f"AND {matcher_sql(s.trigger.match)}"
        )
    sql = " UNION ALL ".join(arms) + " ORDER BY 2, 1"
    rows = ws.events.reader().execute(sql, {"after": after, "upto": upto}).fetchall()
    return [(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), r[4]) for r in rows]


def _schedule(
    ws: Workspace, surveys: dict[str, Survey], matches: list[Match], position: int
) -> tuple[int, int]:
    scheduled = skipped = 0
    now = ws.clock.now()
    with (
        Session(ws.operational.engine) as session,
        session.begin(),
        closing(ws.events.reader()) as con,
    ):
        history = _history(session, {m[2] for m in matches})
        consent = ConsentBook(session, con)
        consent.prefetch({m[2] for m in matches})
        for survey_id, seq, customer, known, timestamp in matches:
            survey = surveys[survey_id]
            assert survey.trigger is not None
            asked = history.setdefault(customer, [])
            if any(a.survey_id == survey_id and a.trigger_seq == seq for a in asked):
                continue  # this event invited before (a run that crashed before the cursor)
            due = timestamp + span(survey.trigger.delay)
            reason = _no_consent(consent, customer) or _fatigue(survey, asked, due)
            row = InvitationRow(
                id=uuid.uuid4().hex[:16],
                survey_id=survey_id,
                customer_id=customer,
                known=known,
                created_at=now,
                due_at=due,
                expires_at=due + survey.link_lifetime,
                trigger_seq=seq,
                status="skipped" if reason else "scheduled",
                skip_reason=reason,
            )
            session.add(row)
            asked.append(_Asked(survey_id, seq, due, row.status))
            scheduled, skipped = (scheduled, skipped + 1) if reason else (scheduled + 1, skipped)
        cursor = session.get(TriggerCursorRow, CURSOR)
        if cursor is None:
            session.add(TriggerCursorRow(name=CURSOR, position=position))
        else:
            cursor.position = position
    return scheduled, skipped


class _Asked(NamedTuple):
    survey_id: str
    trigger_seq: int | None
    due_at: datetime
    status: str


def _history(session: Session, customers: set[str]) -> dict[str, list[_Asked]]:
    """The invitations the customers already have, read in a few queries (not one per event)."""
    found: dict[str, list[_Asked]] = {}
    ordered = sorted(customers)
    for i in range(0, len(ordered), 500):  # SQLite caps the parameters of one statement
        rows = session.execute(
            select(
                InvitationRow.customer_id,
                InvitationRow.survey_id,
                InvitationRow.trigger_seq,
                InvitationRow.due_at,
                InvitationRow.status,
            ).where(InvitationRow.customer_id.in_(ordered[i : i + 500]))
        ).all()
        for customer, survey_id, seq, due_at, status in rows:
            found.setdefault(customer, []).append(_Asked(survey_id, seq, due_at, status))
    return found


def _no_consent(consent: ConsentBook, customer: str) -> str | None:
    """Why the customer may not be asked at all, or None."""
    if consent.allows(customer, PURPOSE):
        return None
    return f"no consent to {PURPOSE}"


def _fatigue(survey: Survey, asked: list[_Asked], due: datetime) -> str | None:
    """Why the customer may not be invited at ``due``, or None."""
    invited = [a for a in asked if a.status != "skipped"]
    same = span(survey.fatigue.same_survey)
    if any(a.survey_id == survey.id and abs(a.due_at - due) <= same for a in invited):
        return f"asked this survey within {survey.fatigue.same_survey}"
    period = span(survey.fatigue.period)
    recent = sum(1 for a in invited if abs(a.due_at - due) <= period)
    if recent >= survey.fatigue.max_surveys:
        return (
            f"already asked {recent} surveys within {survey.fatigue.period} "
            f"(the limit is {survey.fatigue.max_surveys})"
        )
    return None


def _position(ws: Workspace) -> int:
    with Session(ws.operational.engine) as session:
        cursor = session.get(TriggerCursorRow, CURSOR)
        return cursor.position if cursor else 0
