"""Transactions of the loyalty ledger that serialise per member, on SQLite and PostgreSQL.

Two debits of one member must not both see the same balance. On PostgreSQL the member row is
locked (``SELECT … FOR UPDATE``) for the transaction. SQLite has no row locks: there the
transaction starts with ``BEGIN IMMEDIATE``, which takes the database's write lock before the
first read, so a second writer waits (up to the driver's busy timeout) instead of reading a
balance that is about to change.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journeys.errors import MemberNotFound
from journeys.loyalty.tables import MemberRow
from journeys.workspace import Workspace

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud


@contextmanager
def write_transaction(ws: Workspace) -> Iterator[Session]:
    """A session whose transaction holds the write lock (SQLite) and commits at the end."""
    engine = ws.operational.engine
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def lock_member(session: Session, customer_id: str) -> MemberRow:
    """The member's row, locked for the rest of the transaction; MemberNotFound if none."""
    row = session.scalars(
        select(MemberRow).where(MemberRow.customer_id == customer_id).with_for_update()
    ).first()
    if row is None:
        raise MemberNotFound(
            f"{customer_id!r} is not a member of the loyalty programme; enrol them first "
            "(`journeys loyalty enrol`, POST /api/loyalty/members)"
        )
    return row


def ensure_member(ws: Workspace, customer_id: str, at: datetime | None = None) -> bool:
    """Enrol a customer unless they are a member; True when they joined now."""
    with Session(ws.operational.engine) as session:
        if session.get(MemberRow, customer_id) is not None:
            return False
    for _ in range(5):  # a code already in use (rare) draws another
        try:
            with Session(ws.operational.engine) as session, session.begin():
                if session.get(MemberRow, customer_id) is not None:
                    return False
                session.add(new_member(customer_id, at or ws.clock.now()))
            return True
        except IntegrityError:
            continue  # another writer enrolled them, or the code was taken: look again
    return False


def new_member(customer_id: str, at: datetime) -> MemberRow:
    """A member row with a fresh referral code."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return MemberRow(customer_id=customer_id, joined_at=at, referral_code=code, version=0)


def find_member(session: Session, customer_id: str) -> MemberRow:
    """The member's row for reading; MemberNotFound if the customer is not a member."""
    row = session.get(MemberRow, customer_id)
    if row is None:
        raise MemberNotFound(f"{customer_id!r} is not a member of the loyalty programme")
    return row
