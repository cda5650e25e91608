"""The automations' state in the operational store.

* ``automation_versions``: each (automation, version) as first seen, so customers inside keep
  the definition they entered with even after the file moves on;
* ``automation_enrolments``: one customer inside one automation; ``wake_at`` is its durable
  timer (a wait, or the timeout of a wait for an event);
* ``automation_step_log``: what happened at each step (counts per step, backtests);
* ``automation_outbox``: every action to deliver, with its idempotency key (unique);
* ``automation_attempts``: each delivery attempt and its outcome;
* ``automation_dead_letters``: actions that failed every attempt, until replayed;
* ``automation_cursor``: how far the engine read the event log (and checked inactivity and
  the schedules: date/time triggers fire for their moments since ``inactivity_checked``);
* ``automation_score_watches`` and ``automation_score_above``: per score trigger, the scoring
  run last compared and the customers then above the threshold, so a crossing lets in once.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, Boolean, DateTime, Engine, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from journeys.store.operational import Base


class VersionRow(Base):
    __tablename__ = "automation_versions"

    automation_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[str] = mapped_column(Text)  # the automation as canonical JSON
    first_seen: Mapped[datetime] = mapped_column(DateTime)


class EnrolmentRow(Base):
    __tablename__ = "automation_enrolments"
    __table_args__ = (
        Index("ix_automation_enrolments_customer", "automation_id", "customer_id"),
        Index("ix_automation_enrolments_wake", "status", "wake_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    automation_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(200))
    known: Mapped[bool] = mapped_column(Boolean)
    entered_at: Mapped[datetime] = mapped_column(DateTime)
    entry_seq: Mapped[int] = mapped_column(Integer)
    # active, completed, converted, exited, held_out
    status: Mapped[str] = mapped_column(String(20))
    step_index: Mapped[int] = mapped_column(Integer)
    wake_at: Mapped[datetime | None] = mapped_column(DateTime)
    variant: Mapped[str | None] = mapped_column(String(80))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class StepLogRow(Base):
    __tablename__ = "automation_step_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(String(32), index=True)
    automation_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(80))
    # entered, done, queued, capped, waiting, woke, then, otherwise, variant:NAME, ...
    outcome: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)


class OutboxRow(Base):
    __tablename__ = "automation_outbox"
    __table_args__ = (
        Index("ix_automation_outbox_due", "status", "next_attempt_at"),
        Index("ix_automation_outbox_caps", "customer_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    automation_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    enrolment_id: Mapped[str] = mapped_column(String(32))
    step_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(200))
    known: Mapped[bool] = mapped_column(Boolean)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class AttemptRow(Base):
    __tablename__ = "automation_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("automation_outbox.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)


class DeadLetterRow(Base):
    __tablename__ = "automation_dead_letters"

    outbox_id: Mapped[int] = mapped_column(ForeignKey("automation_outbox.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime)
    error: Mapped[str] = mapped_column(Text)
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CursorRow(Base):
    __tablename__ = "automation_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    inactivity_checked: Mapped[datetime] = mapped_column(DateTime)
    segments_checked: Mapped[datetime] = mapped_column(DateTime)


class ScoreWatchRow(Base):
    __tablename__ = "automation_score_watches"

    # automation id, model and threshold: a changed threshold starts a new baseline
    watch: Mapped[str] = mapped_column(String(200), primary_key=True)
    scored_at: Mapped[datetime | None] = mapped_column(DateTime)  # the run last compared


class ScoreAboveRow(Base):
    __tablename__ = "automation_score_above"

    watch: Mapped[str] = mapped_column(String(200), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), primary_key=True)


TABLES = [
    t.__table__
    for t in (
        VersionRow,
        EnrolmentRow,
        StepLogRow,
        OutboxRow,
        AttemptRow,
        DeadLetterRow,
        CursorRow,
        ScoreWatchRow,
        ScoreAboveRow,
    )
]


def ensure_tables(engine: Engine) -> None:
    """Create the automations' tables if they do not exist (the store's start-up leaves them)."""
    Base.metadata.create_all(engine, tables=TABLES)  # type: ignore[arg-type]


_locks: dict[tuple[Path, str], threading.Lock] = {}
_locks_lock = threading.Lock()


def local_lock(root: Path, name: str) -> threading.Lock:
    """One lock per workspace and job in this process: the server's periodic run and an API
    call never run the engine (or the delivery) side by side."""
    key = (root.resolve(), name)
    with _locks_lock:
        return _locks.setdefault(key, threading.Lock())
