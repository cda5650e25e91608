"""Benchmark: next-best-action latency over HTTP at a fixed request rate.

    .venv/bin/python bench/bench_nba.py [--workspace DIR] [--customers 20000] [--rate 200]
                                        [--seconds 30]

Builds a demo workspace if DIR is not one (``journeys demo --no-serve``), starts
``journeys serve`` on it in a second process on 127.0.0.1, and sends
``GET /api/customers/{id}/next-best-action?channel=…`` from this process with httpx at a
fixed rate (open loop: request *i* is due at ``start + i / rate`` whatever the answers do).
The ids are a mix of user ids, e-mail addresses, phone numbers and anonymous ids.

Latency is measured from the moment a request was due, so a client or server falling behind
shows up in the figures instead of lowering the rate. As a reference on the same data, the
same ranking is timed in-process first (no HTTP). Prints a table and, on its last line, one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from journeys.security import accounts  # noqa: E402
from journeys.security.roles import Role  # noqa: E402
from journeys.workspace import Workspace, _examples  # noqa: E402

JOURNEYS = str(ROOT / ".venv" / "bin" / "journeys")
CHANNELS = ["phone", "chat", "web", "app", "email", None]
IN_FLIGHT = 32


def main() -> None:
    """Run the benchmark and print its figures."""
    args = _args()
    ws_dir = Path(args.workspace)
    _ensure_workspace(ws_dir, args.customers)
    ids = _sample_ids(ws_dir, args.ids, args.seed)
    in_process = _in_process(ws_dir, ids[:300])
    headers = {"Authorization": f"Bearer {_token(ws_dir)}"}
    port = _free_port()
    server = subprocess.Popen(
        [JOURNEYS, "serve", "-w", str(ws_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, headers)
        result = asyncio.run(
            _load(base, headers, ids, args.rate, args.seconds, args.warmup, args.seed)
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    figures = {
        "benchmark": "nba",
        "customers_in_workspace": _customers(ws_dir),
        "events_in_workspace": _events(ws_dir),
        "in_process_ms": in_process,
        **result,
    }
    _print(figures)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", default=str(ROOT / "bench" / "out" / "nba-ws"))
    p.add_argument("--customers", type=int, default=20000)
    p.add_argument("--rate", type=float, default=200.0, help="requests per second")
    p.add_argument("--seconds", type=float, default=30.0, help="measured duration")
    # The server loads its comment models for about half a minute after it starts, on the
    # same cores: the requests of that time are not counted.
    p.add_argument("--warmup", type=float, default=40.0, help="seconds sent first, not counted")
    p.add_argument("--ids", type=int, default=2000, help="distinct customer ids to ask for")
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


def _ensure_workspace(ws_dir: Path, customers: int) -> None:
    if not (ws_dir / "workspace.yaml").is_file():
        if ws_dir.exists():
            shutil.rmtree(ws_dir)
        print(f"building a demo workspace of {customers:,} customers in {ws_dir} …", flush=True)
        subprocess.run(
            [JOURNEYS, "demo", "--no-serve", "--customers", str(customers), "-w", str(ws_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not (ws_dir / "actions.yaml").is_file():  # a workspace made before the catalogue
        for path in _examples("journeys.orchestration.nba"):
            shutil.copyfile(path, ws_dir / path.name)
    with Workspace.open(ws_dir) as ws:
        ws.events.sync()  # build the customer event index now, not under load


def _sample_ids(ws_dir: Path, n: int, seed: int) -> list[str]:
    con = duckdb.connect(str(ws_dir / "events.duckdb"), read_only=True)
    try:
        queries = {
            "user": "SELECT user_id FROM identity_users",
            "email": "SELECT value FROM external_ids WHERE id_type = 'email'",
            "phone": "SELECT value FROM external_ids WHERE id_type = 'phone'",
            "anonymous": "SELECT DISTINCT anonymous_id FROM events WHERE user_id IS NULL "
            "AND anonymous_id NOT IN (SELECT anonymous_id FROM identity_links)",
        }
        pools = {k: [r[0] for r in con.execute(q).fetchall()] for k, q in queries.items()}
    finally:
        con.close()
    rng = random.Random(seed)
    mix = {"user": 0.4, "email": 0.2, "phone": 0.2, "anonymous": 0.2}
    ids = []
    for kind, share in mix.items():
        pool = pools[kind]
        ids += rng.sample(pool, min(len(pool), int(n * share)))
    rng.shuffle(ids)
    return ids


def _in_process(ws_dir: Path, ids: list[str]) -> dict[str, float]:
    from journeys.orchestration.nba.service import next_best_actions

    with Workspace.open(ws_dir) as ws:
        for any_id in ids[:50]:  # warm the caches and the buffer pool
            next_best_actions(ws, any_id, "phone")
        times = []
        for any_id in ids:
            t = time.perf_counter()
            next_best_actions(ws, any_id, "phone")
            times.append((time.perf_counter() - t) * 1000)
    return _quantiles(times)


def _token(ws_dir: Path) -> str:
    """An operations token, as a front-line system calling the API would hold."""
    name = f"bench-nba-{os.getpid()}"
    with Workspace.open(ws_dir) as ws:
        return accounts.create_token(ws, name, Role.OPERATIONS, "bench").token


def _wait_ready(base: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base}/api/agent/none-such", headers=headers, timeout=2)
            if answer.status_code == 404:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


async def _load(
    base: str,
    headers: dict[str, str],
    ids: list[str],
    rate: float,
    seconds: float,
    warmup: float,
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(seed)
    total = int((seconds + warmup) * rate)
    skip = int(warmup * rate)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    # httpcore's pool slows down badly with thousands of queued requests, so requests wait
    # for one of IN_FLIGHT slots here; the wait counts in their latency all the same.
    in_flight = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=10
    ) as client:
        start = time.perf_counter() + 0.1

        async def one(i: int, any_id: str, channel: str | None) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            params = {"channel": channel} if channel else {}
            try:
                async with in_flight:
                    r = await client.get(f"/api/customers/{any_id}/next-best-action", params=params)
                ok = r.status_code == 200
                key = "" if ok else f"http {r.status_code}"
            except httpx.HTTPError as exc:
                ok, key = False, type(exc).__name__
            if i >= skip:
                latencies.append((time.perf_counter() - due) * 1000)
                if not ok:
                    errors[key] = errors.get(key, 0) + 1

        tasks = [
            asyncio.create_task(one(i, ids[i % len(ids)], rng.choice(CHANNELS)))
            for i in range(total)
        ]
        await asyncio.gather(*tasks)
        measured = time.perf_counter() - (start + skip / rate)
    return {
        "rate_target": rate,
        "rate_achieved": round(len(latencies) / measured, 1),
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "http_ms": _quantiles(latencies),
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    s = sorted(values)

    def q(p: float) -> float:
        return round(s[min(len(s) - 1, int(p * len(s)))], 2)

    return {"p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": round(s[-1], 2)}


def _customers(ws_dir: Path) -> int:
    con = duckdb.connect(str(ws_dir / "events.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT count(DISTINCT customer_id) FROM identity_users").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def _events(ws_dir: Path) -> int:
    con = duckdb.connect(str(ws_dir / "events.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM events").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _print(figures: dict[str, Any]) -> None:
    ip, h = figures["in_process_ms"], figures["http_ms"]
    print(f"workspace: {figures['events_in_workspace']:,} events")
    print(f"in-process ranking   p50 {ip['p50']:6.2f} ms  p99 {ip['p99']:6.2f} ms")
    print(
        f"HTTP at {figures['rate_target']:g}/s (achieved {figures['rate_achieved']:g}/s, "
        f"{figures['requests']} requests, {figures['errors']} errors)  "
        f"p50 {h['p50']:6.2f} ms  p90 {h['p90']:6.2f} ms  p99 {h['p99']:6.2f} ms"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
