"""Segments: saved filters over traits and behaviour, from Python, the CLI, the API and the web."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.analytics.segments import (
    BehaviourCondition,
    SegmentDefinition,
    evaluate,
    parse_condition,
    save,
    segment_filter,
)
from journeys.errors import InvalidInput, NotFound
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, D, H, journeys_for

JOURNEYS = str(Path(sys.executable).parent / "journeys")

# The latest event is T0 + 40 days: windows end there.
PEOPLE = {
    "ann": [("purchase", T0, {"total": 120}), ("purchase", T0 + 35 * D, {"total": 80}),
            ("purchase", T0 + 38 * D, {"total": 150})],
    "bob": [("purchase", T0 + 39 * D, {"total": 20}), ("view", T0 + 40 * D)],
    "cid": [("view", T0 + 10 * D), ("purchase", T0 + 11 * D, {"total": 500})],
    "anon:d9": [("view", T0 + 20 * D)],
}  # fmt: skip


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    journeys_for(ws, PEOPLE)
    send(
        ws.events,
        identify("ann", 1, plan="pro"),
        identify("bob", 2, plan="free"),
        identify("bob", 3, plan="pro"),  # bob's latest plan is pro
        identify("cid", 4, plan="free"),
    )
    return ws


def members(ws: Workspace, *conditions: str, match: str = "all") -> list[str]:
    segment = SegmentDefinition.model_validate(
        {"name": "s", "match": match, "conditions": [parse_condition(c) for c in conditions]}
    )
    return evaluate(ws, segment, limit=100).customers


@pytest.mark.parametrize(
    ("conditions", "match", "expected"),
    [
        (["did purchase"], "all", ["ann", "bob", "cid"]),
        (["did purchase at least 2 times"], "all", ["ann"]),
        (["did purchase in 7d"], "all", ["ann", "bob"]),
        (["did purchase at least 2 times in 7d"], "all", ["ann"]),
        (["did purchase where total > 100"], "all", ["ann", "cid"]),
        (["did purchase where total > 100 in 7d"], "all", ["ann"]),
        (["did purchase where total in [20, 500]"], "all", ["bob", "cid"]),
        (["did not purchase in 7d"], "all", ["cid", "d9"]),
        (["did not view"], "all", ["ann"]),
        (["trait plan = 'pro'"], "all", ["ann", "bob"]),
        (["trait plan = 'pro'", "did purchase where total > 100"], "all", ["ann"]),
        (["trait plan = 'free'", "did not purchase"], "any", ["cid", "d9"]),
        (["trait plan exists"], "all", ["ann", "bob", "cid"]),
    ],
)
def test_who_is_in_a_segment(
    shop: Workspace, conditions: list[str], match: str, expected: list[str]
) -> None:
    assert members(shop, *conditions, match=match) == expected


def test_behaviour_follows_the_stitched_customer(ws: Workspace) -> None:
    journeys_for(ws, {"anon:laptop": [("purchase", T0), ("purchase", T0 + H)]})
    assert members(ws, "did purchase at least 2 times") == ["laptop"]
    send(ws.events, identify("eve", 120, anon="laptop"))
    assert members(ws, "did purchase at least 2 times") == ["eve"]


def test_an_empty_log_has_empty_segments(ws: Workspace) -> None:
    result = evaluate(ws, SegmentDefinition(name="x", conditions=[parse_condition("did buy")]))
    assert (result.size, result.customers, result.as_of) == (0, [], None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("did purchase in 7 fortnights", "window"),
        ("trait plan ~ 'pro'", "cannot parse filter"),
        ("bought something", "cannot read the condition"),
        ("did not purchase at least 2 times", "takes no count"),
        ("did purchase where total >> 3", "purchase"),
    ],
)
def test_a_bad_condition_is_refused_naming_it(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_condition(text)


@settings(max_examples=8, deadline=None)
@given(
    counts=st.lists(st.integers(0, 4), min_size=1, max_size=6),
    at_least=st.integers(1, 4),
)
def test_a_segment_and_its_negation_split_everyone(
    tmp_path_factory: pytest.TempPathFactory, counts: list[int], at_least: int
) -> None:
    with Workspace.init(tmp_path_factory.mktemp("ws") / "ws") as ws:
        people = {
            f"p{i}": [("seen", T0)] + [("buy", T0 + (k + 1) * H) for k in range(n)]
            for i, n in enumerate(counts)
        }
        journeys_for(ws, people)
        did = members(ws, f"did buy at least {at_least} times")
        did_not = members(ws, "did not buy")
        assert did == sorted(p for p, n in zip(people, counts, strict=True) if n >= at_least)
        assert set(did_not) == {p for p, n in zip(people, counts, strict=True) if n == 0}
        assert not set(did) & set(did_not)


def test_analyses_filter_events_by_segment(shop: Workspace) -> None:
    save(
        shop.operational,
        SegmentDefinition(name="pro", conditions=[parse_condition("trait plan = 'pro'")]),
    )
    con = shop.events.fresh_reader()
    where = segment_filter(shop, con, "pro")
    rows = con.execute(
        f"SELECT DISTINCT customer_id FROM stitched_events e WHERE {where} ORDER BY 1"
    ).fetchall()
    assert rows == [("ann",), ("bob",)]
    assert segment_filter(shop, con, None) == "true"
    with pytest.raises(NotFound, match="no segment named 'nope'"):
        segment_filter(shop, con, "nope")


def test_conditions_keep_their_text_form() -> None:
    for text in ["did purchase at least 2 times in 30d", "did not open_app in 14d"]:
        condition = parse_condition(text)
        assert isinstance(condition, BehaviourCondition) and condition.text() == text


# -- the CLI, the API and the web ---------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([JOURNEYS, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_saves_lists_shows_and_deletes(shop: Workspace) -> None:
    root = str(shop.root)
    shop.close()
    added = cli("segments", "add", "buyers", "--where", "did purchase in 7d", "-w", root)
    assert added.returncode == 0, added.stderr
    assert "Saved segment buyers: 2 customers." in added.stdout
    shown = cli("segments", "show", "buyers", "-w", root, "--json")
    assert json.loads(shown.stdout)["customers"] == ["ann", "bob"]
    listed = json.loads(cli("segments", "list", "-w", root, "--json").stdout)
    assert [s["name"] for s in listed] == ["buyers"]
    bad = cli("segments", "add", "x", "--where", "did buy in 3 fortnights", "-w", root)
    assert bad.returncode == 1 and "error (invalid_input)" in bad.stderr
    assert cli("segments", "delete", "buyers", "-w", root).returncode == 0
    gone = cli("segments", "show", "buyers", "-w", root)
    assert gone.returncode == 1 and "no segment named 'buyers'" in gone.stderr


def test_the_api_puts_gets_and_deletes(shop: Workspace, server: str, api: httpx.Client) -> None:
    url = server
    body = {"where": ["did purchase where total > 100"], "description": "big"}
    put = api.put(f"{url}/api/segments/big", json=body, timeout=10)
    assert put.status_code == 200 and put.json()["size"] == 2
    got = api.get(f"{url}/api/segments/big", params={"limit": 1}, timeout=10).json()
    assert (got["size"], got["customers"], got["segment"]["description"]) == (2, ["ann"], "big")
    bad = api.put(f"{url}/api/segments/big", json={"where": ["did x in 3y"]}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "window"
    assert api.delete(f"{url}/api/segments/big", timeout=10).status_code == 204
    missing = api.get(f"{url}/api/segments/big", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_retention_and_churn_take_a_segment(shop: Workspace) -> None:
    from journeys.analytics.common import Step
    from journeys.analytics.retention import ChurnQuery, RetentionQuery, churn, retention

    save(
        shop.operational,
        SegmentDefinition(name="pro", conditions=[parse_condition("trait plan = 'pro'")]),
    )
    query = RetentionQuery(start=Step.parse("purchase"), period="month", periods=2)
    everyone = retention(shop, query)
    pro = retention(shop, query.model_copy(update={"segment": "pro"}))
    assert (everyone.customers, pro.customers) == (3, 2)
    quiet = churn(shop, ChurnQuery(segment="pro", inactive=timedelta(days=3)))
    assert quiet.customers == 2 and {c.customer_id for c in quiet.churned_customers} <= {
        "ann",
        "bob",
    }


def test_a_funnel_takes_a_segment(shop: Workspace) -> None:
    from journeys.analytics.funnels import FunnelQuery, funnel

    save(
        shop.operational,
        SegmentDefinition(name="pro", conditions=[parse_condition("trait plan = 'pro'")]),
    )
    query = FunnelQuery(steps=["purchase", "purchase"], window="60d")
    assert [s.customers for s in funnel(shop, query).steps] == [3, 1]
    pro = funnel(shop, query.model_copy(update={"segment": "pro"}))
    assert [s.customers for s in pro.steps] == [2, 1]


def test_discovery_paths_and_conformance_take_a_segment(shop: Workspace) -> None:
    from journeys.analytics.common import Step
    from journeys.analytics.conformance import ConformanceQuery, conformance
    from journeys.analytics.dfg import DfgQuery, dfg
    from journeys.analytics.paths import PathsQuery, paths

    save(
        shop.operational,
        SegmentDefinition(
            name="cid", conditions=[parse_condition("did purchase where total > 400")]
        ),
    )
    edges = {(e.from_, e.to): e.count for e in dfg(shop, DfgQuery(segment="cid")).edges}
    assert edges == {("identify", "view"): 1, ("view", "purchase"): 1}  # cid alone
    everyone = {(e.from_, e.to) for e in dfg(shop, DfgQuery()).edges}
    assert ("purchase", "view") in everyone  # bob's, outside the segment
    path = paths(shop, PathsQuery(start=Step.parse("view"), segment="cid"))
    assert path.customers == 1
    assert conformance(shop, ConformanceQuery(journey="fashion", segment="cid")).customers == 0
