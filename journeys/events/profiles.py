"""Customer profiles: traits with their history, and the cross-channel timeline.

The profile consumer extracts every trait of every ``identify`` call into ``trait_history``
(rebuildable by replay). A profile is assembled on read over the stitched identity graph, so
merges, unmerges and late identifies are reflected at once: for each trait the value with the
latest timestamp wins (ties: the later event), and the history is kept.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
from pydantic import BaseModel

from journeys.errors import CustomerNotFound
from journeys.events.identity import (
    CUSTOMER_OF_EVENT,
    STITCH_JOINS,
    IdentityConflict,
    Merge,
    conflicts,
    merges,
)

TRAIT_DDL = """
CREATE TABLE IF NOT EXISTS trait_history (
    user_id VARCHAR NOT NULL, trait VARCHAR NOT NULL, value JSON,
    timestamp TIMESTAMP NOT NULL, seq BIGINT NOT NULL
);
"""


class ProfileConsumer:
    """Keeps the history of identify traits."""

    name = "profiles"
    version = 1

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the trait history table."""
        con.execute(TRAIT_DDL)

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the trait history."""
        con.execute("DROP TABLE IF EXISTS trait_history")

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        """Record the traits of identify calls ``after < seq <= upto``."""
        con.execute(
            """
            INSERT INTO trait_history
            SELECT user_id, k, traits -> ('$."' || replace(k, '"', '\\"') || '"'), timestamp, seq
            FROM (
                SELECT user_id, traits, timestamp, seq, unnest(json_keys(traits)) AS k
                FROM events
                WHERE seq > ? AND seq <= ? AND type = 'identify'
                  AND user_id IS NOT NULL AND traits IS NOT NULL
            )
            """,
            [after, upto],
        )


class TraitChange(BaseModel):
    trait: str
    value: Any
    timestamp: datetime
    user_id: str


class TimelineEvent(BaseModel):
    seq: int
    timestamp: datetime
    type: str
    event: str
    channel: str | None
    source: str
    anonymous_id: str | None
    user_id: str | None
    properties: dict[str, Any]


class ChannelUse(BaseModel):
    channel: str
    events: int
    last_seen: datetime


class CustomerProfile(BaseModel):
    """Everything the foundation knows about one customer."""

    customer_id: str
    known: bool
    user_ids: list[str]
    anonymous_ids: list[str]
    external_ids: dict[str, list[str]]
    traits: dict[str, Any]
    trait_history: list[TraitChange]
    first_seen: datetime | None
    last_seen: datetime | None
    event_count: int
    channels: list[ChannelUse]
    timeline: list[TimelineEvent]
    merges: list[Merge]
    conflicts: list[IdentityConflict]


def resolve_customer(con: duckdb.DuckDBPyConnection, any_id: str) -> tuple[str, bool]:
    """The customer behind any of its ids (user, anonymous, e-mail, phone, CRM id)."""
    lookups = (
        "SELECT customer_id FROM identity_users WHERE user_id = $1",
        "SELECT u.customer_id FROM identity_links l "
        "JOIN identity_users u ON u.user_id = l.user_id WHERE l.anonymous_id = $1",
        "SELECT u.customer_id FROM external_ids x JOIN identity_users u ON u.user_id = x.user_id "
        "WHERE x.value = $1 OR (x.id_type = 'email' AND x.value = lower($1)) "
        "ORDER BY x.seq DESC LIMIT 1",
    )
    for sql in lookups:
        row = con.execute(sql, [any_id]).fetchone()
        if row:
            return str(row[0]), True
    row = con.execute(
        "SELECT 1 FROM events WHERE anonymous_id = ? AND user_id IS NULL LIMIT 1", [any_id]
    ).fetchone()
    if row:
        return any_id, False
    raise CustomerNotFound(f"no customer has the id {any_id!r}")


def customer_profile(
    con: duckdb.DuckDBPyConnection, any_id: str, limit: int = 100, offset: int = 0
) -> CustomerProfile:
    """The profile and newest-first timeline (``limit``/``offset``) of one customer."""
    customer_id, known = resolve_customer(con, any_id)
    users = _column(con, "SELECT user_id FROM identity_users WHERE customer_id = ?", customer_id)
    if known:
        anons = _column(
            con,
            "SELECT anonymous_id FROM identity_links WHERE list_contains(?, user_id) ORDER BY seq",
            users,
        )
    else:
        anons = [customer_id]
    events = _customer_events_sql(known)
    args: dict[str, Any] = {"customer": customer_id}
    if known:  # DuckDB refuses parameters a query does not use
        args |= {"users": users, "anons": anons}
    summary = con.execute(
        f"SELECT min(timestamp), max(timestamp), count(*) FROM ({events})", args
    ).fetchone()
    first, last, count = summary if summary else (None, None, 0)
    channels = [
        ChannelUse(channel=c, events=n, last_seen=t)
        for c, n, t in con.execute(
            f"SELECT channel, count(*), max(timestamp) FROM ({events}) "
            "WHERE channel IS NOT NULL GROUP BY channel ORDER BY 2 DESC, 1",
            args,
        ).fetchall()
    ]
    timeline = [
        TimelineEvent(
            seq=r[0],
            timestamp=r[1],
            type=r[2],
            event=r[3],
            channel=r[4],
            source=r[5],
            anonymous_id=r[6],
            user_id=r[7],
            properties=json.loads(r[8] or "{}"),
        )
        for r in con.execute(
            f"SELECT seq, timestamp, type, event, channel, source, anonymous_id, user_id, "
            f"properties FROM ({events}) ORDER BY timestamp DESC, seq DESC "
            f"LIMIT {int(limit)} OFFSET {int(offset)}",
            args,
        ).fetchall()
    ]
    history = _trait_history(con, users)
    return CustomerProfile(
        customer_id=customer_id,
        known=known,
        user_ids=users,
        anonymous_ids=anons,
        external_ids=_external_ids(con, users),
        traits=_latest(history),
        trait_history=history,
        first_seen=first,
        last_seen=last,
        event_count=count,
        channels=channels,
        timeline=timeline,
        merges=merges(con, users) if known else [],
        conflicts=conflicts(con, users) if known else [],
    )


def _customer_events_sql(known: bool) -> str:
    if not known:
        return "SELECT * FROM events WHERE anonymous_id = $customer AND user_id IS NULL"
    # Pre-filter by the customer's ids, then keep the events that resolve to the customer:
    # an event whose anonymous id is theirs but whose user id is someone else's is not theirs.
    return f"""
        SELECT e.* FROM events e
        {STITCH_JOINS}
        WHERE (list_contains($users, e.user_id) OR list_contains($anons, e.anonymous_id))
          AND {CUSTOMER_OF_EVENT} = $customer
    """


def _trait_history(con: duckdb.DuckDBPyConnection, users: list[str]) -> list[TraitChange]:
    rows = con.execute(
        "SELECT trait, value, timestamp, user_id FROM trait_history "
        "WHERE list_contains(?, user_id) ORDER BY timestamp, seq",
        [users],
    ).fetchall()
    return [
        TraitChange(
            trait=t, value=json.loads(v) if v is not None else None, timestamp=ts, user_id=u
        )
        for t, v, ts, u in rows
    ]


def _latest(history: list[TraitChange]) -> dict[str, Any]:
    traits: dict[str, Any] = {}
    for change in history:  # ordered by time, so the last value written wins
        traits[change.trait] = change.value
    return dict(sorted(traits.items()))


def _external_ids(con: duckdb.DuckDBPyConnection, users: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for id_type, value in con.execute(
        "SELECT DISTINCT id_type, value FROM external_ids WHERE list_contains(?, user_id) "
        "ORDER BY 1, 2",
        [users],
    ).fetchall():
        found.setdefault(id_type, []).append(value)
    return found


def _column(con: duckdb.DuckDBPyConnection, sql: str, arg: Any) -> list[str]:
    return [r[0] for r in con.execute(sql, [arg]).fetchall()]


class CustomerSummary(BaseModel):
    """One line of the customer list."""

    customer_id: str
    known: bool
    events: int
    channels: list[str]
    first_seen: datetime
    last_seen: datetime


def recent_customers(
    con: duckdb.DuckDBPyConnection, limit: int = 50, offset: int = 0
) -> list[CustomerSummary]:
    """Customers by most recent activity, with their event counts and channels."""
    rows = con.execute(
        """
        SELECT customer_id, bool_or(known), count(*),
               list_sort(list_distinct(list(channel))), min(timestamp), max(timestamp)
        FROM stitched_events
        GROUP BY customer_id
        ORDER BY max(timestamp) DESC, customer_id
        LIMIT ? OFFSET ?
        """,
        [limit, offset],
    ).fetchall()
    names = ("customer_id", "known", "events", "channels", "first_seen", "last_seen")
    return [CustomerSummary(**dict(zip(names, r, strict=True))) for r in rows]
