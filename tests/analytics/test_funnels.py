"""Funnels through the real event log: one scenario table for every order mode, exclusions,
breakdown, time to convert, dropped customers, dates, touchpoints, stitching and the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from journeys.analytics.common import Engine
from journeys.analytics.funnels import FunnelQuery, FunnelResult, funnel
from journeys.analytics.funnels.query import ORDERS
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from factories import identify, send, track
from scenarios import T0, D, H, M, journeys_for

STEPS = ["a", "b", "c"]


@dataclass(frozen=True)
class Scenario:
    name: str
    people: dict[str, list[Any]]
    ordered: list[int]
    strict: list[int]
    any: list[int]


# Steps a → b → c, window 1 day. Expected customers at each step, per order mode.
SCENARIOS = [
    Scenario(
        "in order",
        {"al": [("a", T0), ("b", T0 + H), ("c", T0 + 2 * H)]},
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
    ),
    Scenario(
        "another event between",
        {"al": [("a", T0), ("x", T0 + M), ("b", T0 + H), ("c", T0 + 2 * H)]},
        [1, 1, 1],
        [1, 0, 0],
        [1, 1, 1],
    ),
    Scenario(
        "reverse order",
        {"al": [("c", T0), ("b", T0 + H), ("a", T0 + 2 * H)]},
        [1, 0, 0],
        [1, 0, 0],
        [1, 1, 1],
    ),
    Scenario(
        "second step too late",
        {"al": [("a", T0), ("b", T0 + 2 * D)]},
        [1, 0, 0],
        [1, 0, 0],
        [1, 0, 0],
    ),
    Scenario(
        "window counts from step 1",
        {"al": [("a", T0), ("b", T0 + 20 * H), ("c", T0 + 25 * H)]},
        [1, 1, 0],
        [1, 1, 0],
        [1, 1, 0],
    ),
    Scenario(
        "the best attempt counts",
        {
            "al": [
                ("a", T0),
                ("b", T0 + 2 * D),
                ("a", T0 + 3 * D),
                ("b", T0 + 3 * D + H),
                ("c", T0 + 3 * D + 2 * H),
            ]
        },
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
    ),
    Scenario("no step 1", {"al": [("b", T0), ("c", T0 + H)]}, [0, 0, 0], [0, 0, 0], [0, 0, 0]),
    Scenario(
        "one converts, one drops",
        {"al": [("a", T0), ("b", T0 + H), ("c", T0 + 2 * H)], "bo": [("a", T0)]},
        [2, 1, 1],
        [2, 1, 1],
        [2, 1, 1],
    ),
    Scenario(
        "step 1 repeated",
        {"al": [("a", T0), ("a", T0 + H), ("b", T0 + 2 * H)]},
        [1, 1, 0],
        [1, 1, 0],
        [1, 1, 0],
    ),
    Scenario(
        "b before a",
        {"al": [("b", T0), ("a", T0 + H), ("b", T0 + 2 * H)]},
        [1, 1, 0],
        [1, 1, 0],
        [1, 1, 0],
    ),
    Scenario(
        "c before b, all in the window",
        {"al": [("a", T0), ("c", T0 + H), ("b", T0 + 2 * H)]},
        [1, 1, 0],
        [1, 0, 0],
        [1, 1, 1],
    ),
    Scenario(
        "anonymous visitor",
        {"anon:dev1": [("a", T0), ("b", T0 + H)]},
        [1, 1, 0],
        [1, 1, 0],
        [1, 1, 0],
    ),
]


def counts(result: FunnelResult) -> list[int]:
    return [s.customers for s in result.steps]


def run(
    ws: Workspace, steps: list[str] = STEPS, engine: Engine = "auto", **options: Any
) -> FunnelResult:
    return funnel(ws, FunnelQuery.build(steps=steps, **{"window": "1d", **options}), engine)


@pytest.mark.parametrize("engine", ["sql", "kernel"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_scenario_table_in_every_order_mode(
    ws: Workspace, scenario: Scenario, engine: Engine
) -> None:
    journeys_for(ws, scenario.people)
    got = {order: counts(run(ws, order=order, engine=engine)) for order in ORDERS}
    assert got == {"ordered": scenario.ordered, "strict": scenario.strict, "any": scenario.any}


def test_conversion_and_drop_off_per_step(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "al": [("a", T0), ("b", T0 + H), ("c", T0 + 2 * H)],
            "bo": [("a", T0), ("b", T0 + H)],
            "cy": [("a", T0)],
            "di": [("a", T0)],
        },
    )
    steps = run(ws).steps
    assert [(s.customers, s.dropped) for s in steps] == [(4, 0), (2, 2), (1, 1)]
    assert [s.conversion_from_previous for s in steps] == [1.0, 0.5, 0.5]
    assert [s.conversion_from_first for s in steps] == [1.0, 0.5, 0.25]


@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_time_to_convert_is_measured_from_the_previous_step(ws: Workspace, engine: Engine) -> None:
    journeys_for(
        ws,
        {
            "al": [("a", T0), ("b", T0 + H), ("c", T0 + 3 * H)],
            "bo": [("a", T0), ("b", T0 + 3 * H), ("c", T0 + 4 * H)],
            "cy": [("a", T0), ("b", T0 + 2 * H)],
        },
    )
    steps = run(ws, engine=engine).steps
    assert steps[0].avg_seconds_to_convert is None
    assert (steps[1].avg_seconds_to_convert, steps[1].median_seconds_to_convert) == (7200, 7200)
    assert (steps[2].avg_seconds_to_convert, steps[2].median_seconds_to_convert) == (5400, 5400)


def test_the_path_takes_the_first_next_step_and_the_latest_start(ws: Workspace) -> None:
    # a, a, b, b, c: the attempt from the second a; its b is the first b after it.
    journeys_for(
        ws,
        {"al": [("a", T0), ("a", T0 + H), ("b", T0 + 2 * H), ("b", T0 + 4 * H), ("c", T0 + 5 * H)]},
    )
    steps = run(ws).steps
    assert [s.avg_seconds_to_convert for s in steps] == [None, 3600, 3 * 3600]


@pytest.mark.parametrize(
    ("events", "exclude", "expected"),
    [
        ([("a", 0), ("x", 10), ("b", 20), ("c", 30)], "x between 1 and 2", [1, 0, 0]),
        ([("a", 0), ("b", 10), ("x", 20), ("c", 30)], "x between 1 and 2", [1, 1, 1]),
        ([("a", 0), ("b", 10), ("x", 20), ("c", 30)], "x between 2 and 3", [1, 1, 0]),
        ([("a", 0), ("b", 10), ("x", 20), ("c", 30)], "x between 1 and 3", [1, 1, 0]),
        ([("x", 0), ("a", 10), ("b", 20), ("c", 30)], "x between 1 and 2", [1, 1, 1]),
        # An attempt waiting at step 1 met x: the customer stops at step 1, even though a
        # later attempt converts (as in PostHog, but they still count at step 1).
        ([("a", 0), ("x", 10), ("a", 20), ("b", 30)], "x between 1 and 2", [1, 0, 0]),
        # x after the attempt's window is not between its steps.
        (
            [("a", 0), ("x", 2000), ("a", 3000), ("b", 3010), ("c", 3020)],
            "x between 1 and 2",
            [1, 1, 1],
        ),
        (
            [("a", 0), ("x where n > 5", 10, {"n": 3}), ("b", 20)],
            "x where n > 5 between 1 and 2",
            [1, 1, 0],
        ),
    ],
)
def test_exclusions_drop_the_customer_from_the_next_step_on(
    ws: Workspace, events: list[Any], exclude: str, expected: list[int]
) -> None:
    spec = [(e[0].split()[0], T0 + e[1] * M, *e[2:]) for e in events]
    journeys_for(ws, {"al": spec})
    assert counts(run(ws, exclude=[exclude])) == expected


@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_exclusions_in_strict_order_count_right_after_a_step(ws: Workspace, engine: Engine) -> None:
    journeys_for(
        ws, {"al": [("a", T0), ("x", T0 + M), ("b", T0 + 2 * M)], "bo": [("a", T0), ("b", T0 + M)]}
    )
    result = run(ws, engine=engine, order="strict", exclude=["x between 1 and 2"])
    assert counts(result) == [2, 1, 0]


@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_breakdown_by_a_property_of_the_step_1_event(ws: Workspace, engine: Engine) -> None:
    people = {
        "p1": [("a", T0, {"plan": "pro"}), ("b", T0 + H)],
        "p2": [("a", T0, {"plan": "pro"}), ("b", T0 + H)],
        "p3": [("a", T0, {"plan": "pro"})],
        "f1": [("a", T0, {"plan": "free"}), ("b", T0 + H)],
        "f2": [("a", T0, {"plan": "free"})],
        "n1": [("a", T0), ("b", T0 + H, {"plan": "pro"})],
    }
    journeys_for(ws, people)
    result = run(ws, engine=engine, steps=["a", "b"], breakdown="plan")
    assert counts(result) == [6, 4]
    assert result.breakdown is not None
    by = {b.value: counts_of(b.steps) for b in result.breakdown}
    assert by == {"pro": [3, 2], "free": [2, 1], "(none)": [1, 1]}
    assert [b.value for b in result.breakdown] == ["pro", "free", "(none)"]
    top = run(ws, engine=engine, steps=["a", "b"], breakdown="plan", top=1).breakdown
    assert top is not None
    assert {b.value: counts_of(b.steps) for b in top} == {"pro": [3, 2], "other": [3, 2]}


def counts_of(steps: list[Any]) -> list[int]:
    return [s.customers for s in steps]


@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_the_customers_who_dropped_come_a_page_at_a_time(ws: Workspace, engine: Engine) -> None:
    people = {f"drop{i}": [("a", T0 + i * M)] for i in range(5)}
    people |= {"conv": [("a", T0), ("b", T0 + H)], "late": [("a", T0), ("b", T0 + 3 * D)]}
    journeys_for(ws, people)
    first = run(ws, engine=engine, steps=["a", "b"], dropped_at=2, limit=4).dropped
    assert first is not None
    assert first.total == 6
    assert [c.customer_id for c in first.customers] == ["drop0", "drop1", "drop2", "drop3"]
    assert first.customers[1].reached_step == 1
    assert first.customers[1].reached_at == T0 + M
    rest = run(ws, engine=engine, steps=["a", "b"], dropped_at=2, limit=4, offset=4).dropped
    assert rest is not None
    assert [c.customer_id for c in rest.customers] == ["drop4", "late"]


def test_step_1_must_fall_in_the_dates(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "early": [("a", T0 - 2 * D), ("b", T0 - 2 * D + H)],
            "inside": [("a", T0), ("b", T0 + H)],
            "late_b": [("a", T0 + 14 * H), ("b", T0 + 16 * H)],  # b the next day: counts
            "after": [("a", T0 + 2 * D)],
        },
    )
    day = T0.date()
    assert counts(run(ws, steps=["a", "b"], date_from=day, date_to=day)) == [2, 2]


def test_steps_with_filters_and_touchpoints(ws: Workspace) -> None:
    viewed = {"product_id": "p1", "currency": "EUR"}
    journeys_for(
        ws,
        {
            "al": [("product_viewed", T0, viewed, "web"), ("purchase", T0 + H, {"price": 150})],
            "bo": [("product_viewed", T0, viewed, "web"), ("purchase", T0 + H, {"price": 50})],
            "cy": [
                ("product_viewed", T0, {"currency": "USD"}, "web"),
                ("purchase", T0 + H, {"price": 500}),
            ],
        },
    )
    result = run(ws, steps=["touchpoint fashion/product-page", "purchase where price > 100"])
    assert counts(result) == [2, 1]
    assert result.steps[0].label == "touchpoint fashion/product-page"


@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_a_stitched_customer_counts_once(ws: Workspace, engine: Engine) -> None:
    send(
        ws.events,
        track({"anonymousId": "dev9"}, "a", 0),
        identify("carol", 5, anon="dev9"),
        track({"userId": "carol"}, "b", 10),
    )
    result = run(ws, engine=engine, steps=["a", "b"], dropped_at=2)
    assert counts(result) == [1, 1]


def test_the_funnel_of_one_step_counts_who_did_it(ws: Workspace) -> None:
    journeys_for(ws, {"al": [("a", T0), ("a", T0 + D)], "bo": [("a", T0)], "cy": [("b", T0)]})
    assert counts(run(ws, steps=["a"])) == [2]


def test_to_arrow_gives_a_row_per_step(ws: Workspace) -> None:
    journeys_for(ws, {"al": [("a", T0), ("b", T0 + H)]})
    table = run(ws, steps=["a", "b"]).to_arrow()
    assert table.column("customers").to_pylist() == [1, 1]
    assert table.column("label").to_pylist() == ["a", "b"]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"steps": ["a"] * 21}, "too_many_steps", "steps"),
        ({"steps": ["a", "touchpoint fashion/nope"]}, "unknown_touchpoint", "steps.1"),
        ({"exclude": ["x between 3 and 2"]}, "exclusion_range", "exclude.0"),
        ({"exclude": ["x between 1 and 4"]}, "exclusion_range", "exclude.0"),
        ({"exclude": ["x between 1 and 2"], "order": "any"}, "exclusion_needs_order", "exclude"),
        ({"steps": ["a", "a"], "order": "any"}, "duplicate_step", "steps"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_range", "date_to"),
        ({"dropped_at": 1}, "dropped_at_range", "dropped_at"),
        ({"dropped_at": 4}, "dropped_at_range", "dropped_at"),
    ],
)
def test_rules_refuse_with_a_code_and_a_field(
    ws: Workspace, fields: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        run(ws, **{"steps": STEPS, **fields})
    assert info.value.details == {"code": code, "field": field}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"window": "7 parsecs"}, "window"),
        ({"window": "0d"}, "window"),
        ({"steps": ["a", "b where price >"]}, "steps.1"),
        ({"steps": []}, "steps"),
        ({"order": "sideways"}, "order"),
        ({"exclude": ["x after 1"]}, "exclude.0"),
        ({"breakdown": "1plan"}, "breakdown"),
    ],
)
def test_a_malformed_query_names_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        FunnelQuery.build(**{"steps": STEPS, **fields})
    assert [d["field"] for d in info.value.details] == [field]
