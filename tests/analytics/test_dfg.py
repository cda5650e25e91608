"""The directly-follows graph: hand-computed scenarios, touchpoints, dates, and an invariant."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from journeys.analytics.dfg import DfgQuery, DfgResult, dfg, run_dfg
from journeys.analytics.dfg.builder import build_dfg
from journeys.analytics.dfg.runner import _named
from journeys.cli import app
from journeys.errors import InvalidInput, JourneyNotFound
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, D, H, M, journeys_for
from test_touchpoints import add_shop


def edges(result: DfgResult) -> dict[tuple[str, str], int]:
    return {(e.from_, e.to): e.count for e in result.edges}


def nodes(result: DfgResult) -> dict[str, tuple[int, int, int]]:
    return {n.name: (n.events, n.starts, n.ends) for n in result.nodes}


def test_events_follow_each_other_per_customer_in_time_order(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            # Sent out of order: the graph follows the timestamps, not the arrival.
            "alice": [("cart", T0 + 2 * M), ("view", T0), ("view", T0 + 4 * M), ("buy", T0 + H)],
            "bob": [("view", T0), ("buy", T0 + 10 * M)],
            "anon:dev1": [("view", T0)],
        },
    )
    result = dfg(ws)
    assert result.level == "event"
    assert edges(result) == {("view", "cart"): 1, ("cart", "view"): 1, ("view", "buy"): 2}
    assert nodes(result) == {"view": (4, 3, 1), "cart": (1, 0, 0), "buy": (2, 0, 2)}
    assert (result.customers, result.events, result.unmapped) == (3, 7, None)
    medians = {(e.from_, e.to): e.median_seconds for e in result.edges}
    # view → buy took 56 minutes (alice) and 10 minutes (bob): the median is 33 minutes.
    assert medians == {("view", "cart"): 120.0, ("cart", "view"): 120.0, ("view", "buy"): 1980.0}
    assert result.edges[0].from_ == "view" and result.edges[0].to == "buy"  # most frequent first


def test_events_at_the_same_moment_keep_their_arrival_order(ws: Workspace) -> None:
    journeys_for(ws, {"alice": [("b", T0), ("a", T0), ("c", T0)]})
    assert edges(dfg(ws)) == {("b", "a"): 1, ("a", "c"): 1}


def test_an_anonymous_visit_then_a_login_is_one_customer(ws: Workspace) -> None:
    journeys_for(ws, {"anon:dev9": [("view", T0), ("cart", T0 + M)], "carol": [("buy", T0 + H)]})
    send(ws.events, identify("carol", 2, anon="dev9"))
    result = dfg(ws)
    assert edges(result) == {("view", "cart"): 1, ("cart", "identify"): 1, ("identify", "buy"): 1}
    assert result.customers == 1


def test_dates_are_whole_days_with_both_ends_included(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "alice": [
                ("a", T0 - D),
                ("b", T0),
                ("c", T0 + D + 14 * H),  # the evening of the last day still counts
                ("d", T0 + 2 * D),
            ]
        },
    )
    day = T0.date()
    result = dfg(ws, DfgQuery(from_date=day, to_date=day + timedelta(days=1)))
    assert edges(result) == {("b", "c"): 1}


def test_min_count_leaves_out_rare_edges_but_not_their_activities(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "a": [("view", T0), ("buy", T0 + M)],
            "b": [("view", T0), ("buy", T0 + M)],
            "c": [("view", T0), ("help", T0 + M)],
        },
    )
    result = dfg(ws, DfgQuery(min_count=2))
    assert edges(result) == {("view", "buy"): 2}
    assert set(nodes(result)) == {"view", "buy", "help"}


def test_touchpoints_follow_each_other_across_unmapped_events(ws: Workspace) -> None:
    add_shop(ws)
    journeys_for(
        ws,
        {
            "alice": [
                ("ad_clicked", T0),
                ("home", T0 + M),  # matches no touchpoint: left out, counted as unmapped
                ("product_viewed", T0 + 2 * M, {"price": 150}),
                ("product_viewed", T0 + 3 * M, {"price": 20}),
                ("order_completed", T0 + H, {"revenue": 40}),
            ],
            "bob": [("product_viewed", T0, {"price": 5}), ("search", T0 + M)],
            "carol": [("home", T0), ("search", T0 + M)],  # no touchpoint: not in the graph
        },
    )
    result = dfg(ws, DfgQuery(journey="shop"))
    assert result.level == "touchpoint"
    assert edges(result) == {
        ("ad", "premium"): 1,
        ("premium", "product"): 1,
        ("product", "order"): 1,
    }
    assert nodes(result) == {
        "ad": (1, 1, 0),
        "premium": (1, 0, 0),
        "product": (2, 1, 1),
        "order": (1, 0, 1),
    }
    assert (result.customers, result.events, result.unmapped) == (2, 5, 2)
    ad = result.nodes[0]
    assert (ad.label, ad.stage, ad.channel) == ("Social ad", "discover", "social")


def test_bad_queries_are_refused_by_named_rules(ws: Workspace) -> None:
    with pytest.raises(InvalidInput) as info:
        dfg(ws, DfgQuery(min_count=0))
    assert info.value.details == {"code": "min_count_too_small", "field": "min_count"}
    with pytest.raises(InvalidInput) as info:
        dfg(ws, DfgQuery(from_date=date(2026, 3, 2), to_date=date(2026, 3, 1)))
    assert info.value.details == {"code": "dates_reversed", "field": "from"}
    with pytest.raises(JourneyNotFound):
        dfg(ws, DfgQuery(journey="nope"))


def test_the_result_converts_to_arrow(ws: Workspace) -> None:
    journeys_for(ws, {"a": [("view", T0), ("buy", T0 + M)]})
    table = dfg(ws).to_arrow()
    assert table.column_names == ["from", "to", "count", "median_seconds"]
    assert table.to_pylist() == [{"from": "view", "to": "buy", "count": 1, "median_seconds": 60.0}]
    assert dfg(ws).model_dump(mode="json")["edges"][0]["from"] == "view"


# -- the invariant ---------------------------------------------------------------------------
CUSTOMERS = st.dictionaries(
    st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
    st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 5)), min_size=1, max_size=12),
    max_size=5,
)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=80, deadline=None)
@given(people=CUSTOMERS)
def test_the_edges_are_every_customers_consecutive_pairs(
    con: duckdb.DuckDBPyConnection, people: dict[str, list[tuple[str, int]]]
) -> None:
    rows = [
        (c, e, datetime(2026, 1, 1) + timedelta(minutes=m), n)
        for n, (c, e, m) in enumerate((c, e, m) for c, evs in people.items() for e, m in evs)
    ]
    con.execute(
        "CREATE OR REPLACE TABLE ev (customer_id VARCHAR, event VARCHAR, timestamp TIMESTAMP, "
        "seq BIGINT)"
    )
    if rows:
        con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?)", rows)
    result = run_dfg(con, DfgQuery(), relation="ev")
    assert sum(e.count for e in result.edges) == sum(len(evs) - 1 for evs in people.values())
    assert result.customers == len(people) == sum(n.ends for n in result.nodes)
    # The same graph as a plain Python reference: each customer by (time, arrival) order.
    expected: dict[tuple[str, str], int] = {}
    starts: dict[str, int] = {}
    for c in people:
        ordered = sorted((r for r in rows if r[0] == c), key=lambda r: (r[2], r[3]))
        starts[ordered[0][1]] = starts.get(ordered[0][1], 0) + 1
        for x, y in pairwise(ordered):
            expected[(x[1], y[1])] = expected.get((x[1], y[1]), 0) + 1
    assert edges(result) == expected
    assert {n.name: n.starts for n in result.nodes if n.starts} == starts
    assert result.events == len(rows)


# -- the fast form of the query --------------------------------------------------------------
def _fill(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, datetime, int]]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE ev (customer_id VARCHAR, event VARCHAR, timestamp TIMESTAMP, "
        "seq BIGINT)"
    )
    con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?)", rows)


def _edges_of(con: duckdb.DuckDBPyConnection, exact: bool) -> list[dict[str, Any]] | None:
    sql, params = build_dfg(DfgQuery(), None, "ev", exact=exact)
    found = con.execute(sql, params).to_arrow_table().to_pylist()
    named = _named(found, None, fast=not exact)
    if named is None:
        return None
    return sorted(({k: r[k] for k in ("a", "b", "n", "median_seconds")} for r in named), key=str)


def test_the_fast_form_is_exact_or_steps_aside(con: duckdb.DuckDBPyConnection) -> None:
    t0 = datetime(2026, 1, 1)
    rows = [
        (f"c{n % 7}", "abcde"[(n * n) % 5], t0 + timedelta(seconds=(n * 37) % 101), n)
        for n in range(60)
    ]
    _fill(con, rows)
    assert _edges_of(con, exact=False) == _edges_of(con, exact=True)
    # Two events of one customer at the same moment: only (time, seq) orders them.
    _fill(con, [*rows, ("c1", "a", t0 + timedelta(seconds=37), 99)])
    assert _edges_of(con, exact=False) is None
    assert _edges_of(con, exact=True) is not None


def test_the_fast_form_steps_aside_when_hashes_clash() -> None:
    edge = {"part": "edge", "a": 1, "b": 2, "n": 3, "median_seconds": 1.0, "ties": 0}
    names = [{"part": "name", "a": 1, "name": "x"}, {"part": "name", "a": 2, "name": "y"}]
    assert _named([{**edge, "clashes": 0}, *names], None, fast=True) == [
        {**edge, "clashes": 0, "a": "x", "b": "y"}
    ]
    assert _named([{**edge, "clashes": 1}, *names], None, fast=True) is None  # two customers
    twice = [*names, {"part": "name", "a": 2, "name": "z"}]  # two names, one hash
    assert _named([{**edge, "clashes": 0}, *twice], None, fast=True) is None


# -- the command line ------------------------------------------------------------------------
def test_the_cli_prints_the_graph_as_json_and_as_tables(ws: Workspace) -> None:
    journeys_for(ws, {"a": [("view", T0), ("buy", T0 + M)], "b": [("view", T0)]})
    ws.close()  # the command opens the workspace itself
    runner = CliRunner()
    found = runner.invoke(app, ["analyse", "dfg", "-w", str(ws.root), "--json"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert data["edges"] == [{"from": "view", "to": "buy", "count": 1, "median_seconds": 60.0}]
    assert (data["customers"], data["level"]) == (2, "event")
    table = runner.invoke(app, ["analyse", "dfg", "-w", str(ws.root), "--from", "2026-03-02"])
    assert table.exit_code == 0, table.output
    assert "2 customers, 3 events" in table.output
    assert "view" in table.output and "buy" in table.output and "1m" in table.output


def test_the_cli_reports_a_bad_journey_in_one_line(ws: Workspace) -> None:
    ws.close()
    journeys = str(Path(sys.executable).parent / "journeys")
    done = subprocess.run(
        [journeys, "analyse", "dfg", "-w", str(ws.root), "--journey", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error (journey_not_found): no journey with id 'nope'")
