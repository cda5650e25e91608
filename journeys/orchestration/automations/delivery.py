"""Delivering the outbox: at least once, with an idempotency key, back-off and dead letters.

The worker takes the pending actions that are due, performs each through a transport, and
records the attempt. A failed attempt is tried again after an exponentially growing pause
(setting ``automation_backoff_seconds``, doubled per attempt, at most an hour); after
``automation_max_attempts`` the action becomes a dead letter, which :func:`replay` puts back.

The action is performed *before* its success is recorded, so a crash in between performs it
again on the next run: a receiver can see an action twice, always with the same key
(``Idempotency-Key`` header, the e-mail's ``Message-ID``), and never not at all. Our own
services take the same key: a ticket per key, one ledger entry per key, one trait event per key,
one next-best-action pin per key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys import config
from journeys.events.messages import Identify, rows_to_table, to_row
from journeys.events.recording import SOURCE
from journeys.feedback.surveys.links import workspace_secret
from journeys.feedback.tickets.model import TicketOpen
from journeys.feedback.tickets.service import open_ticket
from journeys.loyalty.service import award_points
from journeys.orchestration.automations.tables import (
    AttemptRow,
    DeadLetterRow,
    OutboxRow,
    ensure_tables,
    local_lock,
)
from journeys.orchestration.nba.pins import pin_from, set_pin
from journeys.workspace import Workspace

MAX_PAUSE = timedelta(hours=1)
SIGNATURE_HEADER = "X-Journeys-Signature"


class Action(BaseModel):
    """One action to perform, as a transport sees it."""

    outbox_id: int
    idempotency_key: str
    automation_id: str
    version: int
    step_id: str
    kind: str
    customer_id: str
    known: bool
    payload: dict[str, Any]
    created_at: datetime


class Transport(Protocol):
    def __call__(self, ws: Workspace, action: Action) -> str:
        """Perform the action; return a line about it, raise when it failed."""
        ...


class DeliveryResult(BaseModel):
    """What one run of the worker did."""

    attempted: int
    delivered: int
    failed: int
    dead: int


def deliver_due(
    ws: Workspace, transports: dict[str, Transport] | None = None, limit: int = 200
) -> DeliveryResult:
    """Attempt every pending action that is due (up to ``limit``); returns what happened."""
    with local_lock(ws.root, "delivery"):
        return _deliver(ws, transports, limit)


def _deliver(ws: Workspace, transports: dict[str, Transport] | None, limit: int) -> DeliveryResult:
    engine = ws.operational.engine
    ensure_tables(engine)
    chosen = {**TRANSPORTS, **(transports or {})}
    now = ws.clock.now()
    with Session(engine) as session:
        rows = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        ).all()
        actions = [_action(r) for r in rows]
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    for action in actions:
        try:
            detail, ok = chosen[action.kind](ws, action), True
        except Exception as exc:  # any failure of a transport is an attempt that failed
            detail, ok = f"{type(exc).__name__}: {exc}", False
        counts[_record(ws, action, ok, detail[:2000])] += 1
    return DeliveryResult(attempted=len(actions), **counts)


def pause(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    base = float(config.get("automation_backoff_seconds"))
    return min(MAX_PAUSE, timedelta(seconds=base * 2 ** max(0, attempts - 1)))


def replay(ws: Workspace, outbox_ids: list[int] | None = None) -> int:
    """Put dead letters (all, or the given ones) back in the outbox; returns how many."""
    ensure_tables(ws.operational.engine)
    now = ws.clock.now()
    with Session(ws.operational.engine) as session, session.begin():
        query = select(DeadLetterRow).where(DeadLetterRow.replayed_at.is_(None))
        if outbox_ids is not None:
            query = query.where(DeadLetterRow.outbox_id.in_(outbox_ids))
        letters = session.scalars(query).all()
        for letter in letters:
            letter.replayed_at = now
            row = session.get(OutboxRow, letter.outbox_id)
            if row is not None:
                row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        return len(letters)


def _record(ws: Workspace, action: Action, ok: bool, detail: str) -> str:
    now = ws.clock.now()
    with Session(ws.operational.engine) as session, session.begin():
        row = session.get(OutboxRow, action.outbox_id)
        if row is None or row.status != "pending":
            return "delivered" if ok else "failed"  # another worker finished it meanwhile
        row.attempts += 1
        session.add(AttemptRow(outbox_id=row.id, at=now, ok=ok, detail=detail))
        if ok:
            row.status, row.delivered_at, row.last_error = "delivered", now, None
            return "delivered"
        row.last_error = detail
        if row.attempts >= config.get_int("automation_max_attempts"):
            row.status = "dead"
            letter = session.get(DeadLetterRow, row.id)
            if letter is None:
                letter = DeadLetterRow(outbox_id=row.id, idempotency_key=row.idempotency_key)
                session.add(letter)
            letter.failed_at, letter.error, letter.replayed_at = now, detail, None
            return "dead"
        row.next_attempt_at = now + pause(row.attempts)
        return "failed"


def _action(row: OutboxRow) -> Action:
    return Action(
        outbox_id=row.id,
        idempotency_key=row.idempotency_key,
        automation_id=row.automation_id,
        version=row.version,
        step_id=row.step_id,
        kind=row.kind,
        customer_id=row.customer_id,
        known=row.known,
        payload=dict(row.payload),
        created_at=row.created_at,
    )


# -- transports ------------------------------------------------------------------------------


def webhook_body(action: Action) -> bytes:
    """The JSON body of a webhook: the same bytes on every attempt."""
    body = {
        "idempotency_key": action.idempotency_key,
        "automation": action.automation_id,
        "version": action.version,
        "step": action.step_id,
        "customer_id": action.customer_id,
        "at": action.created_at.isoformat() + "Z",
        "data": action.payload.get("data", {}),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_secret(ws: Workspace, action: Action) -> str:
    """The automation's secret (its ``secret_env`` variable) or the workspace's."""
    name = action.payload.get("secret_env")
    if isinstance(name, str) and os.environ.get(name):
        return os.environ[name]
    return workspace_secret(ws.root)


def send_webhook(ws: Workspace, action: Action) -> str:
    """POST the signed body; any status but 2xx is a failure."""
    body = webhook_body(action)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": action.idempotency_key,
        SIGNATURE_HEADER: sign(webhook_secret(ws, action), body),
        "User-Agent": "Journeys-Automations",
    }
    timeout = float(config.get("automation_http_timeout"))
    response = httpx.post(
        str(action.payload["url"]), content=body, headers=headers, timeout=timeout
    )
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"HTTP {response.status_code} from {action.payload['url']}")
    return f"HTTP {response.status_code}"


def send_email(ws: Workspace, action: Action) -> str:
    """Hand the e-mail to the SMTP server of the settings; the key is its Message-ID."""
    p = action.payload
    message = EmailMessage()
    message["From"] = config.get("smtp_from")
    message["To"] = str(p["to"])
    message["Subject"] = str(p["subject"])
    message["Message-ID"] = f"<{action.idempotency_key}@journeys>"
    message["Idempotency-Key"] = action.idempotency_key
    message.set_content(str(p["body"]))
    host, port = config.get("smtp_host"), config.get_int("smtp_port")
    timeout = float(config.get("automation_http_timeout"))
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.send_message(message)
    return f"accepted by {host}:{port}"


def create_ticket(ws: Workspace, action: Action) -> str:
    """Open a ticket; the key stands in for a survey response, so a key opens one ticket."""
    p = action.payload
    spec = TicketOpen(
        customer_id=action.customer_id,
        reason="rule",
        summary=str(p["summary"]),
        priority=p.get("priority"),
        team=p.get("team"),
        response_id=f"automation-{action.idempotency_key}",
        actor="automation",
    )
    return f"ticket {open_ticket(ws, spec).id}"


def add_points(ws: Workspace, action: Action) -> str:
    """Award loyalty points under the action's key (one ledger entry per key)."""
    p = action.payload
    posted = award_points(
        ws, action.customer_id, int(p["points"]), str(p["reason"]), action.idempotency_key
    )
    return f"ledger entry {posted.entry.id}, balance {posted.balance}"


