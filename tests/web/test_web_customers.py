"""The customer pages: the list, search by any id, and the profile with its timeline."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from factories import alias, identify, send, track
from serving import signed_in_page_with

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
API = {"accept": "application/json"}
VISITS = 60  # more than one timeline page (50) on their own


def alice_and_a_stranger() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Alice browses anonymously, logs in, phones from her CRM id and uses the app; a stranger
    browses once and never logs in. Returns (Alice's messages, the stranger's)."""
    visits = [
        track({"userId": "alice"}, "screen_viewed", 10 + m, channel="app") for m in range(VISITS)
    ]
    alice = [
        track({"anonymousId": "laptop"}, "page_viewed", 0, channel="web", path="/mortgage"),
        identify("alice", 1, anon="laptop", email="Alice@Example.com", name="Alice Adams"),
        track({"userId": "crm-42"}, "call_started", 5, channel="phone", topic="mortgage"),
        alias("crm-42", "alice", 6, "merge-42"),
        *visits,
    ]
    stranger = [track({"anonymousId": "kiosk"}, "page_viewed", 3, channel="web")]
    return alice, stranger


@pytest.fixture
def seeded(workspace: Workspace) -> int:
    """The workspace seeded through the event log; returns Alice's number of events."""
    alice, stranger = alice_and_a_stranger()
    send(workspace.events, *alice, *stranger)
    return len(alice)


def page(client: TestClient, path: str) -> html.HtmlElement:
    """GET a page as a browser would and parse it; it must be a 200 HTML page."""
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def text_of(el: html.HtmlElement) -> str:
    """An element's visible text with whitespace collapsed."""
    return " ".join(el.text_content().split())


def test_the_list_shows_each_stitched_customer_once(client: TestClient, seeded: int) -> None:
    doc = page(client, "/customers")

    rows = doc.xpath("//tr[@data-customer]")
    assert [r.get("data-customer") for r in rows] == ["alice", "kiosk"]  # most recent first
    alice = rows[0]
    assert alice.xpath(".//*[@data-events]/@data-events") == [str(seeded)]
    assert set(alice.xpath(".//*[@data-channel]/@data-channel")) == {"app", "phone", "web"}
    assert "known" in text_of(alice)
    assert "anonymous" in text_of(rows[1])
    assert alice.xpath(".//a/@href") == ["/customers/alice"]
    assert "2 customers" in text_of(doc)


def test_search_by_email_goes_to_the_customer(client: TestClient, seeded: int) -> None:
    response = client.get("/customers", params={"q": " alice@example.com "}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/customers/alice%40example.com"
    doc = page(client, response.headers["location"])
    (head,) = doc.xpath("//*[@class='profile-head']")
    assert head.get("data-customer") == "alice"
    assert "found by alice@example.com" in text_of(head)


def test_the_profile_shows_identities_traits_and_channels(client: TestClient, seeded: int) -> None:
    doc = page(client, "/customers/crm-42")

    assert doc.xpath("//h1")[0].text_content().strip() == "Alice Adams"
    (identities,) = doc.xpath("//*[@id='identities']")
    ids = identities.xpath(".//code/text()")
    assert {"alice", "crm-42", "laptop", "alice@example.com"} <= set(ids)
    assert identities.xpath(".//*[@data-merge='merge-42']")
    traits = {
        tr.get("data-trait"): text_of(tr.xpath("td")[0]) for tr in doc.xpath("//tr[@data-trait]")
    }
    assert traits == {"email": "Alice@Example.com", "name": "Alice Adams"}
    channels = doc.xpath("//*[@id='channels']//li[@data-channel]")
    assert [c.get("data-channel") for c in channels] == ["app", "phone", "web"]  # most used first
    assert f"{VISITS} events" in text_of(channels[0])


def test_the_timeline_is_newest_first_in_pages_of_fifty(client: TestClient, seeded: int) -> None:
    first = page(client, "/customers/alice")
    second = page(client, "/customers/alice?page=2")

    rows = first.xpath("//*[@data-seq]") + second.xpath("//*[@data-seq]")
    assert len(first.xpath("//*[@data-seq]")) == 50
    assert len(rows) == seeded
    times = [r.xpath(".//time/@datetime")[0] for r in rows]
    assert times == sorted(times, reverse=True)
    assert [r.get("data-event") for r in rows[-4:]] == [
        "alias",
        "call_started",
        "identify",
        "page_viewed",
    ]
    assert first.xpath("//nav[@class='pager']//a[@rel='next']/@href") == ["?page=2"]
    assert second.xpath("//nav[@class='pager']//a[@rel='prev']/@href") == ["?page=1"]
    assert not second.xpath("//a[@rel='next']")
    (call,) = second.xpath("//*[@data-event='call_started']")
    assert call.get("data-channel") == "phone"
    assert "as user crm-42" in text_of(call)  # the id the stitching joined in is shown


def test_an_anonymous_visitor_has_a_profile(client: TestClient, seeded: int) -> None:
    doc = page(client, "/customers/kiosk")

    assert doc.xpath("//h1")[0].text_content().strip() == "Anonymous visitor"
    (head,) = doc.xpath("//*[@class='profile-head']")
    assert head.get("data-customer") == "kiosk"
    assert "anonymous" in text_of(head)
    assert [r.get("data-event") for r in doc.xpath("//*[@data-seq]")] == ["page_viewed"]


def test_an_unknown_customer_is_a_404_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/customers/nobody", headers=BROWSER)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    (card,) = html.fromstring(response.text).xpath("//*[@data-status='404']")
    assert card.get("data-code") == "customer_not_found"
    assert "nobody" in text_of(card)


def test_an_unknown_customer_is_json_for_an_api_client(client: TestClient) -> None:
    response = client.get("/customers/nobody", headers=API)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "customer_not_found"
    assert "nobody" in error["message"]


@pytest.mark.browser
def test_find_a_customer_by_email_in_chromium(browser: Browser, server: str, ws: Workspace) -> None:
    alice, stranger = alice_and_a_stranger()
    send(ws.events, *alice, *stranger)
    page = signed_in_page_with(
        browser, server, ws, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    traffic = Traffic(page)

    page.goto(f"{server}/customers", wait_until="networkidle")
    assert page.locator("tr[data-customer='alice']").is_visible()
    page.get_by_role("searchbox").fill("alice@example.com")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(f"{server}/customers/alice%40example.com")

    assert page.get_by_role("heading", level=1).inner_text() == "Alice Adams"
    events = page.locator("#timeline [data-seq]")
    assert events.count() == 50
    assert events.first.is_visible()
    assert events.first.get_attribute("data-event") == "screen_viewed"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    page.close()
