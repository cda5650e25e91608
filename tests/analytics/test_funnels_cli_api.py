"""The funnel from the command line (table and --json) and over HTTP (POST, 422 naming the
field)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from journeys.api.app import create_app
from journeys.cli import app
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from scenarios import T0, H, journeys_for
from serving import admin_headers

PEOPLE = {
    "alice": [("view", T0, {"plan": "pro"}), ("cart", T0 + H), ("buy", T0 + 2 * H)],
    "bob": [("view", T0, {"plan": "free"}), ("cart", T0 + H)],
    "cy": [("view", T0, {"plan": "free"})],
}


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    ws.close()  # the CLI opens the workspace itself
    result = CliRunner().invoke(app, ["analyse", "funnel", "-w", str(ws.root), *args])
    return result.exit_code, result.output


def test_the_cli_prints_json(ws: Workspace) -> None:
    journeys_for(ws, PEOPLE)
    code, output = cli(
        ws, "--step", "view", "--step", "cart", "--step", "buy", "--window", "1d", "--json"
    )
    assert code == 0, output
    data = json.loads(output)
    assert [s["customers"] for s in data["steps"]] == [3, 2, 1]
    assert data["steps"][1]["conversion_from_previous"] == 2 / 3
    assert data["query"]["window"] == "1d"


def test_the_cli_lists_who_dropped_with_their_ids(ws: Workspace) -> None:
    journeys_for(ws, PEOPLE)
    code, output = cli(ws, "--step", "view", "--step", "cart", "--dropped-at", "2", "--json")
    assert code == 0, output
    dropped = json.loads(output)["dropped"]
    assert dropped["total"] == 1
    assert [c["customer_id"] for c in dropped["customers"]] == ["cy"]


def test_the_cli_prints_tables_with_breakdown_and_dropped(ws: Workspace) -> None:
    journeys_for(ws, PEOPLE)
    code, output = cli(
        ws,
        "--step",
        "view",
        "--step",
        "cart",
        "--breakdown",
        "plan",
        "--dropped-at",
        "2",
        "--order",
        "strict",
    )
    assert code == 0, output
    assert "All customers" in output and "plan = free" in output and "plan = pro" in output
    assert "66.7%" in output  # 2 of 3 reached cart
    assert "cy" in output and "1 customer(s) dropped at step 2" in output


def test_the_cli_refuses_a_bad_window_naming_it(ws: Workspace) -> None:
    ws.close()
    result = CliRunner().invoke(
        app, ["analyse", "funnel", "-w", str(ws.root), "--step", "view", "--window", "soon"]
    )
    assert result.exit_code != 0
    # main() turns this error into one line and exit code 1 (see journeys.cli.main).
    assert isinstance(result.exception, InvalidInput)
    assert [d["field"] for d in result.exception.details] == ["window"]


def test_the_api_answers_a_post(ws: Workspace) -> None:
    journeys_for(ws, PEOPLE)
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        response = client.post(
            "/api/analytics/funnel",
            json={
                "steps": ["view", "cart", "buy"],
                "window": "1d",
                "breakdown": "plan",
                "dropped_at": 3,
            },
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["customers"] for s in body["steps"]] == [3, 2, 1]
    assert {b["value"]: [s["customers"] for s in b["steps"]] for b in body["breakdown"]} == {
        "free": [2, 1, 0],
        "pro": [1, 1, 1],
    }
    assert [c["customer_id"] for c in body["dropped"]["customers"]] == ["bob"]


def test_the_api_names_the_bad_field(ws: Workspace) -> None:
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        window = client.post("/api/analytics/funnel", json={"steps": ["view"], "window": "7 moons"})
        step = client.post("/api/analytics/funnel", json={"steps": ["view", "buy where price >"]})
        touchpoint = client.post(
            "/api/analytics/funnel", json={"steps": ["view", "touchpoint fashion/nothing"]}
        )
    assert window.status_code == step.status_code == touchpoint.status_code == 422
    assert [d["field"] for d in window.json()["error"]["details"]] == ["window"]
    assert [d["field"] for d in step.json()["error"]["details"]] == ["steps.1"]
    assert touchpoint.json()["error"]["details"] == {
        "code": "unknown_touchpoint",
        "field": "steps.1",
    }
