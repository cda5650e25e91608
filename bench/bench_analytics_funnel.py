"""Funnel speed: the 5-step 7-day funnel of our runner on N generated events (the compiled
pass, and the SQL plan for comparison), against two references in the same process on the
same data:

- the floor: a plain DuckDB aggregate reading the same columns (count per step per customer);
- ClickHouse's ``windowFunnel`` through chDB (optional: ``pip install chdb``), on a Parquet copy
  with required (non-null) columns; our counts must equal its counts.

Prints one JSON object on its last line (wall times are the best of --repeat runs).

    .venv/bin/python bench/bench_analytics_funnel.py [--events 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from journeys.analytics.common import Engine
from journeys.analytics.funnels import FunnelQuery, run

STEPS = ["view", "cart", "checkout", "pay", "confirm"]
# Share of all events per step; the rest are 15 other event names.
SHARES = [0.25, 0.12, 0.07, 0.05, 0.04]
WINDOW_DAYS = 7
TABLE = "stitched_events"


def generate(con: duckdb.DuckDBPyConnection, n: int, seed: int = 7) -> None:
    """N events of N/10 customers (Poisson-many each) over 90 days, clustered per customer."""
    rng = np.random.default_rng(seed)
    customers = max(1, n // 10)
    cid = rng.integers(0, customers, n)
    base = rng.integers(0, 80 * 86400, customers)  # each customer is active from some day…
    seconds = base[cid] + rng.integers(0, 21 * 86400, n)  # …for three weeks
    seq = np.arange(1, n + 1, dtype=np.int64)
    # Microseconds from seq: no two events of a customer share a timestamp, so the order of
    # ties (ours: arrival; windowFunnel: step index) never decides a count.
    ts = seconds.astype(np.int64) * 1_000_000 + seq % 1_000_000
    names = [*STEPS, *(f"other_{i}" for i in range(15))]
    probs = np.array([*SHARES, *([(1 - sum(SHARES)) / 15] * 15)])
    kind = rng.choice(len(names), size=n, p=probs / probs.sum()).astype(np.int8)
    raw = pa.table({"seq": seq, "cid": cid, "kind": kind, "ts": ts})
    con.register("raw", raw)
    con.execute(f"""
        CREATE OR REPLACE TABLE {TABLE} AS
        SELECT seq, 'c' || cid AS customer_id, 'track' AS type,
               ({names!r})[kind + 1] AS event, NULL::VARCHAR AS channel,
               make_timestamp(ts + 1767225600000000) AS timestamp,
               NULL::JSON AS properties, NULL::JSON AS context, true AS known
        FROM raw""")
    con.unregister("raw")


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def floor_sql() -> str:
    per_step = ", ".join(
        f"count(*) FILTER (WHERE event = '{s}') AS n{i}" for i, s in enumerate(STEPS)
    )
    reached = ", ".join(f"count(*) FILTER (WHERE n{i} > 0)" for i in range(len(STEPS)))
    return (
        f"SELECT {reached} FROM (SELECT customer_id, {per_step} FROM {TABLE} GROUP BY customer_id)"
    )


def ours(con: duckdb.DuckDBPyConnection, engine: Engine) -> list[int]:
    query = FunnelQuery(steps=STEPS, window=f"{WINDOW_DAYS}d")
    result = run(con, query, {}, TABLE, engine=engine)
    return [s.customers for s in result.steps]


def write_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The columns windowFunnel reads, required (nullable columns slow chDB about 3×)."""
    table = con.execute(
        f"SELECT customer_id, event, epoch_us(timestamp)::UBIGINT AS ts FROM {TABLE}"
    ).to_arrow_table()
    schema = pa.schema([pa.field(f.name, f.type, nullable=False) for f in table.schema])
    pq.write_table(table.cast(schema), path)


def chdb_funnel(path: Path) -> tuple[list[int], str] | None:
    """Customers reaching each step per windowFunnel, or None without chDB."""
    try:
        import chdb  # type: ignore[import-not-found]
    except ImportError:
        return None
    conditions = ", ".join(f"event = '{s}'" for s in STEPS)
    window = WINDOW_DAYS * 86400 * 1_000_000
    sql = f"""
        SELECT level, count() FROM (
            SELECT customer_id, windowFunnel({window})(ts, {conditions}) AS level
            FROM file('{path}', Parquet) GROUP BY customer_id)
        GROUP BY level ORDER BY level"""
    levels = dict.fromkeys(range(len(STEPS) + 1), 0)
    for line in str(chdb.query(sql, "CSV")).split():
        level, count = line.split(",")
        levels[int(level)] = int(count)
    reached = [sum(c for lvl, c in levels.items() if lvl >= k) for k in range(1, len(STEPS) + 1)]
    return reached, chdb.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        start = time.perf_counter()
        generate(con, args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - start:.1f} s")
        parquet = Path(tmp) / "events.parquet"
        write_parquet(con, parquet)
        floor_s, _ = best(lambda: con.execute(floor_sql()).fetchone(), args.repeat)
        ours_s, counts = best(lambda: ours(con, "kernel"), args.repeat)
        sql_s, sql_counts = best(lambda: ours(con, "sql"), args.repeat)
        assert counts == sql_counts, f"kernel {counts} != SQL plan {sql_counts}"
        print(f"floor {floor_s:.3f} s, ours {ours_s:.3f} s (SQL plan {sql_s:.3f} s), {counts}")
        out: dict[str, Any] = {
            "bench": "analytics_funnel",
            "events": args.events,
            "steps": len(STEPS),
            "window_days": WINDOW_DAYS,
            "duckdb": duckdb.__version__,
            "floor_s": round(floor_s, 3),
            "ours_s": round(ours_s, 3),
            "ours_events_per_s": round(args.events / ours_s),
            "ours_vs_floor": round(ours_s / floor_s, 2),
            "sql_plan_s": round(sql_s, 3),
            "counts": counts,
        }
        if chdb_funnel(parquet) is not None:  # also warms chDB up
            chdb_s, (reference, version) = best(lambda: chdb_funnel(parquet), args.repeat)
            print(f"chdb windowFunnel {chdb_s:.3f} s, counts {reference}")
            assert counts == reference, f"our counts {counts} != windowFunnel's {reference}"
            out |= {
                "chdb": version,
                "chdb_s": round(chdb_s, 3),
                "chdb_events_per_s": round(args.events / chdb_s),
                "ours_vs_chdb": round(ours_s / chdb_s, 2),
                "counts_equal_windowfunnel": True,
            }
        con.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
