"""Tiers over a rolling window, and their changes as ``loyalty_tier_changed`` events.

A member's tier is the highest level whose threshold is at most the points they earned within
the window ending now (earnings minus their reversals; redemptions, expiry and adjustments do
not count). It is re-evaluated after every earning or reversal, and for every member by each
run of the earning processor, because a window that rolls on can also bring a member down.
Each change is kept in ``loyalty_tier_changes`` and written to the event log (message id
``loyalty-tier-<change id>``), so automations and analyses can react; a change the log missed
(it was held by another process) is written by the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.errors import StoreUnavailable
from journeys.events.recording import Recorded, record
from journeys.loyalty.model import Program, Tier, window_start
from journeys.loyalty.tables import EntryRow, MemberRow, TierChangeRow
from journeys.workspace import Workspace

EVENT = "loyalty_tier_changed"
COUNTED = ("earn", "reverse")  # what moves a member's tier


def tier_for(program: Program, points: int) -> Tier | None:
    """The highest tier reached with ``points`` in the window."""
    reached = [t for t in program.tiers.levels if t.threshold <= points] if program.tiers else []
    return reached[-1] if reached else None


def window_points(session: Session, program: Program, now: datetime) -> dict[str, int]:
    """Points in the tiers' window ending ``now``, per member that has any."""
    rows = session.execute(
        select(EntryRow.customer_id, func.sum(EntryRow.points))
        .where(
            EntryRow.kind.in_(COUNTED),
            EntryRow.occurred_at > window_start(program, now),
            EntryRow.occurred_at <= now,
        )
        .group_by(EntryRow.customer_id)
    ).all()
    return {str(c): int(p or 0) for c, p in rows}


def member_window_points(session: Session, program: Program, member: str, now: datetime) -> int:
    """Points one member earned in the tiers' window ending ``now``."""
    total = session.scalar(
        select(func.coalesce(func.sum(EntryRow.points), 0)).where(
            EntryRow.customer_id == member,
            EntryRow.kind.in_(COUNTED),
            EntryRow.occurred_at > window_start(program, now),
            EntryRow.occurred_at <= now,
        )
    )
    return int(total or 0)


def evaluate(
    session: Session, program: Program, member: MemberRow, now: datetime, points: int | None = None
) -> bool:
    """Move a (locked) member to the tier their window points reach; True when it changed."""
    if program.tiers is None:
        return False
    if points is None:
        points = member_window_points(session, program, member.customer_id, now)
    tier = tier_for(program, points)
    target = tier.id if tier else None
    if target == member.tier or target is None:
        return False
    session.add(
        TierChangeRow(
            customer_id=member.customer_id,
            from_tier=member.tier,
            to_tier=target,
            points=points,
            at=now,
            recorded=False,
        )
    )
    member.tier, member.tier_since = target, now
    return True


def refresh_all(session: Session, program: Program, now: datetime) -> int:
    """Re-evaluate every member (windows roll on); returns how many changed tier."""
    if program.tiers is None:
        return 0
    points = window_points(session, program, now)
    changed = 0
    for member in session.scalars(select(MemberRow).with_for_update()).all():
        changed += evaluate(session, program, member, now, points.get(member.customer_id, 0))
    return changed


def record_changes(ws: Workspace, program: Program | None = None) -> int:
    """Write the tier changes the event log does not have yet; returns how many."""
    with Session(ws.operational.engine) as session:
        rows = session.scalars(
            select(TierChangeRow)
            .where(TierChangeRow.recorded.is_(False))
            .order_by(TierChangeRow.id)
        ).all()
        if not rows:
            return 0
        levels = program.tiers.levels if program and program.tiers else []
        rank = {t.id: i for i, t in enumerate(levels)}
        events = [_event(r, rank) for r in rows]
        try:
            record(ws.events, events)
        except StoreUnavailable:
            return 0  # another process holds the log: the next run records them
        for r in rows:
            r.recorded = True
        session.commit()
        return len(rows)


def _event(row: TierChangeRow, rank: dict[str, int]) -> Recorded:
    before, after = rank.get(row.from_tier or "", -1), rank.get(row.to_tier, -1)
    return Recorded(
        message_id=f"loyalty-tier-{row.id}",
        event=EVENT,
        customer_id=row.customer_id,
        timestamp=row.at,
        properties={
            "from": row.from_tier,
            "to": row.to_tier,
            "direction": "up" if after > before else "down",
            "points": row.points,
        },
    )
