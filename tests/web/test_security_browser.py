"""Signing in, the navigation by role, the admin page's forms (with their CSRF tokens) and
signing out, in Chromium against the real server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from journeys.security import accounts, audit
from journeys.workspace import Workspace

from serving import TEST_PASSWORD, signed_in_page, test_user


@pytest.mark.browser
def test_an_analyst_signs_in_sees_their_pages_and_signs_out(
    browser: Browser, server: str, ws: Workspace
) -> None:
    analyst = test_user(ws, "analyst")
    page = browser.new_page()
    page.goto(f"{server}/journeys")
    assert re.search(r"/login\?next=%2Fjourneys$", page.url)  # sent to sign in first
    page.fill("input[name=username]", analyst)
    page.fill("input[name=password]", "wrong password!")
    page.click("form[action='/login'] button[type=submit]")
    assert "the user name or the password is wrong" in page.inner_text(".login-error")
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert page.url == f"{server}/journeys"  # back where they were heading
    nav = page.inner_text("nav .nav-links")
    assert "Analyse" in nav and "Journeys" in nav
    assert "Customers" not in nav and "Admin" not in nav and "Tickets" not in nav
    assert analyst in nav
    # A page the role does not open answers 403 with the reason.
    response = page.goto(f"{server}/customers")
    assert response is not None and response.status == 403
    assert "needs the customers permission" in page.inner_text(".error-message")
    page.goto(f"{server}/journeys")
    with page.expect_navigation():
        page.click("form.logout button")
    assert page.url.startswith(f"{server}/login")
    page.goto(f"{server}/analyse")
    assert "/login" in page.url
    page.close()


@pytest.mark.browser
def test_an_admin_adds_a_user_and_a_token_on_the_admin_page(
    browser: Browser, server: str, ws: Workspace
) -> None:
    page = signed_in_page(browser, server, ws)
    page.goto(f"{server}/admin")
    page.click("summary:has-text('Add a user')")
    page.fill("form.new-user input[name=username]", "agent.smith")
    page.fill("form.new-user input[name=password]", "a long enough password")
    page.select_option("form.new-user select[name=role]", "operations")
    page.fill("form.new-user input[name=teams]", "Billing, Delivery")
    page.click("form.new-user button[type=submit]")
    assert "User agent.smith created." in page.inner_text(".admin-message")
    created = accounts.user(ws, "agent.smith")
    assert (created.role.value, created.teams) == ("operations", ["Billing", "Delivery"])

    page.fill("form.new-token-form input[name=name]", "crm-sync")
    page.select_option("form.new-token-form select[name=role]", "operations")
    page.click("form.new-token-form button[type=submit]")
    secret = page.inner_text("#new-token")
    assert accounts.token_principal(ws, secret) is not None
    row = page.locator("tr[data-token='crm-sync']")
    row.locator("button:has-text('Revoke')").click()
    assert "crm-sync revoked." in page.inner_text(".admin-message")
    accounts._forget(ws.operational)
    assert accounts.token_principal(ws, secret) is None

    actions = [(e.actor, e.action) for e in audit.entries(ws)]
    assert ("admin-user", "user.create") in actions and ("admin-user", "token.revoke") in actions
    page.close()
