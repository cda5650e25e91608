"""Periodic work of the server: a job run every N seconds while the app serves.

Started in the app's lifespan. A run goes to a worker thread (the stores block); a failed run
is logged and the next one still comes; on shut-down a run in progress may finish before the
workspace closes its stores.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

log = logging.getLogger(__name__)


@asynccontextmanager
async def every(seconds: float, name: str, job: Callable[[], object]) -> AsyncIterator[None]:
    """Run ``job`` every ``seconds`` while the context is open (never when ``seconds <= 0``)."""
    if seconds <= 0:
        yield
        return
    task = asyncio.create_task(_loop(seconds, name, job), name=name)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _loop(seconds: float, name: str, job: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(seconds)
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
