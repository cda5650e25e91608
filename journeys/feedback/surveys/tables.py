"""Operational tables of surveys: responses, invitations and the trigger cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journeys.store.operational import Base


class ResponseRow(Base):
    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    # One answer per invitation link, and per idempotency key of an API caller.
    invitation_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    root_cause: Mapped[str | None] = mapped_column(String(80))
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    sentiment: Mapped[float | None] = mapped_column(Float)
    sentiment_label: Mapped[str | None] = mapped_column(String(16))
    comment_kind: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[str] = mapped_column(Text, default="[]")  # a JSON list
    channel: Mapped[str] = mapped_column(String(20))
    journey: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str | None] = mapped_column(String(80))
    touchpoint: Mapped[str] = mapped_column(String(80), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(40))


class InvitationRow(Base):
    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "trigger_seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(80), index=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    known: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # The event that triggered it (None for a link asked for over the API).
    trigger_seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | skipped | answered
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class TriggerCursorRow(Base):
    __tablename__ = "survey_trigger_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
