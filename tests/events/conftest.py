"""Fixtures shared by the event import tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.store.eventlog import EventLog


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    """An empty event log in ``tmp_path``, closed after the test."""
    event_log = EventLog(tmp_path / "events.duckdb")
    yield event_log
    event_log.close()
