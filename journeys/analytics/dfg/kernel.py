"""The directly-follows graph compiled (numba): the same answer as the SQL, without its sort.

DuckDB's window sorts every event by customer and time, which is most of the SQL form's time.
Here DuckDB only reads the rows (``builder.build_rows``, no ORDER BY) into numpy arrays:

1. the customers get dense ids from a hash table on ``hash(customer_id)``
   (:func:`journeys.analytics.kernels.dense_ids`);
2. one pass over the rows in arrival order keeps, per customer, the last (timestamp, seq,
   activity): as long as a customer's rows arrive in (timestamp, seq) order, which is most
   customers of an event log, each row makes a step ``last → this`` with its gap, no sort
   needed; the customers with a row out of order are then gathered (a counting sort) and
   ordered (an insertion sort, or for a long history a stable sort by seq then by time);
3. each customer's last activity makes a step ``a → end``; the gaps are grouped per pair
   by a counting sort and each pair's median taken as DuckDB's ``median`` does (the mean of
   the two middle values for an even count, ``lo + (hi - lo) * 0.5`` in double precision).

Steps 2 and 3 each run as two halves at once (halves of the customers, then of the pairs):
the functions release the GIL. Event names are numbered by Arrow's dictionary encoding, so
names are exact; touchpoints are their index. Customers are told apart by a 64-bit hash of
their id: see :mod:`journeys.analytics.kernels` for the odds that two customers share one
(about ``n² / 2⁶⁵`` for ``n`` customers).

This module imports numba: the runner imports it only when it runs the compiled form.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit, prange
from numpy.typing import NDArray

from journeys.analytics import sequences
from journeys.analytics.common import EVENTS, micros, run_query
from journeys.analytics.dfg.builder import build_raw_rows, build_rows
from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.kernels import dense_ids, stitched_hashes, string_codes
from journeys.analytics.sequences import Sequences
from journeys.analytics.touchpoints import MappedTouchpoint, mapped_event

DIRECT_PAIRS = 1 << 22  # up to this many (from, to) pairs, counted in a plain array
SHORT = 48  # histories up to this long are ordered by insertion


@njit(cache=True, nogil=True)
def _order_history(h: NDArray[np.int64]) -> None:
    """Order the rows (t, s, a) of one customer's history ``h`` by (t, s), in place."""
    k = h.shape[0]
    ordered = True
    for j in range(1, k):
        if h[j, 0] < h[j - 1, 0] or (h[j, 0] == h[j - 1, 0] and h[j, 1] < h[j - 1, 1]):
            ordered = False
            break
    if ordered:
        return
    if k <= SHORT:
        for j in range(1, k):
            tj, sj, aj = h[j, 0], h[j, 1], h[j, 2]
            i = j - 1
            while i >= 0 and (h[i, 0] > tj or (h[i, 0] == tj and h[i, 1] > sj)):
                h[i + 1, 0], h[i + 1, 1], h[i + 1, 2] = h[i, 0], h[i, 1], h[i, 2]
                i -= 1
            h[i + 1, 0], h[i + 1, 1], h[i + 1, 2] = tj, sj, aj
        return
    by_seq = np.argsort(h[:, 1], kind="mergesort")
    perm = by_seq[np.argsort(h[:, 0][by_seq], kind="mergesort")]
    h[:] = h[perm]


