"""The ledger: append-only entries, FIFO lots, expiry, reversals, idempotency, never negative."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.clock import FixedClock
from journeys.errors import (
    Conflict,
    IdempotencyConflict,
    InsufficientPoints,
    MemberNotFound,
    NotEntitled,
    RewardNotFound,
)
from journeys.loyalty import award_points, ledger, loyalty_status, members, service
from journeys.loyalty.contracts import CreditIn
from journeys.loyalty.tables import EntryRow, LotUseRow
from journeys.workspace import Workspace

D = timedelta(days=1)


def entries_sum(ws: Workspace, customer: str) -> int:
    with Session(ws.operational.engine) as s:
        total = s.scalar(select(func.sum(EntryRow.points)).where(EntryRow.customer_id == customer))
        return int(total or 0)


def lots_left(ws: Workspace, customer: str) -> int:
    with Session(ws.operational.engine) as s:
        return sum(lot.remaining for lot in ledger.lots(s, customer))


def test_balance_is_the_sum_of_entries_and_redemption_spends_it(lws: Workspace) -> None:
    award_points(lws, "ann", 300, "welcome", "k-1")
    posted = service.redeem(lws, "ann", "voucher-5", "r-1")
    assert posted.entry.kind == "redeem" and posted.entry.points == -250
    assert posted.balance == 50 == entries_sum(lws, "ann") == lots_left(lws, "ann")
    assert members.get_member(lws, "ann").balance == 50


def test_more_than_the_balance_is_refused_and_nothing_changes(lws: Workspace) -> None:
    award_points(lws, "ann", 200, "welcome", "k-1")
    with pytest.raises(InsufficientPoints) as refused:
        service.redeem(lws, "ann", "voucher-5", "r-1")
    assert refused.value.details == {"balance": 200, "needed": 250}
    assert [e.kind for e in members.ledger_entries(lws, "ann")] == ["earn"]
    with pytest.raises(InsufficientPoints):
        service.credit_points(
            lws, "ann", CreditIn(points=-201, reason="fix", idempotency_key="a", kind="adjust")
        )
    assert entries_sum(lws, "ann") == 200


def test_unknown_reward_and_member_are_clear_errors(lws: Workspace) -> None:
    award_points(lws, "ann", 1000, "welcome", "k-1")
    with pytest.raises(RewardNotFound, match="no reward 'yacht'"):
        service.redeem(lws, "ann", "yacht", "r-1")
    with pytest.raises(MemberNotFound):
        service.redeem(lws, "nobody", "voucher-5", "r-2")
    assert entries_sum(lws, "ann") == 1000


def test_a_key_used_again_replays_the_same_entry_and_refuses_another(lws: Workspace) -> None:
    first = award_points(lws, "ann", 100, "welcome", "k-1")
    again = award_points(lws, "ann", 100, "welcome", "k-1")
    assert again.replayed and again.entry.id == first.entry.id and again.balance == 100
    with pytest.raises(IdempotencyConflict, match="k-1"):
        award_points(lws, "ann", 150, "welcome", "k-1")
    with pytest.raises(IdempotencyConflict):
        award_points(lws, "bob", 100, "welcome", "k-1")
    assert entries_sum(lws, "ann") == 100 and entries_sum(lws, "bob") == 0


def test_points_expire_after_twelve_months_oldest_first(lws: Workspace, clock: FixedClock) -> None:
    award_points(lws, "ann", 100, "old", "k-1")
    clock.advance(200 * D)
    award_points(lws, "ann", 300, "new", "k-2")
    service.redeem(lws, "ann", "voucher-5", "r-1")  # 250: all 100 old + 150 of the new lot
    clock.advance(200 * D)  # the old lot (already spent) expires: nothing left of it to lose
    assert service.expire_all(lws) == 0
    assert members.get_member(lws, "ann").balance == 150
    clock.advance(200 * D)  # the new lot's remaining 150 expire
    assert service.expire_all(lws) == 1
    kinds = [(e.kind, e.points) for e in members.ledger_entries(lws, "ann")]
    assert kinds[0] == ("expire", -150)
    assert entries_sum(lws, "ann") == 0 == lots_left(lws, "ann")


def test_twelve_months_are_calendar_months(lws: Workspace, clock: FixedClock) -> None:
    posted = award_points(lws, "ann", 10, "x", "k-1")
    assert posted.entry.expires_at == posted.entry.occurred_at.replace(year=2027)


def test_an_expired_lot_cannot_be_spent(lws: Workspace, clock: FixedClock) -> None:
    award_points(lws, "ann", 300, "old", "k-1")
    clock.advance(366 * D)
    with pytest.raises(InsufficientPoints):
        service.redeem(lws, "ann", "voucher-5", "r-1")
    # The refused redemption rolled back, the write-off with it; the next run writes it.
    assert entries_sum(lws, "ann") == 300
    assert service.expire_all(lws) == 1 and entries_sum(lws, "ann") == 0


def test_a_reversal_undoes_an_earning(lws: Workspace) -> None:
    earned = award_points(lws, "ann", 400, "order LC-1", "k-1")
    award_points(lws, "ann", 100, "order LC-2", "k-2")
    posted = service.reverse(lws, "ann", earned.entry.id, "LC-1 returned", "rev-1")
    assert posted.entry.points == -400 and posted.entry.reverses == earned.entry.id
    assert posted.balance == 100 == lots_left(lws, "ann")
    with Session(lws.operational.engine) as s:
        uses = s.scalars(select(LotUseRow).where(LotUseRow.debit_id == posted.entry.id)).all()
        assert [(u.lot_id, u.points) for u in uses] == [(earned.entry.id, 400)]
    assert service.reverse(lws, "ann", earned.entry.id, "again", "rev-1").replayed
    with pytest.raises(Conflict, match="already reversed"):
        service.reverse(lws, "ann", earned.entry.id, "again", "rev-2")


def test_a_reversal_after_spending_takes_at_most_the_balance(lws: Workspace) -> None:
    earned = award_points(lws, "ann", 300, "order", "k-1")
    service.redeem(lws, "ann", "voucher-5", "r-1")
    posted = service.reverse(lws, "ann", earned.entry.id, "returned", "rev-1")
    assert posted.entry.points == -50 and posted.balance == 0


def test_tier_gated_rewards_and_content(lws: Workspace) -> None:
    award_points(lws, "ann", 900, "orders", "k-1")  # silver from 500
    award_points(lws, "bob", 400, "orders", "k-2")  # bronze
    seen = {r.id for r in members.catalogue(lws, "ann").rewards}
    assert seen == {"voucher-5", "voucher-15", "styling-session"}
    assert "styling-session" not in {r.id for r in members.catalogue(lws, "bob").rewards}
    with pytest.raises(NotEntitled):
        service.redeem(lws, "bob", "styling-session", "r-1")
    assert members.gated_content(lws, "ann", "new-collection-preview").body
    with pytest.raises(NotEntitled):
        members.gated_content(lws, "bob", "new-collection-preview")
    with pytest.raises(NotEntitled):
        members.gated_content(lws, "ann", "gold-double-points")


def test_loyalty_status_for_members_and_others(lws: Workspace, clock: FixedClock) -> None:
    assert loyalty_status(lws, "stranger").member is False
    award_points(lws, "ann", 600, "orders", "k-1")
    clock.advance(350 * D)
    status = loyalty_status(lws, "ann")
    assert status.member and status.balance == 600 and status.tier == "silver"
    assert status.next_tier == "gold" and status.points_to_next_tier == 900
    assert status.expiring_points == 600 and "Free delivery" in status.benefits


_EXAMPLES = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(["earn", "redeem", "adjust", "wait"]),
                          st.integers(1, 700)), max_size=15))  # fmt: skip
def test_the_balance_never_goes_negative_and_equals_the_lots(
    lws: Workspace, clock: FixedClock, ops: list[tuple[str, int]]
) -> None:
    # One workspace serves every example: each needs a customer (and keys) of its own.
    customer = f"p{next(_EXAMPLES)}"
    for n, (op, amount) in enumerate(ops):
        key = f"{customer}-{n}"
        try:
            if op == "earn":
                award_points(lws, customer, amount, "prop", key)
            elif op == "redeem":
                service.redeem(lws, customer, "voucher-5", key)
            elif op == "adjust":
                body = CreditIn(points=-amount, reason="prop", idempotency_key=key, kind="adjust")
                service.credit_points(lws, customer, body)
            else:
                clock.advance(amount * D)
        except (InsufficientPoints, MemberNotFound):
            pass
        total = entries_sum(lws, customer)
        assert total >= 0
        assert total == lots_left(lws, customer)
