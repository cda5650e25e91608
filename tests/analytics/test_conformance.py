"""Conformance: stage sequences against the designed order, deviations, variants, breakdowns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from journeys.analytics.conformance import (
    ConformanceQuery,
    ConformanceResult,
    classify,
    conformance,
    stage_sequences,
)
from journeys.cli import app
from journeys.errors import InvalidInput, JourneyNotFound
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, H, M, journeys_for
from test_touchpoints import add_shop

AD = ("ad_clicked",)
NEWS = ("email_clicked", {"campaign": "news-1"})
VIEW = ("product_viewed", {"price": 20})
CART = ("product_added",)
ORDER = ("order_completed", {"revenue": 40})
REVIEW = ("review_submitted",)


def at(t: int, spec: tuple[Any, ...], **extra: Any) -> tuple[Any, ...]:
    """An event of the scenario ``t`` hours after T0, with extra properties."""
    name, *props = spec
    return (name, T0 + t * H, {**(props[0] if props else {}), **extra})


PEOPLE = {
    "full": [
        at(0, AD), at(1, VIEW), ("size_chart", T0 + 90 * M), at(2, CART), at(3, ORDER),
        at(4, REVIEW), ("home", T0 + 5 * H),  # after the last touchpoint: not counted
    ],
    "early": [at(0, NEWS), at(1, VIEW), at(2, CART)],
    "late": [at(0, VIEW), at(1, ORDER, plan="silver")],
    "skipper": [at(0, AD), at(1, CART), at(2, REVIEW)],
    "looper": [
        at(0, AD), at(1, VIEW), ("faq", T0 + 70 * M), ("faq", T0 + 80 * M), at(2, AD),
        at(3, VIEW), at(4, CART),
    ],
    "browser": [("home", T0), ("search", T0 + M)],
}  # fmt: skip


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    add_shop(ws)
    journeys_for(ws, PEOPLE)
    send(
        ws.events,
        identify("full", 30, segment="loyal-fan"),
        identify("early", 30, persona="bargain-hunter", segment="ignored"),
        identify("looper", 30, segment="bargain-hunter", plan="bronze"),
        identify("looper", 200, segment="loyal-fan"),  # the latest value wins
    )
    return ws


def test_customers_are_classified_against_the_designed_stage_order(shop: Workspace) -> None:
    result = conformance(shop, ConformanceQuery(journey="shop"))
    assert result.stages == ["discover", "consider", "buy", "after"]
    assert result.unmeasured_stages == ["word-of-mouth"]
    assert (result.customers, result.conforming, result.conforming_share) == (5, 3, 0.6)
    assert result.statuses == {"complete": 1, "incomplete": 1, "entered_late": 1, "deviating": 2}
    variants = {tuple(v.stages): (v.customers, v.status) for v in result.variants}
    assert variants == {
        ("discover", "consider", "buy", "after"): (1, "complete"),
        ("discover", "consider", "buy"): (1, "incomplete"),
        ("consider", "buy"): (1, "entered_late"),
        ("discover", "buy", "after"): (1, "deviating"),
        ("discover", "consider", "discover", "consider", "buy"): (1, "deviating"),
    }
    assert result.variant_count == 5
    assert all(v.share == 0.2 for v in result.variants)


def test_deviations_count_customers_and_occurrences(shop: Workspace) -> None:
    result = conformance(shop, ConformanceQuery(journey="shop"))
    kinds = {d.kind: (d.customers, d.occurrences, d.breaks_conformance) for d in result.deviations}
    assert kinds == {
        "skipped_stage": (1, 1, True),
        "went_back": (1, 1, True),
        "undesigned_touchpoint": (2, 3, False),
        "channel_switch": (4, 6, False),
    }
    assert [(s.stage, s.customers) for s in result.skipped_stages] == [("consider", 1)]
    assert [(b.from_stage, b.to_stage, b.customers, b.times) for b in result.loops_back] == [
        ("consider", "discover", 1, 1)
    ]
    switches = {
        (c.from_channel, c.to_channel): (c.switches, c.customers) for c in result.channel_switches
    }
    assert switches == {
        ("social", "web"): (4, 3),
        ("email", "web"): (1, 1),
        ("web", "social"): (1, 1),
    }
    assert [(u.event, u.events, u.customers, u.share) for u in result.undesigned] == [
        ("faq", 2, 1, 0.2),
        ("size_chart", 1, 1, 0.2),
    ]


def test_the_breakdown_is_by_persona_unless_told_otherwise(shop: Workspace) -> None:
    result = conformance(shop, ConformanceQuery(journey="shop"))
    assert result.by == "persona"
    groups = {g.value: (g.customers, g.conforming, g.complete) for g in result.groups}
    assert groups == {"loyal-fan": (2, 1, 1), "bargain-hunter": (1, 1, 0), None: (2, 1, 0)}
    fans = next(g for g in result.groups if g.value == "loyal-fan")
    assert fans.deviations == {
        "skipped_stage": 0,
        "went_back": 1,
        "undesigned_touchpoint": 2,
        "channel_switch": 2,
    }


def test_by_reads_a_trait_first_then_an_event_property(shop: Workspace) -> None:
    result = conformance(shop, ConformanceQuery(journey="shop", by="plan"))
    assert result.by == "plan"
    assert {g.value: g.customers for g in result.groups} == {"silver": 1, "bronze": 1, None: 3}


def test_top_limits_the_variants_and_undesigned_events(shop: Workspace) -> None:
    result = conformance(shop, ConformanceQuery(journey="shop", top=1))
    assert len(result.variants) == 1 and result.variant_count == 5
    assert [u.event for u in result.undesigned] == ["faq"]
    assert result.to_arrow().column_names == [
        "stages",
        "customers",
        "share",
        "status",
        "conforming",
    ]


def test_stage_sequences_give_every_customer_their_stages(shop: Workspace) -> None:
    table = stage_sequences(shop, "shop")
    found = dict(
        zip(
            table.column("customer_id").to_pylist(), table.column("stages").to_pylist(), strict=True
        )
    )
    assert found["looper"] == ["discover", "consider", "discover", "consider", "buy"]
    assert found["late"] == ["consider", "buy"]
    assert "browser" not in found


def test_a_repeat_visit_to_a_stage_is_not_a_deviation(ws: Workspace) -> None:
    add_shop(ws)
    journeys_for(
        ws, {"ann": [at(0, AD), at(1, VIEW), at(2, VIEW), at(3, ("store_visited",)), at(26, CART)]}
    )
    result = conformance(ws, ConformanceQuery(journey="shop"))
    assert result.statuses["incomplete"] == 1
    assert [v.stages for v in result.variants] == [["discover", "consider", "buy"]]
    assert result.by == "persona" and [g.value for g in result.groups] == [None]


@pytest.mark.parametrize(
    ("stages", "status", "skipped", "backs"),
    [
        ([0, 1, 2, 3], "complete", (), ()),
        ([0, 0, 1, 1], "incomplete", (), ()),
        ([2], "entered_late", (), ()),
        ([1, 2, 3], "entered_late", (), ()),
        ([0, 3], "deviating", (1, 2), ()),
        ([1, 3], "deviating", (2,), ()),
        ([0, 1, 0, 1], "deviating", (), ((1, 0),)),
        ([0, 1, 2, 0, 3], "deviating", (1, 2), ((2, 0),)),
    ],
)
def test_classify(stages: list[int], status: str, skipped: tuple[int, ...], backs: Any) -> None:
    facts = classify(stages, 4)
    assert (facts.status, facts.skipped, facts.backs) == (status, skipped, backs)
    assert facts.conforming is (status != "deviating")


def test_bad_queries_are_refused_by_named_rules(ws: Workspace) -> None:
    for query, code, field in [
        (ConformanceQuery(journey="fashion", top=0), "top_out_of_range", "top"),
        (ConformanceQuery(journey="fashion", by="a b"), "by_invalid", "by"),
    ]:
        with pytest.raises(InvalidInput) as info:
            conformance(ws, query)
        assert info.value.details == {"code": code, "field": field}
    with pytest.raises(JourneyNotFound):
        conformance(ws, ConformanceQuery(journey="nope"))


def test_an_empty_log_gives_zero_customers(ws: Workspace) -> None:
    result: ConformanceResult = conformance(ws, ConformanceQuery(journey="fashion"))
    assert (result.customers, result.conforming_share, result.variants) == (0, 0.0, [])
    assert len(result.stages) == 5 and all(d.customers == 0 for d in result.deviations)


def test_the_cli_prints_conformance_as_json_and_as_tables(shop: Workspace) -> None:
    shop.close()  # the command opens the workspace itself
    runner = CliRunner()
    args = ["analyse", "conformance", "-w", str(shop.root), "--journey", "shop"]
    found = runner.invoke(app, [*args, "--json", "--top", "2"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert (data["customers"], data["conforming"], len(data["variants"])) == (5, 3, 2)
    table = runner.invoke(app, [*args, "--by", "plan"])
    assert table.exit_code == 0, table.output
    assert "5 customers on shop: 3 (60.0%) follow the designed stage order" in table.output
    for title in ("Deviations", "Top 5 of 5 variants", "Skipped stages", "Going back",
                  "Channel switches", "Undesigned touchpoints", "By plan", "silver"):  # fmt: skip
        assert title in table.output