@njit(cache=True, nogil=True)
def _in_order_steps(
    ids: NDArray[np.int32],
    lo: int,
    hi: int,
    t: NDArray[np.int64],
    s: NDArray[np.int64],
    a: NDArray[np.int32],
    width: int,
    keys: NDArray[np.int64],
    gaps: NDArray[np.int64],
) -> tuple[int, NDArray[np.int64], int]:
    """The steps of customers ``lo`` to ``hi - 1`` whose rows arrive in (t, s) order.

    Writes pair keys ``a * width + b`` (``b = width - 1``: the end) and gaps (µs) into
    ``keys`` and ``gaps``; returns how many, the rows with an activity of each customer
    whose rows are out of order (0 for the others; left to :func:`_out_of_order_steps`) and
    the unmapped count."""
    # Event logs mostly arrive in time order, so most customers are served from one small
    # record each (last t, s, activity and the state: one cache line) with no sort at all;
    # one long loop on purpose (the hot path).
    last = np.zeros((hi - lo, 4), np.int64)  # t, s, a, state + 4 * rows with an activity
    unmatched = np.zeros(hi - lo, np.int64)
    owner = np.empty(keys.size, np.int32)
    m = 0
    for i in range(ids.size):
        g = ids[i] - lo
        if g < 0 or g >= hi - lo:
            continue
        if a[i] < 0:
            unmatched[g] += 1
            continue
        last[g, 3] += 4
        state = last[g, 3] & 3
        if state == 1:
            if t[i] < last[g, 0] or (t[i] == last[g, 0] and s[i] < last[g, 1]):
                last[g, 3] += 1
                continue
            keys[m] = last[g, 2] * width + a[i]
            gaps[m] = t[i] - last[g, 0]
            owner[m] = g
            m += 1
        elif state == 2:
            continue
        last[g, 0], last[g, 1], last[g, 2] = t[i], s[i], a[i]
        last[g, 3] |= 1
    states = (last[:, 3] & 3).astype(np.int8)
    kept = 0
    for j in range(m):
        if states[owner[j]] == 1:
            keys[kept], gaps[kept] = keys[j], gaps[j]
            kept += 1
    unmapped = 0
    for g in range(hi - lo):
        if states[g] != 0:
            unmapped += unmatched[g]
        if states[g] == 1:
            keys[kept], gaps[kept] = last[g, 2] * width + width - 1, 0
            kept += 1
    rows = np.where(states == 2, last[:, 3] >> 2, 0)
    return kept, rows, unmapped


@njit(cache=True, nogil=True)
def _out_of_order_steps(
    ids: NDArray[np.int32],
    lo: int,
    rows: NDArray[np.int64],
    t: NDArray[np.int64],
    s: NDArray[np.int64],
    a: NDArray[np.int32],
    width: int,
    keys: NDArray[np.int64],
    gaps: NDArray[np.int64],
    m: int,
) -> int:
    """The steps of the customers ``lo + g`` with ``rows[g]`` rows out of order, written from
    ``m`` on: each one's rows are gathered (a counting sort), ordered by (t, s) and paired.
    Returns the count."""
    groups = rows.size
    starts = np.zeros(groups + 1, np.int64)
    for g in range(groups):
        starts[g + 1] = starts[g] + rows[g]
    cursor = starts[:-1].copy()
    history = np.empty((starts[groups], 3), np.int64)  # (t, s, a): one record per row
    for i in range(ids.size):
        g = ids[i] - lo
        if 0 <= g < groups and rows[g] and a[i] >= 0:
            c = cursor[g]
            history[c, 0], history[c, 1], history[c, 2] = t[i], s[i], a[i]
            cursor[g] = c + 1
    for g in range(groups):
        first, end = starts[g], starts[g + 1]
        if end == first:
            continue
        _order_history(history[first:end])
        for j in range(first, end - 1):
            keys[m] = history[j, 2] * width + history[j + 1, 2]
            gaps[m] = history[j + 1, 0] - history[j, 0]
            m += 1
        keys[m] = history[end - 1, 2] * width + width - 1
        gaps[m] = 0
        m += 1
    return m


@njit(cache=True, nogil=True)
def _median(values: NDArray[np.int64]) -> float:
    """DuckDB's ``median`` of integers: the middle value, or lo + (hi - lo) * 0.5."""
    half = values.size // 2
    part = np.partition(values, half)
    hi = float(part[half])
    if values.size % 2:
        return hi
    lo = float(part[:half].max())
    return lo + (hi - lo) * 0.5


@njit(cache=True, nogil=True)
def _group_by_pair(
    keys: NDArray[np.integer[Any]], gaps: NDArray[np.int64], buckets: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The gaps grouped by pair bucket (a counting sort) and where each bucket starts."""
    offsets = np.zeros(buckets + 1, np.int64)
    for i in range(keys.size):
        offsets[keys[i] + 1] += 1
    for p in range(buckets):
        offsets[p + 1] += offsets[p]
    cursor = offsets[:-1].copy()
    grouped = np.empty(keys.size, np.int64)
    for i in range(keys.size):
        grouped[cursor[keys[i]]] = gaps[i]
        cursor[keys[i]] += 1
    return grouped, offsets


@njit(cache=True, nogil=True)
def _medians(
    grouped: NDArray[np.int64],
    offsets: NDArray[np.int64],
    lo: int,
    hi: int,
    out: NDArray[np.float64],
) -> None:
    """The median gap (µs) of buckets ``lo`` to ``hi - 1`` into ``out``."""
    for p in range(lo, hi):
        if offsets[p + 1] > offsets[p]:
            out[p] = _median(grouped[offsets[p] : offsets[p + 1]])


def _both(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run two compiled (GIL-free) steps at once, the second in a thread."""
    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(second)
        return first(), later.result()


def _column(table: pa.Table, name: str, dtype: type[np.generic]) -> NDArray[Any]:
    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.int64())  # the same 64-bit values, read as integers
    return np.ascontiguousarray(column.to_numpy(), dtype=dtype)


