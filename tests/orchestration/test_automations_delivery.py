"""Delivering the outbox to a real HTTP receiver and a real SMTP server on 127.0.0.1, with
back-off, dead letters and replay; our own services take the idempotency key."""

from __future__ import annotations

import email
import hashlib
import hmac
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from automation_support import (
    consenting,
    fixed_workspace,
    http_receiver,
    minutes,
    outbox_rows,
    welcome,
    write_automation,
)

from journeys.feedback.surveys.links import workspace_secret
from journeys.feedback.tickets.service import list_tickets
from journeys.loyalty.members import get_member
from journeys.orchestration.automations.delivery import deliver_due, pause, replay
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.views import dead_letters
from journeys.workspace import Workspace

from factories import send, track
from serving import free_port


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real SMTP server on 127.0.0.1, set as the automations' server."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("JOURNEYS_SMTP_PORT", str(port))
    monkeypatch.setenv("JOURNEYS_SMTP_FROM", "crm@example.com")
    yield inbox
    controller.stop()


def _welcomed(tmp_path: Path, url: str) -> tuple[Workspace, Any]:
    ws, clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, welcome(url))
    run_engine(ws)
    send(
        ws.events,
        consenting("alice", 0, email="alice@example.com", first_name="Alice"),
        track({"userId": "alice"}, "signed_up", 1),
    )
    clock.advance(minutes(2))
    run_engine(ws)
    return ws, clock


def test_a_webhook_is_signed_and_carries_its_key(tmp_path: Path, smtp: Inbox) -> None:
    with http_receiver() as (url, received):
        ws, _clock = _welcomed(tmp_path, url)
        assert deliver_due(ws).delivered == 1
    [(headers, body)] = received.requests
    [row] = outbox_rows(ws)
    assert headers["idempotency-key"] == row.idempotency_key
    secret = workspace_secret(ws.root).encode()
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-journeys-signature"], expected)
    assert received.bodies()[0]["data"] == {"email": "alice@example.com"}
    assert row.status == "delivered"
    ws.close()


def test_an_email_goes_through_smtp_with_the_key_as_message_id(tmp_path: Path, smtp: Inbox) -> None:
    with http_receiver() as (url, _received):
        ws, clock = _welcomed(tmp_path, url)
        clock.advance(minutes(1441))
        run_engine(ws)
        assert deliver_due(ws).delivered == 2
    [message] = smtp.messages
    mail = next(r for r in outbox_rows(ws) if r.kind == "email")
    assert message["Message-ID"] == f"<{mail.idempotency_key}@journeys>"
    assert message["Idempotency-Key"] == mail.idempotency_key
    assert (message["To"], message["From"]) == ("alice@example.com", "crm@example.com")
    assert message["Subject"] == "Welcome, Alice"
    assert "Hello Alice" in message.get_payload()
    ws.close()


def test_failures_back_off_then_die_and_a_replay_delivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNEYS_AUTOMATION_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("JOURNEYS_AUTOMATION_BACKOFF_SECONDS", "10")
    with http_receiver() as (url, received):
        ws, clock = _welcomed(tmp_path, url)
        received.fail_next = 3
        assert deliver_due(ws).failed == 1
        [row] = outbox_rows(ws)
        assert row.next_attempt_at == clock.now() + pause(1)
        assert deliver_due(ws).attempted == 0  # not due yet
        clock.advance(pause(1))
        assert deliver_due(ws).failed == 1
        clock.advance(pause(2))
        assert pause(2).total_seconds() == 20
        assert deliver_due(ws).dead == 1
        [letter] = dead_letters(ws)
        assert (letter.attempts, letter.error) == (3, f"RuntimeError: HTTP 503 from {url}")
        assert replay(ws) == 1 and dead_letters(ws) == []
        assert deliver_due(ws).delivered == 1
    keys = {h["idempotency-key"] for h, _ in received.requests}
    assert len(received.requests) == 4 and keys == {row.idempotency_key}
    assert outbox_rows(ws)[0].status == "delivered"
    ws.close()


OWN = """\
id: own
name: Our own services
version: 1
trigger:
  event:
    event: review_written
steps:
  - id: ticket
    create_ticket:
      summary: "Read the review of {{ customer_id }}"
      priority: high
  - id: points
    add_points:
      points: 40
      reason: review
  - id: trait
    set_trait:
      trait: reviewer
      value: true
"""


def test_own_services_run_once_per_key_even_when_delivered_twice(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, OWN)
    run_engine(ws)
    send(ws.events, track({"userId": "rae"}, "review_written", 1))
    clock.advance(minutes(2))
    run_engine(ws)
    assert deliver_due(ws).delivered == 3
    # As after a crash between performing and recording: everything is performed again.
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from journeys.orchestration.automations.tables import OutboxRow

    with Session(ws.operational.engine) as session, session.begin():
        session.execute(update(OutboxRow).values(status="pending"))
    assert deliver_due(ws).delivered == 3
    tickets = list_tickets(ws).items
    assert [(t.customer_id, t.priority, t.summary) for t in tickets] == [
        ("rae", "high", "Read the review of rae")
    ]
    assert get_member(ws, "rae").balance == 40
    traits = (
        ws.events.fresh_reader()
        .execute("SELECT count(*) FROM events WHERE type = 'identify' AND user_id = 'rae'")
        .fetchone()
    )
    assert traits == (1,)
    from journeys.events.profiles import customer_profile

    assert customer_profile(ws.events.fresh_reader(), "rae").traits == {"reviewer": True}
    ws.close()
