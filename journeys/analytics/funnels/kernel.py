"""The funnel's customers computed by a compiled pass instead of SQL windows.

The SQL plan (``builder.py``) sorts the funnel's rows once per step; the kernel reads the
same rows (the builder's ``ev``: step bits, exclusion bits, time) unsorted, groups them by
customer in one pass of a hash table, and walks each customer's rows once
(``compiled.py``). The result is the builder's ``flat`` relation (one row per customer:
level, breakdown value, step times), on which the builder's summary and dropped-customer
SQL run unchanged.

Customers are told apart by a 64-bit hash of their id: two customers whose ids share a
hash would be counted as one. The odds for N customers are about N² / 2⁶⁵ (10⁻⁸ for a
million customers). The SQL plan, which groups by the id itself, remains the engine below
``KERNEL_FROM`` events and on request (``engine="sql"``).

numba compiles the pass once per machine (its cache sits beside the module) and loads it
in about a second per process, which is why small workspaces use SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from journeys.analytics.common import (
    EVENTS,
    KERNEL_FROM,
    Step,
    event_count,
    micros,
    run_query,
    touchpoint_matcher,
)
from journeys.analytics.funnels import builder
from journeys.analytics.funnels.query import FunnelQuery
from journeys.maps.model import Journey, Matcher

if TYPE_CHECKING:
    from journeys.analytics.sequences import Sequences


def uses_kernel(con: duckdb.DuckDBPyConnection, engine: str, relation: str = EVENTS) -> bool:
    """Whether ``engine`` means the kernel here: ``auto`` asks how many events there are."""
    if engine != "auto":
        return engine == "kernel"
    return event_count(con, relation) >= KERNEL_FROM


@dataclass(frozen=True)
class Walked:
    """Per customer who did step 1: level reached, step times (µs, valid up to the level) and
    the rows read (for the breakdown value and the id of the path's step-1 event)."""

    level: np.ndarray[Any, Any]
    times: np.ndarray[Any, Any]
    first: np.ndarray[Any, Any]  # the row of each customer's path's step-1 event
    rows: pa.Table
    hashes: np.ndarray[Any, Any]

    @property
    def steps(self) -> int:
        return int(self.times.shape[1])


def walk(
    con: duckdb.DuckDBPyConnection,
    query: FunnelQuery,
    journeys: dict[str, Journey],
    relation: str = EVENTS,
    *,
    with_ids: bool = False,
) -> Walked:
    """Read the funnel's rows and walk every customer's (see the module docstring)."""
    from journeys.analytics.funnels import compiled  # numba: loaded only when used

    c = builder.compile_query(query, journeys)
    if relation == EVENTS and not with_ids:  # stitch on hashes instead of the view's joins
        from journeys.analytics.kernels import stitched_hashes

        built = builder.raw_rows_sql(query, journeys)
        rows = run_query(con, built.sql, built.params, what="the funnel")
        user, anonymous = _ints(rows, "hu"), _ints(rows, "ha")
        h = stitched_hashes(con, user, anonymous, _ints(rows, "no_user")).view(np.int64)
    else:
        built = builder.rows_sql(query, journeys, relation, ids=with_ids)
        rows = run_query(con, built.sql, built.params, what="the funnel")
        h = _ints(rows, "h").view(np.int64)
    t, seq = _ints(rows, "t"), _ints(rows, "seq")
    m, x = _ints(rows, "m"), _ints(rows, "x")
    # The walks read every row in customer and time order.
    order, starts, t, m, x = compiled.group_rows(h, t, seq, m, x)
    mode = {"ordered": compiled.ORDERED, "strict": compiled.STRICT, "any": compiled.ANY}
    level, first, times = compiled.walk(mode[c.order], order, starts, t, m, x, c.n, c.window_us)
    keep = np.flatnonzero(level >= 1)
    return Walked(level[keep], times[keep], first[keep], rows, h)


def answerable_from_sequences(query: FunnelQuery, journeys: dict[str, Journey]) -> bool:
    """Whether the kept customer sequences hold all the funnel reads: steps and exclusions
    that look at an event's name, type and channel only (event names, touchpoints whose
    matcher has no property filter), no breakdown, no list of customers."""
    steps = [*query.steps, *(x.step for x in query.exclude)]
    plain = all(_matcher(s, journeys) is not None for s in steps)
    return plain and query.breakdown is None and query.dropped_at is None


def _matcher(step: Step, journeys: dict[str, Journey]) -> Matcher | None:
    """The step as a matcher of name, type and channel; None when it filters on properties."""
    if step.touchpoint is not None:
        found = touchpoint_matcher(step.touchpoint, journeys)
        return None if found.where else found
    return None if step.where or step.event is None else Matcher(event=step.event)


def _bits(kept: Sequences, matchers: list[tuple[Matcher, int]]) -> np.ndarray[Any, Any]:
    """Per (name, type, channel) combination, the OR of the bits of the matchers it meets."""

    def bits(row: dict[str, Any]) -> int:
        found = 0
        for matcher, bit in matchers:
            if matcher.matches(row):
                found |= bit
        return found

    return kept.per_combo(bits)


def walk_sequences(
    kept: Sequences, query: FunnelQuery, journeys: dict[str, Journey]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Level and step times of each customer who did step 1, walked over the kept customer
    sequences (:mod:`journeys.analytics.sequences`; the query must be
    :func:`answerable_from_sequences`): the same rows as the builder's ``ev``, read from
    memory instead of DuckDB."""
    from journeys.analytics.funnels import compiled

    c = builder.compile_query(query, journeys)
    steps = [(_matcher(s, journeys), 1 << i) for i, s in enumerate(query.steps)]
    exclusions = [
        (_matcher(x.step, journeys), 1 << (i - 1))
        for x in query.exclude
        for i in range(x.from_step, x.to_step)
    ]
    step_bits = _bits(kept, [(m, bit) for m, bit in steps if m is not None])
    exclusion_bits = _bits(kept, [(m, bit) for m, bit in exclusions if m is not None])
    big = np.iinfo(np.int64).max
    lo = micros(c.start) if c.start else np.iinfo(np.int64).min
    end = micros(c.end) if c.end else big
    hi = end + c.window_us if c.end else big
    if c.order == "strict":  # the walk must not see the events that are not behaviour
        behaviour = kept.per_combo(lambda row: int(row["type"] not in builder.NOT_BEHAVIOUR))
        picked = (kept.starts, kept.t, kept.combo, behaviour, step_bits, exclusion_bits)
        order, starts, t, m, x = compiled.select_rows(*picked, True, lo, end, hi)
    else:  # the walks pass over rows of no step: flag every row in place
        order, starts, t = np.empty(0, np.int64), kept.starts, kept.t  # rows: positions
        dtype = np.int32 if c.n < 31 else np.int64
        m, x = np.empty(t.size, dtype), np.empty(t.size, dtype)
        bits = (step_bits.astype(dtype), exclusion_bits.astype(dtype))
        compiled.step_flags(t, kept.combo, *bits, lo, end, hi, m, x)
    mode = {"ordered": compiled.ORDERED, "strict": compiled.STRICT, "any": compiled.ANY}
    level, _, times = compiled.walk(mode[c.order], order, starts, t, m, x, c.n, c.window_us)
    keep = np.flatnonzero(level >= 1)
    return level[keep], times[keep]


def flat_table(walked: Walked, with_ids: bool = False) -> pa.Table:
    """The builder's ``flat`` relation: per customer who did step 1, ``c`` (the id with
    ``with_ids``, else its hash), ``level``, ``b`` (breakdown value) and ``t1…tn``."""
    first = walked.first
    columns: dict[str, Any] = {
        "c": pc.take(walked.rows.column("cid"), first)
        if with_ids
        else pa.array(walked.hashes[first]),
        "level": pa.array(walked.level),
        "b": pc.take(walked.rows.column("b"), first),
    }
    for k in range(1, walked.steps + 1):
        reached = walked.level >= k
        columns[f"t{k}"] = pa.array(walked.times[:, k - 1], mask=~reached)
    return pa.table(columns)


def summary(level: np.ndarray[Any, Any], times: np.ndarray[Any, Any]) -> dict[str, Any]:
    """The summary SQL's overall row (``n1…``, ``avg2…``, ``med2…`` in µs) from the levels
    and step times of the customers who did step 1: the same figures (a median of an even
    count is the mean of the middle two, as DuckDB's)."""
    row: dict[str, Any] = {"bucket": None, "overall": 1}
    for k in range(1, times.shape[1] + 1):
        reached = level >= k
        row[f"n{k}"] = int(reached.sum())
        if k > 1:
            gaps = (times[reached, k - 1] - times[reached, k - 2]).astype(np.float64)
            row[f"avg{k}"] = float(gaps.mean()) if gaps.size else None
            row[f"med{k}"] = float(np.median(gaps)) if gaps.size else None
    return row


def _ints(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    return np.ascontiguousarray(table.column(name).to_numpy())