def _activities(
    table: pa.Table, touchpoints: list[MappedTouchpoint] | None
) -> tuple[NDArray[np.int32], list[str]]:
    """Each row's activity code (-1: none) and the activity names by code."""
    if touchpoints is None:
        return string_codes(table.column("a"))
    codes = pc.fill_null(table.column("a").cast(pa.int32()), -1)
    return np.ascontiguousarray(codes.to_numpy(), np.int32), [tp.touchpoint for tp in touchpoints]


def kernel_edges(
    con: duckdb.DuckDBPyConnection,
    query: DfgQuery,
    touchpoints: list[MappedTouchpoint] | None = None,
    relation: str = EVENTS,
) -> tuple[list[dict[str, Any]], int | None] | None:
    """The edge rows (``a``, ``b`` — None at the end —, ``n``, ``median_seconds``) and the
    unmapped count (touchpoints); None when a timestamp or seq is NULL, or the timestamp is
    not in microseconds (the SQL handles those)."""
    raw = relation == EVENTS  # stitch on hashes instead of the view's joins
    if raw and answerable_from_sequences(touchpoints):
        kept = sequences.current(con)
        if kept is not None:
            return sequence_edges(kept, query, touchpoints)
    sql, params = (
        build_raw_rows(query, touchpoints) if raw else build_rows(query, touchpoints, relation)
    )
    table = run_query(con, sql, params, what="the directly-follows graph")
    time_type = table.schema.field("t").type
    if not (pa.types.is_timestamp(time_type) and time_type.unit == "us"):
        return None  # a timestamp of another precision: the SQL's epoch_us handles it
    if table.column("t").null_count or table.column("s").null_count:
        return None

    def customer_hashes() -> NDArray[np.uint64]:
        if not raw:
            return _column(table, "c", np.uint64)
        user, anonymous = _column(table, "hu", np.uint64), _column(table, "ha", np.uint64)
        return stitched_hashes(con, user, anonymous, _column(table, "no_user", np.bool_))

    (ids, customers), (codes, names, t, s) = _both(
        lambda: dense_ids(customer_hashes()),
        lambda: (
            *_activities(table, touchpoints),
            _column(table, "t", np.int64),  # microseconds since the epoch (UTC)
            _column(table, "s", np.int64),
        ),
    )
    width = len(names) + 1

    def steps(lo: int, hi: int) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
        keys, gaps = np.empty(ids.size, np.int64), np.empty(ids.size, np.int64)
        m, rows, unmapped = _in_order_steps(ids, lo, hi, t, s, codes, width, keys, gaps)
        m = _out_of_order_steps(ids, lo, rows, t, s, codes, width, keys, gaps, m)
        return keys[:m], gaps[:m], int(unmapped)

    half = customers.size // 2
    one, two = _both(lambda: steps(0, half), lambda: steps(half, customers.size))
    keys, gaps = np.concatenate([one[0], two[0]]), np.concatenate([one[1], two[1]])
    rows = _edge_rows(keys, gaps, names)
    return rows, None if touchpoints is None else one[2] + two[2]


