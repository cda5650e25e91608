"""Benchmark: the directly-follows graph, ours (compiled, and the SQL form) against pm4py.

    .venv/bin/python bench/bench_analytics_dfg.py [--events 10000000] [--pm4py-events N]
                                                  [--repeat 2] [--threads 0]

Generates N events in DuckDB SQL, shaped like a clickstream: N/40 customers (about 40 events
each, interleaved over time), 60 activities with a skewed frequency, timestamps unique to the
microsecond and 1 % of the events arriving late (their timestamp hours before their arrival,
so arrival order is not time order for many customers). Then, in one process:

* **ours**: :func:`journeys.analytics.dfg.run_dfg` on the table with the compiled engine
  (``engine="kernel"``: DuckDB reads the rows unsorted, numba orders and counts them; what
  the runner picks from a million events on): counts, median times, start and end
  activities; best of --repeat, after one untimed run that loads the compiled code,
* **ours, SQL form**: the same with ``engine="sql"`` (one DuckDB statement, a window per
  customer; what the runner picks for small logs), checked equal to the compiled result,
* **ours, exact order**: the SQL ordering each customer by (timestamp, seq) outright,
  which the SQL form uses when two events of a customer share a timestamp,
* **ours on an ENUM column**: the compiled engine on a copy whose event column is dictionary
  encoded (an ENUM), what a dictionary-encoded store would give,
* **pm4py**: ``pm4py.discover_dfg`` on a pandas DataFrame of the same events (pm4py is AGPL:
  benchmarks and tests only). With --pm4py-events M < N it runs on the first M events, and
  ours is timed again on the same M events for the ratio,
* **floors**: a plain DuckDB ``GROUP BY event`` scan of the same four columns, and a plain
  ``ORDER BY customer_id, timestamp, seq`` of them (a DFG needs that order, whatever computes
  it).

Checks that our edge counts equal pm4py's, prints a table and, on its last line, one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from journeys.analytics.dfg import DfgQuery, DfgResult, run_dfg  # noqa: E402
from journeys.analytics.dfg.builder import build_dfg  # noqa: E402
from journeys.analytics.dfg.runner import Engine  # noqa: E402

ACTIVITIES = 60
EVENTS_PER_CUSTOMER = 40
LATE_SHARE = 0.01


def generate(con: duckdb.DuckDBPyConnection, events: int) -> None:
    """Table ``ev`` (customer_id, event, timestamp, seq): the columns the DFG reads."""
    customers = max(1, events // EVENTS_PER_CUSTOMER)
    # hash(i, salt) gives independent, reproducible pseudo-random draws per row and purpose.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ev AS
        SELECT 'cust-' || (hash(i, 'customer') % {customers}) AS customer_id,
               'activity_' || CAST(floor({ACTIVITIES} * pow(
                   (hash(i, 'activity') % 1000003) / 1000003.0, 2)) AS INTEGER) AS event,
               TIMESTAMP '2026-01-01' + to_microseconds(CAST(
                   i * 1000
                   - CASE WHEN hash(i, 'late') % 10000 < {int(LATE_SHARE * 10000)}
                          THEN (1 + hash(i, 'hours') % 48) * 3600000000 - 500 ELSE 0 END
               AS BIGINT)) AS timestamp,
               i AS seq
        FROM range({events}) t(i)
        ORDER BY i
        """
    )


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the shared VM's noise only ever adds time)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def ours(con: duckdb.DuckDBPyConnection, table: str, engine: Engine = "kernel") -> DfgResult:
    return run_dfg(con, DfgQuery(), relation=table, engine=engine)


def exact(con: duckdb.DuckDBPyConnection, table: str) -> list[Any]:
    sql, params = build_dfg(DfgQuery(), None, table, exact=True)
    return con.execute(sql, params).fetchall()


