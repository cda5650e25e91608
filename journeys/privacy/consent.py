"""Consent per purpose (GDPR art. 6 and 7): what a customer granted or refused, with its history.

The purposes are a setting (``consent_purposes``). Those in ``consent_opt_in`` need an explicit
grant; the others are allowed until the customer refuses them. An explicit refusal always
blocks. A customer states their consent in three ways, each kept in the history with its
source:

* an identify call with a trait ``consent: {"marketing": true, "surveys": false}``, or a
  consent event (``cookie_consent_given``, ``consent_updated``) with a boolean property per
  purpose (source ``identify`` or ``event``, at the event's time);
* ``PUT /api/customers/{id}/consent`` (source ``api``) and ``journeys gdpr consent ID
  --grant P --refuse P`` (source ``cli``), at the clock's time.

The statements in events are read by :func:`sync_consent`, a consumer of the event log with a
durable cursor in the operational store: the new statements and the cursor are written in one
transaction, so none is recorded twice or skipped. Every reader (the API, the automation
engine, the survey dispatcher) runs it first, so a statement counts from the next decision on,
without a restart. A statement from an event that only repeats the customer's current state
is not recorded again.

Rows are keyed by the stitched customer at the time of the statement; reads gather the rows
of every id the customer is known by (user ids, anonymous ids), so a statement made before a
visitor identified, or before two customers were merged, still counts. An export includes
the history and an erasure removes it: the table has a ``customer_id`` column, which is how
``operational.py`` finds a customer's rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import closing, suppress
from datetime import datetime
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from journeys import config
from journeys.analytics.common import EVENTS
from journeys.errors import InvalidInput
from journeys.privacy.customers import customer_ids
from journeys.store.operational import Base
from journeys.workspace import Workspace

Source = Literal["identify", "event", "api", "cli"]
# Events whose boolean properties state consent per purpose (as the next best action reads).
CONSENT_EVENTS = ("cookie_consent_given", "consent_updated")
CURSOR = "consent"
BATCH = 100_000  # events read per step, so a large backlog is worked through in pieces
_CHUNK = 500  # values per IN list (SQLite caps the parameters of one statement)


class ConsentRow(Base):
    __tablename__ = "consent_history"
    __table_args__ = (UniqueConstraint("seq", "purpose", name="uq_consent_history_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int | None] = mapped_column(BigInteger)  # the event that stated it, if any


class ConsentCursorRow(Base):
    __tablename__ = "consent_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)


# -- the settings ------------------------------------------------------------------------------


def purposes() -> tuple[str, ...]:
    """The purposes consent is asked for (setting ``consent_purposes``)."""
    return tuple(p.strip() for p in config.get("consent_purposes").split(",") if p.strip())


def opt_in() -> frozenset[str]:
    """The purposes that need an explicit grant (setting ``consent_opt_in``)."""
    return frozenset(p.strip() for p in config.get("consent_opt_in").split(",") if p.strip())


def unknown_purposes(names: Iterable[str]) -> list[str]:
    """The names that are not a purpose, in their order."""
    known = set(purposes())
    return [n for n in names if n not in known]


def check_statement(statement: Mapping[str, bool]) -> None:
    """Refuse a statement that is empty or names a purpose that does not exist."""
    unknown = unknown_purposes(statement)
    if unknown:
        raise InvalidInput(
            f"unknown consent purpose {', '.join(map(repr, unknown))}; "
            f"the purposes are: {', '.join(purposes())}",
            details={"unknown": unknown, "purposes": list(purposes())},
        )
    if not statement:
        raise InvalidInput('say which purposes are granted or refused, e.g. {"marketing": true}')


# -- the models --------------------------------------------------------------------------------


class ConsentRecord(BaseModel):
    """One statement about one purpose."""

    purpose: str
    granted: bool
    at: datetime
    source: str = Field(description="identify, event, api or cli")


class PurposeState(BaseModel):
    """Where one purpose stands for a customer."""

    purpose: str
    allowed: bool = Field(description="whether the purpose may be pursued now")
    granted: bool | None = Field(description="the latest statement; null: none was made")
    opt_in: bool = Field(description="needs an explicit grant (else allowed until refused)")
    at: datetime | None = None
    source: str | None = None


class CustomerConsent(BaseModel):
    """A customer's consent: the state per purpose and the history, oldest first."""

    customer_id: str
    purposes: list[PurposeState]
    history: list[ConsentRecord]


