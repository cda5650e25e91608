"""Operational tables of the loyalty loop: members, the ledger and its lots, referrals.

The ledger is append-only: an entry is never changed or deleted. Every credit (an earning, a
positive adjustment) is a *lot* that can expire; every debit (a redemption, an expiry, a
reversal, a negative adjustment) is spread over lots, oldest first, by rows of
``loyalty_lot_uses`` (also only appended). What is left of a lot is its points minus its uses,
and the balance is the sum of all entries; the two always agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from journeys.store.operational import Base


class MemberRow(Base):
    __tablename__ = "loyalty_members"

    customer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime)
    referral_code: Mapped[str] = mapped_column(String(32), unique=True)
    tier: Mapped[str | None] = mapped_column(String(80))
    tier_since: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped by every ledger write: the row every debit locks (SELECT … FOR UPDATE).
    version: Mapped[int] = mapped_column(Integer, default=0)


class EntryRow(Base):
    __tablename__ = "loyalty_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("loyalty_members.customer_id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # earn | redeem | expire | adjust | reverse
    points: Mapped[int] = mapped_column(Integer)  # signed: credits > 0, debits < 0
    reason: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str | None] = mapped_column(String(80), index=True)  # earning rule id
    reward: Mapped[str | None] = mapped_column(String(80))  # redeemed reward id
    reverses: Mapped[int | None] = mapped_column(Integer)  # the earning a reversal undoes
    event_seq: Mapped[int | None] = mapped_column(Integer)  # the event that earned it
    # When the points were earned (the event's time), which expiry and tiers count from.
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LotUseRow(Base):
    __tablename__ = "loyalty_lot_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(Integer, ForeignKey("loyalty_ledger.id"), index=True)
    debit_id: Mapped[int] = mapped_column(Integer, ForeignKey("loyalty_ledger.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)  # > 0, taken from the lot


class TierChangeRow(Base):
    __tablename__ = "loyalty_tier_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    from_tier: Mapped[str | None] = mapped_column(String(80))
    to_tier: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(Integer)  # points in the window at the change
    at: Mapped[datetime] = mapped_column(DateTime)
    recorded: Mapped[bool] = mapped_column(default=False)  # written to the event log


class ReferralRow(Base):
    __tablename__ = "loyalty_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    referrer_id: Mapped[str] = mapped_column(String(200), index=True)
    # The id the friend arrived with (often anonymous); the friend is who it stitches to.
    visitor_id: Mapped[str] = mapped_column(String(200), index=True)
    friend_id: Mapped[str | None] = mapped_column(String(200), index=True)
    claim_seq: Mapped[int | None] = mapped_column(Integer)  # the event carrying the code
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))  # claimed | signed_up | converted | refused
    note: Mapped[str | None] = mapped_column(Text)
    signed_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    converted_at: Mapped[datetime | None] = mapped_column(DateTime)


class EarnCursorRow(Base):
    __tablename__ = "loyalty_earn_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
