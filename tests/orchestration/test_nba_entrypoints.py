"""The next best action and the agent view over HTTP, the CLI and the web page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from nba_support import identify, page, scenario, track
from typer.testing import CliRunner

from journeys.cli import app
from journeys.errors import CustomerNotFound
from journeys.feedback.tickets import TicketOpen, open_ticket
from journeys.workspace import Workspace

# The CLI and the server run on the wall clock, so the scenario happens just before now.
NOW = datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def seeded(ws: Workspace) -> Workspace:
    """The shared workspace (served by the ``server`` fixture) with Mia and a visitor."""
    scenario(
        ws,
        {
            "mia": [
                identify(100, email="mia@example.com", phone="+31611112222", first_name="Mia"),
                page("mortgages", 10, path="/mortgages"),
            ],
            "anon:dev-1": [track("product_added", 20, name="Linen shirt", size="M")],
        },
        now=NOW,
    )
    return ws


def test_the_http_api(seeded: Workspace, server: str, api: httpx.Client) -> None:
    open_ticket(seeded, TicketOpen(customer_id="mia", reason="api", summary="Wrong rate"))
    base = server  # the real app on 127.0.0.1 over the seeded workspace
    r = api.get(f"{base}/api/customers/+31611112222/next-best-action?channel=phone")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["customer_id"], body["known"], body["channel"]) == ("mia", True, "phone")
    assert [a["id"] for a in body["actions"]] == ["fix-open-ticket", "mortgage-advice-call"]
    assert all(a["reason"] for a in body["actions"])

    anon = api.get(f"{base}/api/customers/dev-1/next-best-action").json()
    assert (anon["known"], anon["actions"][0]["id"]) == (False, "cart-reminder")

    view = api.get(f"{base}/api/agent/mia@example.com").json()
    assert view["customer_id"] == "mia" and view["open_tickets"][0]["summary"] == "Wrong rate"
    assert view["next_best_actions"]["actions"][0]["id"] == "fix-open-ticket"

    missing = api.get(f"{base}/api/customers/nobody/next-best-action")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "customer_not_found"
    bad = api.get(f"{base}/api/customers/mia/next-best-action?channel=pigeon")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    assert (
        "/api/customers/{customer_id}/next-best-action"
        in api.get(f"{base}/openapi.json").json()["paths"]
    )


def test_the_web_page_and_search_box(seeded: Workspace, server: str, api: httpx.Client) -> None:
    base = server  # the real app on 127.0.0.1 over the seeded workspace
    html = {"accept": "text/html"}
    search = api.get(f"{base}/agent", headers=html)
    assert search.status_code == 200 and 'name="q"' in search.text
    found = api.get(f"{base}/agent?q=%2B31611112222", headers=html, follow_redirects=True)
    assert found.status_code == 200
    text = found.text
    assert "Mia" in text and "Offer a free mortgage advice call" in text
    # The next best action comes before everything else on the page.
    assert text.index('id="next-best-action"') < text.index('id="who"')
    assert "mia@example.com" in text and "Northbank" in text  # the journey she is in
    assert 'href="/agent" aria-current="page"' in text
    missing = api.get(f"{base}/agent/nobody", headers=html)
    assert missing.status_code == 404 and "no customer has the id" in missing.text


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "-w", str(root)])
    return result.exit_code, result.output


def test_the_cli(seeded: Workspace) -> None:
    root = seeded.root
    seeded.close()
    code, out = run(root, "nba", "mia@example.com", "--channel", "phone")
    assert code == 0, out
    assert "1. Offer a free mortgage advice call" in out and "why: mortgage pages" in out
    code, out = run(root, "nba", "dev-1", "--json")
    assert code == 0 and json.loads(out)["actions"][0]["id"] == "cart-reminder"
    code, out = run(root, "agent", "+31611112222")
    assert code == 0 and "mia@example.com" in out and "web" in out
    code, out = run(root, "agent", "+31611112222", "--json")
    assert code == 0 and json.loads(out)["journeys"][0]["journey"] == "bank-mortgage"
    result = CliRunner().invoke(app, ["nba", "nobody", "-w", str(root)])
    assert result.exit_code != 0 and isinstance(result.exception, CustomerNotFound)
