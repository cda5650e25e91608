"""The automations over the CLI and the HTTP API of a real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from automation_support import consenting, http_receiver, welcome, write_automation
from typer.testing import CliRunner

from journeys.cli import app
from journeys.workspace import Workspace

from factories import send, track

runner = CliRunner()


def _cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["automations", *args, "-w", str(ws.root)])
    return result.exit_code, result.output


def test_the_cli_checks_runs_delivers_and_backtests(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(welcome().replace("duration: 1d", "duration: 1d\n      colour: red"))
    code, output = _cli(ws, "check", str(bad))
    assert code == 1
    assert f"{bad}:18:7: unknown_field: steps[1].wait.colour:" in output

    with http_receiver() as (url, received):
        path = write_automation(ws, welcome(url))
        assert _cli(ws, "check", str(path)) == (0, f"{path}: valid automation welcome v1\n")
        assert "Started at event 0" in _cli(ws, "run")[1]
        send(ws.events, consenting("zoe", 0), track({"userId": "zoe"}, "signed_up", 1))
        ws.close()  # the CLI opens the workspace itself
        code, output = _cli(ws, "run", "--json")
        assert (code, json.loads(output)["entered"]) == (0, 1)
        code, output = _cli(ws, "deliver", "--json")
        assert json.loads(output)["delivered"] == 1
        assert len(received.requests) == 1
    code, output = _cli(ws, "outbox", "--json")
    [item] = json.loads(output)
    assert (item["kind"], item["status"], item["customer_id"]) == ("webhook", "delivered", "zoe")
    code, output = _cli(ws, "list", "--json")
    [summary] = json.loads(output)
    assert summary["enrolments"] == {"completed": 1}  # on the wall clock the day is long over
    assert summary["steps"][0]["outcomes"] == {"queued": 1}
    assert json.loads(_cli(ws, "dead-letters", "--json")[1]) == []
    assert _cli(ws, "replay")[1] == "0 dead letters back in the outbox.\n"
    code, output = _cli(ws, "backtest", "welcome", "--from", "2026-03-01", "--to", "2026-03-03")
    assert code == 0 and "1 entered" in output and "notify-crm: 1 customers" in output


def test_the_http_api_validates_saves_and_lists(
    ws: Workspace, server: str, api: httpx.Client
) -> None:
    yaml_header = {"Content-Type": "application/yaml"}
    bad = welcome().replace("goal:", "goal:\n  colour: red\n  x:")
    r = api.post(f"{server}/api/automations/check", content=bad, headers=yaml_header)
    assert r.status_code == 200 and r.json()["valid"] is False
    r = api.put(f"{server}/api/automations/welcome", content=bad, headers=yaml_header)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "automation_invalid"
    assert {(d["field"], d["code"]) for d in error["details"]} >= {("goal.colour", "unknown_field")}
    assert all(d["file"] == "automations/welcome.yaml" and d["line"] > 20 for d in error["details"])

    r = api.put(f"{server}/api/automations/welcome", content=welcome(), headers=yaml_header)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    model = api.get(f"{server}/api/automations/welcome").json()
    assert [s["id"] for s in model["steps"]] == ["notify-crm", "wait-a-day", "welcome-mail"]
    model["name"] = "Welcome (JSON)"
    model["version"] = 2
    r = api.put(f"{server}/api/automations/welcome", json=model)
    assert r.status_code == 200, r.text
    assert api.get(f"{server}/api/automations/welcome").json()["name"] == "Welcome (JSON)"

    api.post(f"{server}/api/automations/run")
    model["name"] = "Changed without a new version"
    r = api.put(f"{server}/api/automations/welcome", json=model)
    assert (r.status_code, r.json()["error"]["details"][0]["code"]) == (422, "version_not_raised")

    [listed] = api.get(f"{server}/api/automations").json()
    assert (listed["id"], listed["version"], listed["issues"]) == ("welcome", 2, [])
    assert api.get(f"{server}/api/automations/outbox").json() == []
    assert api.get(f"{server}/api/automations/dead-letters").json() == []
    replayed = api.post(f"{server}/api/automations/dead-letters/replay", json={"ids": [1]})
    assert replayed.json() == {"replayed": 0}
    past = api.post(f"{server}/api/automations/dead-letters/replay", json={"ids": [2**63]})
    assert past.status_code == 422 and past.json()["error"]["details"][0]["field"] == "ids.0"
    r = api.get(f"{server}/api/automations/welcome/backtest?from=2026-03-01&to=2026-03-02")
    assert r.status_code == 200 and r.json()["entered"] == 0
    r = api.get(f"{server}/api/automations/nope")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "automation_not_found")
    page = api.get(f"{server}/automations", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Welcome (JSON)" in page.text
