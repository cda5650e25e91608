"""The ingest queue on a real PostgreSQL: stateless tracking processes append accepted calls,
a loader moves them into the event log. Every acknowledged event ends up in the log exactly
once, whether the loader is killed mid-drain, a call is loaded twice, or two loaders race."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from segment.analytics.client import Client as SegmentClient
from typer.testing import CliRunner

from journeys.api.app import create_tracking_app
from journeys.cli import app as cli_app
from journeys.clock import FixedClock
from journeys.errors import InvalidInput
from journeys.events.queue import IngestQueue, LoadResult
from journeys.store.operational import OperationalStore, Source
from journeys.workspace import Workspace

import postgres
from serving import free_port, running_server

VENV_BIN = Path(sys.executable).parent
T0 = datetime(2026, 3, 2, 9, 0)
KILLS = 2  # times the loader is killed with SIGKILL while it drains


@pytest.fixture
def queue_url(postgres_server: str) -> str:
    """A new PostgreSQL database for the queue."""
    url: str = postgres.new_database(postgres_server)
    return url


@pytest.fixture
def shop_ws(tmp_path: Path, postgres_server: str) -> Iterator[Workspace]:
    """A workspace whose operational store is PostgreSQL, with a source named shop."""
    url = postgres.new_database(postgres_server)
    with Workspace.init(tmp_path / "shop", operational_url=url) as workspace:
        workspace.operational.add_source("shop", channel="web")
        yield workspace


def _shop(ws: Workspace) -> Source:
    return ws.operational.source("shop")


def _stored_ids(ws: Workspace) -> Counter[str]:
    """How often each message id of the shop is in the event log."""
    rows = ws.events.reader().execute("SELECT message_id FROM events WHERE source = 'shop'")
    return Counter(m for (m,) in rows.fetchall())


def _calls(n: int, size: int, prefix: str = "m") -> list[list[dict[str, Any]]]:
    """``n`` batches of ``size`` track messages with unique message ids."""
    return [
        [
            {
                "type": "track",
                "event": "Product Viewed",
                "userId": f"u{(c * size + i) % 23}",
                "messageId": f"{prefix}-{c:04d}-{i:03d}",
                "timestamp": (T0 + timedelta(seconds=c * size + i)).isoformat(),
                "properties": {"sku": f"SKU-{i % 9}", "price": 19.5},
            }
            for i in range(size)
        ]
        for c in range(n)
    ]


def _wait(what: str, done: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# -- tracking processes -------------------------------------------------------------------------


def _serve_tracking(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start `journeys serve-tracking` in a process of its own on 127.0.0.1:``port``."""
    cmd = [str(VENV_BIN / "journeys"), "serve-tracking", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as errors:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)


def _answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until a tracking process answers its health check."""

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"serve-tracking exited with {process.returncode}:\n{_tail(log)}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait("serve-tracking", up, seconds=60)
    except BaseException:
        process.kill()
        process.wait()
        raise


def _tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""


def _queue_env(ws: Workspace, queue_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "JOURNEYS_INGEST_QUEUE": queue_url,
        "JOURNEYS_OPERATIONAL_DATABASE": ws.operational_url,
    }


@contextmanager
def _tracking_server(ws: Workspace, queue_url: str) -> Iterator[str]:
    """The tracking-only app with uvicorn in a thread; yields its base URL."""
    app = create_tracking_app(OperationalStore(ws.operational_url), IngestQueue(queue_url))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="tracking-server", daemon=True)
    thread.start()
    _wait("the tracking server", lambda: server.started or not thread.is_alive(), 20)
    assert thread.is_alive()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _send_with_segment(url: str, key: str, calls: list[list[dict[str, Any]]]) -> list[Exception]:
    """Send every message through Segment's Python library in batching mode; its errors."""
    errors: list[Exception] = []
    client = SegmentClient(
        key,
        host=url,
        gzip=True,
        upload_size=50,
        max_retries=2,
        on_error=lambda e, b: errors.append(e),
    )
    for call in calls:
        for m in call:
            client.track(
                m["userId"],
                m["event"],
                m["properties"],
                timestamp=datetime.fromisoformat(m["timestamp"]),
                message_id=m["messageId"],
            )
    client.flush()
    client.join()
    return errors


