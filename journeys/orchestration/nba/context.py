"""A customer's context, read fast: ids, traits and events, newest first.

Read in indexed lookups: the customer's ids on a reader connection of the event log (after
resolving the id given, which may be an e-mail address or phone number), then their rows of
the customer event index (``index.py``, SQLite), optionally only the events some matcher
asks for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from journeys.events.identity import identity_generation
from journeys.events.profiles import resolve_customer
from journeys.orchestration.nba.index import IndexReader

# The first two lookups of resolve_customer: a user id, then a linked anonymous id.
_KNOWN = (
    "SELECT customer_id FROM identity_users WHERE user_id = ?",
    "SELECT u.customer_id FROM identity_links l "
    "JOIN identity_users u ON u.user_id = l.user_id WHERE l.anonymous_id = ?",
)

Event = dict[str, Any]  # seq, timestamp, type, event, channel, properties, context, traits
IDENTITY_CACHE = 100_000  # ids remembered per workspace
_identities: dict[Path, dict[str, tuple[int, tuple[str, bool, list[str], list[str]]]]] = {}


@dataclass
class CustomerContext:
    """What is known about one customer at ``now``; ``events`` are newest first."""

    customer_id: str
    known: bool
    user_ids: list[str]
    anonymous_ids: list[str]
    events: list[Event]
    now: datetime
    traits: dict[str, Any] = field(default_factory=dict)


class OnDemand:
    """A reader connection of the event log opened only if asked for (a ranking whose
    customer's ids are cached needs none), and closed at the end of the ``with``."""

    def __init__(self, open_reader: Callable[[], duckdb.DuckDBPyConnection]) -> None:
        self._open = open_reader
        self._con: duckdb.DuckDBPyConnection | None = None

    def __call__(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = self._open()
        return self._con

    def __enter__(self) -> OnDemand:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._con is not None:
            self._con.close()


def read_context(
    connect: Callable[[], duckdb.DuckDBPyConnection],
    index: IndexReader,
    any_id: str,
    now: datetime,
    names: Collection[str] | None = None,
    limit: int | None = None,
) -> CustomerContext:
    """The context of the customer behind ``any_id``; ``names`` keeps only those events
    (and identify calls, for the traits), ``limit`` only the newest."""
    customer_id, known, users, anons = identity_of(connect, index, any_id)
    rows = [r for key in users + anons for r in index.rows(key, names)]
    rows.sort(key=lambda r: (r[1], r[0]), reverse=True)
    events = [_event(r) for r in rows[:limit]]
    return CustomerContext(
        customer_id=customer_id,
        known=known,
        user_ids=users,
        anonymous_ids=anons,
        events=events,
        now=now,
        traits=latest_traits(events),
    )


def identity_of(
    connect: Callable[[], duckdb.DuckDBPyConnection], index: IndexReader, any_id: str
) -> tuple[str, bool, list[str], list[str]]:
    """The customer behind ``any_id``, whether known, their user ids and anonymous ids.

    Kept per process until the identity graph changes (``identity_generation``): a lookup is
    a few queries on the event log, most of a ranking's time."""
    generation = identity_generation()
    cache = _identities.setdefault(index.path, {})
    hit = cache.get(any_id)
    if hit is not None and hit[0] == generation:
        customer_id, known, users, anons = hit[1]
        return customer_id, known, list(users), list(anons)  # the caller may change its lists
    con = connect()
    customer_id, known = resolve(con, index, any_id)
    users, anons = _ids(con, customer_id) if known else ([], [customer_id])
    found = (customer_id, known, users, anons)
    if identity_generation() == generation:  # the graph did not change while reading
        if len(cache) >= IDENTITY_CACHE:
            cache.clear()
        cache[any_id] = (generation, found)
    return found


def resolve(con: duckdb.DuckDBPyConnection, index: IndexReader, any_id: str) -> tuple[str, bool]:
    """The customer behind any id, as :func:`resolve_customer` finds it, but faster for ids
    that events were sent with: ``resolve_customer`` recognises an anonymous visitor by
    scanning the event log, the customer event index by one index lookup."""
    if not index.has(any_id):
        return resolve_customer(con, any_id)  # an e-mail address, phone, CRM id; or unknown
    for sql in _KNOWN:
        row = con.execute(sql, [any_id]).fetchone()
        if row:
            return str(row[0]), True
    return any_id, False  # keyed rows of an unlinked id are anonymous events


def latest_traits(events: Iterable[Event]) -> dict[str, Any]:
    """The traits of the identify calls among newest-first events: the latest value wins."""
    traits: dict[str, Any] = {}
    for e in events:
        if e["type"] == "identify" and e["traits"]:
            for name, value in e["traits"].items():
                traits.setdefault(name, value)  # newest first: the first value seen is latest
    return dict(sorted(traits.items()))


def _ids(con: duckdb.DuckDBPyConnection, customer_id: str) -> tuple[list[str], list[str]]:
    users = [
        r[0]
        for r in con.execute(
            "SELECT user_id FROM identity_users WHERE customer_id = ? ORDER BY first_seq",
            [customer_id],
        ).fetchall()
    ] or [customer_id]
    anons = [
        r[0]
        for user in users
        for r in con.execute(
            "SELECT anonymous_id FROM identity_links WHERE user_id = ? ORDER BY seq", [user]
        ).fetchall()
    ]
    return users, anons


def _event(row: tuple[Any, ...]) -> Event:
    seq, ts, type_, name, channel, props, ctx, traits = row
    return {
        "seq": seq,
        "timestamp": ts,
        "type": type_,
        "event": name,
        "channel": channel,
        "properties": json.loads(props) if props else {},
        "context": json.loads(ctx) if ctx else {},
        "traits": json.loads(traits) if traits else None,
    }
