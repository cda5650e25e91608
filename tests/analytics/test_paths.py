"""Paths: from the first occurrence of a step, cleaned, grouped into touchpoints, as a Sankey."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from journeys.analytics.common import Step
from journeys.analytics.paths import END, PathsQuery, PathsResult, paths
from journeys.analytics.paths.format import positioned, sankey_options
from journeys.analytics.paths.rules import parse_step
from journeys.cli import app
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from scenarios import T0, M, journeys_for
from test_touchpoints import add_shop


def found(result: PathsResult) -> dict[tuple[str, ...], int]:
    return {tuple(p.steps): p.customers for p in result.paths}


def nexts(result: PathsResult) -> dict[str, int]:
    return {n.step: n.customers for n in result.next_steps}


@pytest.fixture
def shoppers(ws: Workspace) -> Workspace:
    people = {
        "alice": ["view", "view", "cart", "view", "buy"],
        "bob": ["home", "view", "buy"],
        "carol": ["view", "cart"],
        "dan": ["home", "search"],
    }
    journeys_for(
        ws,
        {
            who: [
                (e, T0 + i * M, {"price": 150 if who == "alice" else 20} if e == "buy" else {})
                for i, e in enumerate(events)
            ]
            for who, events in people.items()
        },
    )
    return ws


def test_paths_start_at_each_customers_first_occurrence(shoppers: Workspace) -> None:
    result = paths(shoppers, PathsQuery(start=Step.parse("view"), length=3))
    assert found(result) == {("view", "view", "cart"): 1, ("view", "buy"): 1, ("view", "cart"): 1}
    assert (result.customers, result.distinct_paths, result.direction) == (3, 3, "start")
    assert nexts(result) == {"view": 1, "buy": 1, "cart": 1}
    assert [p.share for p in result.paths] == [0.3333] * 3
    # Equal counts: the paths come in the order of their steps.
    assert [p.steps for p in result.paths] == [
        ["view", "buy"],
        ["view", "cart"],
        ["view", "view", "cart"],
    ]


def test_collapsing_repeats_counts_a_step_repeated_back_to_back_once(shoppers: Workspace) -> None:
    query = PathsQuery(start=Step.parse("view"), length=3, collapse_repeats=True)
    result = paths(shoppers, query)
    assert found(result) == {("view", "cart", "view"): 1, ("view", "buy"): 1, ("view", "cart"): 1}
    assert nexts(result) == {"cart": 2, "buy": 1}


def test_paths_to_an_end_step_lead_up_to_its_first_occurrence(shoppers: Workspace) -> None:
    result = paths(shoppers, PathsQuery(end=Step.parse("buy"), length=3))
    assert found(result) == {("cart", "view", "buy"): 1, ("home", "view", "buy"): 1}
    assert nexts(result) == {"view": 2}
    result = paths(shoppers, PathsQuery(end=Step.parse("cart"), length=4))
    assert found(result) == {("view", "view", "cart"): 1, ("view", "cart"): 1}


def test_a_step_with_filters_anchors_only_the_events_that_pass(shoppers: Workspace) -> None:
    result = paths(shoppers, PathsQuery(start=Step.parse("buy where price > 100"), top=5))
    assert found(result) == {("buy",): 1}
    assert nexts(result) == {END: 1}
    assert result.anchor == "buy where price > 100"


def test_top_keeps_the_most_common_paths(shoppers: Workspace) -> None:
    query = PathsQuery(start=Step.parse("view"), length=2, top=1, collapse_repeats=True)
    result = paths(shoppers, query)
    assert found(result) == {("view", "cart"): 2}
    assert result.distinct_paths == 2
    assert result.to_arrow().to_pylist() == [
        {"steps": ["view", "cart"], "customers": 2, "share": 0.6667}
    ]


def test_with_a_journey_events_are_grouped_into_touchpoints(ws: Workspace) -> None:
    add_shop(ws)
    journeys_for(
        ws,
        {
            "ann": [
                ("home", T0),
                ("ad_clicked", T0 + M),
                ("product_viewed", T0 + 2 * M, {"price": 20}),
                ("faq", T0 + 3 * M),  # no touchpoint: left out
                ("product_viewed", T0 + 4 * M, {"price": 30}),
                ("product_added", T0 + 5 * M),
                ("order_completed", T0 + 6 * M, {"revenue": 50}),
            ]
        },
    )
    tp = Step.parse("touchpoint shop/product")
    result = paths(ws, PathsQuery(start=tp, length=3, journey="shop"))
    assert result.level == "touchpoint"
    assert found(result) == {("product", "product", "cart"): 1}
    result = paths(ws, PathsQuery(start=tp, length=3, journey="shop", collapse_repeats=True))
    assert found(result) == {("product", "cart", "order"): 1}
    # An anchor that is no touchpoint stays in the path, named by the step.
    result = paths(ws, PathsQuery(start=Step.parse("home"), length=3, journey="shop"))
    assert found(result) == {("home", "ad", "product"): 1}


def test_bad_queries_are_refused_by_named_rules(ws: Workspace) -> None:
    view = Step.parse("view")
    for query, code, field in [
        (PathsQuery(), "anchor_missing", "start"),
        (PathsQuery(start=view, end=view), "anchor_twice", "end"),
        (PathsQuery(start=view, length=1), "length_out_of_range", "length"),
        (PathsQuery(start=view, top=0), "top_out_of_range", "top"),
        (PathsQuery(end=Step.parse("touchpoint shop/nope")), "invalid_step", "end"),
    ]:
        with pytest.raises(InvalidInput) as info:
            paths(ws, query)
        assert info.value.details == {"code": code, "field": field}
    with pytest.raises(InvalidInput) as info:
        parse_step("touchpoint fashion", "start")
    assert info.value.details == {"code": "invalid_step", "field": "start"}


def test_the_sankey_names_nodes_by_position_so_it_stays_acyclic(shoppers: Workspace) -> None:
    result = paths(shoppers, PathsQuery(start=Step.parse("view"), length=3))
    options = sankey_options(result)
    series = options["series"][0]
    names = {n["name"] for n in series["data"]}
    assert names == {"1. view", "2. view", "2. buy", "2. cart", "3. cart"}
    links = {(link["source"], link["target"]): link["value"] for link in series["links"]}
    assert links == {("1. view", "2. view"): 1, ("2. view", "3. cart"): 1, ("1. view", "2. buy"): 1,
                     ("1. view", "2. cart"): 1}  # fmt: skip
    ending = paths(shoppers, PathsQuery(end=Step.parse("cart"), length=4))
    # Paths to an end step are aligned on it: the anchor is always at position `length`.
    assert positioned(ending, ["view", "cart"]) == ["3. view", "4. cart"]


def test_the_cli_prints_paths_as_json_and_as_tables(shoppers: Workspace) -> None:
    shoppers.close()  # the command opens the workspace itself
    runner = CliRunner()
    args = ["analyse", "paths", "-w", str(shoppers.root)]
    found = runner.invoke(
        app, [*args, "--start", "view", "--length", "2", "--collapse-repeats", "--json"]
    )
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert data["paths"][0] == {"steps": ["view", "cart"], "customers": 2, "share": 0.6667}
    table = runner.invoke(app, [*args, "--end", "buy", "--length", "3", "--top", "1"])
    assert table.exit_code == 0, table.output
    assert "2 customers reached buy; 2 distinct paths to it" in table.output
    assert "Right before it" in table.output
    refused = runner.invoke(app, [*args, "--start", "view", "--end", "buy"])
    assert isinstance(refused.exception, InvalidInput)
    assert refused.exception.details == {"code": "anchor_twice", "field": "end"}
