"""Helpers shared by the journey-map tests: small YAML files written into ``tmp_path``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.maps.loader import ValidationIssue, validate_files

from journey_texts import MINIMAL


@pytest.fixture
def minimal() -> str:
    """The smallest valid journey file: one stage with one touchpoint."""
    return MINIMAL


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML text to a file in ``tmp_path`` and return its path."""

    def _write(text: str, name: str = "journey.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def issues_of(write: Callable[..., Path]) -> Callable[[str], list[ValidationIssue]]:
    """Every issue ``validate_files`` reports for one YAML text."""

    def _issues(text: str) -> list[ValidationIssue]:
        return validate_files([write(text)])

    return _issues
