"""Writing to the ledger: enrol, award, adjust, redeem, reverse and expire.

Each function is one transaction under the member's lock (``store.write_transaction`` and
``store.lock_member``), so concurrent redemptions of one member run one after the other and
the balance never goes below zero. Tier changes they cause are written to the event log after
the ledger commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journeys.errors import Conflict, InvalidInput, NotEntitled, NotFound, RewardNotFound
from journeys.loyalty import ledger, tiers
from journeys.loyalty.contracts import CreditIn, Posted
from journeys.loyalty.files import load_program_or_none
from journeys.loyalty.ledger import Spec
from journeys.loyalty.model import Program
from journeys.loyalty.store import ensure_member, lock_member, write_transaction
from journeys.loyalty.tables import EntryRow, MemberRow
from journeys.workspace import Workspace

T = TypeVar("T")


def enrol(ws: Workspace, customer_id: str) -> bool:
    """Make a customer a member (their base tier, a referral code); True when they joined now."""
    if not customer_id or len(customer_id) > 200:
        message = "a customer id has 1 to 200 characters"
        raise InvalidInput(message, details={"field": "customer_id"})
    joined = ensure_member(ws, customer_id)
    program = load_program_or_none(ws)
    if joined and program is not None:
        with write_transaction(ws) as session:
            tiers.evaluate(session, program, lock_member(session, customer_id), ws.clock.now())
        tiers.record_changes(ws, program)
    return joined


def award_points(
    ws: Workspace, customer_id: str, points: int, reason: str, idempotency_key: str
) -> Posted:
    """Give a customer points (enrolling them if needed); the seam automations call."""
    ensure_member(ws, customer_id)
    spec = Spec("earn", points, reason, idempotency_key, ws.clock.now())
    return _earned(ws, customer_id, spec)


def credit_points(ws: Workspace, customer_id: str, body: CreditIn) -> Posted:
    """Earn or adjust by hand: an adjustment may be negative (never below a zero balance)."""
    if body.points == 0:
        raise InvalidInput("points must not be 0", details={"field": "points"})
    if body.kind == "earn" and body.points < 0:
        raise InvalidInput(
            "an earning is positive; take points back with a reversal or a negative adjustment",
            details={"field": "points"},
        )
    now = ws.clock.now()
    spec = Spec(body.kind, body.points, body.reason, body.idempotency_key, now)
    if body.points > 0:
        ensure_member(ws, customer_id)
        return _earned(ws, customer_id, spec)

    def run(session: Session) -> Posted:
        return ledger.debit(session, lock_member(session, customer_id), spec, now)

    return _write(ws, run)


def redeem(ws: Workspace, customer_id: str, reward_id: str, idempotency_key: str) -> Posted:
    """Spend points on a reward of the catalogue; refused beyond the balance or below its tier."""
    program = _program(ws)
    reward = next((r for r in program.rewards if r.id == reward_id), None)
    if reward is None:
        known = ", ".join(r.id for r in program.rewards) or "none"
        raise RewardNotFound(f"no reward {reward_id!r} in the catalogue (rewards: {known})")
    now = ws.clock.now()
    spec = Spec("redeem", -reward.points, f"redeemed {reward.name}", idempotency_key, now,
                reward=reward.id)  # fmt: skip

    def run(session: Session) -> Posted:
        member = lock_member(session, customer_id)
        if not program.qualifies(member.tier, reward.tier):
            raise NotEntitled(
                f"{reward.name!r} is for {reward.tier} members and above; "
                f"{customer_id!r} is {member.tier or 'in no tier'}",
                details={"reward": reward.id, "tier": member.tier, "needed": reward.tier},
            )
        return ledger.debit(session, member, spec, now)

    return _write(ws, run)


def reverse(
    ws: Workspace, customer_id: str, entry_id: int, reason: str, idempotency_key: str
) -> Posted:
    """Undo an earning (a returned purchase): take back what is left of it, at most the balance.

    Points of the earning that already expired are not taken again; when the member spent
    more than they now have, the reversal takes what there is (the balance stays at zero).
    """
    program = load_program_or_none(ws)
    now = ws.clock.now()

    def run(session: Session) -> Posted:
        member = lock_member(session, customer_id)
        target = session.get(EntryRow, entry_id)
        if target is None or target.customer_id != customer_id or target.kind != "earn":
            raise NotFound(f"{customer_id!r} has no earning with entry id {entry_id}")
        spec = Spec("reverse", -1, reason, idempotency_key, target.occurred_at, rule=target.rule,
                    reverses=target.id)  # fmt: skip
        replay = ledger.replay_of(session, member, spec)
        if replay is not None:
            return replay
        done = session.scalars(select(EntryRow.id).where(EntryRow.reverses == entry_id)).first()
        if done is not None:
            raise Conflict(f"earning {entry_id} was already reversed (entry {done})")
        ledger.expire_lots(session, member, now)
        expired = ledger.used_by_kind(session, target.id, "expire")
        amount = min(target.points - expired, ledger.balance(session, customer_id))
        if amount <= 0:
            raise Conflict(
                f"nothing of earning {entry_id} is left to take back (expired or balance 0)"
            )
        spec = Spec(**{**spec.__dict__, "points": -amount})
        posted = ledger.debit(session, member, spec, now, first_lot=target.id)
        if program is not None:
            tiers.evaluate(session, program, member, now)
        return posted

    posted = _write(ws, run)
    tiers.record_changes(ws, program)
    return posted


def expire_all(ws: Workspace) -> int:
    """Write off every member's expired lots; returns how many entries were written."""
    now = ws.clock.now()
    with write_transaction(ws) as session:
        # Only members with an expired lot not yet written off: one query, not one per member.
        due = ledger.members_with_expired_lots(session, now)
        members = session.scalars(
            select(MemberRow).where(MemberRow.customer_id.in_(due)).with_for_update()
        ).all()
        return sum(len(ledger.expire_lots(session, m, now)) for m in members)


def _earned(ws: Workspace, customer_id: str, spec: Spec) -> Posted:
    program = load_program_or_none(ws)
    now = ws.clock.now()

    def run(session: Session) -> Posted:
        member = lock_member(session, customer_id)
        posted = ledger.credit(session, member, spec, program, now)
        if program is not None and not posted.replayed:
            tiers.evaluate(session, program, member, now)
        return posted

    posted = _write(ws, run)
    tiers.record_changes(ws, program)
    return posted


def _write(ws: Workspace, run: Callable[[Session], T]) -> T:
    """Run ``run`` in a locked transaction; once more if a concurrent writer took its key."""
    try:
        with write_transaction(ws) as session:
            return run(session)
    except IntegrityError:
        # The same idempotency key written for another member at the same moment: the
        # second attempt sees it and replays or refuses it.
        with write_transaction(ws) as session:
            return run(session)


def _program(ws: Workspace) -> Program:
    program = load_program_or_none(ws)
    if program is None:
        raise NotFound("the workspace has no loyalty programme (loyalty/program.yaml)")
    return program
