"""Shared builders of the automation tests: a workspace on a fixed clock, files, receivers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.clock import FixedClock
from journeys.orchestration.automations.tables import EnrolmentRow, OutboxRow, StepLogRow
from journeys.workspace import Workspace

from factories import T0

WELCOME = """\
id: welcome
name: Welcome new customers
version: 1
trigger:
  event:
    event: signed_up
conditions:
  - consent: marketing
steps:
  - id: notify-crm
    webhook:
      url: {url}
      payload:
        email: "{{{{ traits.email }}}}"
  - id: wait-a-day
    wait:
      duration: 1d
  - id: welcome-mail
    email:
      subject: "Welcome, {{{{ traits.first_name }}}}"
      body: "Hello {{{{ traits.first_name }}}}, good to have you."
goal:
  event: purchase
"""


def welcome(url: str = "http://127.0.0.1:9/hook") -> str:
    """The welcome automation, its webhook pointed at ``url``."""
    return WELCOME.format(url=url)


def fixed_workspace(root: Path, start: datetime = T0) -> tuple[Workspace, FixedClock]:
    """A new workspace (example journeys) whose clock only moves when told to."""
    clock = FixedClock(start)
    return Workspace.init(root, clock=clock), clock


def write_automation(ws: Workspace, text: str, name: str = "welcome") -> Path:
    """Write an automation file into the workspace."""
    folder = ws.root / "automations"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def consenting(user: str, minute: float, **traits: Any) -> dict[str, Any]:
    """An identify call with marketing consent and the given traits."""
    from factories import identify

    return identify(user, minute, consent={"marketing": True}, **traits)


def enrolments(ws: Workspace) -> list[EnrolmentRow]:
    """Every enrolment, by customer."""
    with Session(ws.operational.engine) as session:
        rows = session.scalars(select(EnrolmentRow).order_by(EnrolmentRow.customer_id)).all()
        session.expunge_all()
        return list(rows)


def outbox_rows(ws: Workspace) -> list[OutboxRow]:
    """Every outbox row, in order."""
    with Session(ws.operational.engine) as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        session.expunge_all()
        return list(rows)


def outcomes(ws: Workspace, step: str) -> list[str]:
    """The outcomes logged at one step."""
    with Session(ws.operational.engine) as session:
        found = session.scalars(select(StepLogRow.outcome).where(StepLogRow.step_id == step))
        return sorted(found)


@dataclass
class Received:
    """What a receiver got: each request's headers and body, in order."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_next: int = 0  # answer 503 to this many requests first

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@contextmanager
def http_receiver() -> Iterator[tuple[str, Received]]:
    """A real HTTP server on 127.0.0.1 recording every POST; yields its URL and the record."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            failing = received.fail_next > 0
            received.fail_next -= 1 if failing else 0
            self.send_response(503 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def minutes(n: float) -> timedelta:
    """A span of minutes."""
    return timedelta(minutes=n)
