"""Compiled building blocks for analyses that walk each customer's events (numba).

An analysis that needs every customer's events in time order pays, in SQL, for a window sort
of the whole table per customer. In memory it is cheaper: fetch the rows unsorted as numpy
arrays (through Arrow), give each customer a dense id with a hash table, and put the rows in
customer order with a counting sort, O(n); each customer's few rows are then ordered alone.

- :func:`dense_ids` ``(keys) -> (ids, distinct)``: each ``uint64`` key's dense id (0, 1, … in
  order of first appearance, ``int32``) and the distinct keys by id.
- :func:`string_codes` ``(column) -> (codes, names)``: an Arrow string column (or a
  dictionary one, e.g. a DuckDB ENUM) as ``int32`` codes (-1: NULL) and the names by code.

Customers are told apart by a 64-bit hash of their id (DuckDB's ``hash(customer_id)``): two
customers whose hashes are equal would be taken for one. Among ``n`` customers the odds of
any such pair are about ``n² / 2⁶⁵``: one in 37 million for a million customers, one in
3,700 for a hundred million. The directly-follows graph accepts these odds; an analysis that
cannot would fetch a second, independent hash of the id and compare it within each group.

This module imports numba, so import it only where a compiled path runs (numba takes a few
hundred milliseconds to load; the first compilation ~15 s, then it is cached beside the
module in ``__pycache__``). A cached function that calls a compiled function of another
module is not recompiled when only that other module changes, so the compiled functions
here call nothing outside this module.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit
from numpy.typing import NDArray

_SHORT = 48  # a customer's rows up to this many are ordered by insertion
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads any key over the table
_FIRST_BITS = 12


@njit(cache=True, nogil=True)
def _table(distinct: NDArray[np.uint64], count: int, bits: int) -> NDArray[np.uint64]:
    """An open-addressing table of ``2**bits`` slots (key, id + 1; 0: empty) holding
    ``distinct[:count]``."""
    size = 1 << bits
    table = np.zeros((size, 2), np.uint64)
    shift = np.uint64(64 - bits)
    for found in range(count):
        slot = np.int64((distinct[found] * _MIX) >> shift)
        while table[slot, 1] != 0:
            slot = (slot + 1) & (size - 1)
        table[slot, 0] = distinct[found]
        table[slot, 1] = found + 1
    return table


@njit(cache=True, nogil=True)
def _dense_ids(keys: NDArray[np.uint64]) -> tuple[NDArray[np.int32], NDArray[np.uint64]]:
    # Linear probing in a table kept at most half full, doubled (refilled from `distinct`)
    # when it would get fuller. A slot holds the key beside its id: one cache line per probe.
    n = keys.size
    bits = _FIRST_BITS
    table = np.zeros((1 << bits, 2), np.uint64)
    distinct = np.empty(max(n, 1), np.uint64)
    ids = np.empty(n, np.int32)
    count = 0
    shift = np.uint64(64 - bits)
    mask = (1 << bits) - 1
    for i in range(n):
        key = keys[i]
        slot = np.int64((key * _MIX) >> shift)
        while True:
            found = table[slot, 1]
            if found == 0:
                distinct[count] = key
                ids[i] = count
                count += 1
                table[slot, 0] = key
                table[slot, 1] = count
                if 2 * count > mask + 1:
                    bits += 1
                    shift = np.uint64(64 - bits)
                    mask = (1 << bits) - 1
                    table = _table(distinct, count, bits)
                break
            if table[slot, 0] == key:
                ids[i] = np.int64(found) - 1
                break
            slot = (slot + 1) & mask
    return ids, distinct[:count].copy()


def dense_ids(keys: NDArray[np.uint64]) -> tuple[NDArray[np.int32], NDArray[np.uint64]]:
    """Each key's dense id (in order of first appearance) and the distinct keys by id."""
    ids, distinct = _dense_ids(np.ascontiguousarray(keys, dtype=np.uint64))
    return ids, distinct


