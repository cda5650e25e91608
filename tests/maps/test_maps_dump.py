"""Writing journeys back as YAML: the shape a person writes, and load → dump → load is lossless."""

from __future__ import annotations

import textwrap
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.maps.dump import dump_journey, load_journey_text
from journeys.maps.model import CHANNELS, OPERATORS, Journey, PropertyFilter
from journeys.maps.rules import run_rules

# Any character a YAML stream can carry, escaped or not; lone surrogates cannot be text.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=24)
OPTIONAL_TEXT = st.none() | TEXT
TEXTS = st.lists(TEXT, max_size=3)
SLUG = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
PROPERTY = st.from_regex(
    r"(context\.)?[A-Za-z_$][\w$]{0,6}(\.[A-Za-z_$][\w$]{0,6}){0,2}", fullmatch=True
)
NUMBER = st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
SCALAR = st.none() | st.booleans() | NUMBER | TEXT
CHANNEL = st.sampled_from(CHANNELS)


@st.composite
def filters(draw: st.DrawFn) -> PropertyFilter:
    """A filter with any operator and a value of a type that operator takes."""
    op = draw(st.sampled_from(OPERATORS))
    value: Any = None
    if op == "in":
        value = draw(st.lists(SCALAR, max_size=3))
    elif op in (">", ">=", "<", "<="):
        value = draw(NUMBER)
    elif op != "exists":
        value = draw(SCALAR | st.lists(SCALAR, max_size=2))
    return PropertyFilter.model_validate({"property": draw(PROPERTY), "op": op, "value": value})


@st.composite
def matchers(draw: st.DrawFn) -> dict[str, Any]:
    """A matcher as the dict the model validates."""
    return {
        "event": draw(TEXT),
        "type": draw(st.none() | st.sampled_from(["track", "page", "screen", "identify"])),
        "channel": draw(st.none() | CHANNEL),
        "where": [f.model_dump() for f in draw(st.lists(filters(), max_size=3))],
    }


@st.composite
def touchpoints(draw: st.DrawFn) -> dict[str, Any]:
    """A touchpoint with every field drawn, the optional ones sometimes left out."""
    return {
        "id": draw(SLUG),
        "name": draw(TEXT),
        "channel": draw(CHANNEL),
        "online": draw(st.booleans()),
        "owner": draw(OPTIONAL_TEXT),
        "customer_action": draw(OPTIONAL_TEXT),
        "thoughts": draw(TEXTS),
        "emotion": draw(st.integers(-2, 2)),
        "pain_points": draw(TEXTS),
        "opportunities": draw(TEXTS),
        "moment_of_truth": draw(st.booleans()),
        "match": draw(st.none() | matchers()),
    }


@st.composite
def personas(draw: st.DrawFn) -> dict[str, Any]:
    """A persona with its empathy map."""
    return {
        "id": draw(SLUG),
        "name": draw(TEXT),
        "description": draw(OPTIONAL_TEXT),
        "age_band": draw(st.none() | st.sampled_from(["18-25", "25-34", "65+"])),
        "goals": draw(TEXTS),
        "needs": draw(TEXTS),
        "frustrations": draw(TEXTS),
        "preferred_channels": draw(st.lists(CHANNEL, max_size=3)),
        "empathy_map": {k: draw(TEXTS) for k in ("says", "thinks", "does", "feels")},
    }


def _unique(items: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    # Ids must be unique per kind; an index suffix keeps the drawn slug and makes it so.
    return [{**item, "id": f"{item['id']}-{prefix}{i}"} for i, item in enumerate(items)]


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    """A random journey that passes the model and every rule."""
    stages = _unique(
        [
            {"id": draw(SLUG), "name": draw(TEXT), "description": draw(OPTIONAL_TEXT)}
            for _ in range(draw(st.integers(1, 3)))
        ],
        "s",
    )
    all_touchpoints = _unique(draw(st.lists(touchpoints(), max_size=5)), "t")
    seen_matchers: list[Any] = []
    for i, tp in enumerate(all_touchpoints):
        if tp["match"] is not None:
            # Identical matchers are refused (duplicate_matcher); make each one distinct.
            tp["match"]["event"] += f"#{i}"
            seen_matchers.append(tp["match"])
        stages[draw(st.integers(0, len(stages) - 1))].setdefault("touchpoints", []).append(tp)
    targets = st.none() | st.sampled_from([tp["id"] for tp in all_touchpoints] or [None])
    backlog = [
        {
            "id": draw(SLUG),
            "title": draw(TEXT),
            "touchpoint": draw(targets),
            "impact": draw(st.integers(1, 5)),
            "effort": draw(st.integers(1, 5)),
            "owner": draw(OPTIONAL_TEXT),
            "horizon": draw(st.sampled_from(["short", "long"])),
            "status": draw(st.sampled_from(["idea", "planned", "in_progress", "done", "dropped"])),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    goals = [
        {"id": draw(SLUG), "description": draw(TEXT), "kpi": draw(OPTIONAL_TEXT)}
        for _ in range(draw(st.integers(0, 2)))
    ]
    journey = Journey.model_validate(
        {
            "id": draw(SLUG),
            "name": draw(TEXT),
            "description": draw(OPTIONAL_TEXT),
            "goals": _unique(goals, "g"),
            "personas": _unique(draw(st.lists(personas(), max_size=2)), "p"),
            "stages": stages,
            "backlog": _unique(backlog, "b"),
        }
    )
    assert run_rules(journey) == []
    return journey


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_load_dump_load_is_lossless(journey: Journey) -> None:
    text = dump_journey(journey)
    again = load_journey_text(text)
    assert again == journey
    assert dump_journey(again) == text


def test_dump_writes_what_a_person_would(minimal: str) -> None:
    text = minimal + textwrap.dedent(
        """\
              - id: advisor
                name: Advisor call
                channel: phone
                online: false
                emotion: 0
                thoughts: []
                moment_of_truth: true
                match:
                  event: Call Ended
                  where: ["context.queue = 'mortgage'", "duration >= 60"]
        backlog:
          - {id: callback, title: Call back, impact: 4, effort: 2, horizon: short}
        """
    )
    assert dump_journey(load_journey_text(text)) == minimal + textwrap.dedent(
        """\
              - id: advisor
                name: Advisor call
                channel: phone
                online: false
                moment_of_truth: true
                match:
                  event: Call Ended
                  where:
                    - context.queue = "mortgage"
                    - duration >= 60
        backlog:
          - id: callback
            title: Call back
            impact: 4
            effort: 2
        """
    )


def test_multi_line_text_is_written_as_a_block() -> None:
    journey = load_journey_text(
        'id: j\nname: J\ndescription: "First line.\\nSecond line."\nstages: [{id: s, name: S}]\n'
    )
    text = dump_journey(journey)
    assert "description: |-\n  First line.\n  Second line.\n" in text
    assert load_journey_text(text) == journey
