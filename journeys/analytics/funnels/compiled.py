"""The funnel's per-customer pass, compiled with numba (imported only by ``kernel.py``).

Input: the rows of the builder's ``ev`` relation as arrays, in any order: a 64-bit hash of
the customer id ``h``, the time ``t`` (µs), the arrival ``seq``, the step bits ``m`` and the
exclusion bits ``x``. :func:`group_rows` puts each customer's rows together in (t, seq)
order; :func:`walk` goes through them once per customer, reading
``t``, ``m`` and ``x`` already in that order (the CPU then reads memory in sequence), and
give per customer the level reached, the row of the path's step-1 event and the step times.

Each walk is the SQL plan of ``builder.py`` replayed row by row, so both give the same
answer (``tests/analytics/test_funnels_kernel.py`` checks it on every scenario and on
random logs):

- ``ordered``: level k's window holds, in (t, seq, role) order, the step-k events (role 0),
  the exclusions between k-1 and k (role 1) and the rows that reached k-1 (role 2); a step-k
  event extends the path of the row right before it when that row is a level-(k-1) row within
  the window of the path's step 1. ``prev_kind[k]`` is that "row right before".
- ``strict``: a step-k event extends the path of the customer's previous event (any event).
- ``any``: the latest event of each step at or before every row.

The customer's answer is the highest level not past the earliest exclusion cap, on the path
that reached it first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

NONE, STEP, EXCLUDED, PATH = 0, 1, 2, 3


@njit(cache=True, parallel=True)
def group_rows(h: Any, t: Any, seq: Any, m: Any, x: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Each customer's rows together, in (t, seq) order: the row ``order``, each customer's
    first position in it (plus the end: ``order[starts[i]:starts[i + 1]]``), and ``t``,
    ``m``, ``x`` in that order.

    The rows (with their columns) are split by the top bits of the hash into buckets small
    enough that a bucket's hash table and rows stay in the CPU cache; within a bucket a
    counting sort by customer (stable: arrival order) groups the rows; a customer's rows out
    of time order are then sorted. Every pass reads memory in sequence."""
    n = h.shape[0]
    bits = 8  # more buckets than ~1000 make the scatter (6 columns into each) slower
    while (n >> bits) > 65536 and bits < 10:
        bits += 1
    buckets = 1 << bits
    shift = 64 - bits
    bucket_start = np.zeros(buckets + 1, np.int64)
    for i in range(n):
        bucket_start[((h[i] >> shift) & (buckets - 1)) + 1] += 1
    for b in range(buckets):
        bucket_start[b + 1] += bucket_start[b]
    fill = bucket_start[:buckets].copy()
    bi = np.empty(n, np.int64)
    bh = np.empty(n, np.int64)
    bt = np.empty(n, np.int64)
    bs = np.empty(n, np.int64)
    bm = np.empty(n, m.dtype)
    bx = np.empty(n, x.dtype)
    for i in range(n):
        b = (h[i] >> shift) & (buckets - 1)
        q = fill[b]
        bi[q], bh[q], bt[q], bs[q], bm[q], bx[q] = i, h[i], t[i], seq[i], m[i], x[i]
        fill[b] += 1
    found = np.zeros(buckets + 1, np.int64)
    local = np.empty(n, np.int64)
    for b in prange(buckets):
        found[b + 1] = _customers_of(bh, local, bucket_start[b], bucket_start[b + 1])
    for b in range(buckets):
        found[b + 1] += found[b]
    count = found[buckets]
    order = np.empty(n, np.int64)
    ts = np.empty(n, np.int64)
    ss = np.empty(n, np.int64)
    ms = np.empty(n, m.dtype)
    xs = np.empty(n, x.dtype)
    starts = np.empty(count + 1, np.int64)
    for b in prange(buckets):
        a, z, first = bucket_start[b], bucket_start[b + 1], found[b]
        counts = np.zeros(found[b + 1] - first + 1, np.int64)
        for p in range(a, z):
            counts[local[p] + 1] += 1
        for c in range(found[b + 1] - first):
            counts[c + 1] += counts[c]
            starts[first + c] = a + counts[c]
        for p in range(a, z):  # in arrival order: a customer's rows keep it
            c = local[p]
            q = a + counts[c]
            order[q], ts[q], ss[q], ms[q], xs[q] = bi[p], bt[p], bs[p], bm[p], bx[p]
            counts[c] += 1
    starts[count] = n
    for c in prange(count):
        _sort_by_time(order, ts, ss, ms, xs, starts[c], starts[c + 1])
    return order, starts, ts, ms, xs


