"""The API docs page: Swagger UI from the server's own files, under the strict page policy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from journeys.api.hardening import CSP

from browsing import Traffic


def test_the_docs_page_is_public_local_and_under_the_page_policy(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    docs = anonymous.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == CSP
    assert docs.headers["x-frame-options"] == "DENY"
    assert 'src="/static/vendor/swagger-ui-bundle.js"' in docs.text
    assert 'data-openapi-url="/openapi.json"' in docs.text
    assert "<script>" not in docs.text and "http" not in docs.text.replace("https://", "")
    for asset in ("/static/vendor/swagger-ui-bundle.js", "/static/vendor/swagger-ui.css"):
        assert anonymous.get(asset).status_code == 200, asset
    assert anonymous.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered


@pytest.mark.browser
def test_swagger_ui_lists_the_routes_in_chromium(browser: Browser, server: str) -> None:
    page = browser.new_page()
    traffic = Traffic(page)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)

    page.goto(f"{server}/docs", wait_until="networkidle")

    page.wait_for_selector(".opblock", timeout=15_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    spec = page.request.get(f"{server}/openapi.json").json()
    assert {p.replace("\u200b", "") for p in paths} == set(spec["paths"])
    assert "/v1/batch" in spec["paths"]
    assert page.locator(".info .title").inner_text().startswith(spec["info"]["title"])
    assert refused == []  # no script or style refused by the policy
    assert traffic.failures == []
    assert traffic.hosts() == {"127.0.0.1"}
    page.close()
