"""At least once, for real: the receiver and the Journeys server are killed with SIGKILL while
actions are being delivered; after restarts every action arrives, none is lost, and every
duplicate carries the same idempotency key and body."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from automation_support import write_automation

from journeys.feedback.surveys.links import workspace_secret
from journeys.workspace import Workspace

from serving import admin_headers, free_port

VENV_BIN = Path(sys.executable).parent

# A receiver that writes down each request (durably) before it answers, slowly, so a kill
# lands between "received" and "answered": the sender cannot know, and must send again.
RECEIVER = """
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, log = int(sys.argv[1]), sys.argv[2]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        line = json.dumps({"key": self.headers["Idempotency-Key"],
                           "signature": self.headers["X-Journeys-Signature"],
                           "body": body.decode()})
        with open(log, "a") as f:
            f.write(line + "\\n"); f.flush(); os.fsync(f.fileno())
        time.sleep(0.15)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a):
        pass
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"""

AUTOMATION = """\
id: order-follow-up
name: Order follow-up
version: 1
trigger:
  event:
    event: order_placed
steps:
  - id: to-erp
    webhook:
      url: http://127.0.0.1:{port}/orders
      payload:
        order: "{{{{ customer_id }}}}"
  - id: receipt
    email:
      to: "{{{{ customer_id }}}}@example.com"
      subject: Your order
      body: Thank you for your order.
"""
CUSTOMERS = 30


class Inbox:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.decode().splitlines():
            if line.lower().startswith("message-id:"):
                self.ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


def _wait(what: str, done: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _received(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _serve(root: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [str(VENV_BIN / "journeys"), "serve", "-w", str(root), "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _up(url: str, headers: dict[str, str]) -> bool:
    try:
        return httpx.get(f"{url}/api/automations", headers=headers, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_sigkill_of_receiver_and_server_loses_no_action(tmp_path: Path) -> None:
    root, log = tmp_path / "ws", tmp_path / "received.jsonl"
    hook_port, web_port, smtp_port = free_port(), free_port(), free_port()
    with Workspace.init(root) as ws:
        write_automation(ws, AUTOMATION.format(port=hook_port), "order-follow-up")
        key = ws.operational.add_source("shop", channel="web").write_key
        secret = workspace_secret(ws.root).encode()
        admin = admin_headers(ws)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **os.environ,
        "JOURNEYS_AUTOMATION_SECONDS": "0.3",
        "JOURNEYS_AUTOMATION_BACKOFF_SECONDS": "0.2",
        "JOURNEYS_AUTOMATION_MAX_ATTEMPTS": "1000",
        "JOURNEYS_AUTOMATION_HTTP_TIMEOUT": "3",
        "JOURNEYS_SMTP_PORT": str(smtp_port),
        "JOURNEYS_SURVEY_DISPATCH_SECONDS": "0",
        "JOURNEYS_LOYALTY_EARN_SECONDS": "0",
    }
    url = f"http://127.0.0.1:{web_port}"
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(hook_port), str(log)])
    server = _serve(root, web_port, env)
    try:
        _wait("the server", lambda: _up(url, admin))
        run = httpx.post(f"{url}/api/automations/run", headers=admin, timeout=30)
        assert run.json()["position"] == 0
        batch = [
            {"type": "track", "userId": f"c{i:02d}", "event": "order_placed", "messageId": f"o{i}"}
            for i in range(CUSTOMERS)
        ]
        sent = httpx.post(f"{url}/v1/batch", json={"batch": batch}, auth=(key, ""), timeout=30)
        assert sent.status_code == 200, sent.text

        _wait("the first deliveries", lambda: len(_received(log)) >= 5)
        receiver.send_signal(signal.SIGKILL)
        receiver.wait()
        time.sleep(1.0)  # the server keeps trying meanwhile and backs off
        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(hook_port), str(log)])

        _wait("more deliveries", lambda: len(_received(log)) >= 15)
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = _serve(root, web_port, env)
        _wait("the server again", lambda: _up(url, admin))

        def all_delivered() -> bool:
            pending = httpx.get(
                f"{url}/api/automations/outbox?limit=1000", headers=admin, timeout=10
            ).json()
            return len(pending) == 2 * CUSTOMERS and all(
                o["status"] == "delivered" for o in pending
            )

        _wait("every action delivered", all_delivered)
        outbox = httpx.get(
            f"{url}/api/automations/outbox?limit=1000", headers=admin, timeout=10
        ).json()
    finally:
        for process in (server, receiver):
            process.send_signal(signal.SIGKILL)
            process.wait()
        smtp.stop()

    hooks = {o["idempotency_key"] for o in outbox if o["kind"] == "webhook"}
    mails = {f"<{o['idempotency_key']}@journeys>" for o in outbox if o["kind"] == "email"}
    assert len(hooks) == len(mails) == CUSTOMERS
    received = _received(log)
    assert {r["key"] for r in received} == hooks  # none lost, nothing unknown
    assert set(inbox.ids) == mails
    bodies: dict[str, set[str]] = {}
    for r in received:
        expected = "sha256=" + hmac.new(secret, r["body"].encode(), hashlib.sha256).hexdigest()
        assert r["signature"] == expected
        assert json.loads(r["body"])["idempotency_key"] == r["key"]
        bodies.setdefault(r["key"], set()).add(r["body"])
    assert all(len(b) == 1 for b in bodies.values())  # a duplicate is the same request
    duplicates = sum(n - 1 for n in Counter(r["key"] for r in received).values())
    print(f"webhook requests {len(received)} for {CUSTOMERS} actions: {duplicates} duplicates")
