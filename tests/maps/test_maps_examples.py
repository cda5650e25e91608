"""The example journeys shipped in ``journeys/maps/examples`` are valid and survive a dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.maps.dump import dump_journey, load_journey_text
from journeys.maps.loader import load_journey, load_journeys, validate_files

EXAMPLES = Path(__file__).resolve().parents[2] / "journeys" / "maps" / "examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_validates_and_round_trips(path: Path) -> None:
    assert [issue.text() for issue in validate_files([path])] == []
    journey = load_journey(path)
    assert load_journey_text(dump_journey(journey)) == journey


def test_examples_load_as_a_folder() -> None:
    assert [p.name for p in FILES] == ["bank-mortgage.yaml", "fashion.yaml", "home-cleaning.yaml"]
    journeys = load_journeys(EXAMPLES)
    assert {j.id for j in journeys} == {"bank-mortgage", "fashion", "home-cleaning"}