@pytest.mark.slow
def test_two_tracking_processes_and_a_loader_store_each_acknowledged_event_once(
    shop_ws: Workspace, queue_url: str, tmp_path: Path
) -> None:
    logging.getLogger("segment").setLevel(logging.ERROR)  # retries are logged; outcomes count
    env = _queue_env(shop_ws, queue_url)
    ports = [free_port(), free_port()]
    processes = []
    try:
        processes = [_serve_tracking(env, port, tmp_path / "tracking.log") for port in ports]
        for process, port in zip(processes, ports, strict=True):
            _answering(process, port, tmp_path / "tracking.log")
        halves = [_calls(20, 50, "a"), _calls(20, 50, "b")]
        with ThreadPoolExecutor(2) as pool:
            errors = list(
                pool.map(
                    lambda pair: _send_with_segment(*pair),
                    [
                        (f"http://127.0.0.1:{p}", _shop(shop_ws).write_key, h)
                        for p, h in zip(ports, halves, strict=True)
                    ],
                )
            )
        assert errors == [[], []]
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            assert process.wait(timeout=30) == 0, _tail(tmp_path / "tracking.log")

    # The tracking processes never opened the workspace's event log.
    assert not shop_ws.events_path.exists()
    queue = IngestQueue(queue_url)
    try:
        waiting = queue.status()
        assert waiting.events == 2000 and waiting.calls >= 40
        loaded = subprocess.run(
            [str(VENV_BIN / "journeys"), "queue", "load", "-w", str(shop_ws.root), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        figures = json.loads(loaded.stdout)
        assert (figures["events"], figures["stored"], figures["duplicates"]) == (2000, 2000, 0)
        assert queue.status().calls == 0
    finally:
        queue.close()
    stored = _stored_ids(shop_ws)
    sent = {m["messageId"] for h in halves for call in h for m in call}
    assert set(stored) == sent and set(stored.values()) == {1}
    rows = shop_ws.events.reader().execute(
        "SELECT DISTINCT channel, event, min(original_timestamp) FROM events GROUP BY ALL"
    )
    assert rows.fetchall() == [("web", "Product Viewed", T0)]


# -- the loader ---------------------------------------------------------------------------------


def _fill(queue: IngestQueue, source: Source, calls: list[list[dict[str, Any]]]) -> None:
    for call in calls:
        queue.accept(source, call)


def _load(ws_root: Path, env: dict[str, str], batch: int) -> subprocess.Popen[bytes]:
    """`journeys queue load` in a process of its own; its errors go to loader.log."""
    cmd = [str(VENV_BIN / "journeys"), "queue", "load", "-w", str(ws_root), "--batch", str(batch)]
    with (ws_root.parent / "loader.log").open("ab") as errors:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)


@pytest.mark.slow
def test_a_loader_killed_mid_drain_loses_and_doubles_nothing(
    shop_ws: Workspace, queue_url: str
) -> None:
    calls = _calls(200, 20, "k")
    queue = IngestQueue(queue_url)
    env = _queue_env(shop_ws, queue_url)
    rng = random.Random()
    root = shop_ws.root
    try:
        _fill(queue, _shop(shop_ws), calls)
        shop_ws.close()  # the loader processes hold the event log, one at a time
        kills = 0
        for _ in range(KILLS):
            before = queue.status().calls
            loader = _load(root, env, batch=4)
            # Killed once it has moved some calls (or at a random moment of its start-up).
            _wait("the loader to start moving", lambda b=before: queue.status().calls < b, 60)  # type: ignore[misc]
            time.sleep(rng.uniform(0.0, 0.3))
            loader.send_signal(signal.SIGKILL)
            loader.wait()
            kills += 1
        left = queue.status().calls
        assert 0 < left < len(calls), "the kills came too late: nothing was left to load"
        final = _load(root, env, batch=4)
        assert final.wait(timeout=120) == 0, _tail(root.parent / "loader.log")
        _wait("the queue to be empty", lambda: queue.status().calls == 0, 10)
    finally:
        queue.close()
    with Workspace.open(root, operational_url=shop_ws.operational_url) as ws:
        stored = _stored_ids(ws)
        seqs = ws.events.reader().execute("SELECT count(DISTINCT seq), count(*) FROM events")
        assert seqs.fetchone() == (4000, 4000)  # no sequence number handed out twice
    assert len(stored) == 4000 and set(stored.values()) == {1}
    assert kills == KILLS


def test_calls_loaded_again_after_the_event_log_committed_are_stored_once(
    shop_ws: Workspace, queue_url: str
) -> None:
    # What a loader that died between the event log's commit and the queue's leaves behind:
    # the calls still queued, their events already stored. Made for real by copying the rows.
    queue = IngestQueue(queue_url)
    try:
        _fill(queue, _shop(shop_ws), _calls(6, 10, "r"))
        with psycopg.connect(queue_url.replace("+psycopg", "")) as con:
            con.execute("CREATE TABLE kept AS SELECT * FROM ingest_queue")
        first = queue.drain(shop_ws.events, limit=4)
        with psycopg.connect(queue_url.replace("+psycopg", "")) as con:
            con.execute(
                "INSERT INTO ingest_queue (received_at, source, events, payload) "
                "SELECT received_at, source, events, payload FROM kept"
            )
        again = queue.drain(shop_ws.events, limit=4)
        assert queue.status().calls == 0
    finally:
        queue.close()
    assert first == LoadResult(calls=6, events=60, stored=60, duplicates=0)
    assert again == LoadResult(calls=6, events=60, stored=0, duplicates=60)
    assert set(_stored_ids(shop_ws).values()) == {1}


def test_messages_without_an_id_get_one_when_queued_so_a_reload_stores_them_once(
    shop_ws: Workspace, queue_url: str
) -> None:
    queue = IngestQueue(queue_url)
    try:
        queue.accept(_shop(shop_ws), [{"type": "track", "event": "No Id", "userId": "u1"}])
        with psycopg.connect(queue_url.replace("+psycopg", "")) as con:
            con.execute(
                "INSERT INTO ingest_queue (received_at, source, events, payload) "
                "SELECT received_at, source, events, payload FROM ingest_queue"
            )
        assert queue.drain(shop_ws.events, limit=10) == LoadResult(2, 2, 1, 1)
    finally:
        queue.close()
    assert sum(_stored_ids(shop_ws).values()) == 1


def test_text_that_is_no_unicode_cannot_block_the_queue(shop_ws: Workspace, queue_url: str) -> None:
    # JSON may carry a lone surrogate ("\\udc00"), which no UTF-8 store can hold: it is queued
    # as "?", so the loader is not stuck on that call forever, and the calls after it load.
    body = '[{"type": "track", "event": "e", "userId": "u", "properties": {"a": "\\udc00x"}}]'
    queue = IngestQueue(queue_url)
    try:
        queue.accept(_shop(shop_ws), json.loads(body))
        queue.accept(_shop(shop_ws), _calls(1, 2)[0])
        assert queue.drain(shop_ws.events, limit=1) == LoadResult(2, 3, 3, 0)
    finally:
        queue.close()
    stored = shop_ws.events.reader().execute("SELECT properties FROM events WHERE event = 'e'")
    assert stored.fetchall() == [('{"a":"?x"}',)]


def test_two_loaders_at_once_never_claim_the_same_call(shop_ws: Workspace, queue_url: str) -> None:
    queue = IngestQueue(queue_url)
    try:
        _fill(queue, _shop(shop_ws), _calls(120, 5, "c"))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: queue.drain(shop_ws.events, limit=3), range(2)))
        _wait("the queue to be empty", lambda: queue.status().calls == 0, 5)
    finally:
        queue.close()
    assert all(r.calls > 0 for r in results), results  # both loaders took part
    assert sum(r.calls for r in results) == 120
    assert sum(r.duplicates for r in results) == 0  # no call was loaded by both
    assert sum(_stored_ids(shop_ws).values()) == 600


