"""Customer sequences: the event log kept in memory, encoded, each customer's events together.

The compiled funnel and directly-follows passes spend most of their time before the pass:
DuckDB reading millions of rows into Arrow, numbering the event names, giving the customers
dense ids and grouping their rows. None of that depends on the question, only on the log.
So the process keeps it, per event-log file, until the log changes:

- **rows**, in arrival order: the identity (a dense id of the user id, or of the anonymous
  id for events without one), the time (µs), ``seq`` and a code of the event's name, type
  and channel (what a touchpoint matcher without property filters looks at);
- **by customer**: the same rows grouped by stitched customer, each customer's in
  (time, seq) order, with each customer's ``hash(customer_id)``; the passes read these.

Every query first reads the log's state in one transaction (events: count, highest and sum
of ``seq``; the identity graph: count and sum of hashes of its pairs; about 35 ms at ten
million events). When it is the state the sequences were made at, they are used as they are.
When only events were appended (``seq`` above the highest seen, and the count and sum agree),
those rows are read, encoded and added, and the rows are grouped by customer again. Every
grouping stitches the identities anew, so a change of the identity graph (a link or merge
moves an identity's rows to another customer) costs only a grouping. Anything else (an
erasure, an expiry, a rebuild) reads the log anew. The answer is always the one for the log
as the query's transaction sees it.

Customers and identities are told apart by 64-bit hashes, as in :mod:`kernels` (odds of a
clash about ``n² / 2⁶⁵``).

The compiled parts are in :mod:`kernels`, imported (with numba) only when sequences are
made: this module itself is light, so erasure and retention can drop the kept sequences.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from journeys import config
from journeys.analytics.common import KERNEL_FROM, event_count, run_query

if TYPE_CHECKING:
    from journeys.workspace import Workspace

STATE_SQL = """
WITH e AS (SELECT count(*) AS n, coalesce(max(seq), 0) AS last, coalesce(sum(seq), 0) AS total
           FROM events),
     u AS (SELECT count(*) AS n, coalesce(sum(hash(user_id, customer_id)), 0) AS total
           FROM identity_users),
     l AS (SELECT count(*) AS n, coalesce(sum(hash(anonymous_id, user_id)), 0) AS total
           FROM identity_links)
SELECT (SELECT CAST(min(id) AS VARCHAR) FROM log_instance) AS log, e.n AS events,
       e.last AS last_seq, e.total AS seq_sum, u.n AS users, u.total AS users_sum,
       l.n AS links, l.total AS links_sum
FROM e, u, l
"""
# The rows carry a hash of (name, type, channel), and the few distinct combinations come
# from a second query in the same transaction: cheaper than three string columns per row.
ROWS_SQL = """
SELECT hash(coalesce(user_id, anonymous_id)) AS k, user_id IS NOT NULL AS u,
       timestamp AS t, seq, hash(event, type, channel) AS h
FROM events
WHERE coalesce(user_id, anonymous_id) IS NOT NULL AND seq > ?
"""
COMBOS_SQL = """
SELECT hash(event, type, channel) AS h, event, type, channel FROM (
  SELECT DISTINCT event, type, channel FROM events
  WHERE coalesce(user_id, anonymous_id) IS NOT NULL AND seq > ?)
"""
STRINGS_SQL = """
SELECT seq, event, type, channel FROM events
WHERE coalesce(user_id, anonymous_id) IS NOT NULL AND seq > ?
"""


@dataclass(frozen=True)
class LogState:
    """What the sequences were made from: the log, its events and the identity graph."""

    log: str
    events: int
    last_seq: int
    seq_sum: int
    identities: tuple[int, ...]  # count and hash sum of identity_users, identity_links


Combo = tuple[str, str, str | None]  # an event's name, type and channel


@dataclass(frozen=True)
class Rows:
    """The log's rows in arrival order, encoded."""

    identity: NDArray[np.int32]  # dense id of (hash of the user or anonymous id, is a user)
    t: NDArray[np.int64]  # µs since the epoch (UTC)
    seq: NDArray[np.int64]
    combo: NDArray[np.int32]  # the row's (name, type, channel), an index into ``combos``
    keys: NDArray[np.uint64]  # per identity: the hash of its user or anonymous id
    users: NDArray[np.bool_]  # per identity: whether it is a user id
    combos: list[Combo]  # the distinct (name, type, channel) of the events, by code


