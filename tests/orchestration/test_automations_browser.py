"""The automations page in a real browser: counts per step, a dead letter, the replay button."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from automation_support import consenting, http_receiver, welcome, write_automation
from playwright.sync_api import Browser, expect, sync_playwright

from journeys.orchestration.automations.delivery import deliver_due
from journeys.orchestration.automations.engine import run_engine
from journeys.workspace import Workspace

from factories import send, track
from serving import signed_in_page

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test runs the engine and the delivery itself, one attempt makes a dead letter.
    monkeypatch.setenv("JOURNEYS_AUTOMATION_SECONDS", "0")
    monkeypatch.setenv("JOURNEYS_AUTOMATION_MAX_ATTEMPTS", "1")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def test_a_dead_letter_is_replayed_from_the_page(
    chromium: Browser, server: str, ws: Workspace
) -> None:
    with http_receiver() as (url, received):
        write_automation(ws, welcome(url))
        run_engine(ws)
        send(ws.events, consenting("ada", 0), track({"userId": "ada"}, "signed_up", 1))
        run_engine(ws)
        received.fail_next = 1
        assert deliver_due(ws).dead == 1

        page = signed_in_page(chromium, server, ws)
        page.goto(f"{server}/automations")
        section = page.locator("[data-automation=welcome]")
        expect(section.locator("h2")).to_contain_text("Welcome new customers")
        expect(section.locator("[data-step=notify-crm]")).to_contain_text("queued 1")
        expect(page.locator("[data-table=dead-letters] tr[data-dead]")).to_have_count(1)
        expect(page.locator("[data-table=outbox] tr[data-status=dead]")).to_have_count(1)

        page.locator("[data-replay]").click()
        expect(page.locator("[data-table=dead-letters]")).to_have_count(0)
        expect(page.locator("[data-table=outbox] tr[data-status=pending]")).to_have_count(1)
        assert deliver_due(ws).delivered == 1
        page.reload()
        expect(page.locator("[data-table=outbox] tr[data-status=delivered]")).to_have_count(1)
        page.close()
    keys = {headers["idempotency-key"] for headers, _ in received.requests}
    assert len(received.requests) == 2 and len(keys) == 1
