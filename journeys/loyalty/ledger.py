"""The points ledger: append-only entries, FIFO lots, expiry, and a balance never below zero.

Every write runs in one transaction that holds the member's lock (see ``store.py``): it first
writes off the member's expired lots, then checks the idempotency key, then appends the entry
and spreads a debit over the lots, oldest first. A key used before for the same entry returns
that entry (``replayed``) and changes nothing; used for a different one it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.errors import IdempotencyConflict, InsufficientPoints, InvalidInput
from journeys.loyalty.contracts import LedgerEntry, Posted
from journeys.loyalty.model import Program, expiry_of
from journeys.loyalty.tables import EntryRow, LotUseRow, MemberRow


@dataclass(frozen=True)
class Lot:
    """What is left of one credit."""

    id: int
    remaining: int
    occurred_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class Spec:
    """An entry to append; ``points`` is signed."""

    kind: str
    points: int
    reason: str
    key: str
    occurred_at: datetime
    rule: str | None = None
    reward: str | None = None
    reverses: int | None = None
    event_seq: int | None = None


def balance(session: Session, customer_id: str) -> int:
    """The sum of a member's entries."""
    total = session.scalar(
        select(func.coalesce(func.sum(EntryRow.points), 0)).where(
            EntryRow.customer_id == customer_id
        )
    )
    return int(total or 0)


def _remaining() -> tuple[Any, Any]:
    """The points spent from each lot (a subquery to join on ``lot_id``) and, joined to a
    credit entry, what is left of it."""
    used = (
        select(LotUseRow.lot_id, func.sum(LotUseRow.points).label("used"))
        .group_by(LotUseRow.lot_id)
        .subquery()
    )
    return used, EntryRow.points - func.coalesce(used.c.used, 0)


def lots(session: Session, customer_id: str, lot_id: int | None = None) -> list[Lot]:
    """The member's credits with points left, oldest first."""
    used, remaining = _remaining()
    query = (
        select(EntryRow.id, remaining, EntryRow.occurred_at, EntryRow.expires_at)
        .outerjoin(used, used.c.lot_id == EntryRow.id)
        .where(EntryRow.customer_id == customer_id, EntryRow.points > 0, remaining > 0)
        .order_by(EntryRow.occurred_at, EntryRow.id)
    )
    if lot_id is not None:
        query = query.where(EntryRow.id == lot_id)
    return [Lot(int(i), int(r), o, x) for i, r, o, x in session.execute(query).all()]


def members_with_expired_lots(session: Session, now: datetime) -> list[str]:
    """The members holding a lot that expired by ``now`` and still has points left."""
    used, remaining = _remaining()
    query = (
        select(EntryRow.customer_id)
        .outerjoin(used, used.c.lot_id == EntryRow.id)
        .where(EntryRow.points > 0, EntryRow.expires_at <= now, remaining > 0)
        .distinct()
    )
    return list(session.scalars(query).all())


def expire_lots(session: Session, member: MemberRow, now: datetime) -> list[EntryRow]:
    """Write off what is left of the member's lots that expired by ``now``."""
    written = []
    for lot in lots(session, member.customer_id):
        if lot.expires_at is None or lot.expires_at > now:
            continue
        spec = Spec(
            kind="expire",
            points=-lot.remaining,
            reason=f"points earned {lot.occurred_at:%Y-%m-%d} expired",
            key=f"expire-{lot.id}",
            occurred_at=lot.expires_at,
        )
        row = _append(session, member, spec, None, now)
        session.add(LotUseRow(lot_id=lot.id, debit_id=row.id, points=lot.remaining))
        written.append(row)
    if written:
        session.flush()
    return written


def credit(
    session: Session, member: MemberRow, spec: Spec, program: Program | None, now: datetime
) -> Posted:
    """Append a credit (an earning or a positive adjustment): a new lot."""
    if spec.points <= 0:
        raise InvalidInput(
            f"a credit must be positive, not {spec.points}", details={"field": "points"}
        )
    replay = replay_of(session, member, spec)
    if replay is not None:
        return replay
    expire_lots(session, member, now)
    row = _append(session, member, spec, program, now)
    entry = LedgerEntry.model_validate(row)
    return Posted(entry=entry, balance=balance(session, member.customer_id))


def debit(
    session: Session,
    member: MemberRow,
    spec: Spec,
    now: datetime,
    first_lot: int | None = None,
) -> Posted:
    """Append a debit of ``-spec.points`` spread over the lots, oldest first (``first_lot``
    first); refused when it is more than the balance."""
    if spec.points >= 0:
        raise InvalidInput(f"a debit must be negative, not {spec.points}")
    replay = replay_of(session, member, spec)
    if replay is not None:
        return replay
    expire_lots(session, member, now)
    available = lots(session, member.customer_id)
    have = sum(lot.remaining for lot in available)
    if -spec.points > have:
        raise InsufficientPoints(
            f"{member.customer_id!r} has {have} points; {-spec.points} are needed",
            details={"balance": have, "needed": -spec.points},
        )
    row = _append(session, member, spec, None, now)
    available.sort(key=lambda lot: lot.id != first_lot)  # stable: FIFO after the first lot
    left = -spec.points
    for lot in available:
        take = min(left, lot.remaining)
        if take <= 0:
            break
        session.add(LotUseRow(lot_id=lot.id, debit_id=row.id, points=take))
        left -= take
    session.flush()
    return Posted(entry=LedgerEntry.model_validate(row), balance=have + spec.points)


def _append(
    session: Session, member: MemberRow, spec: Spec, program: Program | None, now: datetime
) -> EntryRow:
    expires = expiry_of(program, spec.occurred_at) if program and spec.points > 0 else None
    row = EntryRow(
        customer_id=member.customer_id,
        kind=spec.kind,
        points=spec.points,
        reason=spec.reason,
        idempotency_key=spec.key,
        rule=spec.rule,
        reward=spec.reward,
        reverses=spec.reverses,
        event_seq=spec.event_seq,
        occurred_at=spec.occurred_at,
        expires_at=expires,
        created_at=now,
    )
    session.add(row)
    member.version += 1
    session.flush()
    return row


def replay_of(session: Session, member: MemberRow, spec: Spec) -> Posted | None:
    """The entry an idempotency key already made, when it is the same entry; else refused."""
    row = session.scalars(select(EntryRow).where(EntryRow.idempotency_key == spec.key)).first()
    if row is None:
        return None
    same = (row.customer_id, row.kind, row.reward, row.reverses) == (
        member.customer_id,
        spec.kind,
        spec.reward,
        spec.reverses,
    )
    # A redemption is the same when it is for the same reward (its price may have changed);
    # a reversal when it undoes the same earning; anything else must be the same amount.
    if same and spec.kind not in ("redeem", "reverse"):
        same = row.points == spec.points
    if not same:
        raise IdempotencyConflict(
            f"the idempotency key {spec.key!r} was already used for another entry "
            f"({row.kind} of {row.points} points for {row.customer_id!r}); use a new key",
            details={"entry_id": row.id, "kind": row.kind, "points": row.points},
        )
    entry = LedgerEntry.model_validate(row)
    return Posted(entry=entry, balance=balance(session, member.customer_id), replayed=True)


def used_by_kind(session: Session, lot_id: int, kind: str) -> int:
    """How many points of a lot debits of ``kind`` took."""
    total = session.scalar(
        select(func.coalesce(func.sum(LotUseRow.points), 0))
        .join(EntryRow, EntryRow.id == LotUseRow.debit_id)
        .where(LotUseRow.lot_id == lot_id, EntryRow.kind == kind)
    )
    return int(total or 0)
