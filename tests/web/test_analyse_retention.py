"""The retention and churn page: the form, the cohort table and heat-map, churned customers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from factories import send, track
from serving import signed_in_page_with

DAY = 24 * 60  # minutes: the factories count minutes after T0 (Monday 2 March 2026, 09:00)

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
RANGE = {"from": "2026-03-02", "to": "2026-03-09", "periods": "2"}


def seed(workspace: Workspace, extra_churned: int = 0) -> None:
    """Alice and Bob sign up in W10, Carol in W11; Alice returns in weeks 1 and 2, Carol in
    week 1 (day 16, the latest activity). Bob (day 1) and any extra customers (day 2) churn."""
    alice, bob, carol = {"userId": "alice"}, {"userId": "bob"}, {"userId": "carol"}
    messages = [
        track(alice, "signup", 0),
        track(alice, "view", 8 * DAY),
        track(alice, "view", 15 * DAY),
        track(bob, "signup", 1 * DAY),
        track(carol, "signup", 7 * DAY),
        track(carol, "view", 16 * DAY),
        track({"anonymousId": "kiosk"}, "view", 2 * DAY),
        *(track({"userId": f"old{n:02d}"}, "view", 2 * DAY) for n in range(extra_churned)),
    ]
    send(workspace.events, *messages)


def get(client: TestClient, path: str, status: int = 200, **params: Any) -> html.HtmlElement:
    response = client.get(path, params=params, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def text_of(el: html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_the_analyse_index_links_to_the_page(client: TestClient) -> None:
    doc = get(client, "/analyse")
    assert doc.xpath("//*[@data-insight='retention']//a/@href") == ["/analyse/retention"]


def test_without_a_start_step_the_page_asks_for_one_and_shows_churn(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    doc = get(client, "/analyse/retention", inactive="7d")
    assert doc.xpath("//*[@id='retention-empty']")
    assert not doc.xpath("//*[@id='retention-heatmap']")
    assert doc.xpath("//form[@id='retention-form']//input[@name='start']/@required")
    assert "signup" in doc.xpath("//datalist[@id='retention-steps']/option/@value")
    assert "touchpoint fashion/order-placed" in doc.xpath("//datalist/option/@value")
    # As of day 16, silent for 7 days: kiosk (day 2) and bob (day 1), the latest seen first.
    rows = doc.xpath("//table[@data-table='churned']//tr[@data-customer]")
    assert [r.get("data-customer") for r in rows] == ["kiosk", "bob"]
    assert rows[1].xpath(".//a/@href") == ["/customers/bob"]
    assert "anonymous" in text_of(rows[0]) and "known" in text_of(rows[1])
    summary = doc.xpath("//*[@class='churn-summary']")[0]
    assert "2 of 4 customers have been silent for 7 days or more" in text_of(summary)


def test_the_cohort_table_and_the_heat_map_data(client: TestClient, workspace: Workspace) -> None:
    seed(workspace)
    doc = get(client, "/analyse/retention", start="signup", **RANGE)
    cohorts = doc.xpath("//table[@data-table='retention']/tbody/tr")
    assert [(r.get("data-cohort"), r.get("data-size")) for r in cohorts] == [
        ("2026-W10", "2"),
        ("2026-W11", "1"),
    ]
    w10 = {
        td.get("data-period"): td.get("data-retained")
        for td in cohorts[0].xpath("td[@data-period]")
    }
    assert w10 == {"0": "2", "1": "1", "2": "1"}
    w11 = {
        td.get("data-period"): td.get("data-retained")
        for td in cohorts[1].xpath("td[@data-period]")
    }
    assert w11 == {"0": "1", "1": "1", "2": None}  # W13 is after the latest activity
    average = doc.xpath("//tfoot/tr[@data-cohort='average']/td[@data-period]")
    # Only complete periods count: W11's week 1 and W10's week 2 are W12, still running.
    assert [td.get("data-share") for td in average] == ["1.0000", "0.5000", None]
    data = json.loads(doc.xpath("//script[@id='retention-data']")[0].text)
    assert data["periods"] == ["week 0", "week 1", "week 2"]
    assert data["cohorts"] == ["2026-W10 (2)", "2026-W11 (1)", "all cohorts (3)"]
    assert [0, 0, 100.0, 2, 2] in data["points"] and [1, 0, 50.0, 1, 2] in data["points"]
    assert doc.xpath("//input[@name='start']/@value") == ["signup"]


def test_a_bad_period_is_shown_on_the_page_with_its_field(
    client: TestClient, workspace: Workspace
) -> None:
    seed(workspace)
    doc = get(
        client, "/analyse/retention", status=422, start="signup", period="fortnight", inactive="7d"
    )
    (error,) = doc.xpath("//*[@id='retention']//*[@data-error-field]")
    assert error.get("data-error-field") == "period"
    assert "write day, week or month" in text_of(error)
    assert doc.xpath("//input[@name='start']/@value") == ["signup"]  # the form keeps the input
    assert doc.xpath("//table[@data-table='churned']")  # churn still answers


def test_a_bad_duration_is_shown_in_the_churn_part(client: TestClient) -> None:
    doc = get(client, "/analyse/retention", status=422, inactive="often")
    (error,) = doc.xpath("//*[@id='churn']//*[@data-error-field]")
    assert error.get("data-error-field") == "inactive"


def test_churned_customers_come_in_pages_of_fifty(client: TestClient, workspace: Workspace) -> None:
    seed(workspace, extra_churned=52)
    first = get(client, "/analyse/retention", inactive="7d")
    second = get(client, "/analyse/retention", inactive="7d", page="2")
    on_first = first.xpath("//tr[@data-customer]/@data-customer")
    on_second = second.xpath("//tr[@data-customer]/@data-customer")
    assert len(on_first) == 50 and len(on_second) == 4  # 52 + kiosk + bob
    assert on_second[-1] == "bob" and not set(on_first) & set(on_second)
    (next_href,) = first.xpath("//nav[@class='pager']//a[@rel='next']/@href")
    assert "page=2" in next_href and "inactive=7d" in next_href
    assert second.xpath("//nav[@class='pager']//a[@rel='prev']/@href")
    assert not second.xpath("//nav[@class='pager']//a[@rel='next']")


# The colour the chart painted at a cell (x = period, y = cohort row), read from its canvas just
# below the cell's centre, where the label is not.
CELL_COLOURS = """(cells) => {
  const el = document.getElementById('retention-heatmap');
  const chart = echarts.getInstanceByDom(el);
  const layers = Array.from(el.querySelectorAll('canvas'));  // ECharts paints on a few layers
  const ratio = layers[0].width / layers[0].clientWidth;
  return cells.map(([x, y]) => {
    const [px, py] = chart.convertToPixel({seriesIndex: 0}, [x, y]);
    let top = [0, 0, 0, 0];
    for (const layer of layers) {  // bottom to top: keep the highest one painted there
      const at = layer.getContext('2d').getImageData(
        Math.round(px * ratio), Math.round((py + 14) * ratio), 1, 1).data;
      if (at[3] > 0) top = Array.from(at);
    }
    return top;
  });
}"""


@pytest.mark.browser
def test_the_heat_map_and_the_churned_customers_in_chromium(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1280, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/analyse/retention?inactive=7d", wait_until="networkidle")
    page.locator("input[name='start']").fill("signup")
    page.locator("input[name='from']").fill("2026-03-02")
    page.locator("input[name='to']").fill("2026-03-09")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**start=signup**")
    page.wait_for_load_state("networkidle")

    chart = page.locator("#retention-heatmap")
    chart.locator("canvas").first.wait_for()
    assert chart.get_attribute("data-rendered") == "true"
    box = chart.locator("canvas").first.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    page.wait_for_timeout(300)  # ECharts paints on the next animation frame
    full, half, unreached = page.evaluate(CELL_COLOURS, [[0, 0], [1, 0], [2, 1]])
    assert full[3] == 255 and full[2] > full[0] + 80, full  # W10 week 0: 100 %, dark blue
    assert half[2] > half[0] + 40 and half[0] > full[0], half  # W10 week 1: 50 %, lighter
    assert not unreached[2] > unreached[0] + 40, unreached  # W11 week 2: not painted
    assert page.locator("table[data-table='retention'] tbody tr").count() == 2

    link = page.locator("tr[data-customer='bob'] a")
    assert link.is_visible()
    link.click()
    page.wait_for_url(f"{server}/customers/bob")
    assert page.locator(".profile-head").get_attribute("data-customer") == "bob"
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/retention.js") for u in traffic.urls)
    assert any(u.endswith("/static/vendor/echarts.min.js") for u in traffic.urls)
    page.close()
