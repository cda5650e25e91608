"""The Content-Security-Policy in a real browser: every page works without inline scripts,
and Chromium reports no violation on any of them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

from journeys.workspace import Workspace

from factories import identify, send, track
from serving import signed_in_page

DAY = 24 * 60
AD = {"channel": "social", "utm_source": "instagram", "utm_medium": "paid_social"}
PRODUCT = {"channel": "web", "product_id": "P1", "currency": "EUR"}
CART = {"channel": "web", "price": 40, "quantity": 1}
PAGES = (
    "/",
    "/journeys",
    "/journeys/fashion",
    "/customers",
    "/customers/ann",
    "/analyse",
    "/analyse/funnel?steps=ad_clicked%0Aproduct_viewed&window=7d&order=ordered",
    "/analyse/paths?step=ad_clicked&length=3",
    "/analyse/dfg?journey=fashion",
    "/analyse/conformance?journey=fashion",
    "/analyse/retention?inactive=7d",
    "/analyse/kpis",
    "/analyse/painpoints?journey=fashion",
    "/analyse/segments",
    "/feedback",
    "/surveys",
    "/surveys/new",
    "/tickets",
    "/loyalty",
    "/automations",
    "/predict",
    "/agent",
    "/agent/ann",
    "/admin",
)
# Pages whose chart is drawn by charts.js from the JSON the page carries.
CHARTS = {
    "/analyse/paths?step=ad_clicked&length=3": "#paths-chart svg",
    "/analyse/dfg?journey=fashion": "#dfg-chart svg",
    "/analyse/conformance?journey=fashion": "#conformance-chart svg",
}


def seed(workspace: Workspace) -> None:
    """Three customers through the fashion journey's first touchpoints, on several days."""
    ann, ben, cem = {"userId": "ann"}, {"userId": "ben"}, {"userId": "cem"}
    send(
        workspace.events,
        identify("ann", 0, email="ann@example.com"),
        track(ann, "ad_clicked", 1, **AD),
        track(ann, "product_viewed", DAY, **PRODUCT),
        track(ann, "product_added", 2 * DAY, **CART),
        track(ben, "ad_clicked", 0, **AD),
        track(ben, "product_added", DAY, **CART),
        track(cem, "product_viewed", 0, **PRODUCT),
        track(cem, "ad_clicked", 9 * DAY, **AD),
    )


class Violations:
    """Console messages about the Content-Security-Policy, and uncaught script errors."""

    def __init__(self, page: Page) -> None:
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: {error}"))
        self._page = page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"{self._page.url}: {message.text}")


def visit(page: Page, path: str, base: str) -> Any:
    response = page.goto(f"{base}{path}", wait_until="load")
    assert response is not None and response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    return response


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    login = browser.new_page()
    at_login = Violations(login)
    visit(login, "/login", server)
    login.close()
    page = signed_in_page(browser, server, ws)
    violations = Violations(page)

    for path in PAGES:
        visit(page, path, server)
        if path in CHARTS:
            page.locator(CHARTS[path]).first.wait_for(timeout=5000)

    assert at_login.found == []
    assert violations.found == []
    page.close()


@pytest.mark.browser
def test_choosing_in_a_select_still_submits_its_form(
    browser: Browser, server: str, ws: Workspace
) -> None:
    seed(ws)
    page = signed_in_page(browser, server, ws)
    violations = Violations(page)

    visit(page, "/analyse/painpoints?journey=fashion", server)
    with page.expect_navigation():
        page.locator("select[name='journey'][data-autosubmit]").select_option("home-cleaning")
    assert "journey=home-cleaning" in page.url

    visit(page, "/agent/ann", server)
    channel = page.locator("select[name='channel'][data-autosubmit]")
    choice = channel.locator("option").nth(1).get_attribute("value")
    assert choice
    with page.expect_navigation():
        channel.select_option(choice)
    assert f"channel={choice}" in page.url
    assert violations.found == []
    page.close()
