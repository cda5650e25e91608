"""``/api/tickets`` through the real app, and the server's periodic escalation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.clock import FixedClock
from journeys.feedback.tickets import TicketOpen, get_ticket, open_ticket
from journeys.workspace import Workspace

from serving import admin_headers
from test_tickets_support import NOW, answer, fixed_workspace, record_answers, seed_customers

H = timedelta(hours=1)


@pytest.fixture
def app_ws(tmp_path: Path) -> tuple[Workspace, FixedClock]:
    ws, clock = fixed_workspace(tmp_path)
    seed_customers(ws)
    return ws, clock


@pytest.fixture
def client(app_ws: tuple[Workspace, FixedClock]) -> Iterator[TestClient]:
    with TestClient(create_app(app_ws[0]), headers=admin_headers(app_ws[0])) as c:
        yield c


def create(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post("/api/tickets", json={"customer_id": "alice", "summary": "x", **body})
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def test_create_then_read_with_the_customers_timeline(client: TestClient) -> None:
    created = create(
        client,
        customer_id="alice@example.com",
        summary="Asked to be called back",
        journey="fashion",
        touchpoint="delivery-tracking",
        author="Eva",
    )
    assert created["id"] == "T-1" and created["reason"] == "api"
    assert (created["customer_id"], created["team"], created["priority"]) == (
        "alice",
        "Logistics",
        "normal",
    )
    assert created["sla_due_at"] == (NOW + 24 * H).isoformat()
    assert created["history"][0]["actor"] == "Eva"  # type: ignore[index]
    detail = client.get("/api/tickets/T-1").json()
    assert detail["ticket"]["id"] == "T-1"
    events = [e["event"] for e in detail["timeline"]]
    assert events[0] == "ticket_opened" and "page_viewed" in events
    assert len(client.get("/api/tickets/T-1", params={"timeline_limit": 1}).json()["timeline"]) == 1


def test_errors_use_the_one_error_shape(client: TestClient) -> None:
    nobody = client.post("/api/tickets", json={"customer_id": "nobody", "summary": "x"})
    assert nobody.status_code == 404
    assert nobody.json()["error"]["code"] == "customer_not_found"
    bad = client.post(
        "/api/tickets", json={"customer_id": "alice", "summary": "", "priority": "p1"}
    )
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"summary", "priority"}
    missing = client.get("/api/tickets/T-77")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


def test_status_notes_and_close(client: TestClient) -> None:
    create(client)
    contacted = client.post(
        "/api/tickets/T-1/status", json={"status": "contacted", "note": "Called", "author": "Eva"}
    )
    assert contacted.status_code == 200, contacted.text
    assert contacted.json()["status"] == "contacted" and contacted.json()["contacts"] == 1
    assert contacted.json()["notes"][0]["text"] == "Called"
    early = client.post("/api/tickets/T-1/close", json={"root_cause": "slow carrier"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "conflict"
    assert "can go to contacted or resolved, not closed" in early.json()["error"]["message"]
    note = client.post("/api/tickets/T-1/notes", json={"author": "Eva", "text": "Sent voucher"})
    assert note.status_code == 201 and len(note.json()["notes"]) == 2
    resolved = client.post("/api/tickets/T-1/status", json={"status": "resolved"})
    assert resolved.json()["status"] == "resolved"
    no_cause = client.post("/api/tickets/T-1/status", json={"status": "closed"})
    assert no_cause.status_code == 422
    assert no_cause.json()["error"]["details"] == {"field": "root_cause"}
    closed = client.post(
        "/api/tickets/T-1/close", json={"root_cause": "slow carrier", "resolution": "voucher"}
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["root_cause"]) == ("closed", "slow carrier")


def test_list_filters_and_pages(client: TestClient, app_ws: tuple[Workspace, FixedClock]) -> None:
    _, clock = app_ws
    create(client, priority="high")
    create(client, customer_id="bob", priority="low")
    create(client, customer_id="bob")
    clock.advance(5 * H)
    page = client.get("/api/tickets").json()
    assert page["total"] == 3 and [t["id"] for t in page["items"]] == ["T-1", "T-3", "T-2"]
    assert "notes" not in page["items"][0]  # the inbox lines are summaries
    breached = client.get("/api/tickets", params={"breached": "true"}).json()
    assert [(t["id"], t["breached"]) for t in breached["items"]] == [("T-1", True)]
    assert (
        client.get("/api/tickets", params={"customer": "bob", "priority": "low"}).json()["total"]
        == 1
    )
    second = client.get("/api/tickets", params={"limit": 2, "offset": 2}).json()
    assert (second["total"], second["limit"], second["offset"]) == (3, 2, 2)
    assert [t["id"] for t in second["items"]] == ["T-2"]
    assert client.get("/api/tickets", params={"status": "open"}).status_code == 422


def test_the_report_is_not_taken_for_a_ticket_id(
    client: TestClient, app_ws: tuple[Workspace, FixedClock]
) -> None:
    ws, _ = app_ws
    record_answers(ws, answer("alice", "r1", 2, NOW - H))
    report = client.get("/api/tickets/report", params={"since": (NOW - 2 * H).isoformat()})
    assert report.status_code == 200, report.text
    assert report.json()["detractors"] == 1 and report.json()["ticketed"] == 0
    late = client.get("/api/tickets/report", params={"since": (NOW - 2 * H).isoformat() + "Z"})
    assert late.json()["detractors"] == 1  # an explicit UTC offset reads the same


def test_the_server_escalates_overdue_tickets_by_itself(
    app_ws: tuple[Workspace, FixedClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, clock = app_ws
    monkeypatch.setenv("JOURNEYS_TICKET_ESCALATION_SECONDS", "0.05")
    spec = TicketOpen(customer_id="alice", reason="api", summary="x", priority="high")
    ticket = open_ticket(ws, spec)
    clock.advance(5 * H)
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        deadline = time.monotonic() + 20
        while client.get("/api/tickets/T-1").json()["ticket"]["escalation_level"] == 0:
            assert time.monotonic() < deadline, "the server did not escalate the ticket"
            time.sleep(0.05)
        time.sleep(0.2)  # more runs at the same moment change nothing
    escalated = get_ticket(ws, ticket.id)
    assert escalated.escalation_level == 1
    assert [c.action for c in escalated.history] == ["opened", "escalated"]


def test_escalation_can_be_turned_off(
    app_ws: tuple[Workspace, FixedClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, clock = app_ws
    monkeypatch.setenv("JOURNEYS_TICKET_ESCALATION_SECONDS", "0")
    open_ticket(ws, TicketOpen(customer_id="alice", reason="api", summary="x", priority="high"))
    clock.advance(5 * H)
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        time.sleep(0.3)
        assert client.get("/api/tickets/T-1").json()["ticket"]["escalation_level"] == 0