def allowed(records: list[ConsentRecord], purpose: str) -> bool:
    """Whether ``purpose`` may be pursued given a customer's records (any order)."""
    latest = _latest(records, purpose)
    if latest is not None:
        return latest.granted
    return purpose not in opt_in()


def _latest(records: list[ConsentRecord], purpose: str) -> ConsentRecord | None:
    """The latest statement about ``purpose``: by time, then by the order it was recorded."""
    found = None
    for r in records:  # in the order recorded
        if r.purpose == purpose and (found is None or r.at >= found.at):
            found = r
    return found


def consent_of(customer_id: str, records: list[ConsentRecord]) -> CustomerConsent:
    """The state of every purpose, from the records."""
    states = []
    needs_grant = opt_in()
    for purpose in purposes():
        latest = _latest(records, purpose)
        states.append(
            PurposeState(
                purpose=purpose,
                allowed=allowed(records, purpose),
                granted=latest.granted if latest else None,
                opt_in=purpose in needs_grant,
                at=latest.at if latest else None,
                source=latest.source if latest else None,
            )
        )
    history = sorted(records, key=lambda r: r.at)
    return CustomerConsent(customer_id=customer_id, purposes=states, history=history)


# -- one customer (the API and the CLI) ----------------------------------------------------------


def customer_consent(ws: Workspace, any_id: str) -> CustomerConsent:
    """The consent of the customer named by any of their ids (an id never seen has none)."""
    sync_consent(ws)
    customer, aliases = _aliases_of(ws, any_id)
    with Session(ws.operational.engine) as session:
        records = _records(session, aliases)
    return consent_of(customer, [r for rs in records.values() for r in rs])


def record_consent(
    ws: Workspace, any_id: str, statement: Mapping[str, bool], source: Source
) -> CustomerConsent:
    """Record a statement (purpose → granted) for the customer named by any of their ids."""
    check_statement(statement)
    sync_consent(ws)  # statements from events first, so this one is the latest
    customer, _ = _aliases_of(ws, any_id)
    now = ws.clock.now()
    with Session(ws.operational.engine) as session, session.begin():
        for purpose, granted in statement.items():
            session.add(
                ConsentRow(
                    customer_id=customer, purpose=purpose, granted=granted, at=now, source=source
                )
            )
    return customer_consent(ws, any_id)


def _aliases_of(ws: Workspace, any_id: str) -> tuple[str, list[str]]:
    """The stitched customer behind ``any_id`` and every id their rows may be under."""
    with closing(ws.events.fresh_reader()) as con:
        ids = customer_ids(con, any_id)
    if ids is None:
        return any_id, [any_id]
    return ids.customer_id, list(dict.fromkeys([ids.customer_id, *ids.user_ids,
                                                *ids.anonymous_ids]))  # fmt: skip


# -- many customers (the engine, the survey dispatcher) -----------------------------------------


