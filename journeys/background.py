"""Periodic work of the server: a job run every N seconds while the app serves.

Started in the app's lifespan. A run goes to a worker thread (the stores block); a failed run
is logged and the next one still comes; on shut-down a run in progress may finish before the
workspace closes its stores.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeys.store.eventlog import EventLog

log = logging.getLogger(__name__)


@asynccontextmanager
async def every(
    seconds: float,
    name: str,
    job: Callable[[], object],
    wake: EventWake | None = None,
) -> AsyncIterator[None]:
    """Run ``job`` every ``seconds`` while the context is open (never when ``seconds <= 0``).

    ``wake(seconds)``, when given, is a blocking wait that may end early (new events have
    arrived: ``EventLog.wait_for_events``); the job then runs at once instead of on the timer.
    """
    if seconds <= 0:
        yield
        return
    task = asyncio.create_task(_loop(seconds, name, job, wake), name=name)
    try:
        yield
    finally:
        if wake is not None:
            wake.stop()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _loop(
    seconds: float, name: str, job: Callable[[], object], wake: EventWake | None
) -> None:
    while True:
        if wake is None:
            await asyncio.sleep(seconds)
        else:
            await asyncio.to_thread(wake, seconds)
        run = asyncio.ensure_future(asyncio.to_thread(_guarded, name, job))
        try:
            await asyncio.shield(run)
        except asyncio.CancelledError:
            await run  # let it finish: the stores close right after
            raise


def _guarded(name: str, job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:  # a failed run must not stop the next ones
        log.exception("%s failed", name)


class EventWake:
    """A ``wake`` for :func:`every` that ends when new events are in (consumers caught up)."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.seen = log.last_seq
        self.stopped = False

    def __call__(self, seconds: float) -> None:
        # In slices: a server shutting down waits for the last slice to end.
        deadline = time.monotonic() + seconds
        while not self.stopped and (left := deadline - time.monotonic()) > 0:
            reached = self.log.wait_for_events(self.seen, min(left, 0.25))
            if reached > self.seen:
                self.seen = reached
                return

    def stop(self) -> None:
        """End a wait in progress within a slice (the server is shutting down)."""
        self.stopped = True
