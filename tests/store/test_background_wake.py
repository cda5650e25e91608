"""A server job woken by new events runs at once, not on its timer."""

from __future__ import annotations

import asyncio
import threading
import time

from journeys.background import EventWake, every
from journeys.workspace import Workspace

from factories import send, track


def test_a_job_woken_by_events_runs_as_soon_as_they_are_in(ws: Workspace) -> None:
    ran = threading.Event()
    ran_at: list[float] = []

    def job() -> None:
        ran_at.append(time.monotonic())
        ran.set()

    async def scenario() -> float:
        async with every(30, "test-job", job, wake=EventWake(ws.events)):
            await asyncio.sleep(0.2)
            assert not ran.is_set()  # nothing new: the job waits for its 30 s timer
            sent = time.monotonic()
            await asyncio.to_thread(send, ws.events, track({"userId": "ann"}, "page_viewed", 1))
            await asyncio.to_thread(ran.wait, 10)
            return sent

    sent = asyncio.run(scenario())
    assert ran_at and ran_at[0] - sent < 5  # woken by the event, far before the timer


def test_waiting_for_events_times_out_and_returns_the_position(ws: Workspace) -> None:
    start = time.monotonic()
    assert ws.events.wait_for_events(ws.events.last_seq, 0.2) == ws.events.last_seq
    assert time.monotonic() - start >= 0.2
    send(ws.events, track({"userId": "ann"}, "page_viewed", 1))
    assert ws.events.wait_for_events(0, 5) == ws.events.last_seq