def set_trait(ws: Workspace, action: Action) -> str:
    """Record an identify event with the trait; its message id is the key, so it is stored once."""
    p = action.payload
    who = {"userId": action.customer_id} if action.known else {"anonymousId": action.customer_id}
    message = Identify.model_validate(
        {
            "type": "identify",
            "messageId": f"automation-{action.idempotency_key}",
            "timestamp": action.created_at,
            "traits": {str(p["trait"]): p["value"]},
            **who,
        }
    )
    log = ws.events
    result = log.append(rows_to_table([to_row(message, received_at=log.clock.now())]), SOURCE)
    return f"identify stored (seq {result.last_seq})"


def set_next_best_action(ws: Workspace, action: Action) -> str:
    """Pin the action for the customer under the key (one pin per key), from the moment the
    automation decided it, for its days."""
    p = action.payload
    pin = pin_from(
        action.customer_id,
        str(p["action"]),
        action.automation_id,
        str(p.get("automation_name") or action.automation_id),
        str(p.get("reason") or ""),
        action.created_at,
        int(p["days"]),
    )
    stored = set_pin(ws, action.idempotency_key, pin)
    return f"next best action {stored.action_id} until {stored.expires_at:%Y-%m-%d %H:%M}"


TRANSPORTS: dict[str, Transport] = {
    "webhook": send_webhook,
    "email": send_email,
    "create_ticket": create_ticket,
    "add_points": add_points,
    "set_trait": set_trait,
    "set_next_best_action": set_next_best_action,
}
