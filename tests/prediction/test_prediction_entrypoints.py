"""``journeys predict …``, ``/api/predict/…`` and the ``/predict`` page, end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from planted_log import TEST_DATE, churn_spec, planted_people
from typer.testing import CliRunner

from journeys.cli import app
from journeys.prediction import service, store
from journeys.workspace import Workspace

from scenarios import journeys_for


@pytest.fixture(scope="module")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the planted log and a churn model trained and scored by the CLI."""
    root = tmp_path_factory.mktemp("predict-cli") / "ws"
    with Workspace.init(root) as ws:
        journeys_for(ws, planted_people())
    result = CliRunner().invoke(
        app,
        [
            "predict", "train", "--name", "churn", "--target", "churn", "--horizon", "14",
            "--train-date", "2026-05-01", "--test-date", "2026-05-31", "-w", str(root),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Held-out figures" in result.output and "majority" in result.output
    scored = CliRunner().invoke(app, ["predict", "score", "-w", str(root)])
    assert scored.exit_code == 0, scored.output
    assert "churn: scored" in scored.output
    return root


def test_the_cli_trains_scores_and_explains(trained_root: Path) -> None:
    found = CliRunner().invoke(app, ["predict", "models", "-w", str(trained_root), "--json"])
    assert found.exit_code == 0, found.output
    (model,) = json.loads(found.output)
    assert model["spec"]["target"] == {"kind": "churn", "horizon_days": 14, "step": None}
    assert model["evaluation"]["test_date"].startswith("2026-05-31")
    assert model["evaluation"]["model"]["roc_auc"] > 0.85
    why = CliRunner().invoke(
        app, ["predict", "explain", "c001", "--name", "churn", "-w", str(trained_root)]
    )
    assert why.exit_code == 0, why.output
    assert why.output.startswith("churn for c001: ")
    assert "no visit in" in why.output


def test_the_cli_evaluates_again_on_other_dates_and_refuses_bad_input(trained_root: Path) -> None:
    again = CliRunner().invoke(
        app,
        ["predict", "evaluate", "--name", "churn", "--test-date", "2026-05-21",
         "--train-date", "2026-05-01", "-w", str(trained_root), "--json"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["test_date"].startswith("2026-05-21")
    overlap = CliRunner().invoke(
        app,
        ["predict", "evaluate", "--name", "churn", "--test-date", "2026-05-10",
         "--train-date", "2026-05-01", "-w", str(trained_root)],
    )  # fmt: skip
    assert overlap.exit_code != 0
    unknown = CliRunner().invoke(
        app, ["predict", "score", "--name", "nope", "-w", str(trained_root)]
    )
    assert unknown.exit_code != 0


def test_the_api_gives_models_scores_and_explanations(
    ws: Workspace, server: str, api: httpx.Client
) -> None:
    base = server
    journeys_for(ws, planted_people())
    service.train(ws, churn_spec())
    service.score(ws, "churn")
    models = api.get(f"{base}/api/predict/models").json()
    assert [m["spec"]["name"] for m in models] == ["churn"]
    one = api.get(f"{base}/api/predict/models/churn").json()
    assert len(one["evaluation"]["lift"]) == 10
    assert one["fitted_on"].startswith(TEST_DATE.date().isoformat())
    top = api.get(f"{base}/api/predict/models/churn/top?limit=3").json()
    assert len(top) == 3 and top[0]["score"] >= top[-1]["score"]
    mine = api.get(f"{base}/api/predict/customers/{top[0]['customer_id']}").json()
    assert mine[0]["model"] == "churn" and mine[0]["score"] == top[0]["score"]
    assert mine[0]["reasons"] and all(r["text"] for r in mine[0]["reasons"])
    live = api.get(f"{base}/api/predict/models/churn/explain/c001").json()
    assert live["customer_id"] == "c001" and 0 <= live["score"] <= 1
    assert api.get(f"{base}/api/predict/customers/nobody").json() == []
    missing = api.get(f"{base}/api/predict/models/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    agent = api.get(f"{base}/api/agent/c001").json()
    assert [p["model"] for p in agent["predictions"]] == ["churn"]
    assert agent["predictions"][0]["explanation"]
    html = api.get(f"{base}/customers/c001", headers={"accept": "text/html"}).text
    assert 'id="predictions"' in html and 'data-model="churn"' in html
    agent_page = api.get(f"{base}/agent/c001", headers={"accept": "text/html"}).text
    assert 'id="predictions"' in agent_page and 'data-model="churn"' in agent_page
    rescored = api.post(f"{base}/api/predict/models/churn/score", timeout=60)
    assert rescored.status_code == 200, rescored.text
    assert rescored.json()["model"] == "churn"


def test_the_model_page_shows_the_figures_and_the_charts(
    ws: Workspace, server: str, api: httpx.Client
) -> None:
    empty = api.get(f"{server}/predict", headers={"accept": "text/html"})
    assert empty.status_code == 200 and 'id="predict-empty"' in empty.text
    journeys_for(ws, planted_people())
    service.train(ws, churn_spec())
    service.score(ws, "churn")
    page = api.get(f"{server}/predict", headers={"accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert 'data-model="churn"' in html and 'data-scorer="recency alone"' in html
    assert "/static/vendor/echarts.min.js" in html and 'id="lift-churn"' in html
    assert "Highest scores" in html


def test_the_server_refreshes_the_scores_on_a_schedule(
    quick_refresh: None, ws: Workspace, server: str
) -> None:
    journeys_for(ws, planted_people())
    service.train(ws, churn_spec())
    assert store.top_scores(ws, "churn") == []  # trained, not scored
    deadline = time.monotonic() + 30
    while not store.top_scores(ws, "churn") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(store.top_scores(ws, "churn", 1000)) == 240
