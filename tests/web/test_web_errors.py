"""Errors raised outside Journeys (no such path, wrong method, a bug) in both shapes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import html

from journeys.api.app import create_app
from journeys.workspace import Workspace

from serving import admin_headers

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
API = {"accept": "application/json"}


def error_card(response: httpx.Response) -> html.HtmlElement:
    """The error card of an HTML error page."""
    assert response.headers["content-type"].startswith("text/html")
    doc = html.fromstring(response.text)
    assert doc.xpath("//nav[@aria-label='Main']"), "the error page has the site's layout"
    (card,) = doc.xpath("//*[@data-status]")
    return card


@pytest.fixture
def buggy(workspace: Workspace) -> Iterator[TestClient]:
    """The app with one more route that fails the way a bug would (under /analyse, so the
    route policy lets an admin reach it: a route no rule covers is refused to everyone)."""
    app = create_app(workspace)

    def boom() -> None:
        raise RuntimeError("secret internals: /srv/journeys/db.duckdb")

    app.add_api_route("/analyse/boom", boom)
    with TestClient(app, raise_server_exceptions=False, headers=admin_headers(workspace)) as c:
        yield c


def test_an_unknown_path_is_an_html_404_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/no/such/page", headers=BROWSER)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    card = error_card(response)
    assert (card.get("data-status"), card.get("data-code")) == ("404", "not_found")
    assert "/no/such/page" in card.text_content()


def test_an_unknown_path_is_json_for_an_api_client(client: TestClient) -> None:
    for path, headers in (
        ("/no/such/page", API),
        ("/api/nothing", BROWSER),
        ("/v1/no/such/call", {}),
    ):
        response = client.get(path, headers=headers)

        assert response.status_code == 404, path
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert path in error["message"]
        assert error["details"] is None


def test_a_wrong_method_is_405_in_both_shapes(client: TestClient) -> None:
    page = client.post("/customers", headers=BROWSER)
    api = client.delete("/v1/track", headers=API)

    assert page.status_code == 405
    assert page.headers["allow"] == "GET"
    card = error_card(page)
    assert card.get("data-code") == "method_not_allowed"
    assert api.status_code == 405
    assert api.json()["error"]["code"] == "method_not_allowed"
    assert "DELETE" in api.json()["error"]["message"]


def test_a_bug_is_a_500_without_a_stack_trace(buggy: TestClient) -> None:
    page = buggy.get("/analyse/boom", headers=BROWSER)
    api = buggy.get("/analyse/boom", headers=API)

    assert page.status_code == 500
    assert error_card(page).get("data-code") == "internal"
    assert api.status_code == 500
    internal = {"code": "internal", "message": "internal error", "details": None}
    assert api.json() == {"error": internal}
    for response in (page, api):
        assert "Traceback" not in response.text
        assert "secret internals" not in response.text


def test_an_invalid_query_is_an_html_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/customers?page=0", headers=BROWSER)

    assert response.status_code == 422
    card = error_card(response)
    assert card.get("data-code") == "invalid_input"
    assert "page" in card.text_content()