def pm4py_dfg(con: duckdb.DuckDBPyConnection, table: str) -> tuple[float, float, dict[Any, int]]:
    """Seconds to build the DataFrame, seconds of discover_dfg, and its edges."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py warns about optional speed-ups
        import pm4py

        started = time.perf_counter()
        df = con.execute(
            f'SELECT customer_id AS "case:concept:name", event AS "concept:name", '
            f'timestamp AS "time:timestamp" FROM {table} ORDER BY seq'
        ).df()
        frame_s = time.perf_counter() - started
        started = time.perf_counter()
        edges, _, _ = pm4py.discover_dfg(df)
        return frame_s, time.perf_counter() - started, dict(edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--pm4py-events", type=int, default=None, help="default: all events")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads; 0: its default")
    args = parser.parse_args()
    sample = min(args.pm4py_events or args.events, args.events)

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    started = time.perf_counter()
    generate(con, args.events)
    generate_s = time.perf_counter() - started
    names = [r[0] for r in con.execute("SELECT DISTINCT event FROM ev ORDER BY 1").fetchall()]
    con.execute(f"CREATE TYPE activity AS ENUM ({', '.join(repr(n) for n in names)})")
    con.execute("CREATE TABLE ev_enum AS SELECT * REPLACE (event::activity AS event) FROM ev")

    floor_s, _ = best_of(
        args.repeat,
        lambda: con.execute(
            "SELECT event, count(*), count(customer_id), max(timestamp), max(seq) "
            "FROM ev GROUP BY event"
        ).fetchall(),
    )
    sort_s, _ = best_of(
        args.repeat,
        lambda: con.execute(
            "SELECT count(*), max(event) FROM "
            "(SELECT event FROM ev ORDER BY customer_id, timestamp, seq)"
        ).fetchall(),
    )
    started = time.perf_counter()
    ours(con, "ev")  # loads (the first time: compiles) the compiled code
    load_s = time.perf_counter() - started
    ours_s, result = best_of(args.repeat, lambda: ours(con, "ev"))
    sql_s, sql_result = best_of(args.repeat, lambda: ours(con, "ev", "sql"))
    assert sql_result == result, "the two engines disagree"
    exact_s, _ = best_of(args.repeat, lambda: exact(con, "ev"))
    enum_s, enum_result = best_of(args.repeat, lambda: ours(con, "ev_enum"))
    assert {(e.from_, e.to): e.count for e in enum_result.edges} == {
        (e.from_, e.to): e.count for e in result.edges
    }

    table, ours_sample_s, sample_result = "ev", ours_s, result
    if sample < args.events:
        con.execute(f"CREATE TABLE ev_sample AS SELECT * FROM ev WHERE seq < {sample}")
        table = "ev_sample"
        ours_sample_s, sample_result = best_of(args.repeat, lambda: ours(con, table))
    frame_s, pm4py_s, pm4py_edges = pm4py_dfg(con, table)
    same = {(e.from_, e.to): e.count for e in sample_result.edges} == pm4py_edges

    figures = {
        "benchmark": "analytics_dfg",
        "events": args.events,
        "customers": result.customers,
        "activities": len(result.nodes),
        "edges": len(result.edges),
        "generate_s": round(generate_s, 2),
        "floor_group_by_s": round(floor_s, 3),
        "plain_sort_s": round(sort_s, 3),
        "ours_first_run_s": round(load_s, 2),
        "ours_s": round(ours_s, 3),
        "ours_sql_form_s": round(sql_s, 3),
        "ours_exact_order_s": round(exact_s, 3),
        "ours_enum_column_s": round(enum_s, 3),
        "pm4py_events": sample,
        "ours_on_pm4py_events_s": round(ours_sample_s, 3),
        "pm4py_dataframe_s": round(frame_s, 2),
        "pm4py_discover_dfg_s": round(pm4py_s, 2),
        "speedup_vs_pm4py": round(pm4py_s / ours_sample_s, 1),
        "sql_form_speedup_vs_pm4py": round(pm4py_s / sql_s, 1) if sample == args.events else None,
        "ours_vs_group_by_floor": round(ours_s / floor_s, 1),
        "same_edges_as_pm4py": same,
        "duckdb": duckdb.__version__,
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],  # type: ignore[index]
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    rows = [
        ("floor: GROUP BY event scan", floor_s),
        ("reference: ORDER BY customer, time, seq", sort_s),
        ("ours (compiled engine)", ours_s),
        ("ours, SQL form", sql_s),
        ("ours, exact (time, seq) order", exact_s),
        ("ours on an ENUM event column", enum_s),
        (f"ours on the pm4py events ({sample:,})", ours_sample_s),
        (f"pm4py discover_dfg ({sample:,})", pm4py_s),
    ]
    print(f"{args.events:,} events, {result.customers:,} customers, {len(result.edges):,} edges")
    for name, seconds in rows:
        print(f"  {name:42s} {seconds:8.3f} s")
    print(f"  speed-up against pm4py: {figures['speedup_vs_pm4py']}x; same edges: {same}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
