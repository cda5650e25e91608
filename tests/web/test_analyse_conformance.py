"""The conformance page and API: the analysis over HTTP, the page, the bar chart in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from factories import identify, send, track
from serving import signed_in_page_with

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
DAY = 24 * 60
# Events that match touchpoints of the example fashion journey (its matchers ask for these).
AD = {"channel": "social", "utm_source": "instagram", "utm_medium": "paid_social"}
PRODUCT = {"channel": "web", "product_id": "P1", "currency": "EUR"}
CART = {"channel": "web", "price": 40, "quantity": 1}


def seed(workspace: Workspace) -> None:
    """Ann: awareness → consideration → purchase; Ben skips consideration; Cem goes back."""
    ann, ben, cem = {"userId": "ann"}, {"userId": "ben"}, {"userId": "cem"}
    send(
        workspace.events,
        identify("ann", 0, segment="trend-seeker"),
        track(ann, "ad_clicked", 1, **AD),
        track(ann, "product_viewed", DAY, **PRODUCT),
        track(ann, "size_chat", DAY + 5),  # matches no touchpoint
        track(ann, "product_added", 2 * DAY, **CART),
        track(ben, "ad_clicked", 0, **AD),
        track(ben, "product_added", DAY, **CART),
        track(cem, "product_viewed", 0, **PRODUCT),
        track(cem, "ad_clicked", DAY, **AD),
    )


def get(client: TestClient, path: str, status: int = 200, **params: Any) -> html.HtmlElement:
    response = client.get(path, params=params, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def test_the_api_gives_conformance_variants_and_deviations(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    body = client.get("/api/analytics/conformance", params={"journey": "fashion"}).json()
    assert (body["customers"], body["conforming"]) == (3, 1)
    assert body["statuses"] == {"complete": 0, "incomplete": 1, "entered_late": 0, "deviating": 2}
    kinds = {d["kind"]: d["customers"] for d in body["deviations"]}
    assert kinds == {
        "skipped_stage": 1,
        "went_back": 1,
        "undesigned_touchpoint": 1,
        "channel_switch": 3,
    }
    assert {g["value"]: g["customers"] for g in body["groups"]} == {"trend-seeker": 1, None: 2}


def test_the_api_refuses_bad_input_naming_the_field(client: TestClient) -> None:
    missing = client.get("/api/analytics/conformance", params={"journey": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "journey_not_found"
    absent = client.get("/api/analytics/conformance")
    assert absent.status_code == 422
    assert absent.json()["error"]["details"][0]["field"] == "journey"
    bad = client.get("/api/analytics/conformance", params={"journey": "fashion", "top": 0})
    assert bad.json()["error"]["details"] == {"code": "top_out_of_range", "field": "top"}


def test_the_page_shows_the_figures_and_tables(client: TestClient, workspace: Workspace) -> None:
    seed(workspace)
    doc = get(client, "/analyse")
    assert doc.xpath("//*[@data-insight='conformance']//a/@href") == ["/analyse/conformance"]
    doc = get(client, "/analyse/conformance", journey="fashion", by="", top="")
    assert doc.xpath("//p[@class='analyse-summary']/@data-customers") == ["3"]
    assert doc.xpath("//dd[@data-status='deviating']/text()") == ["2"]
    variants = doc.xpath("//table[@data-table='variants']/tbody/tr/td[1]/text()")
    assert sorted(variants) == [
        "awareness → consideration → purchase",
        "awareness → purchase",
        "consideration → awareness",
    ]
    assert doc.xpath("//table[@data-table='skipped']/tbody/tr/td[1]/text()") == ["Consideration"]
    assert doc.xpath("//table[@data-table='undesigned']/tbody/tr/td[1]/text()") == ["size_chat"]
    # Without a journey asked for, the page shows the first one.
    first = get(client, "/analyse/conformance")
    assert first.xpath("//select[@name='journey']/option[@selected]/@value") == ["bank-mortgage"]


def test_the_page_says_what_is_wrong_in_place(client: TestClient) -> None:
    doc = get(client, "/analyse/conformance", status=422, journey="fashion", by="not a name")
    assert doc.xpath("//*[@data-error]/@data-error") == ["invalid_input"]
    doc = get(client, "/analyse/conformance", status=404, journey="nope")
    assert doc.xpath("//*[@data-error]/@data-error") == ["journey_not_found"]


@pytest.mark.browser
def test_the_deviation_chart_is_drawn_in_chromium(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1280, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/conformance", wait_until="networkidle")
    page.locator("select[name='journey']").select_option("fashion")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**journey=fashion**")
    page.wait_for_load_state("networkidle")

    chart = page.locator("#conformance-chart svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    texts = chart.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    for label in ("Skipped a stage", "Went back a stage", "Switched channel"):
        assert label in texts
    assert "3" in texts  # the bar label of the channel switches
    assert page.locator("table[data-table='variants'] tbody tr").count() == 3
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/conformance.css") for u in traffic.urls)
    page.close()
