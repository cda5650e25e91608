"""Fixtures of the loyalty tests: a workspace on a fixed clock with the example programme."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.clock import FixedClock
from journeys.workspace import Workspace

from factories import T0


@pytest.fixture
def clock() -> FixedClock:
    """Time that moves only when a test says so; starts at T0."""
    return FixedClock(T0)


@pytest.fixture
def lws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    """A fresh workspace (example journeys and loyalty programme) on the fixed clock."""
    workspace = Workspace.init(tmp_path / "ws", clock=clock)
    yield workspace
    workspace.close()
