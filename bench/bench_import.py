"""Benchmark: bulk import of events per format, against a plain DuckDB load of the same file.

    .venv/bin/python bench/bench_import.py [--events 2000000] [--jsonl-events 200000]

Builds (into bench/out/, gitignored) a Parquet file of N clickstream events shaped like the
REES46 data (event_time, event_type, product_id, category_code, brand, price, user_id,
user_session; brands and categories drawn from the real sample), then times:

* a plain DuckDB load of it into a fresh on-disk database (the floor: read and store),
* our import into a fresh event log, and the same import again (every event a duplicate),
  (the plain load and the first import run --repeat times each, alternating, fresh files each
  time; the best of each is reported, as the shared VM's noise only ever adds time),
* CSV of the same events, and JSON Lines (Segment track messages, and flat records mapped
  like CSV) of the first --jsonl-events of them,
* the helpdesk.xes.gz process-mining log.

Prints a table and, on its last line, one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from journeys.events.importers import ColumnMapping  # noqa: E402
from journeys.events.importing import ImportSummary, import_file  # noqa: E402
from journeys.store.eventlog import EventLog  # noqa: E402

OUT = ROOT / "bench" / "out"
DATA = ROOT.parent / "shared" / "data"
REES46 = DATA / "clickstream" / "rees46_2019-Oct_head.csv"
HELPDESK = DATA / "event_logs" / "helpdesk.xes.gz"
MAPPING = ColumnMapping.parse("user_id=user_id event=event_type timestamp=event_time")


def build_parquet(path: Path, events: int) -> None:
    """N events with REES46's columns; categories and brands drawn from the real sample."""
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TEMP TABLE cats AS SELECT list(DISTINCT category_code) AS v
        FROM read_csv('{REES46}', ignore_errors=true) WHERE category_code IS NOT NULL;
        CREATE TEMP TABLE brands AS SELECT list(DISTINCT brand) AS v
        FROM read_csv('{REES46}', ignore_errors=true) WHERE brand IS NOT NULL;
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT
                TIMESTAMP '2019-10-01' + to_microseconds(i * 1300000) AS event_time,
                CASE WHEN r % 100 < 90 THEN 'view' WHEN r % 100 < 97 THEN 'cart'
                     ELSE 'purchase' END AS event_type,
                (1000000 + (r >> 8) % 150000)::BIGINT AS product_id,
                CASE WHEN (r >> 20) % 3 = 0 THEN NULL
                     ELSE c.v[1 + ((r >> 24) % len(c.v))::INT] END AS category_code,
                CASE WHEN (r >> 30) % 7 = 0 THEN NULL
                     ELSE b.v[1 + ((r >> 34) % len(b.v))::INT] END AS brand,
                round(((r >> 40) % 100000) / 100.0, 2)::DOUBLE AS price,
                (500000000 + u)::BIGINT AS user_id,
                md5(u::VARCHAR || '-' || (i // 40)::VARCHAR) AS user_session
            FROM (
                SELECT i, hash(i) AS r, hash(i // 7) % {max(events // 20, 1)} AS u
                FROM range({events}) t(i)
            ), cats c, brands b
            ORDER BY i
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()


def fresh_log(name: str) -> EventLog:
    for suffix in ("", ".wal"):
        (OUT / f"{name}.duckdb{suffix}").unlink(missing_ok=True)
    return EventLog(OUT / f"{name}.duckdb")


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def plain_load(parquet: Path) -> float:
    """The floor: DuckDB reading the file into a table of a fresh on-disk database."""
    for suffix in ("", ".wal"):
        (OUT / f"plain.duckdb{suffix}").unlink(missing_ok=True)
    con = duckdb.connect(str(OUT / "plain.duckdb"))
    seconds = timed(
        lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
    )
    con.close()
    return seconds


def run_import(
    log: EventLog, path: Path, mapping: ColumnMapping | None = None, fmt: str | None = None
) -> ImportSummary:
    return import_file(
        log,
        path,
        format=fmt,
        mapping=mapping,
        received_at=datetime(2024, 1, 1),
        rejects=OUT / f"{path.name}.rejects.jsonl",
    )


def export_text(parquet: Path, events: int, jsonl_events: int) -> tuple[Path, Path, Path]:
    """The same events as CSV, and the first ones as Segment messages and as flat records."""
    csv, segment, flat = OUT / "events.csv", OUT / "segment.jsonl", OUT / "flat.jsonl"
    con = duckdb.connect()
    src = f"read_parquet('{parquet}')"
    con.execute(f"COPY (SELECT * FROM {src}) TO '{csv}' (HEADER, DELIMITER ',')")
    con.execute(
        f"""COPY (SELECT 'track' AS type, user_id::VARCHAR AS userId, event_type AS event,
                  strftime(event_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS timestamp,
                  {{'product_id': product_id, 'category_code': category_code, 'brand': brand,
                    'price': price, 'user_session': user_session}} AS properties
            FROM {src} LIMIT {jsonl_events}) TO '{segment}' (FORMAT json)"""
    )
    con.execute(f"COPY (SELECT * FROM {src} LIMIT {jsonl_events}) TO '{flat}' (FORMAT json)")
    con.close()
    return csv, segment, flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--jsonl-events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    parquet = OUT / f"clickstream_{args.events}.parquet"
    if not parquet.exists():
        print(f"building {parquet.name} …", flush=True)
        build_parquet(parquet, args.events)
    csv, segment, flat = export_text(parquet, args.events, args.jsonl_events)

    rows: list[tuple[str, int, float, ImportSummary | None]] = []
    plains, firsts = [], []
    for _ in range(args.repeat):
        plains.append(plain_load(parquet))
        log = fresh_log("parquet")
        firsts.append(run_import(log, parquet, MAPPING))
        log.close()
    plain = min(plains)
    first = min(firsts, key=lambda s: s.seconds)
    print(
        f"plain load runs: {[round(p, 2) for p in plains]} s; imports: "
        f"{[s.seconds for s in firsts]} s",
        flush=True,
    )
    rows.append(("plain DuckDB load (parquet)", args.events, plain, None))
    rows.append(("import parquet", first.read, first.seconds, first))
    log = EventLog(OUT / "parquet.duckdb")
    again = run_import(log, parquet, MAPPING)
    rows.append(("re-import parquet (all duplicates)", again.read, again.seconds, again))
    started = time.perf_counter()
    brands = (
        log.reader()
        .execute("SELECT count(*) FROM events WHERE properties->>'brand' = 'apple'")
        .fetchone()
    )
    read_json = time.perf_counter() - started
    log.close()
    for label, path, mapping in [
        ("import CSV", csv, MAPPING),
        ("import JSON Lines (Segment messages)", segment, None),
        ("import JSON Lines (flat records, mapped)", flat, MAPPING),
        ("import XES (helpdesk.xes.gz)", HELPDESK, None),
    ]:
        log = fresh_log(path.name)
        summary = run_import(log, path, mapping, "jsonl" if path in (segment, flat) else None)
        rows.append((label, summary.read, summary.seconds, summary))
        log.close()
    assert brands is not None
    report(rows, plain, args.events, read_json)


def report(
    rows: list[tuple[str, int, float, ImportSummary | None]], plain: float, n: int, read_json: float
) -> None:
    print(f"\n{platform.node()}: {os.cpu_count()} cores, DuckDB {duckdb.__version__}")
    print(f"{'step':44} {'events':>10} {'seconds':>8} {'events/s':>11} {'stored':>10}")
    for label, events, seconds, summary in rows:
        stored = "" if summary is None else f"{summary.stored:,}"
        print(f"{label:44} {events:>10,} {seconds:>8.2f} {events / seconds:>11,.0f} {stored:>10}")
    rate = {label: round(events / seconds) for label, events, seconds, _ in rows}
    parquet_seconds = rows[1][2]
    figures = {
        "events": n,
        "plain_load_s": round(plain, 3),
        "parquet_import_s": round(parquet_seconds, 3),
        "ratio_to_plain_load": round(parquet_seconds / plain, 2),
        "events_per_s": {
            "plain_load": rate[rows[0][0]],
            "parquet": rate[rows[1][0]],
            "parquet_reimport": rate[rows[2][0]],
            "csv": rate[rows[3][0]],
            "jsonl_segment": rate[rows[4][0]],
            "jsonl_flat": rate[rows[5][0]],
            "xes": rate[rows[6][0]],
        },
        "query_property_filter_s": round(read_json, 3),
    }
    print(f"ratio import / plain load: {figures['ratio_to_plain_load']}×")
    print(f"a property filter over the imported events (JSON built on read): {read_json:.2f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