@dataclass(frozen=True)
class Sequences:
    """Each customer's events together in (time, seq) order: customer ``c``'s rows are
    ``starts[c]:starts[c + 1]`` of ``t`` and ``combo`` (an index into ``combos``:
    the event's name, type and channel, what touchpoint matchers without property filters
    look at)."""

    state: LogState
    starts: NDArray[np.int64]
    customers: NDArray[np.uint64]  # hash(customer_id) by customer
    t: NDArray[np.int64]
    combo: NDArray[np.int32]
    combos: list[Combo]
    rows: Rows = field(repr=False)

    def per_combo(self, value: Callable[[dict[str, Any]], int | None]) -> NDArray[np.int64]:
        """``value(row)`` of every combination (None: -1), by its code: a table a compiled
        pass looks each row's up in. ``row`` is the event row a touchpoint matcher reads
        (``event``, ``type``, ``channel``; no properties): ``Matcher.matches(row)`` answers."""
        rows = ({"event": e, "type": k, "channel": c} for e, k, c in self.combos)
        return np.array([-1 if (v := value(row)) is None else v for row in rows], np.int64)

    def event_names(self) -> tuple[NDArray[np.int64], list[str]]:
        """Each combination's event-name code, and the names by code."""
        names: dict[str, int] = {}
        codes = self.per_combo(lambda row: names.setdefault(row["event"], len(names)))
        return codes, list(names)


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sequences: Sequences | None = None


_slots: dict[str, _Slot] = {}
_slots_lock = threading.Lock()
# How the sequences of a file were last brought up to date: "read", "appended", "regrouped",
# "kept", or "too many events" (none kept: sequences_max_events); tests and benchmarks read it.
last_refresh: dict[str, str] = {}


def database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file of the connection's database (None: in memory)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def has_event_log(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database is an event log (events and the identity tables)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN "
        "('event_rows', 'log_instance', 'identity_users', 'identity_links')"
    ).fetchone()
    return bool(row and row[0] == 4)


def current(con: duckdb.DuckDBPyConnection) -> Sequences | None:
    """The sequences of the connection's event log as its next transaction sees it, brought
    up to date (see the module docstring); None when the database is in memory, is not an
    event log, or holds a timestamp DuckDB cannot give in microseconds."""
    return _current(con)[0]


def _current(con: duckdb.DuckDBPyConnection) -> tuple[Sequences | None, str | None]:
    """:func:`current` and how they were brought up to date (None: not an event log)."""
    path = database_path(con)
    if path is None or not has_event_log(con):
        return None, None
    with _slots_lock:
        slot = _slots.setdefault(path, _Slot())
    with slot.lock:
        con.execute("BEGIN TRANSACTION")  # the state and the rows read from one snapshot
        try:
            fresh, how = _refresh(con, slot.sequences)
        finally:
            con.execute("ROLLBACK")
        slot.sequences = fresh
        last_refresh[path] = how
        return fresh, how


def keep(workspace: Workspace, least: int = KERNEL_FROM) -> str | None:
    """Bring the workspace's sequences up to date ahead of the next analysis (the server runs
    this every ``sequences_refresh_seconds``); how (see :data:`last_refresh`), or None when
    the analyses would not read them: another engine, or fewer than ``least`` events."""
    if workspace.setting("analytics_engine").strip().lower() != "duckdb":
        return None
    with closing(workspace.events.fresh_reader()) as con:
        if event_count(con) < least:
            return None
        kept, how = _current(con)
        return how if kept is not None else None


