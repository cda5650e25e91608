"""The three demo journeys are valid and as rich as a showcase should be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journeys.maps.loader import load_journey, validate_files
from journeys.maps.model import Journey
from journeys.workspace import example_journey_files

FILES = {p.stem: p for p in example_journey_files()}
DEMOS = ("fashion", "bank-mortgage", "home-cleaning")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.fixture(params=DEMOS)
def journey(request: pytest.FixtureRequest) -> Journey:
    return load_journey(FILES[request.param])


@pytest.mark.parametrize("name", DEMOS)
def test_file_validates(name: str) -> None:
    path: Path = FILES[name]
    assert [issue.text() for issue in validate_files([path])] == []
    assert load_journey(path).id == name


def test_personas_have_full_empathy_maps(journey: Journey) -> None:
    assert 2 <= len(journey.personas) <= 3
    for p in journey.personas:
        assert p.description and p.age_band and p.goals and p.needs and p.frustrations
        assert p.preferred_channels
        e = p.empathy_map
        assert e.says and e.thinks and e.does and e.feels, p.id


def test_goals_and_backlog(journey: Journey) -> None:
    assert journey.goals and all(g.kpi and g.target for g in journey.goals)
    assert 4 <= len(journey.backlog) <= 8
    ids = {tp.id for _, tp in journey.touchpoints()}
    assert all(item.touchpoint in ids for item in journey.backlog)


def test_touchpoints_are_filled_in(journey: Journey) -> None:
    for _, tp in journey.touchpoints():
        assert tp.owner and tp.customer_action and tp.thoughts, tp.id
        assert tp.pain_points and tp.opportunities, tp.id
        assert tp.match is not None, tp.id
        assert SNAKE.match(tp.match.event), tp.match.event
        if tp.match.type == "page":
            assert any(f.property == "path" for f in tp.match.where), tp.id
        if not tp.online:
            assert tp.channel in ("phone", "store", "in_person"), tp.id
    assert any(tp.moment_of_truth for _, tp in journey.touchpoints())


def test_emotion_dips_at_pain(journey: Journey) -> None:
    emotions = [tp.emotion for _, tp in journey.touchpoints()]
    assert min(emotions) == -2 and max(emotions) == 2
    for _, tp in journey.touchpoints():
        if tp.emotion == -2:
            assert len(tp.pain_points) >= 2, tp.id


def test_channels_of_each_journey() -> None:
    def channels(name: str) -> set[str]:
        return {tp.channel for _, tp in load_journey(FILES[name]).touchpoints()}

    assert {"web", "app", "store", "email", "social"} <= channels("fashion")
    assert {"web", "phone", "in_person"} <= channels("bank-mortgage")
    assert {"web", "phone", "in_person", "email"} <= channels("home-cleaning")
