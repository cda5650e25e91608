"""The ticket pages: the inbox with filters and breaches marked, a ticket with its forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html

from journeys.api.app import create_app
from journeys.clock import FixedClock
from journeys.feedback.tickets import StatusChange, TicketOpen, change_status, open_ticket
from journeys.workspace import Workspace

from serving import admin_headers
from test_tickets_support import fixed_workspace, seed_customers

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
H = timedelta(hours=1)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Workspace, FixedClock]]:
    """Three tickets: T-1 high for Alice (breached), T-2 normal for Bob, T-3 low, contacted."""
    ws, clock = fixed_workspace(tmp_path)
    seed_customers(ws)
    for customer, priority in (("alice", "high"), ("bob", "normal"), ("bob", "low")):
        spec = TicketOpen.model_validate(
            {
                "customer_id": customer,
                "reason": "api",
                "summary": f"{customer}'s problem",
                "priority": priority,
                "journey": "fashion",
                "touchpoint": "delivery-tracking" if customer == "alice" else None,
            }
        )
        open_ticket(ws, spec)
    change_status(ws, "T-3", StatusChange(status="contacted"))
    clock.advance(5 * H)
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        yield client, ws, clock


def page(client: TestClient, path: str, status: int = 200) -> html.HtmlElement:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def rows(doc: html.HtmlElement) -> list[str]:
    return [str(r.get("data-ticket")) for r in doc.xpath("//table[@data-table='tickets']/tbody/tr")]


def test_the_inbox_lists_most_urgent_first_and_marks_breaches(site) -> None:
    client, _, _ = site
    doc = page(client, "/tickets")
    assert rows(doc) == ["T-1", "T-2", "T-3"]
    breached = doc.xpath("//tr[@data-breached]")
    assert [r.get("data-ticket") for r in breached] == ["T-1"]
    assert "SLA breached" in breached[0].text_content()
    assert "overdue by 1h" in breached[0].text_content()
    assert "due in 19h" in doc.xpath("//tr[@data-ticket='T-2']")[0].text_content()
    assert doc.xpath("//a[@href='/tickets/T-1']") and doc.xpath("//a[@href='/customers/alice']")


def test_the_inbox_filters_and_keeps_them_when_paging(site) -> None:
    client, _, _ = site
    assert rows(page(client, "/tickets?breached=yes")) == ["T-1"]
    assert rows(page(client, "/tickets?breached=no&status=")) == ["T-2", "T-3"]
    assert rows(page(client, "/tickets?status=contacted")) == ["T-3"]
    assert rows(page(client, "/tickets?priority=normal")) == ["T-2"]
    assert rows(page(client, "/tickets?team=Logistics")) == ["T-1"]
    doc = page(client, "/tickets?team=Logistics")
    assert doc.xpath("//select[@name='team']/option[@selected]")[0].get("value") == "Logistics"
    empty = page(client, "/tickets?priority=low&status=new")
    assert rows(empty) == [] and "match these filters" in empty.text_content()
    page(client, "/tickets?status=reopened", status=422)


def test_the_inbox_pages_by_fifty(site) -> None:
    client, ws, _ = site
    for n in range(50):
        open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary=f"more {n}"))
    first = page(client, "/tickets?priority=normal")
    assert len(rows(first)) == 50
    older = first.xpath("//a[@rel='next']")[0].get("href")
    assert older == "/tickets?priority=normal&page=2"
    second = page(client, str(older))
    assert len(rows(second)) == 1 and second.xpath("//a[@rel='prev']")


def test_a_ticket_page_shows_details_sla_history_and_the_timeline(site) -> None:
    client, _, _ = site
    doc = page(client, "/tickets/T-1")
    head = doc.xpath("//*[@data-ticket='T-1']")[0]
    assert head.get("data-status") == "new"
    assert "SLA breached" in doc.xpath("//*[@data-field='sla']")[0].text_content()
    assert doc.xpath("//a[@data-link='customer']")[0].get("href") == "/customers/alice"
    assert [
        s.get("data-action") for s in doc.xpath("//table[@data-table='history']//tr[@data-step]")
    ] == ["opened"]
    timeline = [
        e.get("data-event") for e in doc.xpath("//section[@id='timeline']//li[@data-event]")
    ]
    assert timeline[0] == "ticket_opened" and "page_viewed" in timeline
    buttons = [
        b.get("value") for b in doc.xpath("//form[@data-form='status']//button[@name='status']")
    ]
    assert buttons == ["contacted", "resolved"]
    assert not doc.xpath("//form[@data-form='close']")  # only a resolved ticket closes
    page(client, "/tickets/T-99", status=404)


def test_forms_move_the_ticket_and_a_refused_step_says_why(site) -> None:
    client, _, _ = site
    posted = client.post(
        "/tickets/T-1/status",
        data={"status": "contacted", "note": "Called her", "author": "Eva"},
        headers=BROWSER,
        follow_redirects=False,
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/tickets/T-1"
    doc = page(client, "/tickets/T-1")
    assert doc.xpath("//*[@data-ticket='T-1']")[0].get("data-status") == "contacted"
    assert "Called her" in doc.xpath("//*[@id='notes']")[0].text_content()
    assert "responded late" in doc.xpath("//*[@data-field='sla']")[0].text_content()

    refused = client.post("/tickets/T-1/close", data={"root_cause": "x"}, headers=BROWSER)
    assert refused.status_code == 409
    error = html.fromstring(refused.text).xpath("//*[@data-error]")[0].text_content()
    assert "can go to contacted or resolved, not closed" in error

    client.post(
        "/tickets/T-1/notes", data={"author": "Eva", "text": "Voucher sent"}, headers=BROWSER
    )
    client.post("/tickets/T-1/status", data={"status": "resolved"}, headers=BROWSER)
    no_cause = client.post("/tickets/T-1/close", data={"root_cause": " "}, headers=BROWSER)
    assert no_cause.status_code == 422 and "root cause" in no_cause.text
    closed = client.post(
        "/tickets/T-1/close",
        data={"root_cause": "Carrier lost it", "resolution": "Refund", "author": "Eva"},
        headers=BROWSER,
    )
    assert closed.status_code == 200  # followed the redirect to the ticket
    doc = html.fromstring(closed.text)
    assert doc.xpath("//*[@data-ticket='T-1']")[0].get("data-status") == "closed"
    assert doc.xpath("//*[@data-field='root_cause']")[0].text_content() == "Carrier lost it"
    actions = [
        s.get("data-action") for s in doc.xpath("//table[@data-table='history']//tr[@data-step]")
    ]
    assert actions == ["opened", "contacted", "note", "note", "resolved", "closed"]
    assert not doc.xpath("//form[@data-form='status']") and not doc.xpath(
        "//form[@data-form='close']"
    )


def test_an_empty_note_is_refused_on_the_page(site) -> None:
    client, _, _ = site
    response = client.post("/tickets/T-2/notes", data={"author": "", "text": ""}, headers=BROWSER)
    assert response.status_code == 422
    assert "needs your name and a text" in response.text