def _edge_rows(
    keys: NDArray[np.int64], gaps: NDArray[np.int64], names: list[str]
) -> list[dict[str, Any]]:
    """One row per pair: its names (``b`` None at the end), steps and median gap (s)."""
    width = len(names) + 1
    buckets, pair_keys = len(names) * width, np.arange(len(names) * width)
    bucket_of: NDArray[np.integer[Any]] = keys
    if buckets > DIRECT_PAIRS:  # many activities: number the pairs that occur instead
        bucket_of, distinct = dense_ids(keys.view(np.uint64))
        buckets, pair_keys = distinct.size, distinct.view(np.int64)
    grouped, offsets = _group_by_pair(bucket_of, gaps, buckets)
    medians = np.full(buckets, np.nan)
    middle = int(np.searchsorted(offsets, offsets[-1] // 2))
    _both(
        lambda: _medians(grouped, offsets, 0, middle, medians),
        lambda: _medians(grouped, offsets, middle, buckets, medians),
    )
    counts = np.diff(offsets)
    rows = []
    for p in np.flatnonzero(counts):
        a, b = divmod(int(pair_keys[p]), width)
        end = b == width - 1
        rows.append(
            {
                "a": names[a],
                "b": None if end else names[b],
                "n": int(counts[p]),
                "median_seconds": None if end else float(medians[p]) / 1e6,
            }
        )
    return rows


@njit(cache=True, parallel=True)
def _sequence_steps(
    starts: NDArray[np.int64],
    t: NDArray[np.int64],
    combo: NDArray[np.int32],
    activity: NDArray[np.int64],
    width: int,
    lo: int,
    hi: int,
    keys: NDArray[np.int64],
    gaps: NDArray[np.int64],
    parts: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The steps of customers already grouped and in (t, seq) order, in ``parts`` parts at
    once: part ``q`` writes from ``starts[c0] + c0`` on (its rows plus one end per customer
    at most); returns each part's count and unmapped events (those without an activity, of
    the customers with one). A row's activity is ``activity[combo[row]]`` (-1: none); rows
    outside [lo, hi) are left out, as the SQL's WHERE does."""
    customers = starts.size - 1
    counts = np.zeros(parts, np.int64)
    unmapped = np.zeros(parts, np.int64)
    for q in prange(parts):
        c0, c1 = customers * q // parts, customers * (q + 1) // parts
        m = base = starts[c0] + c0
        for c in range(c0, c1):
            prev, prev_t, missed = -1, 0, 0
            for p in range(starts[c], starts[c + 1]):
                tp = t[p]
                if tp < lo or tp >= hi:
                    continue
                a = activity[combo[p]]
                if a < 0:
                    missed += 1
                    continue
                if prev >= 0:
                    keys[m], gaps[m] = prev * width + a, tp - prev_t
                    m += 1
                prev, prev_t = a, tp
            if prev >= 0:
                keys[m], gaps[m] = prev * width + width - 1, 0
                m += 1
                unmapped[q] += missed
        counts[q] = m - base
    return counts, unmapped


PARTS = 64


def answerable_from_sequences(touchpoints: list[MappedTouchpoint] | None) -> bool:
    """Whether the kept customer sequences hold what the graph reads: event names, or
    touchpoints whose matchers look at the name, type and channel only."""
    return touchpoints is None or all(not tp.matcher.where for tp in touchpoints)


def sequence_edges(
    kept: Sequences, query: DfgQuery, touchpoints: list[MappedTouchpoint] | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """The edge rows and the unmapped count (touchpoints) from the kept customer sequences
    (:mod:`journeys.analytics.sequences`): one pass, nothing read from DuckDB. The
    touchpoints must be :func:`answerable_from_sequences`."""
    start, end = query.start_bound(), query.end_bound()
    lo = np.iinfo(np.int64).min if start is None else micros(start)
    hi = np.iinfo(np.int64).max if end is None else micros(end)
    if touchpoints is None:
        activity, names = kept.event_names()
    else:  # the first touchpoint in file order, as the SQL's mapping
        activity = kept.per_combo(lambda row: mapped_event(touchpoints, row))
        names = [tp.touchpoint for tp in touchpoints]
    starts, width = kept.starts, len(names) + 1
    size = kept.t.size + starts.size
    keys, gaps = np.empty(size, np.int64), np.empty(size, np.int64)
    customers = starts.size - 1
    parts = max(1, min(PARTS, customers))
    counts, unmapped = _sequence_steps(
        starts, kept.t, kept.combo, activity, width, lo, hi, keys, gaps, parts
    )
    bases = [int(starts[customers * q // parts]) + customers * q // parts for q in range(parts)]
    pieces = [slice(b, b + int(n)) for b, n in zip(bases, counts, strict=True)]
    rows = _edge_rows(
        np.concatenate([keys[s] for s in pieces]), np.concatenate([gaps[s] for s in pieces]), names
    )
    return rows, None if touchpoints is None else int(unmapped.sum())
