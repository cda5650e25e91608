"""Pinned next best actions: an automation sets an action of the catalogue for a customer.

A pin (table ``nba_pins`` in the operational store) names the customer, the action, the
automation that set it and why, and when it runs out. Ranking puts a live pin first with its
reason; an expired pin, or one naming an action the catalogue no longer has, is ignored.
Pins are written by the automations' delivery under the action's idempotency key, which is
unique here: delivering the same action again stores one pin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import DateTime, Index, Integer, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from journeys.store.operational import Base

if TYPE_CHECKING:  # the store imports this module while the workspace module loads
    from journeys.workspace import Workspace


class PinRow(Base):
    __tablename__ = "nba_pins"
    __table_args__ = (Index("ix_nba_pins_customer", "customer_id", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(String(200))
    action_id: Mapped[str] = mapped_column(String(80))
    automation_id: Mapped[str] = mapped_column(String(80))
    automation_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    set_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Pin(BaseModel):
    """A next best action set for a customer until ``expires_at``."""

    customer_id: str
    action_id: str
    automation_id: str
    automation_name: str
    reason: str
    set_at: datetime
    expires_at: datetime

    def text(self) -> str:
        """The reason ranking shows: who set it, why, and until when."""
        why = f": {self.reason}" if self.reason else ""
        until = self.expires_at.strftime("%Y-%m-%d %H:%M")
        return f"set by automation {self.automation_name!r}{why} (until {until})"


def set_pin(ws: Workspace, key: str, pin: Pin) -> Pin:
    """Store a pin under an idempotency key; a key stores one pin (the first is returned)."""
    with Session(ws.operational.engine) as session:
        found = session.scalar(select(PinRow).where(PinRow.idempotency_key == key))
        if found is None:
            session.add(PinRow(idempotency_key=key, **pin.model_dump()))
            try:
                session.commit()
            except IntegrityError:  # stored by a racing delivery of the same key
                session.rollback()
            found = session.scalar(select(PinRow).where(PinRow.idempotency_key == key))
        assert found is not None
        return _pin(found)


def pin_from(
    customer_id: str,
    action_id: str,
    automation_id: str,
    automation_name: str,
    reason: str,
    set_at: datetime,
    days: int,
) -> Pin:
    """A pin lasting ``days`` from ``set_at``."""
    return Pin(
        customer_id=customer_id,
        action_id=action_id,
        automation_id=automation_id,
        automation_name=automation_name,
        reason=reason,
        set_at=set_at,
        expires_at=set_at + timedelta(days=days),
    )


def live_pins(ws: Workspace, customer_id: str, now: datetime) -> list[Pin]:
    """The customer's pins that have not run out at ``now``, the latest set first."""
    with ws.operational.engine.connect() as con:
        rows = con.execute(_LIVE, {"customer": customer_id, "now": now}).all()
    pins = [Pin.model_validate(dict(r._mapping)) for r in rows]
    return [p for p in pins if p.set_at <= now]


# Text on a plain connection, not a select() in a session: this runs on every ranking, and a
# session and a select()'s cache key cost more than the indexed query (measured).
_LIVE = text(
    "SELECT customer_id, action_id, automation_id, automation_name, reason, set_at, "
    f"expires_at FROM {PinRow.__tablename__} WHERE customer_id = :customer "
    "AND expires_at > :now ORDER BY set_at DESC, id DESC"
).columns(set_at=DateTime, expires_at=DateTime)


def _pin(row: PinRow) -> Pin:
    return Pin(
        customer_id=row.customer_id,
        action_id=row.action_id,
        automation_id=row.automation_id,
        automation_name=row.automation_name,
        reason=row.reason,
        set_at=row.set_at,
        expires_at=row.expires_at,
    )
