"""HTTP ingest throughput: events/s through the tracking API of a running `journeys serve`.

Measures batches (100 events a request) and single-event requests from concurrent clients,
against a reference in the same process on the same messages: normalising and appending them
straight into an event log, without HTTP. Prints one JSON object on its last line.

    .venv/bin/python bench/bench_http_ingest.py [--events 40000] [--clients 8]
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

import httpx

from journeys.events.messages import normalize, rows_to_table
from journeys.store.eventlog import EventLog

BIN = Path(sys.executable).parent / "journeys"


def messages(n: int) -> list[dict]:
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


def start_server(root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "JOURNEYS_WORKSPACE": str(root)}
    proc = subprocess.Popen(
        [BIN, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def post_all(url: str, key: str, bodies: list[dict], clients: int) -> float:
    def worker(chunk: list[dict]) -> None:
        with httpx.Client(auth=(key, ""), timeout=60) as client:
            for body in chunk:
                r = client.post(url, json=body)
                r.raise_for_status()

    chunks = [bodies[i::clients] for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, chunks))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--singles", type=int, default=4_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    root = tmp / "ws"
    subprocess.run([BIN, "init", str(root), "--no-examples"], check=True, capture_output=True)
    key = (
        subprocess.run(
            [BIN, "sources", "add", "bench", "-w", str(root)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    batch_msgs, single_msgs = messages(args.events), messages(args.singles)
    server = start_server(root, args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        batches = [{"batch": batch_msgs[i : i + 100]} for i in range(0, len(batch_msgs), 100)]
        batch_s = post_all(f"{base}/v1/batch", key, batches, args.clients)
        singles = [m | {"type": "track"} for m in single_msgs]
        single_s = post_all(f"{base}/v1/track", key, singles, args.clients * 2)
        stored = httpx.get(f"{base}/v1/health").json()["last_seq"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    with EventLog(tmp / "reference.duckdb") as log:
        started = time.perf_counter()
        for body in batches:
            rows, _ = normalize(body["batch"], received_at=datetime.now(UTC).replace(tzinfo=None))
            log.append(rows_to_table(rows), "bench")
        reference_s = time.perf_counter() - started
    figures = {
        "benchmark": "http_ingest",
        "events_batched": args.events,
        "clients": args.clients,
        "batch_events_per_s": round(args.events / batch_s),
        "single_requests": args.singles,
        "single_events_per_s": round(args.singles / single_s),
        "reference_direct_append_events_per_s": round(args.events / reference_s),
        "stored": stored,
        "all_stored": stored == args.events + args.singles,
    }
    print(f"batches of 100 over HTTP: {figures['batch_events_per_s']:>8} events/s")
    print(f"single-event requests:    {figures['single_events_per_s']:>8} events/s")
    print(
        f"direct append (no HTTP):  {figures['reference_direct_append_events_per_s']:>8} events/s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
