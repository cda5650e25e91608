"""Properties of retention over random logs, against a plain-Python reading of the definition.

The logs go into an in-memory DuckDB table named like the stitched view (customer ids already
resolved), so Hypothesis can try hundreds of them; the scenario tests cover stitching itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.analytics.common import Step
from journeys.analytics.retention import RetentionQuery, run_retention
from journeys.analytics.retention import periods as cal
from journeys.analytics.retention.query import ACTIVITY_TYPES

BASE = datetime(2026, 1, 1)
Row = tuple[str, str, str, datetime]  # customer, event, type, timestamp

ROWS = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]),
        st.sampled_from(["a", "b", "x"]),
        st.sampled_from(["track", "page", "screen", "identify"]),
        st.integers(0, 80 * 24).map(lambda h: BASE + timedelta(hours=h, minutes=7)),
    ),
    max_size=40,
)
QUERIES = st.builds(
    lambda period, periods, returning, mode, first, span: RetentionQuery(
        start=Step.parse("a"),
        returning=Step.parse(returning) if returning else None,
        period=period,
        periods=periods,
        date_from=BASE.date() + timedelta(days=first),
        date_to=BASE.date() + timedelta(days=first + span),
        mode=mode,
    ),
    st.sampled_from(["day", "week", "month"]),
    st.integers(1, 6),
    st.sampled_from([None, "b", "a"]),
    st.sampled_from(["on", "on_or_after"]),
    st.integers(-10, 60),
    st.integers(0, 40),
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE stitched_events (customer_id VARCHAR, event VARCHAR, type VARCHAR,"
        " timestamp TIMESTAMP, properties JSON, context JSON, channel VARCHAR, known BOOLEAN)"
    )
    db.execute("CREATE VIEW events AS SELECT * FROM stitched_events")
    yield db
    db.close()


def load(con: duckdb.DuckDBPyConnection, rows: list[Row]) -> None:
    con.execute("DELETE FROM stitched_events")
    if rows:
        con.executemany(
            "INSERT INTO stitched_events VALUES (?, ?, ?, ?, '{}', '{}', 'web', true)",
            [list(r) for r in rows],
        )


def expected(rows: list[Row], q: RetentionQuery) -> dict[str, list[Any]]:
    """The definition, read literally: cohort = period of the first A; retained in k ≥ 1 when
    B (default: any track/page/screen) happens in the k-th period after (or, on_or_after, in
    the k-th or a later one); cells after the latest activity are unknown (None)."""
    assert q.date_from and q.date_to
    first: dict[str, datetime] = {}
    for who, event, _, ts in rows:
        if event == "a":
            first[who] = min(first.get(who, ts), ts)
    activity = [ts for _, _, kind, ts in rows if kind in ACTIVITY_TYPES]
    end = max(activity) if activity else None
    wanted = q.returning.event if q.returning else None

    def returns(who: str, cohort: datetime) -> set[int]:
        hits = [
            ts
            for c, e, kind, ts in rows
            if c == who and (e == wanted if wanted else kind in ACTIVITY_TYPES)
        ]
        return {cal.between(cohort, cal.start_of(ts, q.period), q.period) for ts in hits}

    out: dict[str, list[Any]] = {}
    start, last = cal.start_of(q.date_from, q.period), cal.start_of(q.date_to, q.period)
    cohort = start
    while cohort <= last:
        members = [w for w, f in first.items() if cal.start_of(f, q.period) == cohort]
        seen = [returns(w, cohort) for w in members]
        reached = bool(members) or (end is not None and cohort <= end)
        cells: list[Any] = [len(members) if reached else None]
        for k in range(1, q.periods + 1):
            if end is None or cal.shift(cohort, q.period, k) > end:
                cells.append(None)
            elif q.mode == "on":
                cells.append(sum(k in s for s in seen))
            else:
                cells.append(sum(any(j >= k for j in s) for s in seen))
        out[cal.label(cohort, q.period)] = [len(members), *cells]
        cohort = cal.shift(cohort, q.period, 1)
    return out


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, q=QUERIES)
def test_retention_follows_its_definition(
    con: duckdb.DuckDBPyConnection, rows: list[Row], q: RetentionQuery
) -> None:
    load(con, rows)
    result = run_retention(con, {}, q)
    got = {c.label: [c.size, *(p.retained for p in c.periods)] for c in result.cohorts}
    assert got == expected(rows, q)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, q=QUERIES)
def test_nobody_is_retained_twice_and_every_starter_in_range_is_in_one_cohort(
    con: duckdb.DuckDBPyConnection, rows: list[Row], q: RetentionQuery
) -> None:
    load(con, rows)
    result = run_retention(con, {}, q)
    for cohort in result.cohorts:
        for cell in cohort.periods:
            assert cell.retained is None or 0 <= cell.retained <= cohort.size
            assert cell.share is None or 0.0 <= cell.share <= 1.0
    assert q.date_from and q.date_to
    lo = cal.start_of(q.date_from, q.period)
    hi = cal.shift(cal.start_of(q.date_to, q.period), q.period, 1)
    first: dict[str, datetime] = {}
    for who, event, _, ts in rows:
        if event == "a":
            first[who] = min(first.get(who, ts), ts)
    starters = {w for w, f in first.items() if lo <= f < hi}
    assert sum(c.size for c in result.cohorts) == result.customers == len(starters)
    for a in result.average:
        assert a.share is None or 0.0 <= a.share <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    period=st.sampled_from(["day", "week", "month"]),
    n=st.integers(-30, 30),
)
def test_calendar_periods_agree_with_duckdb(
    con: duckdb.DuckDBPyConnection, moment: datetime, period: Any, n: int
) -> None:
    row = con.execute(
        f"SELECT date_trunc('{period}', ?::TIMESTAMP), strftime(?::TIMESTAMP, '%G-W%V')",
        [moment, moment],
    ).fetchone()
    assert row is not None
    start = cal.start_of(moment, period)
    assert start == row[0]
    if period == "week":
        assert cal.label(start, period) == row[1]
    later = cal.shift(start, period, n)
    assert cal.start_of(later, period) == later
    assert cal.between(start, later, period) == n
    assert cal.start_of(date(moment.year, moment.month, moment.day), period) == start
