"""Injectable time, so tests can be exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as a naive UTC datetime."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current time as a naive UTC datetime."""
        return datetime.now(UTC).replace(tzinfo=None)


class FixedClock:
    """A clock that only moves when told to (for tests and reproducible demos)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """The current (fixed) time."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta
