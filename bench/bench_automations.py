"""Benchmark: the automation engine with 50 active automations.

    .venv/bin/python bench/bench_automations.py [--events 50000] [--rate 1000] [--seconds 20]

In a fresh workspace with 50 active automations (each triggered by one kind of `signal`
event, then a webhook action), in one process:

* **throughput**: --events events (a tenth of them triggers, each of a new customer; the rest
  page views) are appended, then one engine run takes them all: events per second through
  the engine (read, match against 50 triggers, enrol, queue the action, commit);
* **latency at a steady rate**: a sender thread appends events at --rate per second for
  --seconds (batches every 10 ms, each acknowledged when the event log has committed it),
  while the server's loop runs the engine as the server does (woken by new events,
  ``background.EventWake``). Latency of an action = the moment the engine's transaction that
  queued it committed − the moment its trigger event was acknowledged. Delivery is not part
  of it (``journeys automations deliver`` sends the queue; see the crash test).

Prints a table and, on its last line, one JSON object with the figures. There is no outside
reference to compare with: the target (p99 under 100 ms at 1,000 events/s) is the product's.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select, text

from journeys.background import EventWake
from journeys.events.messages import normalize, rows_to_table
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.files import automations_dir
from journeys.orchestration.automations.tables import OutboxRow
from journeys.workspace import Workspace

# The outbox rows the engine queued: the newest id, then those after it.
MAX_ID = select(func.max(OutboxRow.id))
NEW_ROWS = text(
    f"SELECT id, customer_id FROM {OutboxRow.__tablename__} WHERE id > :last ORDER BY id"
)
AUTOMATIONS = 50
TRIGGER_SHARE = 10  # one event in this many is a trigger


def automation(i: int) -> str:
    return f"""id: bench-{i}
name: Bench automation {i}
version: 1
active: true
trigger:
  event:
    event: signal
    where:
      - "kind = 'k{i}'"
steps:
  - id: hook
    webhook:
      url: http://127.0.0.1:9/hook
      payload:
        n: "{i}"
"""


def message(n: int, now: float) -> dict[str, Any]:
    """Event ``n``: every TRIGGER_SHARE-th a trigger of a new customer, else a page view."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"
    if n % TRIGGER_SHARE == 0:
        return {
            "type": "track",
            "event": "signal",
            "userId": f"c{n}",
            "properties": {"kind": f"k{(n // TRIGGER_SHARE) % AUTOMATIONS}"},
            "timestamp": stamp,
            "messageId": f"m{n}",
        }
    return {
        "type": "page",
        "name": "home",
        "userId": f"v{n % 5000}",
        "properties": {"path": "/"},
        "timestamp": stamp,
        "messageId": f"m{n}",
    }


def append(ws: Workspace, messages: list[dict[str, Any]]) -> None:
    """Append like the tracking API: normalised, then committed (acknowledged) by the log."""
    rows, errors = normalize(messages, received_at=ws.clock.now())
    assert not errors, errors
    table: pa.Table = rows_to_table(rows)
    ws.events.append(table, "bench")


def throughput(ws: Workspace, events: int) -> dict[str, Any]:
    run_engine(ws)  # the first run places the cursor at the end of the log
    now = time.time()
    for start in range(0, events, 5000):
        append(ws, [message(n, now) for n in range(start, min(events, start + 5000))])
    ws.events.sync()
    began = time.perf_counter()
    result = run_engine(ws)
    seconds = time.perf_counter() - began
    return {
        "events": events,
        "trigger_events": result.events_read,  # the engine reads only events it listens to
        "actions_queued": result.actions_queued,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds),
        "triggers_per_s": round(result.events_read / seconds),
    }


def latency(ws: Workspace, rate: int, seconds: float, first: int) -> dict[str, Any]:
    acked: dict[str, float] = {}
    queued: dict[str, float] = {}
    stop = threading.Event()
    engine = ws.operational.engine

    def sender() -> None:
        n, began = first, time.monotonic()
        while (elapsed := time.monotonic() - began) < seconds:
            due = int(elapsed * rate) + 1
            batch = [message(k, time.time()) for k in range(n, first + due)]
            if batch:
                append(ws, batch)
                at = time.monotonic()
                acked.update((m["userId"], at) for m in batch if m.get("event") == "signal")
                n = first + due
            time.sleep(0.01)
        stop.set()

    def loop() -> None:
        wake, last = EventWake(ws.events), 0
        with engine.connect() as con:
            last = con.execute(MAX_ID).scalar() or 0
        while not (stop.is_set() and wake.seen >= ws.events.last_seq):
            wake(2.0)
            run_engine(ws, caught_up=True)  # as the server's loop does
            done = time.monotonic()
            with engine.connect() as con:
                rows = con.execute(NEW_ROWS, {"last": last}).all()
            for row_id, customer in rows:
                queued.setdefault(customer, done)
                last = max(last, row_id)

    threads = [threading.Thread(target=loop), threading.Thread(target=sender)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    waits = sorted((queued[c] - acked[c]) * 1000 for c in acked if c in queued)
    lost = [c for c in acked if c not in queued]
    return {
        "rate": rate,
        "triggers": len(acked),
        "actions": len(waits),
        "missing": len(lost),
        "p50_ms": round(pick(waits, 0.5), 1),
        "p90_ms": round(pick(waits, 0.9), 1),
        "p99_ms": round(pick(waits, 0.99), 1),
        "max_ms": round(waits[-1], 1) if waits else None,
    }


def pick(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        folder = automations_dir(ws)
        folder.mkdir(exist_ok=True)
        for i in range(AUTOMATIONS):
            (folder / f"bench-{i}.yaml").write_text(automation(i), encoding="utf-8")
        through = throughput(ws, args.events)
        print(
            f"engine throughput: {through['events']:,} events ({through['trigger_events']:,} "
            f"triggers) in {through['seconds']} s = {through['events_per_s']:,} events/s, "
            f"{through['triggers_per_s']:,} triggers/s ({through['actions_queued']:,} actions)"
        )
        steady = latency(ws, args.rate, args.seconds, args.events)
        print(
            f"at {args.rate}/s for {args.seconds:g} s: {steady['actions']:,} actions for "
            f"{steady['triggers']:,} triggers; ack → queued p50 {steady['p50_ms']} ms, "
            f"p90 {steady['p90_ms']} ms, p99 {steady['p99_ms']} ms"
        )
        ws.close()
    print(
        json.dumps(
            {"benchmark": "automations", "automations": AUTOMATIONS}
            | {"throughput": through, "latency": steady}
        )
    )


if __name__ == "__main__":
    main()
