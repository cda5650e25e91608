"""Reading the programme's members: one member, the list, a ledger, status and catalogue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.errors import NotEntitled, RewardNotFound
from journeys.loyalty import ledger, tiers
from journeys.loyalty.contracts import (
    Catalogue,
    CatalogueItem,
    ContentItem,
    ContentOut,
    LedgerEntry,
    LoyaltyStatus,
    Member,
    MemberPage,
)
from journeys.loyalty.files import load_program_or_none
from journeys.loyalty.model import Program
from journeys.loyalty.store import find_member
from journeys.loyalty.tables import EntryRow, MemberRow
from journeys.workspace import Workspace

EXPIRING_WITHIN = timedelta(days=30)


def get_member(ws: Workspace, customer_id: str) -> Member:
    """One member with balance and tier; MemberNotFound for a customer who is not one."""
    program = load_program_or_none(ws)
    with Session(ws.operational.engine) as session:
        row = find_member(session, customer_id)
        points = (
            tiers.member_window_points(session, program, customer_id, ws.clock.now())
            if program
            else 0
        )
        return _member(row, ledger.balance(session, customer_id), points, program)


def list_members(ws: Workspace, limit: int = 50, offset: int = 0) -> MemberPage:
    """Members by balance, highest first, a page at a time."""
    program = load_program_or_none(ws)
    now = ws.clock.now()
    with Session(ws.operational.engine) as session:
        total = int(session.scalar(select(func.count()).select_from(MemberRow)) or 0)
        held = (
            select(EntryRow.customer_id, func.sum(EntryRow.points).label("balance"))
            .group_by(EntryRow.customer_id)
            .subquery()
        )
        balance = func.coalesce(held.c.balance, 0)
        rows = session.execute(
            select(MemberRow, balance)
            .outerjoin(held, held.c.customer_id == MemberRow.customer_id)
            .order_by(balance.desc(), MemberRow.customer_id)
            .limit(limit)
            .offset(offset)
        ).all()
        window = tiers.window_points(session, program, now) if program else {}
        items = [_member(m, int(b), window.get(m.customer_id, 0), program) for m, b in rows]
    return MemberPage(total=total, offset=offset, items=items)


def ledger_entries(ws: Workspace, customer_id: str, limit: int = 200) -> list[LedgerEntry]:
    """A member's ledger, newest first."""
    with Session(ws.operational.engine) as session:
        find_member(session, customer_id)
        rows = session.scalars(
            select(EntryRow)
            .where(EntryRow.customer_id == customer_id)
            .order_by(EntryRow.id.desc())
            .limit(limit)
        ).all()
        return [LedgerEntry.model_validate(r) for r in rows]


def loyalty_status(ws: Workspace, customer_id: str) -> LoyaltyStatus:
    """A customer's place in the programme, for their profile (``member`` false if none)."""
    program = load_program_or_none(ws)
    now = ws.clock.now()
    points_name = program.points_name if program else "points"
    with Session(ws.operational.engine) as session:
        row = session.get(MemberRow, customer_id)
        if row is None:
            return LoyaltyStatus(customer_id=customer_id, member=False, points_name=points_name)
        live = [
            lot
            for lot in ledger.lots(session, customer_id)
            if lot.expires_at is None or lot.expires_at > now
        ]
        window = tiers.member_window_points(session, program, customer_id, now) if program else 0
    soon = [x for x in live if x.expires_at is not None and x.expires_at <= now + EXPIRING_WITHIN]
    status = LoyaltyStatus(
        customer_id=customer_id,
        member=True,
        points_name=points_name,
        balance=sum(x.remaining for x in live),
        tier=row.tier,
        expiring_points=sum(x.remaining for x in soon),
        next_expiry=min((x.expires_at for x in live if x.expires_at), default=None),
        referral_code=row.referral_code,
    )
    levels = program.tiers.levels if program and program.tiers else []
    current = next((t for t in levels if t.id == row.tier), None)
    if current is not None:
        status.tier_name, status.benefits = current.name, list(current.benefits)
    higher = [t for t in levels if t.threshold > window]
    if higher:
        status.next_tier, status.points_to_next_tier = higher[0].id, higher[0].threshold - window
    return status


def catalogue(ws: Workspace, customer_id: str) -> Catalogue:
    """The rewards, content and offers a member may see (their tier's and those below)."""
    program = load_program_or_none(ws) or Program(name="none")
    member = get_member(ws, customer_id)
    rewards = [
        CatalogueItem(
            id=r.id,
            name=r.name,
            points=r.points,
            description=r.description,
            tier=r.tier,
            members_only=r.tier is not None,
            affordable=r.points <= member.balance,
        )
        for r in program.rewards
        if program.qualifies(member.tier, r.tier)
    ]
    content = [
        ContentItem(id=c.id, title=c.title, kind=c.kind, tier=c.tier, summary=c.summary)
        for c in program.content
        if program.qualifies(member.tier, c.tier)
    ]
    return Catalogue(
        customer_id=customer_id,
        tier=member.tier,
        balance=member.balance,
        rewards=rewards,
        content=content,
    )


def gated_content(ws: Workspace, customer_id: str, content_id: str) -> ContentOut:
    """Members-only content for a member who qualifies; NotEntitled (403) for one who does not."""
    program = load_program_or_none(ws) or Program(name="none")
    item = next((c for c in program.content if c.id == content_id), None)
    if item is None:
        raise RewardNotFound(f"no members' content {content_id!r} in the programme")
    member = get_member(ws, customer_id)
    if not program.qualifies(member.tier, item.tier):
        raise NotEntitled(
            f"{item.title!r} is for {item.tier} members and above; "
            f"{customer_id!r} is {member.tier or 'in no tier'}",
            details={"content": item.id, "tier": member.tier, "needed": item.tier},
        )
    return ContentOut(
        id=item.id, title=item.title, kind=item.kind, tier=item.tier, summary=item.summary,
        body=item.body,
    )  # fmt: skip


def _member(row: MemberRow, balance: int, window: int, program: Program | None) -> Member:
    levels = program.tiers.levels if program and program.tiers else []
    tier = next((t for t in levels if t.id == row.tier), None)
    return Member(
        customer_id=row.customer_id,
        joined_at=row.joined_at,
        referral_code=row.referral_code,
        tier=row.tier,
        tier_name=tier.name if tier else None,
        tier_since=row.tier_since,
        balance=balance,
        tier_points=window,
    )
