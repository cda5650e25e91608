"""Segments on prediction scores (``score churn > 0.7``): parsing, members, every analysis, and
the CLI, the API and the web form; scores are written through the prediction package's store."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from journeys.analytics.funnels import FunnelQuery, funnel
from journeys.analytics.overlay import OverlayQuery, measured_map
from journeys.analytics.segments import (
    ScoreCondition,
    SegmentDefinition,
    check,
    evaluate,
    parse_condition,
    save,
    segment_filter,
)
from journeys.errors import InvalidInput
from journeys.prediction.store import store_scores
from journeys.workspace import Workspace

from scenarios import T0, D, H, M, journeys_for

JOURNEYS = str(Path(sys.executable).parent / "journeys")

SHOP = """\
id: shop
name: Shop
stages:
  - id: find
    name: Find
    touchpoints:
      - {id: ad, name: Ad, channel: social, online: true, match: {event: ad_clicked}}
  - id: choose
    name: Choose
    touchpoints:
      - {id: product, name: Product page, channel: web, online: true, match: {event: viewed}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: checkout, name: Checkout, channel: web, online: true, match: {event: checkout}}
"""

# ann and dee buy, bob stops at the product page, cy only clicks the ad.
PEOPLE = {
    "ann": [("ad_clicked", T0), ("viewed", T0 + 10 * M), ("checkout", T0 + 20 * M)],
    "bob": [("ad_clicked", T0), ("viewed", T0 + 1 * H)],
    "cy": [("ad_clicked", T0 + D)],
    "dee": [("ad_clicked", T0), ("viewed", T0 + 2 * H), ("checkout", T0 + 3 * H)],
}  # fmt: skip
CHURN = {"ann": 0.1, "bob": 0.8, "cy": 0.95, "dee": 0.5}


def write_scores(ws: Workspace, model: str, scores: dict[str, float]) -> None:
    """Store a scoring run's rows as the prediction package does."""
    at = datetime(2026, 4, 1)
    rows = pa.table(
        {
            "model": [model] * len(scores),
            "customer_id": list(scores),
            "score": list(scores.values()),
            "as_of": [at] * len(scores),
            "scored_at": [at] * len(scores),
            "reasons": ["[]"] * len(scores),
        }
    )
    store_scores(ws, model, rows)


