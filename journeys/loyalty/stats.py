"""The programme's figures: members, activity, points liability, redemption, referrals, and
the repeat-purchase rate of members against other buyers."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.analytics.common import EVENTS, matcher_sql, run_query
from journeys.loyalty.contracts import LoyaltyStats, StageLoyalty
from journeys.loyalty.files import load_program, load_program_or_none
from journeys.loyalty.model import Program
from journeys.loyalty.tables import EntryRow, MemberRow, ReferralRow
from journeys.store.duck import registered
from journeys.workspace import Workspace


def loyalty_stats(ws: Workspace) -> LoyaltyStats:
    """The programme's figures now (purchases read from the event log)."""
    program = load_program(ws)
    now = ws.clock.now()
    since = now - timedelta(days=program.active_days)
    with Session(ws.operational.engine) as session:
        members = list(session.scalars(select(MemberRow.customer_id)).all())
        by_tier = dict(
            session.execute(select(MemberRow.tier, func.count()).group_by(MemberRow.tier)).all()
        )
        sums = dict(
            session.execute(
                select(EntryRow.kind, func.sum(EntryRow.points)).group_by(EntryRow.kind)
            ).all()
        )
        active = session.scalar(
            select(func.count(func.distinct(EntryRow.customer_id))).where(
                EntryRow.kind.in_(("earn", "redeem")), EntryRow.created_at > since
            )
        )
        referral = dict(
            session.execute(
                select(ReferralRow.status, func.count()).group_by(ReferralRow.status)
            ).all()
        )
    earned = int(sums.get("earn", 0) or 0) + int(sums.get("reverse", 0) or 0)
    redeemed = -int(sums.get("redeem", 0) or 0)
    claims = sum(n for s, n in referral.items() if s != "refused")
    converted = int(referral.get("converted", 0))
    signed = int(referral.get("signed_up", 0)) + converted
    buyers = _repeat(ws, program, members)
    return LoyaltyStats(
        points_name=program.points_name,
        members=len(members),
        active_members=int(active or 0),
        active_days=program.active_days,
        points_liability=int(sum(int(v or 0) for v in sums.values())),
        points_earned=earned,
        points_redeemed=redeemed,
        points_expired=-int(sums.get("expire", 0) or 0),
        redemption_rate=_rate(redeemed, earned),
        members_by_tier={str(k or "none"): int(v) for k, v in by_tier.items()},
        referrals=claims,
        referral_signups=signed,
        referral_conversions=converted,
        referral_conversion_rate=_rate(converted, claims),
        member_buyers=buyers[0][0],
        member_repeat_rate=_rate(buyers[0][1], buyers[0][0]),
        other_buyers=buyers[1][0],
        other_repeat_rate=_rate(buyers[1][1], buyers[1][0]),
    )


def stage_loyalty(ws: Workspace, customers: list[str]) -> StageLoyalty | None:
    """The programme's figures among ``customers`` (those who reached a loyalty stage); None
    when the workspace has no programme."""
    program = load_program_or_none(ws)
    if program is None:
        return None
    reached = set(customers)
    since = ws.clock.now() - timedelta(days=program.active_days)
    with Session(ws.operational.engine) as session:
        tiers = {
            c: tier
            for c, tier in session.execute(select(MemberRow.customer_id, MemberRow.tier))
            if c in reached
        }
        sums = session.execute(
            select(EntryRow.customer_id, EntryRow.kind, func.sum(EntryRow.points)).group_by(
                EntryRow.customer_id, EntryRow.kind
            )
        ).all()
        active = {
            c
            for (c,) in session.execute(
                select(EntryRow.customer_id)
                .where(EntryRow.kind.in_(("earn", "redeem")), EntryRow.created_at > since)
                .distinct()
            )
        }
    balance = sum(int(n or 0) for c, _, n in sums if c in tiers)
    redeemed = -sum(int(n or 0) for c, kind, n in sums if c in tiers and kind == "redeem")
    by_tier: dict[str, int] = {}
    for tier in tiers.values():
        by_tier[str(tier or "none")] = by_tier.get(str(tier or "none"), 0) + 1
    return StageLoyalty(
        points_name=program.points_name,
        reached=len(reached),
        members=len(tiers),
        member_share=_rate(len(tiers), len(reached)),
        active_members=len(active & tiers.keys()),
        active_days=program.active_days,
        points_balance=balance,
        points_redeemed=redeemed,
        members_by_tier=dict(sorted(by_tier.items())),
    )


def ledger_version(ws: Workspace) -> tuple[int, int]:
    """Changes whenever a member joins or the ledger is written (what caches key on)."""
    with Session(ws.operational.engine) as session:
        entries = session.scalar(select(func.max(EntryRow.id))) or 0
        members = session.scalar(select(func.count()).select_from(MemberRow)) or 0
    return int(entries), int(members)


def _repeat(ws: Workspace, program: Program, members: list[str]) -> list[tuple[int, int]]:
    """(buyers, buyers with 2+ purchases) for members, then for known customers who are not."""
    matcher = program.purchase_matcher()
    if matcher is None:
        return [(0, 0), (0, 0)]
    sql = f"""
        WITH bought AS (
            SELECT e.customer_id, count(*) AS n FROM {EVENTS} e
            WHERE e.known AND {matcher_sql(matcher)} GROUP BY e.customer_id
        )
        SELECT (m.customer_id IS NOT NULL) AS member, count(*) AS buyers,
               count(*) FILTER (WHERE b.n >= 2) AS repeaters
        FROM bought b LEFT JOIN loyalty_members m ON m.customer_id = b.customer_id
        GROUP BY 1
    """
    con = ws.events.reader()
    with registered(
        con, "loyalty_members", pa.table({"customer_id": pa.array(members, pa.string())})
    ):
        table = run_query(con, sql, what="the loyalty figures")
    found = {bool(r["member"]): (int(r["buyers"]), int(r["repeaters"])) for r in table.to_pylist()}
    return [found.get(True, (0, 0)), found.get(False, (0, 0))]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
