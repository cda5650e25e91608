"""The tickets' tables in the operational store: tickets, their notes and their history.

A ticket row carries a ``version`` that SQLAlchemy checks on every update, so two people
changing one ticket at the same moment cannot both win: the later one gets a Conflict.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from journeys.store.operational import Base


class TicketRow(Base):
    __tablename__ = "tickets"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    known: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    journey: Mapped[str | None] = mapped_column(String(80))
    stage: Mapped[str | None] = mapped_column(String(80))
    touchpoint: Mapped[str | None] = mapped_column(String(80))
    team: Mapped[str] = mapped_column(String(120), index=True)
    priority: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    sla_due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    root_cause: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    # The survey response that opened the ticket: one ticket per response.
    response_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    steps: Mapped[int] = mapped_column(Integer, default=0)  # history entries so far
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol


class TicketNoteRow(Base):
    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number"), index=True)
    author: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class TicketChangeRow(Base):
    """One step of a ticket's history; the steps that are events keep the event's properties."""

    __tablename__ = "ticket_history"

    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str | None] = mapped_column(String(40))
    event_properties: Mapped[str | None] = mapped_column(Text)  # JSON