class ConsentBook:
    """The consent of many customers, read in a few queries per batch and kept for the caller's
    run; :meth:`prefetch` reads a set of stitched customers at once."""

    def __init__(self, session: Session, con: duckdb.DuckDBPyConnection) -> None:
        self.session = session
        self.con = con
        self._records: dict[str, list[ConsentRecord]] = {}

    def prefetch(self, customers: Iterable[str]) -> None:
        """Read the records of these stitched customers (under any of their ids)."""
        missing = sorted({c for c in customers if c not in self._records})
        if not missing:
            return
        owner = {c: c for c in missing}
        for i in range(0, len(missing), 5000):
            owner.update(_aliases(self.con, missing[i : i + 5000]))
        for c in missing:
            self._records[c] = []
        for alias, records in _records(self.session, list(owner)).items():
            self._records[owner[alias]].extend(records)

    def records(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, in the order recorded."""
        self.prefetch([customer_id])
        return self._records[customer_id]

    def allows(self, customer_id: str, purpose: str) -> bool:
        """Whether ``purpose`` may be pursued for the customer now."""
        return allowed(self.records(customer_id), purpose)


def _aliases(con: duckdb.DuckDBPyConnection, customers: list[str]) -> dict[str, str]:
    """Every user and anonymous id of these stitched customers → the customer."""
    rows = con.execute(
        "SELECT user_id, customer_id FROM identity_users "
        "WHERE customer_id IN (SELECT unnest($c)) "
        "UNION ALL SELECT l.anonymous_id, u.customer_id FROM identity_links l "
        "JOIN identity_users u ON u.user_id = l.user_id "
        "WHERE u.customer_id IN (SELECT unnest($c))",
        {"c": customers},
    ).fetchall()
    return {str(alias): str(customer) for alias, customer in rows}


def _records(session: Session, ids: list[str]) -> dict[str, list[ConsentRecord]]:
    """The records stored under each of ``ids``, in the order recorded."""
    found: dict[str, list[ConsentRecord]] = {}
    for i in range(0, len(ids), _CHUNK):
        rows = session.scalars(
            select(ConsentRow)
            .where(ConsentRow.customer_id.in_(ids[i : i + _CHUNK]))
            .order_by(ConsentRow.id)
        )
        for r in rows:
            found.setdefault(r.customer_id, []).append(
                ConsentRecord(purpose=r.purpose, granted=r.granted, at=r.at, source=r.source)
            )
    return found


# -- the consumer of the event log ---------------------------------------------------------------


def sync_consent(ws: Workspace, upto: int | None = None) -> int:
    """Record the statements of the events after the cursor (up to ``upto``, default: every
    event committed); returns how many records it added."""
    log = ws.events
    if upto is None:
        log.sync()  # the stitched customer of an event needs identity caught up
        upto = log.last_seq
    engine = ws.operational.engine
    with Session(engine) as session:
        cursor = session.get(ConsentCursorRow, CURSOR)
        position = cursor.position if cursor else 0
    added = 0
    while position < upto:
        step_to = min(upto, position + BATCH)
        with closing(log.reader()) as con:
            statements = _statements(con, position, step_to)
        # IntegrityError: another process recorded these statements and moved the cursor first.
        with suppress(IntegrityError):
            added += _store(ws, statements, step_to)
        position = step_to
    return added


Statement = tuple[int, str, datetime, str, dict[str, bool]]  # seq, customer, at, source, stated


def _statements(con: duckdb.DuckDBPyConnection, after: int, upto: int) -> list[Statement]:
    names = ", ".join(f"'{n}'" for n in CONSENT_EVENTS)
    rows = con.execute(
        f"SELECT seq, customer_id, timestamp, type, traits, properties FROM {EVENTS} "
        "WHERE seq > ? AND seq <= ? AND customer_id IS NOT NULL "
        f"AND ((type = 'identify' AND traits LIKE '%\"consent\"%') OR event IN ({names})) "
        "ORDER BY seq",
        [after, upto],
    ).fetchall()
    known = set(purposes())
    found: list[Statement] = []
    for seq, customer, at, kind, traits, properties in rows:
        stated = _stated(kind, traits, properties)
        stated = {p: v for p, v in stated.items() if p in known}
        if stated:
            source = "identify" if kind == "identify" else "event"
            found.append((int(seq), str(customer), at, source, stated))
    return found


def _stated(kind: str, traits: str | None, properties: str | None) -> dict[str, bool]:
    """The purposes a statement speaks about: an identify's ``consent`` trait, or a consent
    event's boolean properties."""
    found: Any
    if kind == "identify":
        found = json.loads(traits or "{}").get("consent")
    else:
        found = json.loads(properties or "{}")
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, bool)}


def _store(ws: Workspace, statements: list[Statement], position: int) -> int:
    """Write the statements that change a customer's state, and the cursor, in one transaction."""
    added = 0
    with Session(ws.operational.engine) as session, session.begin():
        cursor = session.get(ConsentCursorRow, CURSOR)
        if cursor is not None and cursor.position >= position:
            return 0  # another run got here first
        if statements:
            with closing(ws.events.reader()) as con:
                book = ConsentBook(session, con)
                book.prefetch({s[1] for s in statements})
                for seq, customer, at, source, stated in statements:
                    records = book.records(customer)
                    for purpose, granted in stated.items():
                        latest = _latest(records, purpose)
                        if latest is not None and latest.granted == granted:
                            continue  # a repeat of the current state
                        row = ConsentRow(customer_id=customer, purpose=purpose, granted=granted,
                                         at=at, source=source, seq=seq)  # fmt: skip
                        session.add(row)
                        records.append(
                            ConsentRecord(purpose=purpose, granted=granted, at=at, source=source)
                        )
                        added += 1
        if cursor is None:
            session.add(ConsentCursorRow(name=CURSOR, position=position))
        else:
            cursor.position = position
    return added
