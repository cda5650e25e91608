"""The paths page and API: the paths over HTTP, the page, the Sankey in Chromium."""

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


def seed(workspace: Workspace) -> None:
    """Three customers view, then two put it in the cart and one of them buys."""
    alice, bob, carol = {"userId": "alice"}, {"userId": "bob"}, {"userId": "carol"}
    send(
        workspace.events,
        track(alice, "view", 0),
        track(alice, "cart", 1),
        track(alice, "buy", 2, price=120),
        track(bob, "home", 0),
        track(bob, "view", 1),
        track(bob, "cart", 2),
        track(carol, "view", 0),
        track(carol, "view", 1),
    )


def get(client: TestClient, path: str, status: int = 200, **params: Any) -> html.HtmlElement:
    response = client.get(path, params=params, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def test_the_api_gives_the_most_common_paths(client: TestClient, workspace: Workspace) -> None:
    seed(workspace)
    body = client.get("/api/analytics/paths", params={"start": "view", "length": 3}).json()
    assert [(p["steps"], p["customers"]) for p in body["paths"]] == [
        (["view", "cart"], 1),
        (["view", "cart", "buy"], 1),
        (["view", "view"], 1),
    ]
    assert (body["customers"], body["direction"]) == (3, "start")
    params = {"end": "buy where price > 100", "length": 2}
    body = client.get("/api/analytics/paths", params=params).json()
    assert [p["steps"] for p in body["paths"]] == [["cart", "buy"]]


def test_the_api_refuses_bad_input_naming_the_field(client: TestClient) -> None:
    none = client.get("/api/analytics/paths")
    assert none.status_code == 422
    assert none.json()["error"]["details"] == {"code": "anchor_missing", "field": "start"}
    bad = client.get("/api/analytics/paths", params={"start": "buy where price >> 1"})
    assert bad.json()["error"]["details"] == {"code": "invalid_step", "field": "start"}
    missing = client.get("/api/analytics/paths", params={"start": "view", "journey": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "journey_not_found"
    short = client.get("/api/analytics/paths", params={"start": "view", "length": "x"})
    assert short.json()["error"]["details"][0]["field"] == "length"


def test_the_page_asks_for_a_step_then_shows_the_paths(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    doc = get(client, "/analyse")
    assert doc.xpath("//*[@data-insight='paths']//a/@href") == ["/analyse/paths"]
    empty = get(client, "/analyse/paths")
    assert not empty.xpath("//table[@data-table='paths']")
    assert "view" in empty.xpath("//datalist[@id='step-suggestions']/option/@value")
    doc = get(client, "/analyse/paths", direction="end", step="cart", length="3", journey="")
    rows = doc.xpath("//table[@data-table='paths']/tbody/tr/td[1]/text()")
    assert rows == ["home → view → cart", "view → cart"]
    assert doc.xpath("//table[@data-table='next']/tbody/tr/@data-step") == ["view"]
    assert doc.xpath("//select[@name='direction']/option[@selected]/@value") == ["end"]


def test_the_page_says_what_is_wrong_in_place(client: TestClient) -> None:
    doc = get(client, "/analyse/paths", status=422, step="view", length="1")
    assert doc.xpath("//*[@data-error]/@data-error") == ["invalid_input"]
    assert "length" in doc.xpath("string(//*[@data-error])")


@pytest.mark.browser
def test_the_sankey_is_drawn_in_chromium(browser: Browser, server: str, ws: Workspace) -> None:
    seed(ws)
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1280, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/paths", wait_until="networkidle")
    page.locator("input[name='step']").fill("view")
    page.locator("input[name='length']").fill("3")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**step=view**")
    page.wait_for_load_state("networkidle")

    chart = page.locator("#paths-chart svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 300
    texts = chart.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    assert {"1. view", "2. cart", "2. view", "3. buy"} <= set(texts)
    assert page.locator("table[data-table='paths'] tbody tr").count() == 3
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/paths.css") for u in traffic.urls)
    page.close()
