"""The funnel page: the form, the step table, who dropped (linked to their profile), errors,
and in Chromium the ECharts bar chart drawn from local assets only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from scenarios import T0, H, journeys_for
from serving import signed_in_page_with

BROWSER = {"accept": "text/html"}
PEOPLE = {
    "alice": [("view", T0), ("cart", T0 + H), ("buy", T0 + 2 * H)],
    "bob": [("view", T0), ("cart", T0 + H)],
    "cy": [("view", T0)],
    "dee": [("view", T0)],
}
QUERY = {"steps": "view\ncart\nbuy", "window": "1d", "order": "ordered"}


def page_of(client: TestClient, **params: object) -> html.HtmlElement:
    response = client.get("/analyse/funnel", params=params, headers=BROWSER)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def test_the_empty_page_is_a_form(client: TestClient) -> None:
    doc = page_of(client)
    (form,) = doc.xpath("//form[@id='funnel-form']")
    assert form.xpath(".//textarea[@name='steps']") and form.xpath(".//input[@name='window']")
    assert [o.get("value") for o in form.xpath(".//select[@name='order']/option")] == [
        "ordered",
        "strict",
        "any",
    ]
    assert not doc.xpath("//*[@id='funnel-chart']")


def test_the_page_shows_the_steps_and_who_dropped(client: TestClient, workspace: Workspace) -> None:
    journeys_for(workspace, PEOPLE)
    doc = page_of(client, **QUERY, dropped_at=2)
    rows = doc.xpath("//table[@data-table='steps']/tbody/tr")
    assert [r.xpath("string(td[@data-customers])").strip() for r in rows] == ["4", "2", "1"]
    dropped = doc.xpath("//table[@data-table='dropped']//a")
    assert [(a.text, a.get("href")) for a in dropped] == [
        ("cy", "/customers/cy"),
        ("dee", "/customers/dee"),
    ]
    assert doc.xpath("//*[@id='funnel-chart']/@data-options")


def test_a_bad_window_is_shown_on_the_page(client: TestClient) -> None:
    response = client.get("/analyse/funnel", params={**QUERY, "window": "soon"}, headers=BROWSER)
    assert response.status_code == 422
    (alert,) = html.fromstring(response.text).xpath("//*[@role='alert']")
    assert "window" in alert.text_content()


def test_the_analyse_index_links_to_the_funnel(client: TestClient) -> None:
    doc = html.fromstring(client.get("/analyse", headers=BROWSER).text)
    assert doc.xpath("//a[@href='/analyse/funnel']")


@pytest.mark.browser
def test_the_funnel_chart_in_chromium(browser: Browser, server: str, ws: Workspace) -> None:
    journeys_for(ws, PEOPLE)
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1280, "height": 900})
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/funnel", wait_until="networkidle")
    page.locator("textarea[name='steps']").fill("view\ncart\nbuy")
    page.locator("input[name='window']").fill("1d")
    page.locator("select[name='order']").select_option("ordered")
    page.get_by_role("button", name="Show the funnel").click()
    page.wait_for_load_state("networkidle")

    chart = page.locator("#funnel-chart")
    chart.locator("canvas, svg").first.wait_for(state="attached")
    assert chart.locator("canvas, svg").count() >= 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    cells = page.locator("table[data-table='steps'] td[data-customers]")
    assert cells.all_inner_texts() == ["4", "2", "1"]
    page.get_by_role("link", name="at step 2 (2)").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("table[data-table='dropped'] a").all_inner_texts() == ["cy", "dee"]
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/vendor/echarts.min.js") for u in traffic.urls)
    page.close()
