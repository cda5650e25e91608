"""The journey map in a real browser: everything drawn, every asset local and loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from ruamel.yaml import YAML

from journeys.workspace import Workspace, example_journey_files

from browsing import Traffic
from serving import signed_in_page_with

SCREENSHOT = Path("/tmp/journey-map.png")


def designed(path: Path) -> dict[str, Any]:
    """The journey file as plain YAML data, independent of the model and the renderer."""
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def demo() -> dict[str, Any]:
    """The demo journey the browser test opens: the one with the most touchpoints."""
    journeys = [designed(p) for p in example_journey_files()]
    return max(journeys, key=lambda j: sum(len(s.get("touchpoints", [])) for s in j["stages"]))


@pytest.mark.browser
def test_the_journey_map_in_chromium(
    browser: Browser, server: str, ws: Workspace, demo: dict[str, Any]
) -> None:
    page = signed_in_page_with(browser, server, ws, viewport={"width": 1440, "height": 1000})
    traffic = Traffic(page)

    page.goto(f"{server}/journeys/{demo['id']}", wait_until="networkidle")

    stages = demo["stages"]
    touchpoints = [tp for s in stages for tp in s.get("touchpoints", [])]
    for stage in stages:
        header = page.locator(f"th[data-stage='{stage['id']}']")
        assert header.is_visible()
        assert stage["name"] in header.inner_text()
    for tp in touchpoints:
        card = page.locator(f".tp-card[data-touchpoint='{tp['id']}']")
        assert card.is_visible()
        assert tp["name"] in card.inner_text()
    points = page.locator("circle[data-touchpoint]")
    assert points.count() == len(touchpoints)
    drawn = {
        points.nth(i).get_attribute("data-touchpoint"): points.nth(i).get_attribute("data-emotion")
        for i in range(points.count())
    }
    assert drawn == {tp["id"]: str(tp.get("emotion", 0)) for tp in touchpoints}
    for i in range(points.count()):
        box = points.nth(i).bounding_box()
        assert box is not None and box["width"] > 5, "every emotion point is drawn, not collapsed"

    # Pico's styles really applied: its font stack is set on the body.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font
    card_border = "getComputedStyle(document.querySelector('.tp-card')).borderLeftWidth"
    assert page.evaluate(card_border) == "4px"  # journeys.css applied too
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    assert any(u.endswith("/static/vendor/pico.min.css") for u in traffic.urls)
    assert any(u.endswith("/static/journeys.css") for u in traffic.urls)

    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.close()


@pytest.mark.browser
def test_the_map_scrolls_sideways_on_a_phone(
    browser: Browser, server: str, ws: Workspace, demo: dict[str, Any]
) -> None:
    page = signed_in_page_with(
        browser, server, ws, viewport={"width": 390, "height": 844}, is_mobile=True
    )

    page.goto(f"{server}/journeys/{demo['id']}", wait_until="networkidle")

    # The page itself never scrolls sideways; only the map's own region does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    region = page.locator(".map-scroll")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.locator("nav[aria-label='Main'] a[href='/journeys']").is_visible()
    page.close()
