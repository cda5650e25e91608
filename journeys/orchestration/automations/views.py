"""Read models of the automations: per-step counts, the outbox and the dead letters.

Shared by the CLI's ``--json``, the HTTP API and the web page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.orchestration.automations.files import check_files
from journeys.orchestration.automations.tables import (
    DeadLetterRow,
    EnrolmentRow,
    OutboxRow,
    StepLogRow,
    ensure_tables,
)
from journeys.workspace import Workspace

OutboxStatus = Literal["pending", "delivered", "dead"]


class StepCount(BaseModel):
    """How many enrolments reached a step, and with which outcome."""

    step: str
    kind: str
    outcomes: dict[str, int]


class AutomationSummary(BaseModel):
    """An automation file with what the engine did with it."""

    id: str
    name: str
    version: int
    active: bool
    trigger: str
    file: str
    issues: list[str]  # the file's problems; an invalid file does not run
    enrolments: dict[str, int]  # status → count
    steps: list[StepCount]


class OutboxItem(BaseModel):
    """One action in the outbox."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    idempotency_key: str
    automation_id: str
    version: int
    step_id: str
    kind: str
    customer_id: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]


class DeadLetter(BaseModel):
    """An action that failed every attempt, until replayed."""

    outbox_id: int
    idempotency_key: str
    automation_id: str
    step_id: str
    kind: str
    customer_id: str
    failed_at: datetime
    error: str
    attempts: int


def summaries(ws: Workspace) -> list[AutomationSummary]:
    """Every automation file, valid or not, with enrolment and per-step counts."""
    ensure_tables(ws.operational.engine)
    found = []
    with Session(ws.operational.engine) as session:
        for checked in check_files(ws):
            a = checked.value
            issues = [i.text() for i in checked.issues]
            if a is None:
                name = checked.file.rsplit("/", 1)[-1].removesuffix(".yaml")
                found.append(
                    AutomationSummary(
                        id=name, name=name, version=0, active=False, trigger="", file=checked.file,
                        issues=issues, enrolments={}, steps=[],
                    )
                )  # fmt: skip
                continue
            found.append(
                AutomationSummary(
                    id=a.id,
                    name=a.name,
                    version=a.version,
                    active=a.active,
                    trigger=", ".join(a.trigger.kinds()),
                    file=checked.file,
                    issues=issues,
                    enrolments=_statuses(session, a.id),
                    steps=[
                        StepCount(step=s.id, kind=s.kind, outcomes=_outcomes(session, a.id, s.id))
                        for s in a.steps
                    ],
                )
            )
    return found


def outbox(ws: Workspace, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxItem]:
    """The newest actions of the outbox, optionally of one status."""
    ensure_tables(ws.operational.engine)
    with Session(ws.operational.engine) as session:
        query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        return [OutboxItem.model_validate(r) for r in session.scalars(query)]


def dead_letters(ws: Workspace) -> list[DeadLetter]:
    """The dead letters not yet replayed, newest first."""
    ensure_tables(ws.operational.engine)
    with Session(ws.operational.engine) as session:
        rows = session.execute(
            select(DeadLetterRow, OutboxRow)
            .join(OutboxRow, OutboxRow.id == DeadLetterRow.outbox_id)
            .where(DeadLetterRow.replayed_at.is_(None))
            .order_by(DeadLetterRow.failed_at.desc())
        ).all()
        return [
            DeadLetter(
                outbox_id=o.id,
                idempotency_key=o.idempotency_key,
                automation_id=o.automation_id,
                step_id=o.step_id,
                kind=o.kind,
                customer_id=o.customer_id,
                failed_at=d.failed_at,
                error=d.error,
                attempts=o.attempts,
            )
            for d, o in rows
        ]


def _statuses(session: Session, automation_id: str) -> dict[str, int]:
    rows = session.execute(
        select(EnrolmentRow.status, func.count())
        .where(EnrolmentRow.automation_id == automation_id)
        .group_by(EnrolmentRow.status)
    ).all()
    return {str(s): int(n) for s, n in rows}


def _outcomes(session: Session, automation_id: str, step_id: str) -> dict[str, int]:
    rows = session.execute(
        select(StepLogRow.outcome, func.count())
        .where(StepLogRow.automation_id == automation_id, StepLogRow.step_id == step_id)
        .group_by(StepLogRow.outcome)
    ).all()
    return {str(o): int(n) for o, n in rows}
