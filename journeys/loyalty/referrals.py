"""Referral codes with attribution through the identity graph.

A friend arrives with a member's code: an event carrying the code property (often from an
anonymous device), or a claim over the API. The claim keeps the event's sequence number, and
the friend is whoever that event belongs to *now* in ``stitched_events``: when the device is
linked to a user days later (an ``identify``), the claim follows it. A friend who signs up
(the programme's ``signup`` matcher, on or after the claim) earns ``friend_points`` and joins;
when they convert (``conversion``), the member who referred them earns ``referrer_points``.
A code used by its own member is refused, and a friend is referred only once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.analytics.common import EVENTS, matcher_sql
from journeys.errors import CustomerNotFound, ReferralInvalid, StoreUnavailable
from journeys.events.profiles import resolve_customer
from journeys.loyalty import ledger
from journeys.loyalty.contracts import Referral
from journeys.loyalty.ledger import Spec
from journeys.loyalty.model import Program
from journeys.loyalty.store import lock_member, new_member, write_transaction
from journeys.loyalty.tables import MemberRow, ReferralRow
from journeys.store.duck import registered
from journeys.workspace import Workspace

PENDING = ("claimed", "signed_up")
SELF_USE = "the code was used by the member it belongs to"


def claim(ws: Workspace, code: str, friend_id: str) -> Referral:
    """Record that ``friend_id`` (any of their ids) arrived with ``code``; refused for an
    unknown code, the code's own member, or a friend already referred."""
    friend = _resolve(ws, friend_id)
    with write_transaction(ws) as session:
        owner = _owner(session, code)
        if owner is None:
            raise ReferralInvalid(f"no member has the referral code {code!r}")
        if owner.customer_id in (friend, friend_id):
            raise ReferralInvalid(
                f"the referral code {code!r} belongs to {owner.customer_id!r}, who cannot "
                "refer themselves",
                details={"code": code, "friend_id": friend_id},
            )
        if _already(session, friend_id, friend):
            raise ReferralInvalid(f"{friend_id!r} was already referred", details={"code": code})
        row = ReferralRow(
            code=owner.referral_code, referrer_id=owner.customer_id, visitor_id=friend_id,
            claimed_at=ws.clock.now(), status="claimed",
        )  # fmt: skip
        session.add(row)
        session.flush()
        return Referral.model_validate(row)