@njit(cache=True, nogil=True)
def _map_table(keys: NDArray[np.uint64], values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """An open-addressing table (key, value, used) of at least twice the keys' number."""
    bits = _FIRST_BITS
    while (1 << bits) < 2 * keys.size:
        bits += 1
    size = 1 << bits
    table = np.zeros((size, 3), np.uint64)
    shift = np.uint64(64 - bits)
    for i in range(keys.size):
        slot = np.int64((keys[i] * _MIX) >> shift)
        while table[slot, 2] != 0 and table[slot, 0] != keys[i]:
            slot = (slot + 1) & (size - 1)
        table[slot, 0], table[slot, 1], table[slot, 2] = keys[i], values[i], 1
    return table


@njit(cache=True, nogil=True)
def _shift(table: NDArray[np.uint64]) -> np.uint64:
    bits = 0
    while (1 << bits) < table.shape[0]:
        bits += 1
    return np.uint64(64 - bits)


@njit(cache=True, nogil=True)
def _lookup(table: NDArray[np.uint64], shift: np.uint64, key: np.uint64) -> np.uint64:
    """The value of ``key``, or the key itself when the table has none."""
    size = table.shape[0]
    slot = np.int64((key * _MIX) >> shift)
    while table[slot, 2] != 0:
        if table[slot, 0] == key:
            found: np.uint64 = table[slot, 1]
            return found
        slot = (slot + 1) & (size - 1)
    return key


@njit(cache=True, nogil=True)
def _stitch(
    user: NDArray[np.uint64],
    anonymous: NDArray[np.uint64],
    no_user: NDArray[np.bool_],
    users: NDArray[np.uint64],
    links: NDArray[np.uint64],
) -> NDArray[np.uint64]:
    out = np.empty(user.size, np.uint64)
    user_shift, link_shift = _shift(users), _shift(links)
    for i in range(user.size):
        if no_user[i]:
            out[i] = _lookup(links, link_shift, anonymous[i])
        else:
            out[i] = _lookup(users, user_shift, user[i])
    return out


# What stitched_events computes per event (journeys/events/identity.py: CUSTOMER_OF_EVENT),
# as hashes: a user id's customer, else (no user id) the customer the device is linked to,
# else the raw id itself.
USERS_SQL = "SELECT hash(user_id) AS k, hash(customer_id) AS v FROM identity_users"
LINKS_SQL = (
    "SELECT hash(l.anonymous_id) AS k, hash(u.customer_id) AS v FROM identity_links l "
    "JOIN identity_users u ON u.user_id = l.user_id"
)


def stitched_hashes(
    con: duckdb.DuckDBPyConnection,
    user: NDArray[np.uint64],
    anonymous: NDArray[np.uint64],
    no_user: NDArray[np.bool_],
) -> NDArray[np.uint64]:
    """``hash(customer_id)`` of ``stitched_events`` for events given by ``hash(user_id)``,
    ``hash(anonymous_id)`` and ``user_id IS NULL``: the identity joins done on hashes, in
    memory (two lookups an event instead of three hash joins of strings over every event).
    Hashes of strings equal as strings are equal, so the result is exactly the view's."""
    tables = []
    for sql in (USERS_SQL, LINKS_SQL):
        pairs = con.execute(sql).to_arrow_table()
        keys = np.ascontiguousarray(pairs.column("k").to_numpy(), np.uint64)
        values = np.ascontiguousarray(pairs.column("v").to_numpy(), np.uint64)
        tables.append(_map_table(keys, values))
    return _stitch(
        np.ascontiguousarray(user, np.uint64),
        np.ascontiguousarray(anonymous, np.uint64),
        np.ascontiguousarray(no_user, np.bool_),
        tables[0],
        tables[1],
    )


def string_codes(column: pa.ChunkedArray) -> tuple[NDArray[np.int32], list[str]]:
    """Each string's code (-1: NULL) and the strings by code (Arrow's dictionary encoding;
    a column DuckDB already gives as a dictionary, an ENUM, is taken as it is)."""
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    column = column.unify_dictionaries()
    names: list[str] = column.chunk(0).dictionary.to_pylist() if column.num_chunks else []
    indices = pa.chunked_array([c.indices for c in column.chunks], column.type.index_type)
    codes = pc.fill_null(indices.cast(pa.int32()), -1)
    return np.ascontiguousarray(codes.to_numpy(), np.int32), names


def first_rows(identity: NDArray[np.int32], count: int) -> NDArray[np.int64]:
    """Per identity id, the first row that has it (ids are numbered in order of first
    appearance, so the first rows come in id order)."""
    first = np.full(count, -1, np.int64)
    _fill_first(identity, first)
    return first


@njit(cache=True, nogil=True)
def _fill_first(identity: NDArray[np.int32], first: NDArray[np.int64]) -> None:
    for i in range(identity.size):
        if first[identity[i]] < 0:
            first[identity[i]] = i


@njit(cache=True, nogil=True)
def group_by_customer(
    customer_of: NDArray[np.int32],
    customers: int,
    identity: NDArray[np.int32],
    t: NDArray[np.int64],
    seq: NDArray[np.int64],
    code: NDArray[np.int32],
) -> tuple[Any, Any, Any]:
    """Rows of identities grouped by customer (``customer_of[identity]``; a counting sort,
    stable: arrival order), each customer's then put in (t, seq) order when they are not
    already (``seq`` breaks ties): the customers' first positions (plus the end) and t and
    code in that order (``journeys.analytics.sequences``)."""
    n = identity.size
    starts = np.zeros(customers + 1, np.int64)
    for i in range(n):
        starts[customer_of[identity[i]] + 1] += 1
    for c in range(customers):
        starts[c + 1] += starts[c]
    cursor = starts[:-1].copy()
    ts = np.empty(n, np.int64)
    ss = np.empty(n, np.int64)
    cs = np.empty(n, np.int32)
    for i in range(n):
        c = customer_of[identity[i]]
        q = cursor[c]
        ts[q], ss[q], cs[q] = t[i], seq[i], code[i]
        cursor[c] = q + 1
    for c in range(customers):
        _order(ts, ss, cs, starts[c], starts[c + 1])
    return starts, ts, cs


@njit(cache=True, nogil=True)
def _order(ts: Any, ss: Any, cs: Any, a: int, b: int) -> None:
    """Order positions a..b by (t, seq), moving the codes along."""
    for p in range(a + 1, b):
        if ts[p] < ts[p - 1] or (ts[p] == ts[p - 1] and ss[p] < ss[p - 1]):
            break
    else:
        return
    if b - a <= _SHORT:
        for p in range(a + 1, b):
            ti, si, ci = ts[p], ss[p], cs[p]
            q = p - 1
            while q >= a and (ts[q] > ti or (ts[q] == ti and ss[q] > si)):
                ts[q + 1], ss[q + 1], cs[q + 1] = ts[q], ss[q], cs[q]
                q -= 1
            ts[q + 1], ss[q + 1], cs[q + 1] = ti, si, ci
        return
    perm = np.argsort(ss[a:b], kind="mergesort")
    perm = perm[np.argsort(ts[a:b][perm], kind="mergesort")]
    ts[a:b] = ts[a:b][perm]
    ss[a:b] = ss[a:b][perm]
    cs[a:b] = cs[a:b][perm]


SMALL_RANGE = 1 << 24  # keys below this are numbered with a plain array, not a hash table


def dense_small(keys: NDArray[np.int64], bound: int) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """:func:`dense_ids` for keys in ``0 … bound - 1``: each key's dense id (in order of first
    appearance) and the distinct keys by id; a plain array up to :data:`SMALL_RANGE`."""
    if bound > SMALL_RANGE:
        ids, distinct = dense_ids(keys.astype(np.uint64))
        return ids, distinct.astype(np.int64)
    return _dense_small(np.ascontiguousarray(keys, np.int64), bound)


@njit(cache=True, nogil=True)
def _dense_small(keys: NDArray[np.int64], bound: int) -> tuple[Any, Any]:
    id_of = np.full(max(bound, 1), -1, np.int32)
    ids = np.empty(keys.size, np.int32)
    distinct = np.empty(min(keys.size, bound), np.int64)
    count = 0
    for i in range(keys.size):
        k = keys[i]
        if id_of[k] < 0:
            id_of[k] = count
            distinct[count] = k
            count += 1
        ids[i] = id_of[k]
    return ids, distinct[:count].copy()