def description(path: str) -> str | None:
    """What is kept for an event-log file, in words (the Analyse page shows it); None:
    nothing."""
    slot = _slots.get(path)
    kept = slot.sequences if slot is not None else None
    if kept is None:
        return None
    customers, events = kept.customers.size, kept.t.size
    return f"customer sequences of {customers:,} customers and {events:,} events kept in memory"


def forget(path: str | None = None) -> None:
    """Drop the sequences kept for one event-log file (all with None): the memory is given
    back and the next question reads the log. Erasure and retention call it, so nothing of
    the events they remove stays in memory."""
    with _slots_lock:
        for key in [path] if path else list(_slots):
            _slots.pop(key, None)
            last_refresh.pop(key, None)


def _refresh(
    con: duckdb.DuckDBPyConnection, kept: Sequences | None
) -> tuple[Sequences | None, str]:
    row = run_query(con, STATE_SQL, [], what="the log's state").to_pylist()[0]
    log, *rest = row.values()
    n = [int(v) for v in rest]
    state = LogState(str(log), n[0], n[1], n[2], tuple(n[3:]))
    if state.events > config.get_int("sequences_max_events"):
        return None, "too many events"  # the passes read DuckDB instead
    if kept is not None and kept.state == state:
        return kept, "kept"
    # Every grouping stitches anew, so a change of the identity graph needs only that.
    if kept is not None and _same_events(kept.state, state):
        return _grouped(con, state, kept.rows), "regrouped"
    if kept is not None:
        rows = _appended(con, kept, state)
        if rows is not None:
            return _grouped(con, state, rows), "appended"
    rows = _read(con, 0, None)
    return (None, "read") if rows is None else (_grouped(con, state, rows), "read")


def _same_events(a: LogState, b: LogState) -> bool:
    return (a.log, a.events, a.last_seq, a.seq_sum) == (b.log, b.events, b.last_seq, b.seq_sum)


def _fetch(con: duckdb.DuckDBPyConnection, after: int) -> pa.Table | None:
    table = run_query(con, ROWS_SQL, [after], what="the customer sequences")
    time_type = table.schema.field("t").type
    if not (pa.types.is_timestamp(time_type) and time_type.unit == "us"):
        return None
    return table


def _read(con: duckdb.DuckDBPyConnection, after: int, kept: Rows | None) -> Rows | None:
    """The rows after ``after`` encoded, added to ``kept`` (its identities and combinations
    keep their codes; new ones are numbered after them)."""
    from journeys.analytics import kernels  # numba

    table = _fetch(con, after)
    if table is None:
        return None
    keys = _ints(table, "k", np.uint64)
    users = _ints(table, "u", np.bool_)
    tagged = _tagged(keys, users)
    local, found = _combos(con, table, after)
    t = np.ascontiguousarray(table.column("t").cast(pa.int64()).to_numpy(), np.int64)
    seq = _ints(table, "seq", np.int64)
    if kept is None:
        identity, distinct = kernels.dense_ids(tagged)
        first = kernels.first_rows(identity, distinct.size)
        return Rows(identity, t, seq, local, keys[first], users[first], found)
    old_tagged = _tagged(kept.keys, kept.users)
    ids, distinct = kernels.dense_ids(np.concatenate([old_tagged, tagged]))
    identity = ids[old_tagged.size :]
    first = kernels.first_rows(identity, distinct.size)[kept.keys.size :]
    index = {c: i for i, c in enumerate(kept.combos)}
    combos = list(kept.combos)
    for combo in found:
        if combo not in index:
            index[combo] = len(combos)
            combos.append(combo)
    recode = np.array([index[c] for c in found], np.int32)
    return Rows(
        np.concatenate([kept.identity, identity]),
        np.concatenate([kept.t, t]),
        np.concatenate([kept.seq, seq]),
        np.concatenate([kept.combo, recode[local]]),
        np.concatenate([kept.keys, keys[first]]),
        np.concatenate([kept.users, users[first]]),
        combos,
    )


