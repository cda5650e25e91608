"""Identity stitching: which customer every event belongs to.

A consumer of the event log (durable cursor, rebuildable by replay) keeps:

- ``identity_links``: an anonymous id → the known user id it was first seen with (an
  ``identify``, or any event carrying both ids, or an ``alias`` whose previous id is anonymous).
  The link is retroactive: the device's earlier anonymous events belong to the customer in every
  query afterwards, because queries resolve customers through this table.
- ``identity_merges``: ``alias`` from one known user id to another merges the two customers.
  A merge can be undone (:func:`unmerge`); the decision is kept in ``identity_unmerges``, an
  input that survives rebuilds, and the consumer replays the log without that merge.
- ``identity_conflicts``: an anonymous id already linked to one customer and then seen with
  another known user id is never moved: the conflict is recorded and reported.
- ``identity_users``: every known user id and the customer it resolves to (itself unless merged).
- ``external_ids``: e-mail, phone, CRM id… from identify traits (setting ``identity_traits``).

An event's customer is: the resolved customer of its user id; else that of its anonymous id's
link; else the anonymous id itself (an anonymous visitor). See :data:`CUSTOMER_OF_EVENT`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pyarrow as pa
from pydantic import BaseModel

from journeys import config
from journeys.errors import MergeNotFound
from journeys.store.duck import registered

if TYPE_CHECKING:
    from journeys.store.eventlog import EventLog

RecordT = TypeVar("RecordT", bound=BaseModel)

DERIVED_DDL = """
CREATE TABLE IF NOT EXISTS identity_users (
    user_id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, first_seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_links (
    anonymous_id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_merges (
    merge_id VARCHAR PRIMARY KEY, from_user VARCHAR NOT NULL, into_user VARCHAR NOT NULL,
    seq BIGINT NOT NULL, timestamp TIMESTAMP NOT NULL, reverted BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_conflicts (
    anonymous_id VARCHAR NOT NULL, linked_user VARCHAR NOT NULL, claimed_by VARCHAR NOT NULL,
    seq BIGINT NOT NULL, timestamp TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS external_ids (
    id_type VARCHAR NOT NULL, value VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
    seq BIGINT NOT NULL
);
"""
INPUT_DDL = """
CREATE TABLE IF NOT EXISTS identity_unmerges (
    merge_id VARCHAR PRIMARY KEY, decided_at TIMESTAMP NOT NULL, reason VARCHAR
);
"""
DERIVED_TABLES = (
    "identity_users",
    "identity_links",
    "identity_merges",
    "identity_conflicts",
    "external_ids",
)

# The customer an event belongs to, given aliases u (identity_users on the event's user id),
# l (identity_links on its anonymous id) and lu (identity_users on the link's user id). The
# link only counts for events without a user id; that test lives here, not in the join's ON
# clause, where it would turn the hash join into a nested loop.
LINKED_CUSTOMER = "CASE WHEN e.user_id IS NULL THEN lu.customer_id END"
CUSTOMER_OF_EVENT = f"coalesce(u.customer_id, {LINKED_CUSTOMER}, e.user_id, e.anonymous_id)"
STITCH_JOINS = """
LEFT JOIN identity_users u ON u.user_id = e.user_id
LEFT JOIN identity_links l ON l.anonymous_id = e.anonymous_id
LEFT JOIN identity_users lu ON lu.user_id = l.user_id
"""
STITCHED_VIEW = f"""
CREATE OR REPLACE VIEW stitched_events AS
SELECT e.*, {CUSTOMER_OF_EVENT} AS customer_id,
       (u.customer_id IS NOT NULL OR {LINKED_CUSTOMER} IS NOT NULL) AS known
FROM events e
{STITCH_JOINS}
"""

# Work items per event, in the order they must be applied within one event.
_SIGHTING, _ALIAS, _PAIR, _TRAITS = 0, 1, 2, 3
_WORK_SQL = """
WITH r AS (SELECT * FROM events WHERE seq > $after AND seq <= $upto)
SELECT min(seq) AS seq, 0 AS kind, NULL AS anonymous_id, user_id, NULL AS previous_id,
       NULL AS traits, NULL AS message_id, arg_min(timestamp, seq) AS timestamp
  FROM r WHERE user_id IS NOT NULL GROUP BY user_id
UNION ALL
SELECT seq, 1, anonymous_id, user_id, previous_id, NULL, message_id, timestamp
  FROM r WHERE type = 'alias' AND user_id IS NOT NULL AND previous_id IS NOT NULL
UNION ALL
SELECT min(seq), 2, anonymous_id, user_id, NULL, NULL, NULL, arg_min(timestamp, seq)
  FROM r WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND type <> 'alias'
  GROUP BY anonymous_id, user_id
UNION ALL
SELECT seq, 3, NULL, user_id, NULL, traits, NULL, timestamp
  FROM r WHERE type = 'identify' AND user_id IS NOT NULL AND traits IS NOT NULL
ORDER BY seq, kind
"""


@dataclass
class _State:
    """The consumer's working set, cached in the writer thread between commits."""

    parent: dict[str, str] = field(default_factory=dict)  # user id → user it was merged into
    links: dict[str, str] = field(default_factory=dict)  # anonymous id → user id
    conflicts: set[tuple[str, str]] = field(default_factory=set)
    external: set[tuple[str, str, str]] = field(default_factory=set)
    reverted: set[str] = field(default_factory=set)

    def resolve(self, user_id: str) -> str:
        """Follow merges to the customer a user id belongs to."""
        while (nxt := self.parent.get(user_id, user_id)) != user_id:
            user_id = nxt
        return user_id


@dataclass
class _Changes:
    users: list[tuple[str, str, int]] = field(default_factory=list)
    links: list[tuple[str, str, int]] = field(default_factory=list)
    merges: list[tuple[str, str, str, int, datetime, bool]] = field(default_factory=list)
    conflicts: list[tuple[str, str, str, int, datetime]] = field(default_factory=list)
    external: list[tuple[str, str, str, int]] = field(default_factory=list)
    merged: bool = False

    def any(self) -> bool:
        """Whether the graph changed."""
        return bool(self.users or self.links or self.merges or self.conflicts or self.external)


_generation = 0  # bumped after every committed change of the identity graph in this process


def identity_generation() -> int:
    """A number that changes whenever this process has changed an identity graph; a cache
    of identity lookups made at one generation is valid while it stays the same."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


class IdentityConsumer:
    """Keeps the identity graph up to date with the event log."""

    name = "identity"
    version = 3

    def __init__(self, identity_traits: tuple[str, ...] | None = None) -> None:
        traits = identity_traits or tuple(config.get("identity_traits").split(","))
        self.identity_traits = tuple(t.strip() for t in traits if t.strip())
        self._state: _State | None = None
        self._changed = False

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the identity tables and the stitched_events view."""
        con.execute(DERIVED_DDL)
        con.execute(INPUT_DDL)
        con.execute(STITCHED_VIEW)

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the derived identity tables (unmerge decisions are inputs and stay)."""
        for table in DERIVED_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        self.forget()

    def forget(self) -> None:
        """Drop the graph cached between commits: the next apply reads the tables again
        (call it after changing the tables outside :meth:`apply`, as erasure does)."""
        self._state = None
        _bump()

    def committed(self) -> None:
        """Called once the transaction of :meth:`apply` is committed: lookups cached before
        a change of the graph are stale from now on."""
        if self._changed:
            self._changed = False
            _bump()

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        """Stitch the identities seen in events ``after < seq <= upto``."""
        state = self._state or _load(con)
        self._state = None  # if anything below fails, reload from the database next time
        changes = _Changes()
        rows = con.execute(_WORK_SQL, {"after": after, "upto": upto}).fetchall()
        for seq, kind, anon, user, previous, traits, message_id, ts in rows:
            if kind == _SIGHTING:
                _sighting(state, changes, user, seq)
            elif kind == _ALIAS:
                _alias(state, changes, user, previous, message_id, seq, ts)
            elif kind == _PAIR:
                _pair(state, changes, anon, user, seq, ts)
            else:
                self._traits(state, changes, user, traits, seq)
        _write(con, state, changes)
        self._changed = self._changed or changes.any()
        self._state = state

    def _traits(self, state: _State, changes: _Changes, user: str, traits: str, seq: int) -> None:
        values = json.loads(traits)
        for name in self.identity_traits:
            value = values.get(name)
            if value is None or value == "":
                continue
            text = str(value).strip()
            text = text.lower() if name == "email" else text
            key = (name, text, user)
            if key not in state.external:
                state.external.add(key)
                changes.external.append((name, text, user, seq))


def _sighting(state: _State, changes: _Changes, user: str, seq: int) -> None:
    if user not in state.parent:
        state.parent[user] = user
        changes.users.append((user, user, seq))


def _alias(
    state: _State,
    changes: _Changes,
    user: str,
    previous: str,
    merge_id: str,
    seq: int,
    ts: datetime,
) -> None:
    if previous not in state.parent:
        # The previous id is not a known customer: it is a device/anonymous id to link.
        _pair(state, changes, previous, user, seq, ts)
        return
    source, target = state.resolve(previous), state.resolve(user)
    if source == target:
        return
    reverted = merge_id in state.reverted
    changes.merges.append((merge_id, previous, user, seq, ts, reverted))
    if not reverted:
        state.parent[source] = target
        changes.merged = True


def _pair(state: _State, changes: _Changes, anon: str, user: str, seq: int, ts: datetime) -> None:
    linked = state.links.get(anon)
    if linked is None:
        state.links[anon] = user
        changes.links.append((anon, user, seq))
    elif state.resolve(linked) != state.resolve(user) and (anon, user) not in state.conflicts:
        state.conflicts.add((anon, user))
        changes.conflicts.append((anon, linked, user, seq, ts))


def _load(con: duckdb.DuckDBPyConnection) -> _State:
    state = _State()
    for user, _customer in con.execute(
        "SELECT user_id, customer_id FROM identity_users"
    ).fetchall():
        state.parent[user] = user
    for src, dst, reverted in con.execute(
        "SELECT from_user, into_user, reverted FROM identity_merges ORDER BY seq"
    ).fetchall():
        if not reverted:
            a, b = state.resolve(src), state.resolve(dst)
            if a != b:
                state.parent[a] = b
    state.links = dict(con.execute("SELECT anonymous_id, user_id FROM identity_links").fetchall())
    state.conflicts = {
        (a, c)
        for a, c in con.execute(
            "SELECT anonymous_id, claimed_by FROM identity_conflicts"
        ).fetchall()
    }
    state.external = set(con.execute("SELECT id_type, value, user_id FROM external_ids").fetchall())
    state.reverted = {
        r[0] for r in con.execute("SELECT merge_id FROM identity_unmerges").fetchall()
    }
    return state


def _write(con: duckdb.DuckDBPyConnection, state: _State, changes: _Changes) -> None:
    # Arrow tables, not executemany: the first replay of a big log writes tens of thousands.
    _insert(con, "identity_users", ("user_id", "customer_id", "first_seq"), changes.users)
    _insert(con, "identity_links", ("anonymous_id", "user_id", "seq"), changes.links)
    _insert(
        con,
        "identity_merges",
        ("merge_id", "from_user", "into_user", "seq", "timestamp", "reverted"),
        changes.merges,
    )
    _insert(
        con,
        "identity_conflicts",
        ("anonymous_id", "linked_user", "claimed_by", "seq", "timestamp"),
        changes.conflicts,
    )
    _insert(con, "external_ids", ("id_type", "value", "user_id", "seq"), changes.external)
    if changes.merged:
        _set_customers(con, [(u, c) for u in state.parent if (c := state.resolve(u)) != u])


def _set_customers(con: duckdb.DuckDBPyConnection, resolved: list[tuple[str, str]]) -> None:
    con.execute("UPDATE identity_users SET customer_id = user_id WHERE customer_id <> user_id")
    if resolved:
        table = pa.table({"u": [u for u, _ in resolved], "c": [c for _, c in resolved]})
        with registered(con, "_resolved", table):
            con.execute(
                "UPDATE identity_users SET customer_id = r.c FROM _resolved r "
                "WHERE identity_users.user_id = r.u"
            )


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    if not rows:
        return
    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    with registered(con, "_rows", data):
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _rows")


class Merge(BaseModel):
    """Two known customers joined by an alias call, and whether that was undone."""

    merge_id: str
    from_user: str
    into_user: str
    seq: int
    timestamp: datetime
    reverted: bool


class IdentityConflict(BaseModel):
    """An anonymous id seen with a second known customer; it stays with the first."""

    anonymous_id: str
    linked_user: str
    claimed_by: str
    seq: int
    timestamp: datetime


def merges(con: duckdb.DuckDBPyConnection, user_ids: list[str] | None = None) -> list[Merge]:
    """Every merge, or those touching the given user ids, oldest first."""
    return _records(con, Merge, "identity_merges", ("from_user", "into_user"), user_ids)


def conflicts(
    con: duckdb.DuckDBPyConnection, user_ids: list[str] | None = None
) -> list[IdentityConflict]:
    """Every identity conflict, or those touching the given user ids, oldest first."""
    who = ("linked_user", "claimed_by")
    return _records(con, IdentityConflict, "identity_conflicts", who, user_ids)


def _records(
    con: duckdb.DuckDBPyConnection,
    model: type[RecordT],
    table: str,
    who: tuple[str, str],
    user_ids: list[str] | None,
) -> list[RecordT]:
    names = tuple(model.model_fields)
    sql = f"SELECT {', '.join(names)} FROM {table}"
    args: list[Any] = []
    if user_ids is not None:
        sql += f" WHERE list_contains($1, {who[0]}) OR list_contains($1, {who[1]})"
        args = [user_ids]
    rows = con.execute(sql + " ORDER BY seq", args).fetchall()
    return [model(**dict(zip(names, r, strict=True))) for r in rows]


def unmerge(log: EventLog, merge_id: str, reason: str | None = None) -> Merge:
    """Undo a merge: record the decision and rebuild the identity graph without it."""
    found = [m for m in merges(log.reader()) if m.merge_id == merge_id]
    if not found:
        raise MergeNotFound(f"no merge with id {merge_id!r}; `journeys identity merges` lists them")
    at = log.clock.now()
    log.write(
        lambda con: con.execute(
            "INSERT INTO identity_unmerges VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [merge_id, at, reason],
        )
    )
    log.rebuild(IdentityConsumer.name)
    return next(m for m in merges(log.reader()) if m.merge_id == merge_id)
