"""The funnel SQL against an independent pure-Python reference on random event sets, and the
funnel's invariants (Hypothesis).

The reference follows the words of docs/analytics/funnels.md, not the SQL's plan: the level is
found by brute force (is there a path?), the path by replaying the events one by one.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.analytics.common import Engine
from journeys.analytics.funnels import FunnelQuery, FunnelResult, run

T0 = datetime(2026, 3, 2, 9, 0)
TABLE = "funnel_events"


@dataclass(frozen=True)
class Ev:
    t: int  # minutes after T0
    seq: int
    event: str


# -- the reference ---------------------------------------------------------------------------


def ordered_level(evs: list[Ev], steps: list[str], w: int) -> int:
    """The furthest step a path reaches: distinct events in order, last within w of the first."""
    best = 0
    for i, first in enumerate(evs):
        if first.event != steps[0]:
            continue
        k = 1
        for e in evs[i + 1 :]:
            if k < len(steps) and e.event == steps[k] and e.t - first.t <= w:
                k += 1
        best = max(best, k)
    return best


def ordered_paths(evs: list[Ev], steps: list[str], w: int) -> dict[int, list[Ev]]:
    """Replay the events: a step-1 event starts an attempt (the latest start replaces older
    ones); an attempt's next step is the first matching event after its current one within w.
    Returns, per step, the path of the attempt that reached it first."""
    n = len(steps)
    attempt: list[list[Ev] | None] = [None] * (n + 1)
    first: dict[int, list[Ev]] = {}
    for e in evs:
        for k in range(n, 0, -1):  # as a later step first, so one event is never two steps
            if e.event != steps[k - 1]:
                continue
            if k == 1:
                attempt[1] = [e]
            else:
                prev, here = attempt[k - 1], attempt[k]
                if prev is None or e.t - prev[0].t > w:
                    continue
                if here is not None and here[0] is prev[0]:
                    continue  # this attempt is already at step k
                attempt[k] = [*prev, e]
            path = attempt[k]
            assert path is not None
            first.setdefault(k, path)
    return first


def latest_start(evs: list[Ev], steps: list[str], end: int, i: int) -> Ev | None:
    """The latest step-1 event of a path whose step i is the event at position ``end``."""
    if i == 1:
        return evs[end]
    for s in range(end - 1, -1, -1):
        if evs[s].event != steps[0]:
            continue
        k = 1
        for e in evs[s + 1 : end]:
            if k < i - 1 and e.event == steps[k]:
                k += 1
        if k == i - 1:
            return evs[s]
    return None


def cap(evs: list[Ev], steps: list[str], w: int, pairs: dict[int, str]) -> int:
    """The step a customer is held at by exclusions: they did X after an attempt reached step i
    (within its window) and before any step-(i+1) event."""
    held = len(steps)
    for xi, x in enumerate(evs):
        for i, name in pairs.items():
            if x.event != name:
                continue
            for p_at in range(xi - 1, -1, -1):
                p = evs[p_at]
                if p.event == steps[i - 1]:
                    start = latest_start(evs, steps, p_at, i)
                    if start is not None:
                        if x.t - start.t <= w:
                            held = min(held, i)
                        break
                if p.event == steps[i]:
                    break  # the next step came first
    return held


def strict_path(evs: list[Ev], steps: list[str], w: int) -> list[Ev]:
    """Consecutive events: the longest attempt; among equals the one that ends first."""
    best: list[Ev] = []
    for i, first in enumerate(evs):
        if first.event != steps[0]:
            continue
        path = [first]
        for e in evs[i + 1 :]:
            if len(path) == len(steps) or e.event != steps[len(path)] or e.t - first.t > w:
                break
            path.append(e)
        if len(path) > len(best):
            best = path
    return best


def any_level(evs: list[Ev], steps: list[str], w: int) -> int:
    """The most leading steps whose events all fit in one window, in any order."""
    best = 0
    for s in range(len(evs)):
        for r in range(s, len(evs)):
            if evs[r].t - evs[s].t > w:
                break
            seen = {e.event for e in evs[s : r + 1]}
            k = 0
            while k < len(steps) and steps[k] in seen:
                k += 1
            best = max(best, k)
    return best


def any_times(evs: list[Ev], steps: list[str], w: int, level: int) -> list[int]:
    """When steps 1..k were all done, for the span that reached ``level`` first."""
    for r, end in enumerate(evs):
        latest = [max((e.t for e in evs[: r + 1] if e.event == s), default=None) for s in steps]
        got = latest[:level]
        if level and all(t is not None and end.t - t <= w for t in got):
            return [max(t for t in got[: k + 1] if t is not None) for k in range(level)]
    return []


@dataclass
class Expected:
    level: int
    times: list[int]  # minutes of the path's steps 1..level


def reference(
    evs: list[Ev], steps: list[str], w: int, order: str, pairs: dict[int, str]
) -> Expected:
    """One customer's furthest step and the times of their path."""
    if order == "strict":
        path = strict_path(evs, steps, w)
        return Expected(len(path), [e.t for e in path])
    if order == "any":
        level = any_level(evs, steps, w)
        return Expected(level, any_times(evs, steps, w, level))
    level = ordered_level(evs, steps, w)
    paths = ordered_paths(evs, steps, w)
    assert max(paths, default=0) == level  # the two readings of the semantics agree
    level = min(level, cap(evs, steps, w, pairs)) if pairs and level else level
    return Expected(level, [e.t for e in paths[level]] if level else [])


