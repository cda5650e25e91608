"""The segment pages: the list with its form, a segment's customers, and saving in Chromium."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from lxml import html
from playwright.sync_api import Browser

from journeys.workspace import Workspace

from browsing import Traffic
from factories import identify, send, track
from serving import signed_in_page

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def seed(ws: Workspace) -> None:
    send(
        ws.events,
        track({"userId": "ann"}, "purchase", 0, total=120),
        track({"userId": "bob"}, "purchase", 5, total=20),
        track({"anonymousId": "d1"}, "view", 6),
        identify("ann", 7, plan="pro"),
    )


def parsed(response: object) -> html.HtmlElement:
    return html.fromstring(response.text)  # type: ignore[attr-defined]


def test_saving_from_the_form_opens_the_segment(client: TestClient, workspace: Workspace) -> None:
    seed(workspace)
    form = {"name": "buyers", "conditions": "did purchase\n\n", "match": "all", "description": ""}
    saved = client.post("/analyse/segments", data=form, headers=BROWSER, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/analyse/segments/buyers"
    doc = parsed(client.get("/analyse/segments/buyers", headers=BROWSER))
    assert doc.xpath("//*[@data-size]/@data-size") == ["2"]
    links = doc.xpath("//table[@data-table='members']//a/@href")
    assert links == ["/customers/ann", "/customers/bob"]
    listing = parsed(client.get("/analyse/segments", headers=BROWSER))
    assert listing.xpath("//tr[@data-segment='buyers']/td[@data-size]/@data-size") == ["2"]


def test_a_mistake_comes_back_with_the_reason_and_the_input(
    client: TestClient, workspace: Workspace
) -> None:
    form = {"name": "x", "conditions": "did purchase in 3 fortnights", "match": "all"}
    response = client.post("/analyse/segments", data=form, headers=BROWSER)
    assert response.status_code == 422
    doc = parsed(response)
    assert "window" in doc.xpath("string(//*[@data-error])")
    assert doc.xpath("string(//textarea[@name='conditions'])") == "did purchase in 3 fortnights"
    bad_name = client.post(
        "/analyse/segments", data={**form, "name": "Bad Name", "conditions": "did x"}
    )
    assert bad_name.status_code == 422 and "name" in parsed(bad_name).xpath(
        "string(//*[@data-error])"
    )


def test_deleting_goes_back_to_the_list(client: TestClient, workspace: Workspace) -> None:
    client.post("/analyse/segments", data={"name": "a", "conditions": "did view"})
    gone = client.post("/analyse/segments/a/delete", follow_redirects=False)
    assert gone.status_code == 303
    assert client.get("/analyse/segments/a", headers=BROWSER).status_code == 404


@pytest.mark.browser
def test_a_segment_is_saved_in_chromium(browser: Browser, server: str, ws: Workspace) -> None:
    seed(ws)
    page = signed_in_page(browser, server, ws)
    traffic = Traffic(page)
    page.goto(f"{server}/analyse", wait_until="networkidle")
    page.click("a[href='/analyse/segments']")
    page.fill("input[name='name']", "pro-buyers")
    page.fill("textarea[name='conditions']", "trait plan = 'pro'\ndid purchase where total > 100")
    page.click("form[data-form='segment'] button[type='submit']")  # not the nav's Sign out
    page.wait_for_url(f"{server}/analyse/segments/pro-buyers")
    assert page.locator("[data-size]").get_attribute("data-size") == "1"
    assert page.locator("table[data-table='members'] a").all_inner_texts() == ["ann"]
    assert traffic.failures == [] and traffic.hosts() == {"127.0.0.1"}