@njit(cache=True, nogil=True)
def _customers_of(bh: Any, local: Any, a: int, z: int) -> int:
    """Number the customers of rows a..z (one bucket) 0, 1, … in order of first appearance
    into ``local``; return how many there are."""
    size = 1
    while size < 2 * (z - a):
        size *= 2
    keys = np.zeros(size, np.int64)
    ids = np.full(size, -1, np.int64)
    mask = size - 1
    found = 0
    for p in range(a, z):
        key = bh[p]
        j = key & mask
        while ids[j] >= 0 and keys[j] != key:
            j = (j + 1) & mask
        if ids[j] < 0:
            keys[j] = key
            ids[j] = found
            found += 1
        local[p] = ids[j]
    return found


@njit(cache=True, nogil=True)
def _sort_by_time(order: Any, ts: Any, ss: Any, ms: Any, xs: Any, a: int, b: int) -> None:
    """Sort positions a..b by (time, seq), moving the other columns along: usually already
    sorted; an insertion sort when short."""
    tidy = True
    for p in range(a + 1, b):
        if ts[p] < ts[p - 1] or (ts[p] == ts[p - 1] and ss[p] < ss[p - 1]):
            tidy = False
            break
    if tidy:
        return
    if b - a <= 48:
        for p in range(a + 1, b):
            ti, si, oi, mi, xi = ts[p], ss[p], order[p], ms[p], xs[p]
            q = p - 1
            while q >= a and (ts[q] > ti or (ts[q] == ti and ss[q] > si)):
                ts[q + 1], ss[q + 1], order[q + 1] = ts[q], ss[q], order[q]
                ms[q + 1], xs[q + 1] = ms[q], xs[q]
                q -= 1
            ts[q + 1], ss[q + 1], order[q + 1], ms[q + 1], xs[q + 1] = ti, si, oi, mi, xi
        return
    perm = np.argsort(ss[a:b], kind="mergesort")
    perm = perm[np.argsort(ts[a:b][perm], kind="mergesort")]
    order[a:b] = order[a:b][perm]
    ts[a:b] = ts[a:b][perm]
    ss[a:b] = ss[a:b][perm]
    ms[a:b] = ms[a:b][perm]
    xs[a:b] = xs[a:b][perm]


ORDERED, STRICT, ANY = 0, 1, 2
PARTS = 64  # customers are walked in this many parts, in parallel


@njit(cache=True, parallel=True)
def walk(
    mode: int, order: Any, starts: Any, t: Any, m: Any, x: Any, n: int, window: int
) -> tuple[Any, Any, Any]:
    """Per customer: level reached (capped), row of the path's step-1 event, step times.
    ``mode``: ORDERED, STRICT or ANY; ``order``: the row at each position (empty: the
    positions are the rows)."""
    customers = starts.shape[0] - 1
    level = np.zeros(customers, np.int32)
    first_row = np.full(customers, -1, np.int64)
    times = np.zeros((customers, n), np.int64)
    parts = min(PARTS, max(customers, 1))
    for q in prange(parts):
        c0, c1 = customers * q // parts, customers * (q + 1) // parts
        out = (level, first_row, times)
        if mode == ORDERED:
            _ordered(c0, c1, order, starts, t, m, x, n, window, out)
        elif mode == STRICT:
            _strict(c0, c1, order, starts, t, m, x, n, window, out)
        else:
            _any_order(c0, c1, order, starts, t, m, n, window, out)
    return level, first_row, times


@njit(cache=True, nogil=True)
def _row(order: Any, p: int) -> int:
    """The row at position ``p`` (``order`` empty: ``p`` itself)."""
    return int(order[p]) if order.size else p


@njit(cache=True, nogil=True)
def _buffers(starts: Any, c0: int, c1: int, n: int) -> tuple[Any, Any, Any]:
    """Path nodes for one customer at a time: a node is a row reaching a level, with the node
    of the level before (its ``parent``) and the time of its path's step 1."""
    most = 1
    for c in range(c0, c1):
        most = max(most, starts[c + 1] - starts[c])
    size = most * n
    return np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64)


@njit(cache=True, nogil=True)
def _add_node(buffers: tuple[Any, Any, Any], count: int, p: int, parent: int, t1: int) -> int:
    """Store node ``count`` (position ``p``, its parent node, its path's step-1 time)."""
    node_row, node_parent, node_t1 = buffers
    node_row[count], node_parent[count], node_t1[count] = p, parent, t1
    return count + 1


@njit(cache=True, nogil=True)
def _keep_first(cur: Any, best: Any, n: int) -> None:
    """Rows come in (t, seq) order: per level, the first node that reached it is kept."""
    for k in range(1, n + 1):
        if cur[k] >= 0 and best[k] < 0:
            best[k] = cur[k]