# -- running the SQL on a plain table --------------------------------------------------------


@pytest.fixture(scope="module", params=["sql", "kernel"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Every check runs on both engines: the SQL plan and the compiled pass."""
    value: Engine = request.param
    return value


@dataclass(frozen=True)
class Db:
    """A connection and the engine its funnels run on."""

    con: duckdb.DuckDBPyConnection
    engine: Engine


@pytest.fixture(scope="module")
def con(engine: Engine) -> Iterator[Db]:
    c = duckdb.connect()
    yield Db(c, engine)
    c.close()


def load(
    con: duckdb.DuckDBPyConnection, people: dict[str, list[tuple[str, int]]]
) -> dict[str, list[Ev]]:
    rows, by = [], {}
    seq = 0
    for who, events in people.items():
        evs = []
        for name, minute in events:
            seq += 1
            evs.append(Ev(minute, seq, name))
            rows.append(
                {
                    "customer_id": who,
                    "seq": seq,
                    "timestamp": T0 + timedelta(minutes=minute),
                    "event": name,
                    "type": "track",
                    "channel": None,
                    "properties": "{}",
                    "context": "{}",
                }
            )
        by[who] = sorted(evs, key=lambda e: (e.t, e.seq))
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("seq", pa.int64()),
            ("timestamp", pa.timestamp("us")),
            ("event", pa.string()),
            ("type", pa.string()),
            ("channel", pa.string()),
            ("properties", pa.string()),
            ("context", pa.string()),
        ]
    )
    con.register("incoming", pa.Table.from_pylist(rows, schema=schema))
    con.execute(
        f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * REPLACE "
        "(properties::JSON AS properties, context::JSON AS context) FROM incoming"
    )
    con.unregister("incoming")
    return by


def funnel_of(db: Db, **fields: Any) -> FunnelResult:
    return run(db.con, FunnelQuery.build(**fields), {}, relation=TABLE, engine=db.engine)


# Times on a 10-minute grid, so ties and gaps of exactly the window are common.
EVENTS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "x"]), st.integers(0, 30).map(lambda m: m * 10)),
    max_size=9,
)
PEOPLE = st.dictionaries(st.sampled_from(["u1", "u2", "u3", "u4", "u5"]), EVENTS, max_size=5)
WINDOW = st.sampled_from([20, 60, 180])
ORDERED_STEPS = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=4)
DISTINCT_STEPS = st.permutations(["a", "b", "c"]).flatmap(
    lambda p: st.integers(1, 3).map(lambda k: p[:k])
)


def check(
    con: Db,
    people: Any,
    steps: list[str],
    w: int,
    order: str,
    exclude: list[str],
) -> None:
    by = load(con.con, people)
    pairs = {}
    for x in exclude:
        name, _, rest = x.partition(" between ")
        a, _, b = rest.partition(" and ")
        pairs |= {i: name for i in range(int(a), int(b))}
    expected = {who: reference(evs, steps, w, order, pairs) for who, evs in by.items()}
    result = funnel_of(con, steps=steps, window=f"{w}m", order=order, exclude=exclude)
    n = len(steps)
    assert [s.customers for s in result.steps] == [
        sum(e.level >= k for e in expected.values()) for k in range(1, n + 1)
    ]
    for k in range(2, n + 1):
        gaps = [(e.times[k - 1] - e.times[k - 2]) * 60 for e in expected.values() if e.level >= k]
        step = result.steps[k - 1]
        if not gaps:
            assert step.avg_seconds_to_convert is None
            continue
        assert step.avg_seconds_to_convert == pytest.approx(statistics.mean(gaps))
        assert step.median_seconds_to_convert == pytest.approx(statistics.median(gaps))
    for k in range(2, n + 1):
        dropped = funnel_of(
            con, steps=steps, window=f"{w}m", order=order, exclude=exclude, dropped_at=k, limit=1000
        ).dropped
        assert dropped is not None
        want = sorted(who for who, e in expected.items() if e.level == k - 1)
        assert [c.customer_id for c in dropped.customers] == want
        assert [c.reached_at for c in dropped.customers] == [
            T0 + timedelta(minutes=expected[who].times[k - 2]) for who in want
        ]


@settings(max_examples=120, deadline=None)
@given(people=PEOPLE, steps=ORDERED_STEPS, w=WINDOW)
def test_ordered_equals_the_reference(con: Db, people: Any, steps: list[str], w: int) -> None:
    check(con, people, steps, w, "ordered", [])


@settings(max_examples=80, deadline=None)
@given(people=PEOPLE, steps=ORDERED_STEPS, w=WINDOW)
def test_strict_equals_the_reference(con: Db, people: Any, steps: list[str], w: int) -> None:
    check(con, people, steps, w, "strict", [])


@settings(max_examples=80, deadline=None)
@given(people=PEOPLE, steps=DISTINCT_STEPS, w=WINDOW)
def test_any_order_equals_the_reference(con: Db, people: Any, steps: list[str], w: int) -> None:
    check(con, people, list(steps), w, "any", [])


@settings(max_examples=100, deadline=None)
@given(people=PEOPLE, w=WINDOW, data=st.data())
def test_exclusions_equal_the_reference(con: Db, people: Any, w: int, data: st.DataObject) -> None:
    # No step repeats the one before it: with `a → b → b`, which b is "step 2" is the path's
    # business, which the reference's backward scan cannot tell (it would take the second b
    # for step 2). test_an_exclusion_after_a_repeated_step_reached_does_not_hold pins that case.
    steps = data.draw(
        st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=4).filter(
            lambda s: all(x != y for x, y in itertools.pairwise(s))
        )
    )
    a = data.draw(st.integers(1, len(steps) - 1))
    b = data.draw(st.integers(a + 1, len(steps)))
    check(con, people, steps, w, "ordered", [f"x between {a} and {b}"])


def test_an_exclusion_after_a_repeated_step_reached_does_not_hold(
    con: Db,
) -> None:
    # a, b, b reach steps 1-3 in that order; x comes after step 3, so it is not between 1 and 3.
    load(con.con, {"u1": [("a", 0), ("b", 0), ("b", 0), ("x", 0)]})
    result = funnel_of(con, steps=["a", "b", "b"], window="20m", exclude=["x between 1 and 3"])
    assert [s.customers for s in result.steps] == [1, 1, 1]
    load(con.con, {"u1": [("a", 0), ("b", 0), ("x", 0), ("b", 0)]})
    result = funnel_of(con, steps=["a", "b", "b"], window="20m", exclude=["x between 1 and 3"])
    assert [s.customers for s in result.steps] == [1, 1, 0]


@settings(max_examples=60, deadline=None)
@given(people=PEOPLE, steps=ORDERED_STEPS, w=WINDOW, order=st.sampled_from(["ordered", "strict"]))
def test_counts_never_grow_and_later_steps_are_subsets(
    con: Db, people: Any, steps: list[str], w: int, order: str
) -> None:
    load(con.con, people)
    counts = [s.customers for s in funnel_of(con, steps=steps, window=f"{w}m", order=order).steps]
    assert counts == sorted(counts, reverse=True)
    # Who reached step k reached every earlier step: nobody is dropped twice.
    reached_only = []
    for k in range(2, len(steps) + 1):
        page = funnel_of(
            con, steps=steps, window=f"{w}m", order=order, dropped_at=k, limit=1000
        ).dropped
        assert page is not None
        reached_only.append({c.customer_id for c in page.customers})
    flat = [who for group in reached_only for who in group]
    assert len(flat) == len(set(flat))
    assert len(flat) == counts[0] - counts[-1]


@settings(max_examples=40, deadline=None)
@given(
    people=PEOPLE,
    step=st.sampled_from(["a", "b", "c"]),
    order=st.sampled_from(["ordered", "strict", "any"]),
)
def test_a_one_step_funnel_counts_who_did_it(con: Db, people: Any, step: str, order: str) -> None:
    load(con.con, people)
    did = {who for who, events in people.items() if any(name == step for name, _ in events)}
    assert funnel_of(con, steps=[step], window="1h", order=order).steps[0].customers == len(did)