def _combos(
    con: duckdb.DuckDBPyConnection, table: pa.Table, after: int
) -> tuple[NDArray[np.int32], list[Combo]]:
    """Each row's code of its (name, type, channel), and the combinations by code: numbered
    by their hash, named by the distinct combinations; when two combinations share a hash
    (odds about k²/2⁶⁵ for k of them), from the three columns of every row instead."""
    from journeys.analytics import kernels  # numba

    local, hashes = kernels.dense_ids(_ints(table, "h", np.uint64))
    named = run_query(con, COMBOS_SQL, [after], what="the customer sequences").to_pylist()
    by_hash = {r["h"]: (str(r["event"]), str(r["type"]), r["channel"]) for r in named}
    if len(by_hash) == len(named):
        return local, [by_hash[h] for h in hashes.tolist()]
    return combos_from_strings(con, after, _ints(table, "seq", np.int64))


def combos_from_strings(
    con: duckdb.DuckDBPyConnection, after: int, seq: NDArray[np.int64]
) -> tuple[NDArray[np.int32], list[Combo]]:
    """:func:`_combos` from the name, type and channel of every row (no hashes), for the
    rows of ``seq`` (the rows are matched by ``seq``, not by the order they come in)."""
    from journeys.analytics import kernels  # numba

    strings = run_query(con, STRINGS_SQL, [after], what="the customer sequences")
    parts = [kernels.string_codes(strings.column(c)) for c in ("event", "type", "channel")]
    key = np.zeros(strings.num_rows, np.int64)
    bound = 1
    for codes, names in parts:  # -1 (NULL) and the codes as one number per combination
        key = key * (len(names) + 1) + (codes.astype(np.int64) + 1)
        bound *= len(names) + 1
    local, distinct = kernels.dense_small(key, bound)
    found_seq = _ints(strings, "seq", np.int64)
    by_seq = np.argsort(found_seq, kind="stable")
    found_seq = found_seq[by_seq]
    local = local[by_seq][np.searchsorted(found_seq, seq)]
    combos: list[Combo] = []
    for k in distinct.tolist():
        found: list[str | None] = []
        for _, names in reversed(parts):
            k, code = divmod(k, len(names) + 1)
            found.append(names[code - 1] if code else None)
        channel, kind, event = found
        combos.append((str(event), str(kind), channel))  # name and type are NOT NULL
    return local, combos


def _appended(con: duckdb.DuckDBPyConnection, kept: Sequences, state: LogState) -> Rows | None:
    """The kept rows plus the appended ones, when the log only grew since; else None."""
    before = kept.state
    if state.log != before.log or state.last_seq < before.last_seq:
        return None
    check = run_query(
        con,
        "SELECT count(*), coalesce(sum(seq), 0) FROM events WHERE seq > ?",
        [before.last_seq],
        what="the log's state",
    ).to_pylist()[0]
    count, total = (int(v) for v in check.values())
    if (before.events + count, before.seq_sum + total) != (state.events, state.seq_sum):
        return None  # something was erased or rewritten too
    return _read(con, before.last_seq, kept.rows)


def _grouped(con: duckdb.DuckDBPyConnection, state: LogState, rows: Rows) -> Sequences:
    """The rows grouped by stitched customer, each customer's in (t, seq) order."""
    from journeys.analytics import kernels  # numba

    hashes = kernels.stitched_hashes(con, rows.keys, rows.keys, ~rows.users)
    customer_of, customers = kernels.dense_ids(hashes)
    starts, t, combo = kernels.group_by_customer(
        customer_of, customers.size, rows.identity, rows.t, rows.seq, rows.combo
    )
    return Sequences(state, starts, customers, t, combo, rows.combos, rows)


def _tagged(keys: NDArray[np.uint64], users: NDArray[np.bool_]) -> NDArray[np.uint64]:
    """An identity's key: a user id and an anonymous id that are the same text are two."""
    salt = np.where(users, np.uint64(0), np.uint64(0x9E3779B97F4A7C15))
    return np.asarray(keys ^ salt, np.uint64)


def _ints(table: pa.Table, name: str, dtype: type[np.generic]) -> NDArray[Any]:
    return np.ascontiguousarray(table.column(name).to_numpy(), dtype=dtype)