@njit(cache=True, nogil=True)
def _ordered(
    c0: int,
    c1: int,
    order: Any,
    starts: Any,
    t: Any,
    m: Any,
    x: Any,
    n: int,
    window: int,
    out: tuple[Any, Any, Any],
) -> None:
    """Customers c0..c1 in ``ordered`` mode."""
    buffers = _buffers(starts, c0, c1, n)
    node_row, node_parent, node_t1 = buffers
    prev_kind = np.zeros(n + 1, np.int8)
    prev_node = np.zeros(n + 1, np.int64)
    cur = np.full(n + 1, -1, np.int64)
    best = np.full(n + 1, -1, np.int64)
    for c in range(c0, c1):
        prev_kind[:] = NONE
        best[:] = -1
        nodes = 0
        cap = n
        for p in range(starts[c], starts[c + 1]):
            ti = t[p]
            mi = m[p]
            xi = x[p]
            if mi == 0 and xi == 0:
                continue
            cur[1] = -1
            if mi & 1:
                cur[1] = nodes
                nodes = _add_node(buffers, nodes, p, -1, ti)
            for k in range(2, n + 1):
                cur[k] = -1
                if mi & (1 << (k - 1)):
                    if prev_kind[k] == PATH and ti - node_t1[prev_node[k]] <= window:
                        cur[k] = nodes
                        nodes = _add_node(buffers, nodes, p, prev_node[k], node_t1[prev_node[k]])
                    prev_kind[k] = STEP
                if xi & (1 << (k - 2)):
                    if prev_kind[k] == PATH and ti - node_t1[prev_node[k]] <= window:
                        cap = min(cap, k - 1)
                    prev_kind[k] = EXCLUDED
                if cur[k - 1] >= 0:
                    prev_kind[k] = PATH
                    prev_node[k] = cur[k - 1]
            _keep_first(cur, best, n)
        _answer(c, cap, best, node_row, node_parent, order, t, out)


@njit(cache=True, nogil=True)
def _strict(
    c0: int,
    c1: int,
    order: Any,
    starts: Any,
    t: Any,
    m: Any,
    x: Any,
    n: int,
    window: int,
    out: tuple[Any, Any, Any],
) -> None:
    """Customers c0..c1 in ``strict`` mode: a step must be the very next event after the
    previous one."""
    buffers = _buffers(starts, c0, c1, n)
    node_row, node_parent, node_t1 = buffers
    prev = np.full(n + 1, -1, np.int64)
    cur = np.full(n + 1, -1, np.int64)
    best = np.full(n + 1, -1, np.int64)
    for c in range(c0, c1):
        prev[:] = -1
        best[:] = -1
        nodes = 0
        cap = n
        for p in range(starts[c], starts[c + 1]):
            ti = t[p]
            mi = m[p]
            cur[1] = -1
            if mi & 1:
                cur[1] = nodes
                nodes = _add_node(buffers, nodes, p, -1, ti)
            for k in range(2, n + 1):
                cur[k] = -1
                before = prev[k - 1]
                if before < 0 or ti - node_t1[before] > window:
                    continue
                if mi & (1 << (k - 1)):
                    cur[k] = nodes
                    nodes = _add_node(buffers, nodes, p, before, node_t1[before])
                if x[p] & (1 << (k - 2)):
                    cap = min(cap, k - 1)
            _keep_first(cur, best, n)
            prev[:] = cur
        _answer(c, cap, best, node_row, node_parent, order, t, out)


@njit(cache=True, nogil=True)
def _answer(
    c: int,
    cap: int,
    best: Any,
    node_row: Any,
    node_parent: Any,
    order: Any,
    t: Any,
    out: tuple[Any, Any, Any],
) -> None:
    """The customer's highest level not past the cap, on the path that got there first."""
    level, first_row, times = out
    for k in range(cap, 0, -1):
        if best[k] >= 0:
            level[c] = k
            node = best[k]
            for j in range(k - 1, -1, -1):
                times[c, j] = t[node_row[node]]
                first_row[c] = _row(order, node_row[node])
                node = node_parent[node]
            return


