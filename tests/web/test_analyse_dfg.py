"""The process discovery page and API: the graph over HTTP, the page, the chart in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from factories import send, track
from serving import signed_in_page_with

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
WEB = {"channel": "web"}
# Events that match touchpoints of the example fashion journey (its matchers ask for these).
AD = {"channel": "social", "utm_source": "instagram", "utm_medium": "paid_social"}
PRODUCT = {**WEB, "product_id": "P1", "currency": "EUR"}
CART = {**WEB, "price": 40, "quantity": 1}


def seed(workspace: Workspace) -> None:
    """Alice: view → cart → buy; Bob: view → buy (and a product page); Carol: ad → product."""
    alice, bob, carol = {"userId": "alice"}, {"userId": "bob"}, {"userId": "carol"}
    send(
        workspace.events,
        track(alice, "view", 0),
        track(alice, "cart", 1),
        track(alice, "buy", 3),
        track(bob, "view", 0),
        track(bob, "buy", 10),
        track(carol, "ad_clicked", 0, **AD),
        track(carol, "home", 1),
        track(carol, "product_viewed", 2, **PRODUCT),
        track(carol, "product_added", 4, **CART),
    )


def get(client: TestClient, path: str, status: int = 200, **params: Any) -> html.HtmlElement:
    response = client.get(path, params=params, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def test_the_api_gives_edges_with_counts_and_median_times(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    body = client.get("/api/analytics/dfg").json()
    edges = {(e["from"], e["to"]): (e["count"], e["median_seconds"]) for e in body["edges"]}
    assert edges[("view", "buy")] == (1, 600.0)
    assert edges[("view", "cart")] == (1, 60.0)
    assert body["customers"] == 3 and body["level"] == "event"
    starts = {n["name"]: n["starts"] for n in body["nodes"] if n["starts"]}
    assert starts == {"view": 2, "ad_clicked": 1}


def test_the_api_gives_the_touchpoint_graph_of_a_journey(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    body = client.get("/api/analytics/dfg", params={"journey": "fashion"}).json()
    assert body["level"] == "touchpoint"
    assert [(e["from"], e["to"], e["count"]) for e in body["edges"]] == [
        ("instagram-ad", "product-page", 1),
        ("product-page", "add-to-cart", 1),
    ]
    assert body["unmapped"] == 1  # carol's home page


def test_the_api_refuses_bad_input_naming_the_field(client: TestClient) -> None:
    missing = client.get("/api/analytics/dfg", params={"journey": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "journey_not_found"
    low = client.get("/api/analytics/dfg", params={"min_count": 0})
    assert low.status_code == 422
    assert low.json()["error"]["details"] == {"code": "min_count_too_small", "field": "min_count"}
    bad = client.get("/api/analytics/dfg", params={"from": "yesterday"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "from"
    reversed_ = client.get("/api/analytics/dfg", params={"from": "2026-03-03", "to": "2026-03-02"})
    assert reversed_.json()["error"]["details"] == {"code": "dates_reversed", "field": "from"}


def test_the_page_shows_the_form_summary_and_tables(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    doc = get(client, "/analyse")
    assert doc.xpath("//*[@data-insight='dfg']//a/@href") == ["/analyse/dfg"]
    doc = get(client, "/analyse/dfg", min_count="1", journey="", **{"from": ""})
    rows = doc.xpath("//table[@data-table='edges']/tbody/tr")
    assert [(r.get("data-from"), r.get("data-to"), r.get("data-count")) for r in rows][:1] == [
        ("ad_clicked", "home", "1")
    ]
    assert len(rows) == 6
    assert doc.xpath("//p[@class='analyse-summary']/@data-customers") == ["3"]
    assert doc.xpath("//script[@id='dfg-options']")
    options = doc.xpath("//select[@name='journey']/option/@value")
    assert options == ["", "bank-mortgage", "fashion", "home-cleaning"]


def test_the_page_says_what_is_wrong_in_place(client: TestClient) -> None:
    doc = get(client, "/analyse/dfg", status=422, min_count="zero")
    assert doc.xpath("//*[@data-error]/@data-error") == ["invalid_input"]
    assert "min_count" in doc.xpath("string(//*[@data-error])")
    doc = get(client, "/analyse/dfg", status=404, journey="nope")
    assert doc.xpath("//*[@data-error]/@data-error") == ["journey_not_found"]


@pytest.mark.browser
def test_the_graph_is_drawn_in_chromium(browser: Browser, server: str, ws: Workspace) -> None:
    seed(ws)
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1280, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/dfg", wait_until="networkidle")
    page.locator("select[name='journey']").select_option("fashion")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**journey=fashion**")
    page.wait_for_load_state("networkidle")

    chart = page.locator("#dfg-chart svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 400
    labels = chart.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    for node in ("instagram-ad", "product-page", "add-to-cart"):
        assert node in labels
    assert chart.locator("path").count() >= 2 + 3  # at least the edges and the nodes
    assert page.locator("table[data-table='nodes'] tbody tr").count() == 3
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/vendor/echarts.min.js") for u in traffic.urls)
    assert any(u.endswith("/static/analyse.css") for u in traffic.urls)
    page.close()
