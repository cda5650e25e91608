"""The measured layer on the journey map, and the pain-point pages, in Chromium."""

from __future__ import annotations

import pytest
import requests
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.analytics.overlay import OverlayQuery, measured_map
from journeys.loyalty.service import award_points
from journeys.workspace import Workspace

from browsing import Traffic
from factories import at, send, track
from serving import admin_headers, signed_in_page, signed_in_page_with

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def seed(ws: Workspace) -> None:
    """Home-cleaning customers: most leave at the slot picker, a few book and are visited."""
    messages = []
    for i in range(12):
        who = {"userId": f"c{i}"}
        pricing = {"type": "page", "name": "pricing", "timestamp": at(i), **who}
        messages += [
            {**pricing, "properties": {"path": "/pricing", "channel": "web"}},
            track(who, "timeslots_viewed", i + 1, channel="web", days_to_first_slot=3),
        ]
        if i < 4:
            booked = {"booking_id": f"BK-{i}", "booked_via": "web"}
            messages.append(track(who, "booking_confirmed", i + 3, channel="web", **booked))
    send(ws.events, *messages)


@pytest.mark.browser
def test_the_journey_map_shows_what_customers_did(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    expected = measured_map(ws, OverlayQuery(journey="home-cleaning"))
    assert expected.customers == 12  # the demo journey's matchers recognise the events
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1440, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/journeys/home-cleaning", wait_until="networkidle")
    page.wait_for_selector("[data-measured-journey][data-rendered='true']")
    summary = page.locator("[data-measured-journey]")
    assert summary.get_attribute("data-customers") == "12"
    for tp in expected.touchpoints:
        cell = page.locator(f"[data-measured-touchpoint='{tp.touchpoint}']")
        assert cell.get_attribute("data-reached") == str(tp.reached)
        if tp.reached:
            assert cell.is_visible()
        card = page.locator(f".tp-card[data-touchpoint='{tp.touchpoint}']")
        assert ("worst" in (card.get_attribute("class") or "")) is tp.worst
    for stage in expected.stages:
        head = page.locator(f"[data-measured-stage='{stage.stage}']")
        assert head.get_attribute("data-reached") == str(stage.reached)
    assert traffic.failures == [] and traffic.hosts() == {"127.0.0.1"}


@pytest.mark.browser
def test_the_pain_point_page_ranks_and_links_to_the_customers(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    ranked = requests.get(
        f"{server}/api/analytics/painpoints",
        params={"journey": "home-cleaning"},
        headers=admin_headers(ws),
        timeout=30,
    ).json()["pain_points"]
    page = signed_in_page(browser, server, ws)
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/painpoints?journey=home-cleaning", wait_until="networkidle")
    page.wait_for_selector("#painpoints-chart[data-rendered='true'] canvas")
    items = page.locator("[data-list='painpoints'] > li")
    assert [items.nth(i).get_attribute("data-touchpoint") for i in range(items.count())] == [
        p["touchpoint"] for p in ranked
    ]
    first = ranked[0]
    page.click(f"a[href='{first['customers_url']}']")
    page.wait_for_selector("[data-total]")
    assert page.locator("[data-total]").get_attribute("data-total") == str(first["dropped"])
    assert page.locator("table[data-table='dropped'] a").count() == first["dropped"]
    assert traffic.failures == [] and traffic.hosts() == {"127.0.0.1"}


def test_a_journey_without_events_says_so(client: TestClient, workspace: Workspace) -> None:
    response = client.get("/journeys/fashion", headers=BROWSER)
    doc = html.fromstring(response.text)
    assert doc.xpath("//*[@data-measured-journey='fashion']")
    measured = client.get("/api/analytics/overlay", params={"journey": "fashion"}).json()
    assert (measured["customers"], measured["mapped_events"]) == (0, 0)
    assert all(t["reached"] == 0 for t in measured["touchpoints"])


@pytest.fixture
def no_server_earning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server earns no points on its own timer (it would credit the reviews once a
    reviewer is a member, at a moment that depends on how long the test took)."""
    monkeypatch.setenv("JOURNEYS_LOYALTY_EARN_SECONDS", "0")


@pytest.mark.browser
def test_the_loyalty_stage_shows_the_programme(
    no_server_earning: None, browser: Browser, server: str, ws: Workspace
) -> None:
    review = {"rating": 5, "channel": "web"}
    send(
        ws.events,
        track({"userId": "ann"}, "review_submitted", 1, **review),
        track({"userId": "bob"}, "review_submitted", 2, **review),
    )
    award_points(ws, "ann", 40, "goodwill", "goodwill-ann")
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/journeys/fashion", wait_until="networkidle")
    page.wait_for_selector("[data-measured-journey][data-rendered='true']")
    figures = page.locator("[data-measured-stage='loyalty'] [data-m='loyalty']")
    assert figures.get_attribute("data-members") == "1"
    assert "members 1 of 2 (50 %), 1 active" in figures.inner_text()
    assert "40 points held" in figures.inner_text()
