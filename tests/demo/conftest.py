"""Demo data shared by the demo tests: generated once per session, small enough to be quick."""

from __future__ import annotations

import pytest

from journeys.demo.generator import DEFAULT_END, generate, load_examples, simulate
from journeys.demo.table import to_table
from journeys.demo.timing import to_micros
from journeys.demo.walk import Sink
from journeys.maps.model import Journey

from demo_events import Events

SMALL = 300
# Rare touchpoints (an aftercare call after a completed mortgage) need a few thousand customers.
LARGE = 3000


@pytest.fixture(scope="session")
def examples() -> list[Journey]:
    return load_examples()


@pytest.fixture(scope="session")
def small(examples: list[Journey]) -> Events:
    table = generate(examples, customers=SMALL, seed=42)
    return Events(table, table.to_pylist())


@pytest.fixture(scope="session")
def large_sink(examples: list[Journey]) -> Sink:
    return simulate(examples, LARGE, 42, to_micros(DEFAULT_END))


@pytest.fixture(scope="session")
def large(large_sink: Sink) -> Events:
    table = to_table(large_sink, 42, to_micros(DEFAULT_END))
    return Events(table, table.to_pylist())
