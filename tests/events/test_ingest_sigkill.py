"""Nothing accepted is lost, for real: a client in another process sends batches to the
tracking API without pause while the server is killed with SIGKILL again and again and
restarted on the same workspace. Every message the API acknowledged is in the event log
exactly once: none lost, none stored twice (a batch that was stored but whose answer the kill
swallowed is sent again by the client, and must not be stored a second time)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from journeys.workspace import Workspace

from serving import free_port

VENV_BIN = Path(sys.executable).parent
SENDER = Path(__file__).with_name("ingest_sender.py")
KILLS = 3
WORKERS, BATCH = 3, 40  # concurrent client connections, messages per batch


@dataclass(frozen=True)
class Figures:
    """What a run measured."""

    acknowledged: int
    batches: int
    retried_batches: int
    resent_already_stored: int
    kills: int
    stored: int
    duplicates: int
    lost: int
    unknown: int


def _wait(what: str, done: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    """Start ``journeys serve`` in a process of its own and wait until it answers; its
    stderr goes to ``server.log`` beside the workspace."""
    cmd = [str(VENV_BIN / "journeys"), "serve", "-w", str(root), "--port", str(port)]
    env = {
        **os.environ,
        "JOURNEYS_SURVEY_DISPATCH_SECONDS": "0",
        "JOURNEYS_LOYALTY_EARN_SECONDS": "0",
    }
    log = root.parent / "server.log"
    with log.open("ab") as errors:
        server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)

    def up() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}:\n{_tail(log)}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait("the server", up, seconds=90)  # seconds on an idle machine; slower when busy
    except BaseException:
        server.kill()
        server.wait()
        raise
    return server


def _tail(path: Path) -> str:
    """The end of a log file, for a failure message."""
    return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""


def _acks(out: Path) -> list[dict[str, Any]]:
    """The acknowledged batches the client wrote down (complete lines only)."""
    path = out / "acked.jsonl"
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]


def _unacknowledged_commit(url: str, out: Path, seconds: float = 2) -> None:
    """Return as soon as the log holds more events than the client has seen acknowledged: a
    batch is committed and its answer is still on its way, the moment a kill hurts most (or
    after ``seconds``, if no such moment came)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            committed = httpx.get(f"{url}/v1/health", timeout=2).json()["last_seq"]
        except httpx.HTTPError:
            return
        if committed > sum(len(a["ids"]) for a in _acks(out)):
            return


def _stored(root: Path) -> tuple[Counter[str], int]:
    """How often each message id of the source is in the event log, and how many rows share
    a seq with another row."""
    with Workspace.open(root) as ws:
        con = ws.events.reader()
        rows = con.execute("SELECT message_id, seq FROM events WHERE source = 'shop'").fetchall()
    seqs = Counter(seq for _, seq in rows)
    return Counter(m for m, _ in rows), sum(n - 1 for n in seqs.values())


def _kill_while_sending(root: Path, port: int, key: str, out: Path, rng: random.Random) -> int:
    """Run the server and the client; SIGKILL the server KILLS times while batches are in
    flight at random moments, all but the first as soon as a batch is committed but not yet
    acknowledged; then stop the client and the server cleanly. Returns the kills."""
    url = f"http://127.0.0.1:{port}"
    server = _serve(root, port)
    sender: subprocess.Popen[bytes] | None = None
    kills = 0
    try:
        client = [str(SENDER), url, key, str(out), str(WORKERS), str(BATCH)]
        sender = subprocess.Popen([sys.executable, *client])
        for _ in range(KILLS + 1):
            acked = len(_acks(out))
            _wait("acknowledgements", lambda n=acked: len(_acks(out)) > n, 60)  # type: ignore[misc]
            time.sleep(rng.uniform(0.05, 1.0))
            if kills == KILLS:
                break
            if kills:
                _unacknowledged_commit(url, out)
            server.send_signal(signal.SIGKILL)
            server.wait()
            kills += 1
            server = _serve(root, port)
        (out / "stop").touch()
        assert sender.wait(timeout=60) == 0, _tail(out / "failed")
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0, _tail(root.parent / "server.log")
    finally:
        for process in (sender, server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
    return kills


def _figures(acks: list[dict[str, Any]], stored: Counter[str], kills: int) -> Figures:
    acknowledged = Counter(m for a in acks for m in a["ids"])
    assert all(n == 1 for n in acknowledged.values())  # the client sends each id in one batch
    return Figures(
        acknowledged=len(acknowledged),
        batches=len(acks),
        retried_batches=sum(a["attempts"] > 1 for a in acks),
        resent_already_stored=sum(a["duplicates"] for a in acks),
        kills=kills,
        stored=len(stored),
        duplicates=sum(n - 1 for n in stored.values()),
        lost=len(acknowledged.keys() - stored.keys()),
        unknown=len(stored.keys() - acknowledged.keys()),
    )


@pytest.mark.slow
def test_sigkill_during_ingest_loses_and_doubles_no_acknowledged_event(tmp_path: Path) -> None:
    root, out = tmp_path / "ws", tmp_path / "client"
    out.mkdir()
    with Workspace.init(root) as ws:
        key = ws.operational.add_source("shop", channel="web").write_key
    seed = random.randrange(2**32)
    print(f"kill moments from seed {seed}")
    kills = _kill_while_sending(root, free_port(), key, out, random.Random(seed))

    acks = _acks(out)
    stored, shared_seqs = _stored(root)
    figures = _figures(acks, stored, kills)
    print(figures)
    assert figures.kills == KILLS
    assert figures.retried_batches >= 1, figures  # the kills cut calls the client resent
    assert (figures.lost, figures.duplicates) == (0, 0), figures
    # The client finished every batch it started, so the log holds nothing unacknowledged.
    assert figures.unknown == 0, figures
    assert shared_seqs == 0  # no sequence number handed out twice across restarts
    # Each acknowledgement accounts for its whole batch: stored now, or stored by an attempt
    # whose answer was lost.
    assert all(a["stored"] + a["duplicates"] == len(a["ids"]) for a in acks)
