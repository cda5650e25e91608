"""The KPIs from the command line, over HTTP and on the page ``/analyse/kpis``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from journeys.analytics.kpis import KpiQuery, kpis
from journeys.api.app import create_app
from journeys.cli import app
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from scenarios import journeys_for
from serving import admin_headers, signed_in_page_with
from test_kpis import SHOP, feedback_people

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    return journeys_for(ws, feedback_people())


@pytest.fixture
def client(shop: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(shop), headers=admin_headers(shop)) as c:
        yield c


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    ws.close()  # the CLI opens the workspace itself
    result = CliRunner().invoke(app, ["analyse", "kpis", *args, "-w", str(ws.root)])
    return result.exit_code, result.output


# -- the command line --------------------------------------------------------------------------
def test_the_cli_prints_json_per_grouping_and_grain(shop: Workspace) -> None:
    code, output = cli(shop, "--by", "touchpoint", "--grain", "week", "--json")
    assert code == 0, output
    data = json.loads(output)
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["shop/checkout"]["feedback"]["nps"]["score"] == pytest.approx(25.0)
    assert data["overall"]["tickets"]["sla_attainment"] == 0.5
    assert data["periods"] == ["2026-W10", "2026-W11"]
    assert data["query"] == {
        "by": "touchpoint",
        "grain": "week",
        "date_from": None,
        "date_to": None,
        "segment": None,
        "journey": None,
    }


def test_the_cli_prints_tables(shop: Workspace) -> None:
    code, output = cli(shop, "--by", "stage", "--grain", "week", "--from", "2026-03-02")
    assert code == 0, output
    assert "Feedback by stage" in output and "Tickets by stage" in output
    assert "Shop › Buy" in output and "+25.0" in output and "81.3" in output
    assert "2026-W11" in output and "−100.0" in output  # the trend table


def test_the_cli_prints_the_board(shop: Workspace) -> None:
    code, output = cli(shop, "board", "--json")
    assert code == 0, output
    board = json.loads(output)
    assert board["governance"]["satisfaction"]["score"] == 50.0
    assert board["operations"]["tickets"]["tickets"] == 4
    code, output = cli(shop, "board")
    assert code == 0, output
    assert "SLA attainment" in output and "−16.7 ±71.8" in output


def test_the_cli_refuses_a_bad_grouping_naming_it(shop: Workspace) -> None:
    shop.close()
    result = CliRunner().invoke(app, ["analyse", "kpis", "--by", "colour", "-w", str(shop.root)])
    assert result.exit_code != 0
    # main() turns this error into one line and exit code 1 (see journeys.cli.main).
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.details["code"] == "unknown_grouping"


# -- the HTTP API ------------------------------------------------------------------------------
def test_the_api_answers_per_persona_with_a_trend(client: TestClient, shop: Workspace) -> None:
    response = client.get("/api/analytics/kpis", params={"by": "journey", "grain": "month"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = kpis(shop, KpiQuery(by="journey", grain="month"))
    assert body == json.loads(expected.model_dump_json())
    assert body["groups"][0]["feedback"]["ces"]["mean"] == pytest.approx(13 / 3)


def test_the_api_serves_the_board(client: TestClient) -> None:
    response = client.get("/api/analytics/kpis/board", params={"journey": "shop"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["management"]["nps"]["detractors"] == 3
    assert [s["stage"] for s in body["management"]["stages"]] == ["find", "choose", "buy"]


def test_the_api_names_the_bad_field(client: TestClient) -> None:
    grain = client.get("/api/analytics/kpis", params={"grain": "hour"})
    assert grain.status_code == 422
    assert grain.json()["error"]["details"] == {
        "code": "unknown_grain",
        "field": "grain",
        "value": "hour",
    }
    dates = client.get(
        "/api/analytics/kpis/board", params={"from": "2026-03-09", "to": "2026-03-01"}
    )
    assert dates.status_code == 422 and dates.json()["error"]["details"]["code"] == "dates_reversed"
    journey = client.get("/api/analytics/kpis", params={"journey": "nope"})
    assert journey.status_code == 404 and journey.json()["error"]["code"] == "journey_not_found"


# -- the page ----------------------------------------------------------------------------------
def test_the_page_shows_the_board_the_charts_and_the_groups(client: TestClient) -> None:
    response = client.get("/analyse/kpis", headers=BROWSER)
    assert response.status_code == 200, response.text
    doc = html.fromstring(response.text)
    levels = [a.get("data-level") for a in doc.xpath("//article[@data-level]")]
    assert levels == ["governance", "management", "operations", "management-stages"]
    stages = doc.xpath("//table[@data-table='stages']/tbody[@data-journey='shop']/tr[@data-stage]")
    assert [r.get("data-stage") for r in stages] == ["shop/find", "shop/choose", "shop/buy"]
    assert stages[2].xpath("td")[4].text_content() == "+25.0"  # the NPS given at Buy
    loyalty = doc.xpath("//*[@data-level='governance']//*[@data-kpi='nps']/dd")[0]
    assert loyalty.text_content() == "−16.7 ±71.8"
    sla = doc.xpath("//*[@data-level='operations']//*[@data-kpi='sla']/dd")[0]
    assert sla.text_content() == "50.0%"
    rows = doc.xpath("//table[@data-table='kpis']/tbody/tr")
    assert [r.get("data-group") for r in rows] == [
        "all",
        "shop/search",
        "shop/product",
        "shop/checkout",
    ]  # per touchpoint by default
    assert rows[3].get("data-nps") == "25.0000"
    assert [c.get("data-chart") for c in doc.xpath("//*[@data-chart]")] == ["nps", "csat", "ces"]
    chart = json.loads(doc.xpath("//script[@id='kpis-data']")[0].text)
    assert chart["periods"] == ["2026-W10", "2026-W11"]
    assert chart["nps"][0] == {"name": "All", "data": [66.7, -100.0]}
    assert doc.xpath("//script[@src='/static/vendor/echarts.min.js']")
    assert doc.xpath("//script[@src='/static/kpis.js']")
    assert client.get("/static/kpis.js").status_code == 200


def test_the_page_per_persona_and_day_and_a_mistake(client: TestClient) -> None:
    page = client.get("/analyse/kpis", params={"by": "persona", "grain": "day"}, headers=BROWSER)
    doc = html.fromstring(page.text)
    assert [r.get("data-group") for r in doc.xpath("//table[@data-table='kpis']/tbody/tr")] == [
        "all",
        "",
    ]  # nobody has a persona in this scenario
    bad = client.get("/analyse/kpis", params={"from": "soon"}, headers=BROWSER)
    assert bad.status_code == 422
    alert = html.fromstring(bad.text).xpath("//*[@role='alert']")[0]
    assert alert.get("data-error-code") == "invalid_date" and "soon" in alert.text_content()


def test_the_analyse_index_lists_the_kpis(client: TestClient) -> None:
    doc = html.fromstring(client.get("/analyse", headers=BROWSER).text)
    link = doc.xpath("//article[@data-insight='kpis']//a")[0]
    assert link.get("href") == "/analyse/kpis"


# -- the page in Chromium ----------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_the_trend_charts_are_drawn_in_chromium(shop: Workspace, server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    failures: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = signed_in_page_with(browser, server, shop, viewport={"width": 1280, "height": 1000})
        page.on("requestfailed", lambda r: failures.append(r.url))
        page.on("pageerror", lambda e: failures.append(str(e)))
        page.goto(f"{server}/analyse/kpis?by=stage&grain=week", wait_until="networkidle")
        for key in ("nps", "csat", "ces"):
            chart = page.locator(f"#kpis-{key}")
            chart.locator("canvas").first.wait_for()
            assert chart.get_attribute("data-rendered") == "true"
            box = chart.locator("canvas").first.bounding_box()
            assert box is not None and box["width"] > 250 and box["height"] > 200
        rows = page.locator("table[data-table='kpis'] tbody tr")
        assert rows.count() == 4  # all, and the three stages
        browser.close()
    assert failures == []