def test_the_queue_status_gives_depth_and_the_oldest_calls_age(
    shop_ws: Workspace, queue_url: str
) -> None:
    clock = FixedClock(T0)
    queue = IngestQueue(queue_url, clock=clock)
    try:
        empty = queue.status()
        assert (empty.calls, empty.events, empty.oldest_age_seconds) == (0, 0, None)
        queue.accept(_shop(shop_ws), _calls(1, 3)[0])
        clock.advance(timedelta(seconds=30))
        queue.accept(_shop(shop_ws), _calls(1, 2)[0])
        clock.advance(timedelta(seconds=60))
        status = queue.status()
    finally:
        queue.close()
    assert (status.calls, status.events) == (2, 5)
    assert (status.oldest_received_at, status.oldest_age_seconds) == (T0, 90.0)


def test_the_server_drains_the_queue_in_the_background(
    shop_ws: Workspace, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNEYS_INGEST_QUEUE", queue_url)
    monkeypatch.setenv("JOURNEYS_INGEST_QUEUE_SECONDS", "0.1")
    queue = IngestQueue(queue_url)
    try:
        with running_server(shop_ws):
            _fill(queue, _shop(shop_ws), _calls(3, 4, "s"))
            _wait("the server to load the queue", lambda: queue.status().calls == 0, 10)
    finally:
        queue.close()
    assert sum(_stored_ids(shop_ws).values()) == 12


# -- the same answers as the embedded tracking API ----------------------------------------------

BAD_BATCH = [
    {"type": "track", "event": "ok-1", "userId": "u1"},
    {"type": "track", "userId": "u1"},
    {"type": "track", "event": "ok-2", "anonymousId": "a1", "properties": "not an object"},
    {"type": "teleport", "userId": "u1"},
    {"type": "identify", "traits": {"x": 1}},
    {"type": "track", "event": "ok-3", "userId": 7, "timestamp": "yesterday"},
    {"type": "page", "anonymousId": "a2", "name": "Home"},
]


def _answers(url: str, key: str) -> list[tuple[int, Any]]:
    """The status and body of a series of good and bad calls."""
    auth = (key, "")
    big = {"type": "track", "event": "big", "userId": "u", "properties": {"x": "y" * 40_000}}
    calls: list[tuple[str, Any, Any]] = [
        ("/v1/batch", {"batch": BAD_BATCH}, auth),
        ("/v1/batch", {"batch": [{"type": "track"}, big]}, auth),
        ("/v1/track", {"userId": "u1"}, auth),
        ("/v1/track", big, auth),
        ("/v1/batch", {"batch": "no list"}, auth),
        ("/v1/batch", {"batch": []}, None),
        ("/v1/batch", {"batch": [], "writeKey": "nobody's"}, None),
        ("/v1/identify", {"userId": "u9", "traits": {"plan": "pro"}, "writeKey": key}, None),
    ]
    answers = [
        (r.status_code, r.json())
        for path, body, who in calls
        if (r := httpx.post(f"{url}{path}", json=body, auth=who, timeout=10))
    ]
    raw = httpx.post(f"{url}/v1/batch", content=b"{nope", auth=auth, timeout=10)
    return [*answers, (raw.status_code, raw.json())]


def test_bad_items_get_the_same_answers_as_from_the_embedded_tracking_api(
    shop_ws: Workspace, ws: Workspace, website: Source, queue_url: str
) -> None:
    with running_server(ws) as embedded:
        expected = _answers(embedded, website.write_key)
    with _tracking_server(shop_ws, queue_url) as tracking:
        answers = _answers(tracking, _shop(shop_ws).write_key)
    assert answers == expected
    assert answers[0][1]["stored"] == 2 and len(answers[0][1]["errors"]) == 5
    assert [status for status, _ in answers] == [200, 422, 422, 413, 400, 401, 401, 200, 400]


def test_a_tracking_process_refuses_past_the_write_keys_rate(
    shop_ws: Workspace, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNEYS_INGEST_RATE_PER_SECOND", "0.01")
    monkeypatch.setenv("JOURNEYS_INGEST_BURST", "2")
    call = {"batch": [{"type": "track", "event": "e", "userId": "u"}]}
    with _tracking_server(shop_ws, queue_url) as url:
        auth = (_shop(shop_ws).write_key, "")
        statuses = [httpx.post(f"{url}/v1/batch", json=call, auth=auth).status_code for _ in "abc"]
        refused = httpx.post(f"{url}/v1/batch", json=call, auth=auth)
        assert httpx.get(f"{url}/v1/health").json() == {"status": "ok"}
        elsewhere = httpx.get(f"{url}/api/customers/u", headers={"Accept": "text/html"})
    assert statuses == [200, 200, 429]
    assert refused.headers["retry-after"] and refused.json()["error"]["code"] == "rate_limited"
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "not_found"


def test_serve_tracking_needs_a_queue_and_a_shared_operational_store(
    monkeypatch: pytest.MonkeyPatch, queue_url: str
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("JOURNEYS_INGEST_QUEUE", "")
    no_queue = runner.invoke(cli_app, ["serve-tracking"])
    monkeypatch.setenv("JOURNEYS_INGEST_QUEUE", queue_url)
    monkeypatch.setenv("JOURNEYS_OPERATIONAL_DATABASE", "")
    no_store = runner.invoke(cli_app, ["serve-tracking"])
    assert isinstance(no_queue.exception, InvalidInput)
    assert "ingest_queue" in no_queue.exception.message
    assert isinstance(no_store.exception, InvalidInput)
    assert "operational_database" in no_store.exception.message
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        IngestQueue("sqlite://")
