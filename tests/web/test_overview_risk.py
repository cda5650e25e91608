"""The overview's churn-risk chart: drawn in Chromium once a churn model has scores."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser

from journeys.prediction import rules, service
from journeys.prediction.query import FeatureSpec
from journeys.workspace import Workspace

from browsing import Traffic
from scenarios import T0, D, H, journeys_for
from serving import admin_headers, signed_in_page_with

SHOP = """\
id: shop
name: Shop
stages:
  - id: find
    name: Find
    touchpoints:
      - {id: ad, name: Ad, channel: social, online: true, match: {event: ad_clicked}}
  - id: choose
    name: Choose
    touchpoints:
      - {id: product, name: Product page, channel: web, online: true, match: {event: viewed}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: checkout, name: Checkout, channel: web, online: true, match: {event: checkout}}
"""
STEPS = ("ad_clicked", "viewed", "checkout")

# Pixels of a colour (within a tolerance) on the chart's canvas.
COUNT_COLOUR = """([selector, rgb]) => {
  const canvas = document.querySelector(selector);
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let p = 0; p < data.length; p += 4) {
    if (Math.abs(data[p] - rgb[0]) < 12 && Math.abs(data[p + 1] - rgb[1]) < 12 &&
        Math.abs(data[p + 2] - rgb[2]) < 12 && data[p + 3] > 200) n++;
  }
  return n;
}"""
HIGH, LOW = (0xDC, 0x26, 0x26), (0x16, 0xA3, 0x4A)


def people(seed: int = 5) -> dict[str, list[tuple[Any, ...]]]:
    """240 customers over 90 days: half keep coming back, half stop on a random day; each goes
    as far as stage i % 3 of the shop journey on every visit."""
    rng = random.Random(seed)
    found: dict[str, list[tuple[Any, ...]]] = {}
    for i in range(240):
        stop = 90 if i % 2 == 0 else rng.randint(10, 85)
        events: list[tuple[Any, ...]] = []
        day = rng.uniform(0, 3)
        while day < stop:
            events += [(step, T0 + day * D + n * H) for n, step in enumerate(STEPS[: i % 3 + 1])]
            day += rng.uniform(2, 4)
        found[f"p{i:02d}"] = events
    return found


def train_churn(ws: Workspace) -> None:
    """A 14-day churn model over the shop journey, trained and scored by the prediction API."""
    spec = rules.model_spec(
        "churn",
        rules.target("churn", 14, None),
        FeatureSpec(journey="shop"),
        train_date=T0 + 45 * D,
        test_date=T0 + 70 * D,
    )
    service.train(ws, spec)
    service.score(ws, "churn")


@pytest.fixture
def shop_log(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    return journeys_for(ws, people())


@pytest.mark.browser
def test_the_overview_draws_churn_risk_by_stage_in_chromium(
    browser: Browser, server: str, shop_log: Workspace
) -> None:
    train_churn(shop_log)
    data = requests.get(
        f"{server}/api/predict/risk-by-stage",
        params={"journey": "shop"},
        headers=admin_headers(shop_log),
        timeout=30,
    ).json()
    assert [r["id"] for r in data["rows"]] == ["find", "choose", "buy"]
    assert [r["customers"] for r in data["rows"]] == [80, 80, 80]  # i % 3, all 240 scored
    assert sum(r["high"] for r in data["rows"]) > 0 and sum(r["low"] for r in data["rows"]) > 0

    page = signed_in_page_with(browser, server, shop_log, viewport={"width": 1280, "height": 1000})
    traffic = Traffic(page)
    page.goto(f"{server}/", wait_until="networkidle")
    section = page.locator("[data-section='risk']")
    assert section.get_by_role("heading").inner_text() == "Churn risk by stage"
    page.locator("#risk-chart[data-rendered='true'] canvas").first.wait_for()
    box = page.locator("#risk-chart canvas").first.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    page.wait_for_timeout(300)  # ECharts paints on the next animation frame
    assert page.evaluate(COUNT_COLOUR, ["#risk-chart canvas", HIGH]) > 100
    assert page.evaluate(COUNT_COLOUR, ["#risk-chart canvas", LOW]) > 100
    caption = page.locator("[data-role='risk-caption']").inner_text()
    assert caption.startswith("240 scored customers")
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any("/api/predict/risk-by-stage?" in u for u in traffic.urls)


def test_the_overview_has_no_risk_chart_without_a_scored_churn_model(
    server: str, shop_log: Workspace
) -> None:
    page = requests.get(
        f"{server}/", headers={"accept": "text/html", **admin_headers(shop_log)}, timeout=10
    )
    assert page.status_code == 200
    assert "Churn risk by stage" not in page.text and "risk.js" not in page.text