def claim_from_event(
    session: Session, code: str, visitor: str, seq: int, at: datetime
) -> ReferralRow | None:
    """A claim from an event carrying a code (within the earning run's transaction)."""
    owner = _owner(session, code)
    if owner is None or _already(session, visitor, visitor):
        return None  # an unknown code, or the visitor came with a code before: first wins
    refused = owner.customer_id == visitor
    row = ReferralRow(
        code=owner.referral_code, referrer_id=owner.customer_id, visitor_id=visitor,
        friend_id=visitor if refused else None, claim_seq=seq, claimed_at=at,
        status="refused" if refused else "claimed", note=SELF_USE if refused else None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def list_referrals(ws: Workspace, member: str | None = None) -> list[Referral]:
    """Referrals, newest first (of one referring member if given)."""
    with Session(ws.operational.engine) as session:
        query = select(ReferralRow).order_by(ReferralRow.id.desc())
        if member is not None:
            query = query.where(ReferralRow.referrer_id == member)
        return [Referral.model_validate(r) for r in session.scalars(query).all()]


def advance(ws: Workspace, program: Program, upto: int) -> int:
    """Move pending referrals on: sign-ups and conversions seen up to ``upto``; steps taken."""
    if program.referrals is None:
        return 0
    with Session(ws.operational.engine) as session:
        pending = session.scalars(select(ReferralRow).where(ReferralRow.status.in_(PENDING))).all()
        claims = [(r.id, r.visitor_id, r.claim_seq, r.claimed_at) for r in pending]
    if not claims:
        return 0
    found = _progress(ws, program, claims, upto)
    steps = 0
    now = ws.clock.now()
    with write_transaction(ws) as session:
        for claim_id, (friend, signed_up, converted) in found.items():
            row = session.get(ReferralRow, claim_id)
            if row is not None and row.status in PENDING:
                steps += _step(session, program, row, friend, signed_up, converted, now)
    return steps


def _step(
    session: Session,
    program: Program,
    row: ReferralRow,
    friend: str,
    signed_up: datetime | None,
    converted: datetime | None,
    now: datetime,
) -> int:
    assert program.referrals is not None
    if friend == row.referrer_id:
        row.status, row.friend_id, row.note = "refused", friend, SELF_USE
        return 1
    steps = 0
    if row.status == "claimed" and signed_up is not None:
        if _already(session, friend, friend, other_than=row.id):
            row.status, row.friend_id = "refused", friend
            row.note = "the friend was referred before"
            return 1
        row.status, row.friend_id, row.signed_up_at = "signed_up", friend, signed_up
        if session.get(MemberRow, friend) is None:
            session.add(new_member(friend, signed_up))
            session.flush()
        _credit(session, program, friend, program.referrals.friend_points, signed_up, now,
                f"referral-{row.id}-friend", f"joined with referral code {row.code}")  # fmt: skip
        steps += 1
    if row.status == "signed_up" and converted is not None:
        row.status, row.converted_at = "converted", converted
        reason = f"referred {friend}, who converted"
        _credit(session, program, row.referrer_id, program.referrals.referrer_points, converted,
                now, f"referral-{row.id}-referrer", reason)  # fmt: skip
        steps += 1
    return steps


def _credit(
    session: Session, program: Program, customer: str, points: int, at: datetime, now: datetime,
    key: str, reason: str,
) -> None:  # fmt: skip
    if points > 0:
        spec = Spec("earn", points, reason, key, at, rule="referral")
        ledger.credit(session, lock_member(session, customer), spec, program, now)


Claim = tuple[int, str, int | None, datetime]


def _progress(
    ws: Workspace, program: Program, claims: list[Claim], upto: int
) -> dict[int, tuple[str, datetime | None, datetime | None]]:
    """Per claim: the known friend it resolves to now, and when they signed up and converted."""
    assert program.referrals is not None
    con = ws.events.reader()
    friends: dict[int, str] = {}
    for claim_id, visitor, seq, _ in claims:
        if seq is not None:
            row = con.execute(
                f"SELECT customer_id, known FROM {EVENTS} WHERE seq = ?", [seq]
            ).fetchone()
            if row and row[1]:
                friends[claim_id] = str(row[0])
        else:
            try:
                customer, known = resolve_customer(con, visitor)
            except CustomerNotFound:
                continue
            friends[claim_id] = customer if known else visitor
    table = pa.table(
        {
            "claim_id": [c[0] for c in claims if c[0] in friends],
            "friend": [friends[c[0]] for c in claims if c[0] in friends],
            "claimed_at": pa.array([c[3] for c in claims if c[0] in friends], pa.timestamp("us")),
        }
    )
    r = program.referrals
    sql = f"""
        SELECT p.claim_id,
               min(e.timestamp) FILTER (WHERE {matcher_sql(r.signup)}) AS signed_up,
               min(e.timestamp) FILTER (WHERE {matcher_sql(r.conversion)}) AS converted
        FROM loyalty_pending p
        JOIN {EVENTS} e ON e.customer_id = p.friend AND e.timestamp >= p.claimed_at
        WHERE e.seq <= $upto
        GROUP BY p.claim_id
    """
    with registered(con, "loyalty_pending", table):
        rows: list[Any] = con.execute(sql, {"upto": upto}).fetchall()
    found: dict[int, tuple[str, datetime | None, datetime | None]] = {
        c: (f, None, None) for c, f in friends.items()
    }
    found.update({int(c): (friends[int(c)], s, v) for c, s, v in rows})
    return found


def _owner(session: Session, code: str) -> MemberRow | None:
    return session.scalars(
        select(MemberRow).where(MemberRow.referral_code == code.strip().upper())
    ).first()


def _already(session: Session, *ids: str, other_than: int | None = None) -> bool:
    query = select(ReferralRow.id).where(
        (ReferralRow.visitor_id.in_(ids) | ReferralRow.friend_id.in_(ids)),
        ReferralRow.status != "refused",
    )
    if other_than is not None:
        query = query.where(ReferralRow.id != other_than)
    return session.scalars(query).first() is not None


def _resolve(ws: Workspace, any_id: str) -> str:
    """The customer behind an id, when the event log knows it (else the id itself)."""
    try:
        return resolve_customer(ws.events.reader(), any_id)[0]
    except (CustomerNotFound, StoreUnavailable):
        return any_id
