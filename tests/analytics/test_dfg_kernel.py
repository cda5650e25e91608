"""The compiled directly-follows graph gives the SQL's result, scenario by scenario.

Each scenario runs through both engines of ``run_dfg`` (``kernel`` and ``sql``) and must give
the very same ``DfgResult``; the hand-computed edges are checked too, so an agreement on a
wrong answer fails. numba compiles the kernel once per machine (then loads it from its cache).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dfg_pm4py import DATA, NOW, pm4py_dfg

from journeys.analytics.dfg import DfgQuery, DfgResult, run_dfg
from journeys.analytics.dfg.runner import KERNEL_FROM, _large
from journeys.analytics.kernels import dense_ids
from journeys.events.importing import import_file
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, D, H, M, journeys_for
from test_touchpoints import add_shop


def both_engines(ws: Workspace, query: DfgQuery | None = None) -> DfgResult:
    """The graph from the compiled engine, after checking the SQL gives the same."""
    query = query or DfgQuery()
    journey = ws.journey(query.journey) if query.journey else None
    with closing(ws.events.fresh_reader()) as con:
        compiled = run_dfg(con, query, journey, engine="kernel")
        assert compiled == run_dfg(con, query, journey, engine="sql")
    return compiled


def edge_counts(result: DfgResult) -> dict[tuple[str, str], int]:
    return {(e.from_, e.to): e.count for e in result.edges}


def test_compiled_edges_follow_time_not_arrival(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "alice": [("cart", T0 + 2 * M), ("view", T0), ("view", T0 + 4 * M), ("buy", T0 + H)],
            "bob": [("view", T0), ("buy", T0 + 10 * M)],
            "anon:dev1": [("view", T0)],
        },
    )
    result = both_engines(ws)
    assert edge_counts(result) == {("view", "cart"): 1, ("cart", "view"): 1, ("view", "buy"): 2}
    medians = {(e.from_, e.to): e.median_seconds for e in result.edges}
    assert medians[("view", "buy")] == 1980.0  # 56 and 10 minutes: the mean of the two
    assert {n.name: (n.events, n.starts, n.ends) for n in result.nodes} == {
        "view": (4, 3, 1),
        "cart": (1, 0, 0),
        "buy": (2, 0, 2),
    }


def test_compiled_ties_keep_arrival_order(ws: Workspace) -> None:
    journeys_for(ws, {"alice": [("b", T0), ("a", T0), ("c", T0)], "bob": [("c", T0), ("b", T0)]})
    assert edge_counts(both_engines(ws)) == {("b", "a"): 1, ("a", "c"): 1, ("c", "b"): 1}


def test_compiled_stitches_an_anonymous_visit_to_the_login(ws: Workspace) -> None:
    journeys_for(ws, {"anon:dev9": [("view", T0), ("cart", T0 + M)], "carol": [("buy", T0 + H)]})
    send(ws.events, identify("carol", 2, anon="dev9"))
    result = both_engines(ws)
    assert edge_counts(result) == {
        ("view", "cart"): 1,
        ("cart", "identify"): 1,
        ("identify", "buy"): 1,
    }
    assert result.customers == 1


def test_compiled_touchpoints_skip_unmapped_events(ws: Workspace) -> None:
    add_shop(ws)
    journeys_for(
        ws,
        {
            "alice": [
                ("product_viewed", T0 + 3 * M, {"price": 20}),  # arrives before earlier ones
                ("ad_clicked", T0),
                ("home", T0 + M),
                ("product_viewed", T0 + 2 * M, {"price": 150}),
                ("order_completed", T0 + H, {"revenue": 40}),
            ],
            "bob": [("product_viewed", T0, {"price": 5}), ("search", T0 + M)],
            "carol": [("home", T0), ("search", T0 + M)],
        },
    )
    result = both_engines(ws, DfgQuery(journey="shop"))
    assert edge_counts(result) == {
        ("ad", "premium"): 1,
        ("premium", "product"): 1,
        ("product", "order"): 1,
    }
    assert (result.customers, result.events, result.unmapped) == (2, 5, 2)


def test_compiled_dates_and_min_count(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "a": [("x", T0 - D), ("view", T0), ("buy", T0 + M), ("y", T0 + 2 * D)],
            "b": [("view", T0), ("buy", T0 + 3 * M)],
            "c": [("view", T0 + D), ("help", T0 + D + M)],
        },
    )
    day = T0.date()
    result = both_engines(ws, DfgQuery(from_date=day, to_date=day + timedelta(days=1), min_count=2))
    assert edge_counts(result) == {("view", "buy"): 2}
    assert {n.name for n in result.nodes} == {"view", "buy", "help"}
    assert both_engines(ws, DfgQuery(from_date=date(2030, 1, 1))).nodes == []


# -- plain tables: long histories, many activities, NULL names --------------------------------
Row = tuple[str, str | None, datetime, int]
T1 = datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        yield connection


def fill(con: duckdb.DuckDBPyConnection, rows: list[Row]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE ev (customer_id VARCHAR, event VARCHAR, timestamp TIMESTAMP, "
        "seq BIGINT)"
    )
    if rows:
        con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?)", rows)


def compiled_and_sql(con: duckdb.DuckDBPyConnection) -> tuple[DfgResult, DfgResult]:
    return (
        run_dfg(con, DfgQuery(), relation="ev", engine="kernel"),
        run_dfg(con, DfgQuery(), relation="ev", engine="sql"),
    )


def test_compiled_orders_a_long_shuffled_history(con: duckdb.DuckDBPyConnection) -> None:
    # 300 events of one customer, arriving shuffled, many at the same second: longer than
    # an insertion sort handles, so the stable two-key sort orders them.
    rng = random.Random(3)
    events = [(rng.choice("abcdef"), T1 + timedelta(seconds=rng.randrange(60))) for _ in range(300)]
    rows: list[Row] = [("c1", e, t, n) for n, (e, t) in enumerate(events)]
    arrival = rows[:]
    rng.shuffle(arrival)
    fill(con, [*arrival, ("c2", "a", T1, 1000)])
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    ordered = sorted(rows, key=lambda r: (r[2], r[3]))
    expected: dict[tuple[str, str], int] = {}
    for x, y in pairwise(ordered):
        expected[(str(x[1]), str(y[1]))] = expected.get((str(x[1]), str(y[1])), 0) + 1
    assert edge_counts(compiled) == expected


def test_compiled_counts_pairs_of_thousands_of_activities(con: duckdb.DuckDBPyConnection) -> None:
    # 2,100 names: more (from, to) pairs than a plain array holds, so the pairs are numbered.
    rows: list[Row] = [
        (f"c{n % 40}", f"page-{(n * 11) % 2100}", T1 + timedelta(seconds=n), n) for n in range(4200)
    ]
    fill(con, rows)
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    assert len(compiled.nodes) == 2100 and compiled.customers == 40
    assert sum(e.count for e in compiled.edges) == 4200 - 40


def test_compiled_leaves_out_events_without_a_name(con: duckdb.DuckDBPyConnection) -> None:
    fill(con, [("c1", "a", T1, 1), ("c1", None, T1, 2), ("c1", "b", T1, 3), ("c2", None, T1, 4)])
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    assert edge_counts(compiled) == {("a", "b"): 1}
    assert (compiled.customers, compiled.events, compiled.unmapped) == (1, 2, None)


@pytest.mark.parametrize("kind", ["TIMESTAMPTZ", "TIMESTAMP_NS"])
def test_compiled_reads_other_timestamp_types(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    # Microseconds with a time zone are read as they are; nanoseconds are left to the SQL.
    fill(con, [("c1", "b", T1 + timedelta(seconds=3), 1), ("c1", "a", T1, 2), ("c2", "a", T1, 3)])
    con.execute(f"ALTER TABLE ev ALTER timestamp TYPE {kind}")
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    assert [(e.from_, e.to, e.median_seconds) for e in compiled.edges] == [("a", "b", 3.0)]


def test_compiled_graph_of_no_events(con: duckdb.DuckDBPyConnection) -> None:
    fill(con, [])
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    assert (compiled.customers, compiled.nodes, compiled.edges) == (0, [], [])


LOGS = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]),
        st.sampled_from("abcd"),
        st.integers(0, 6),  # few distinct seconds: many ties, many equal gaps
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(log=LOGS, seed=st.integers(0, 1000))
def test_compiled_equals_sql_on_random_logs(
    con: duckdb.DuckDBPyConnection, log: list[tuple[str, str, int]], seed: int
) -> None:
    rows: list[Row] = [(c, e, T1 + timedelta(seconds=m), n) for n, (c, e, m) in enumerate(log)]
    random.Random(seed).shuffle(rows)  # arrival order is not seq order
    fill(con, rows)
    compiled, sql = compiled_and_sql(con)
    assert compiled == sql
    assert compiled.events == len(rows)
    assert sum(n.starts for n in compiled.nodes) == len({r[0] for r in rows})


# -- the engine choice and the shared helpers ----------------------------------------------
def test_auto_compiles_only_from_a_million_events(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE VIEW big AS SELECT 'c' || (i % 5) AS customer_id, 'e' AS event, "
        f"TIMESTAMP '2026-01-01' + to_seconds(i) AS timestamp, i AS seq FROM range({KERNEL_FROM}) "
        "t(i)"
    )
    assert _large(con, DfgQuery(), "big")
    assert not _large(con, DfgQuery(from_date=date(2026, 1, 2)), "big")  # a day: 86,400 rows
    fill(con, [("c1", "a", T1, 1)])
    assert not _large(con, DfgQuery(), "ev")


def test_customers_get_dense_ids_in_order_of_first_appearance() -> None:
    hashes = [7, 3, 7, 2**64 - 1, 3, 7]
    ids, distinct = dense_ids(np.array(hashes, dtype=np.uint64))
    assert ids.tolist() == [0, 1, 0, 2, 1, 0]
    assert distinct.tolist() == [7, 3, 2**64 - 1]


def test_dense_ids_survive_the_table_growing() -> None:
    keys = np.random.default_rng(1).integers(0, 2**63, 50_000, dtype=np.uint64)
    keys = np.concatenate([keys, keys[::-1]])  # each key twice
    ids, distinct = dense_ids(keys)
    assert distinct.size == np.unique(keys).size
    assert (distinct[ids] == keys).all()


# -- against pm4py ---------------------------------------------------------------------------
@pytest.mark.slow
def test_compiled_receipt_equals_pm4py(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "receipt.xes"
    shutil.copyfile(DATA / "receipt.xes", path)
    summary = import_file(ws.events, path, received_at=NOW, rejects=path.with_suffix(".rej"))
    assert summary.refused == 0
    result = both_engines(ws)
    assert (result.customers, result.events, len(result.edges)) == (1434, 8577, 99)
    edges, starts, ends = pm4py_dfg(path)
    assert edge_counts(result) == dict(edges)
    assert {n.name: n.starts for n in result.nodes if n.starts} == dict(starts)
    assert {n.name: n.ends for n in result.nodes if n.ends} == dict(ends)
