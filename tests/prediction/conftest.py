"""Fixtures of the prediction tests: the planted log (see planted_log.py), built once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from planted_log import planted_people

from journeys.workspace import Workspace

from scenarios import journeys_for


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace holding the planted log (built once for the prediction tests)."""
    ws = Workspace.init(tmp_path_factory.mktemp("planted") / "ws")
    journeys_for(ws, planted_people())
    yield ws
    ws.close()


@pytest.fixture
def quick_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server started after this re-scores customers every half second."""
    monkeypatch.setenv("JOURNEYS_PREDICTION_REFRESH_SECONDS", "0.5")
