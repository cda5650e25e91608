"""Fixtures of the privacy tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.workspace import Workspace

from privacy_people import People, populate


@pytest.fixture
def people(ws: Workspace, tmp_path: Path) -> Iterator[People]:
    """The two customers in the ``ws`` workspace."""
    yield populate(ws, tmp_path)