@pytest.fixture
def scored(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    journeys_for(ws, PEOPLE)
    write_scores(ws, "churn", CHURN)
    write_scores(ws, "order", {"bob": 0.9, "ann": 0.2})
    return ws


def members(ws: Workspace, *conditions: str, match: str = "all") -> list[str]:
    segment = SegmentDefinition.model_validate(
        {"name": "s", "match": match, "conditions": [parse_condition(c) for c in conditions]}
    )
    return evaluate(ws, segment, limit=100).customers


def rule_of(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return str(exc.value.details["code"])


def test_a_score_condition_reads_and_writes_its_text_form() -> None:
    c = parse_condition("score churn > 0.7")
    assert c == ScoreCondition(model="churn", op=">", value=0.7)
    assert c.text() == "score churn > 0.7"
    assert parse_condition("score order-30d<=0.25").text() == "score order-30d <= 0.25"
    model_form = {"kind": "score", "model": "churn", "op": ">=", "value": 0.5}
    segment = SegmentDefinition.model_validate({"name": "r", "conditions": [model_form]})
    assert segment.conditions[0] == parse_condition("score churn >= 0.5")
    again = SegmentDefinition.model_validate_json(segment.model_dump_json())
    assert again == segment


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("score churn", "score_condition_invalid"),
        ("score churn = 0.7", "score_condition_invalid"),
        ("score chu/rn > 0.7", "score_condition_invalid"),
        ("score churn > 1.5", "score_value_invalid"),
        ("score churn > high", "score_value_invalid"),
    ],
)
def test_a_bad_score_condition_is_refused_by_its_rule(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_condition(text)
    assert rule_of(exc) == code


@pytest.mark.parametrize(
    ("conditions", "match", "expected"),
    [
        (["score churn > 0.7"], "all", ["bob", "cy"]),
        (["score churn >= 0.5"], "all", ["bob", "cy", "dee"]),
        (["score churn < 0.5"], "all", ["ann"]),
        (["score churn <= 0.5"], "all", ["ann", "dee"]),
        (["score order > 0.7"], "all", ["bob"]),  # another model's scores do not leak
        (["score churn >= 0.5", "did checkout"], "all", ["dee"]),
        (["score churn > 0.9", "score order > 0.7"], "any", ["bob", "cy"]),
    ],
)
def test_who_has_a_score(
    scored: Workspace, conditions: list[str], match: str, expected: list[str]
) -> None:
    assert members(scored, *conditions, match=match) == expected


def test_a_new_scoring_run_moves_the_segment(scored: Workspace) -> None:
    assert members(scored, "score churn > 0.7") == ["bob", "cy"]
    write_scores(scored, "churn", {"ann": 0.9, "bob": 0.2})
    assert members(scored, "score churn > 0.7") == ["ann"]


def test_an_unknown_model_is_refused_naming_it(scored: Workspace) -> None:
    segment = SegmentDefinition(name="x", conditions=[parse_condition("score nope > 0.5")])
    with pytest.raises(InvalidInput, match="no prediction model 'nope'") as exc:
        check(scored, segment)
    assert rule_of(exc) == "score_model_unknown"
    assert "churn, order" in exc.value.message
    with pytest.raises(InvalidInput, match="'nope'"):
        evaluate(scored, segment)
    save(scored.operational, segment)  # saved before the model was gone: refused on use
    with pytest.raises(InvalidInput, match="'nope'"), scored.events.fresh_reader() as con:
        segment_filter(scored, con, "x")


def test_a_funnel_takes_a_score_segment(scored: Workspace) -> None:
    save(scored.operational, SegmentDefinition(name="risky", conditions=[parse_condition(
        "score churn > 0.7")]))  # fmt: skip
    query = FunnelQuery(steps=["ad_clicked", "viewed", "checkout"], window="1d")
    assert [s.customers for s in funnel(scored, query).steps] == [4, 3, 2]
    risky = funnel(scored, query.model_copy(update={"segment": "risky"}))
    assert [s.customers for s in risky.steps] == [2, 1, 0]


def test_the_measured_map_takes_a_score_segment(scored: Workspace) -> None:
    save(scored.operational, SegmentDefinition(name="calm", conditions=[parse_condition(
        "score churn <= 0.5")]))  # fmt: skip
    everyone = measured_map(scored, OverlayQuery(journey="shop"))
    calm = measured_map(scored, OverlayQuery(journey="shop", segment="calm"))
    assert (everyone.customers, everyone.completed) == (4, 2)
    assert (calm.customers, calm.completed) == (2, 2)  # ann and dee bought
    stages = {s.stage: s.reached for s in calm.stages}
    assert stages == {"find": 2, "choose": 2, "buy": 2}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([JOURNEYS, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_adds_a_score_segment_and_refuses_an_unknown_model(scored: Workspace) -> None:
    root = str(scored.root)
    scored.close()
    added = cli("segments", "add", "risky", "--where", "score churn > 0.7", "-w", root)
    assert added.returncode == 0, added.stderr
    assert "Saved segment risky: 2 customers." in added.stdout
    bad = cli("segments", "add", "bad", "--where", "score nope > 0.7", "-w", root)
    assert bad.returncode == 1 and "no prediction model 'nope'" in bad.stderr
    listed = cli("segments", "list", "-w", root, "--json")
    assert '"bad"' not in listed.stdout  # refused before it was saved


def test_the_api_and_the_form_take_a_score_condition(
    scored: Workspace, server: str, api: httpx.Client
) -> None:
    put = api.put(f"{server}/api/segments/risky", json={"where": ["score churn > 0.7"]})
    assert put.status_code == 200 and put.json()["size"] == 2
    got = api.get(f"{server}/api/segments/risky", timeout=10).json()
    assert (got["conditions"], got["customers"]) == (["score churn > 0.7"], ["bob", "cy"])
    bad = api.put(f"{server}/api/segments/x", json={"where": ["score nope > 0.7"]})
    error = bad.json()["error"]
    assert bad.status_code == 422 and error["details"]["code"] == "score_model_unknown"
    assert error["details"]["value"] == "nope"
    form = {"name": "y", "conditions": "score nope > 0.2", "match": "all"}
    page = api.post(f"{server}/analyse/segments", data=form, timeout=10)
    assert page.status_code == 422 and "no prediction model" in page.text
    assert api.get(f"{server}/api/segments/y", timeout=10).status_code == 404
