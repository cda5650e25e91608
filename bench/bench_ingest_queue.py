"""Ingest queue throughput: events/s one tracking process appends to the PostgreSQL queue, and
the rate at which the loader drains the queue into the event log.

Runs a throw-away PostgreSQL (tests/postgres.py; fsync and synchronous commit on, as in
production, unless --no-fsync) or the server named by JOURNEYS_TEST_POSTGRES_URL; starts
`journeys serve-tracking` processes; sends batches of 100 events and single-event requests
from concurrent clients, spread over the processes; then runs `journeys queue load` and
checks that every event is in the event log once. Prints one JSON object on its last line.

    .venv/bin/python bench/bench_ingest_queue.py [--events 40000] [--clients 8] [--processes 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from journeys.workspace import Workspace

# The tests' throw-away PostgreSQL (postgres.py) and free_port (serving.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import postgres
from serving import free_port

BIN = Path(sys.executable).parent / "journeys"


def messages(n: int) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        {
            "type": "track",
            "event": "product_viewed",
            "userId": f"user-{i % 5000}",
            "messageId": str(uuid.uuid4()),
            "timestamp": (start + timedelta(milliseconds=i)).isoformat(),
            "properties": {"sku": f"SKU-{i % 900}", "price": 19.95, "path": "/p/shoes"},
        }
        for i in range(n)
    ]


def start_tracking(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [BIN, "serve-tracking", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("serve-tracking did not start")


def post_all(urls: list[str], key: str, bodies: list[dict[str, Any]], clients: int) -> float:
    """Send the bodies from ``clients`` threads, each to one process in turn; seconds taken."""

    def worker(n: int) -> None:
        with httpx.Client(auth=(key, ""), timeout=60) as client:
            for body in bodies[n::clients]:
                client.post(urls[n % len(urls)], json=body).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return time.perf_counter() - started


def set_fsync(url: str, on: bool) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as con:
        con.execute(f"ALTER SYSTEM SET fsync = {'on' if on else 'off'}")
        con.execute("SELECT pg_reload_conf()")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--singles", type=int, default=4_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200, help="calls the loader moves at once")
    parser.add_argument("--no-fsync", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with postgres.start(free_port()) as server:
        if not os.environ.get(postgres.ENV):
            set_fsync(server, not args.no_fsync)
        operational, queue = postgres.new_database(server), postgres.new_database(server)
        with Workspace.init(tmp / "ws", examples=False, operational_url=operational) as ws:
            key = ws.operational.add_source("bench").write_key
        env = {
            **os.environ,
            "JOURNEYS_INGEST_QUEUE": queue,
            "JOURNEYS_OPERATIONAL_DATABASE": operational,
            "JOURNEYS_INGEST_RATE_PER_SECOND": "0",
        }
        ports = [free_port() for _ in range(args.processes)]
        processes = [start_tracking(env, port) for port in ports]
        try:
            batch_urls = [f"http://127.0.0.1:{p}/v1/batch" for p in ports]
            batch_msgs, single_msgs = messages(args.events), messages(args.singles)
            batches = [{"batch": batch_msgs[i : i + 100]} for i in range(0, args.events, 100)]
            batch_s = post_all(batch_urls, key, batches, args.clients)
            single_urls = [f"http://127.0.0.1:{p}/v1/track" for p in ports]
            single_s = post_all(single_urls, key, single_msgs, args.clients * 2)
        finally:
            for proc in processes:
                proc.terminate()
                proc.wait(timeout=30)
        load = subprocess.run(
            [BIN, "queue", "load", "-w", str(tmp / "ws"), "--batch", str(args.batch), "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        loaded = json.loads(load.stdout)
        with Workspace.open(tmp / "ws", operational_url=operational) as ws:
            sql = "SELECT count(*), count(DISTINCT message_id) FROM events"
            stored, distinct = ws.events.reader().execute(sql).fetchone() or (0, 0)
    total = args.events + args.singles
    figures = {
        "benchmark": "ingest_queue",
        "tracking_processes": args.processes,
        "clients": args.clients,
        "postgres_fsync": not args.no_fsync and not os.environ.get(postgres.ENV),
        "events_batched": args.events,
        "batch_events_per_s": round(args.events / batch_s),
        "batch_events_per_s_per_process": round(args.events / batch_s / args.processes),
        "single_requests": args.singles,
        "single_events_per_s": round(args.singles / single_s),
        "loader_batch_calls": args.batch,
        "drain_events": loaded["events"],
        "drain_events_per_s": loaded["events_per_s"],
        "drain_seconds": loaded["seconds"],
        "stored": stored,
        "all_stored_once": stored == distinct == total,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(f"batches of 100 into the queue: {figures['batch_events_per_s']:>8} events/s")
    print(f"single-event requests:         {figures['single_events_per_s']:>8} events/s")
    print(f"loader drain into the log:     {figures['drain_events_per_s']:>8} events/s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
