"""The privacy page in Chromium: an admin exports a customer and erases them; the erasure is
in the privacy audit (as a hash) and in the audit log with the admin's name."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from journeys.security import audit
from journeys.store.operational import Source
from journeys.workspace import Workspace

from serving import signed_in_page


@pytest.mark.browser
def test_an_admin_exports_and_erases_a_customer_on_the_privacy_page(
    browser: Browser, server: str, ws: Workspace, website: Source
) -> None:
    batch = {
        "batch": [
            {"type": "identify", "userId": "erin", "traits": {"email": "erin@example.org"}},
            {"type": "track", "userId": "erin", "event": "product_viewed"},
        ]
    }
    assert httpx.post(f"{server}/v1/batch", json=batch, auth=(website.write_key, "")).is_success
    page = signed_in_page(browser, server, ws)
    page.goto(f"{server}/privacy")
    page.fill("form.privacy-export input[name=customer]", "erin@example.org")
    with page.expect_download() as download:
        page.click("form.privacy-export button")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert "erin" in json.dumps(exported) and exported["events"]

    page.fill("form.privacy-erase input[name=customer]", "erin@example.org")
    page.fill("form.privacy-erase input[name=confirm]", "erin@example.com")
    page.fill("form.privacy-erase input[name=reason]", "customer asked by e-mail")
    page.click("form.privacy-erase button")
    assert "type the customer's id a second time" in page.inner_text(".privacy-error")
    page.fill("form.privacy-erase input[name=customer]", "erin@example.org")
    page.fill("form.privacy-erase input[name=confirm]", "erin@example.org")
    page.fill("form.privacy-erase input[name=reason]", "customer asked by e-mail")
    page.click("form.privacy-erase button")
    assert "Erased: 2 events" in page.inner_text(".privacy-message")
    audit_rows = page.inner_text("table.privacy-audit")
    assert "erase" in audit_rows and "erin" not in audit_rows
    erased = [e for e in audit.entries(ws) if e.action == "gdpr.erase"]
    assert len(erased) == 1 and erased[0].actor == "admin-user"
    assert "erin" not in erased[0].target and erased[0].detail["events"] == 2
    page.close()