@njit(cache=True, nogil=True)
def _any_order(
    c0: int,
    c1: int,
    order: Any,
    starts: Any,
    t: Any,
    m: Any,
    n: int,
    window: int,
    out: tuple[Any, Any, Any],
) -> None:
    """Customers c0..c1 with the steps in any order: at every row, the latest event of each
    step at or before it."""
    level, first_row, times = out
    latest = np.zeros(n + 1, np.int64)
    seen = np.zeros(n + 1, np.bool_)
    for c in range(c0, c1):
        seen[:] = False
        start_row = -1
        for p in range(starts[c], starts[c + 1]):
            ti = t[p]
            for k in range(1, n + 1):
                if m[p] & (1 << (k - 1)):
                    seen[k] = True
                    latest[k] = ti
                    if k == 1:
                        start_row = p
            lvl = 0
            while lvl < n and seen[lvl + 1] and ti - latest[lvl + 1] <= window:
                lvl += 1
            if lvl > level[c]:  # the first row at a higher level: its path is kept
                level[c] = lvl
                first_row[c] = _row(order, start_row)
                done = latest[1]
                for k in range(1, lvl + 1):
                    done = max(done, latest[k])
                    times[c, k - 1] = done


@njit(cache=True, parallel=True)
def select_rows(
    starts: Any,
    t: Any,
    code: Any,
    behaviour: Any,
    step_bits: Any,
    exclusion_bits: Any,
    strict: bool,
    lo: int,
    end: int,
    hi: int,
) -> tuple[Any, Any, Any, Any, Any]:
    """From customer sequences (rows grouped by customer in (t, seq) order, event codes),
    the builder's ``ev`` rows in the form :func:`walk` reads: the row ``order``, each
    customer's first position, ``t``, step bits ``m`` and exclusion bits ``x``.

    ``step_bits[code]``, ``exclusion_bits[code]`` and ``behaviour[code]`` belong to a row's
    code (its event's name, type and channel); step 1 counts only before ``end``; rows
    outside [lo, hi) are left out, and so are, in ``strict`` mode, the events that are not
    behaviour, else those of no step or exclusion."""
    customers = starts.shape[0] - 1
    parts = min(PARTS, max(customers, 1))
    kept = np.zeros(customers + 1, np.int64)
    for q in prange(parts):
        c0, c1 = customers * q // parts, customers * (q + 1) // parts
        for c in range(c0, c1):
            count = 0
            for p in range(starts[c], starts[c + 1]):
                if _selected(p, t, code, behaviour, step_bits, exclusion_bits, strict, lo, hi):
                    count += 1
            kept[c + 1] = count
    for c in range(customers):
        kept[c + 1] += kept[c]
    total = kept[customers]
    order = np.empty(total, np.int64)
    ts = np.empty(total, np.int64)
    ms = np.empty(total, np.int64)
    xs = np.empty(total, np.int64)
    for q in prange(parts):
        c0, c1 = customers * q // parts, customers * (q + 1) // parts
        for c in range(c0, c1):
            w = kept[c]
            for p in range(starts[c], starts[c + 1]):
                if _selected(p, t, code, behaviour, step_bits, exclusion_bits, strict, lo, hi):
                    a = code[p]
                    bits = step_bits[a] if a >= 0 else 0
                    if t[p] >= end:
                        bits &= ~np.int64(1)
                    order[w], ts[w], ms[w] = p, t[p], bits
                    xs[w] = exclusion_bits[a] if a >= 0 else 0
                    w += 1
    return order, kept, ts, ms, xs


@njit(cache=True, nogil=True)
def _selected(
    p: int,
    t: Any,
    code: Any,
    behaviour: Any,
    step_bits: Any,
    exclusion_bits: Any,
    strict: bool,
    lo: int,
    hi: int,
) -> bool:
    if t[p] < lo or t[p] >= hi:
        return False
    if strict:
        return bool(behaviour[code[p]] != 0)
    a = code[p]
    return bool(a >= 0 and (step_bits[a] | exclusion_bits[a]) != 0)


@njit(cache=True, parallel=True)
def step_flags(
    t: Any,
    code: Any,
    step_bits: Any,
    exclusion_bits: Any,
    lo: int,
    end: int,
    hi: int,
    m: Any,
    x: Any,
) -> None:
    """Each row's step bits into ``m`` and exclusion bits into ``x`` (0 outside [lo, hi);
    step 1 only before ``end``): for ``ordered`` and ``any``, whose walks pass over the rows
    of no step and no exclusion, so the rows need not be selected first."""
    n = t.shape[0]
    for q in prange(PARTS):
        for p in range(n * q // PARTS, n * (q + 1) // PARTS):
            a, tp = code[p], t[p]
            if a < 0 or tp < lo or tp >= hi:
                m[p], x[p] = 0, 0
                continue
            bits = step_bits[a]
            if tp >= end:
                bits &= ~1
            m[p], x[p] = bits, exclusion_bits[a]
