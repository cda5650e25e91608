"""The loyalty pages in a real browser: find a member, redeem a reward, see the balance drop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from journeys.loyalty import award_points
from journeys.workspace import Workspace

from serving import signed_in_page

pytestmark = pytest.mark.browser


def test_redeeming_a_reward_lowers_the_balance(
    browser: Browser, server: str, ws: Workspace
) -> None:
    award_points(ws, "marieke", 700, "orders", "seed-1")  # silver
    award_points(ws, "sam", 50, "orders", "seed-2")
    page = signed_in_page(browser, server, ws)
    page.goto(f"{server}/loyalty")
    expect(page.locator("nav [aria-current=page]")).to_have_text("Loyalty")
    expect(page.locator("[data-figure=members]")).to_have_text("2")
    row = page.locator("[data-table=members] tr[data-member=marieke]")
    expect(row.locator("[data-field=balance]")).to_have_text("700")
    expect(page.locator("[data-list=rewards] [data-reward=styling-session]")).to_be_visible()
    row.locator("a").click()

    expect(page.locator("[data-field=balance]")).to_have_text("700")
    expect(page.locator("[data-field=tier]")).to_have_text("Silver")
    # Members-only rewards of silver show; gold's do not.
    expect(page.locator("[data-list=rewards] [data-reward=styling-session]")).to_have_count(1)
    expect(page.locator("[data-list=rewards] [data-reward=members-evening]")).to_have_count(0)
    voucher = page.locator("[data-list=rewards] [data-reward=voucher-5]")
    voucher.get_by_role("button", name="Redeem").click()
    expect(page.locator("[data-redeemed]")).to_contain_text("voucher-5")
    expect(page.locator("[data-field=balance]")).to_have_text("450")
    expect(page.locator("[data-table=ledger] tr[data-kind=redeem]")).to_have_count(1)
    # 450 no longer buys the styling session (800): its button is disabled.
    styling = page.locator("[data-list=rewards] [data-reward=styling-session] button")
    expect(styling).to_be_disabled()
    page.close()
