"""The closed loop in a real browser: a customer answers a survey through its link on a phone,
then the support team finds the ticket it opened in the inbox; and the embeddable snippet."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from journeys.workspace import Workspace

from factories import send, track
from serving import admin_headers, signed_in_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def invitation_url(server: str, ws: Workspace, customer: str) -> str:
    made = httpx.post(
        f"{server}/api/surveys/after-cleaning/invitations",
        json={"customer_id": customer},
        headers=admin_headers(ws),
    )
    assert made.status_code == 201, made.text
    url: str = made.json()["url"]
    return url


def test_an_unhappy_answer_on_a_phone_becomes_a_ticket_in_the_inbox(
    browser: Browser, server: str, ws: Workspace
) -> None:
    send(ws.events, track({"userId": "marieke"}, "cleaning_completed", 0))
    url = invitation_url(server, ws, "marieke")

    phone = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Hoe ging de schoonmaak?")
    page.get_by_text("3", exact=True).click()  # the score buttons are large enough to tap
    page.get_by_label("Wat is de belangrijkste reden voor uw score?").select_option("punctuality")
    page.get_by_label("Vertel ons meer, in uw eigen woorden").fill(
        "De schoonmaker kwam twee uur te laat en niemand liet iets weten."
    )
    page.get_by_role("button", name="Versturen").click()
    expect(page.locator(".survey-thanks")).to_contain_text("Dank u wel")
    # Back and submit again: the answer stands once.
    page.goto(url)
    expect(page.locator(".survey-thanks")).to_contain_text("al ingevuld")
    phone.close()

    desk = signed_in_page(browser, server, ws)
    desk.goto(f"{server}/tickets")
    row = desk.locator("[data-table=tickets] tr[data-ticket]").filter(has_text="marieke")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("cleaning-done")
    row.locator("a").first.click()
    expect(desk.locator("[data-field=status]")).to_have_text("new")
    expect(desk.locator("[data-link=customer]")).to_have_text("marieke")
    # The ticket carries the customer's timeline, the survey answer in it.
    expect(desk.locator(".tl-event[data-event=survey_answered]")).to_have_count(1)
    expect(desk.locator(".tl-event[data-event=cleaning_completed]")).to_have_count(1)
    desk.goto(f"{server}/feedback")
    item = desk.locator("[data-feed] [data-response]").first
    expect(item).to_contain_text("twee uur te laat")
    expect(item).to_have_attribute("data-label", "negative")
    desk.close()


def test_the_snippet_embeds_the_form_in_another_site(
    browser: Browser, server: str, ws: Workspace
) -> None:
    send(ws.events, track({"userId": "sam"}, "cleaning_completed", 0))
    url = invitation_url(server, ws, "sam")
    page = browser.new_page()
    page.set_content(
        f'<html lang="en"><body><h1>Acme cleaning</h1><div data-journeys-survey="{url}"></div>'
        f'<script src="{server}/static/survey-embed.js"></script></body></html>'
    )
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1")).to_have_text("How did the cleaning go?")
    frame.get_by_text("10", exact=True).click()
    frame.locator("select[name=root_cause]").select_option("cleaner")
    frame.get_by_role("button", name="Send").click()
    expect(frame.locator(".survey-thanks")).to_contain_text("Thank you")
    responses = httpx.get(f"{server}/api/surveys/responses", headers=admin_headers(ws)).json()
    assert [(r["customer_id"], r["score"]) for r in responses["responses"]] == [("sam", 10)]
    page.close()
