"""``journeys serve-tracking`` and ``journeys queue …``: the ingest queue's commands.

``serve-tracking`` runs a stateless tracking process: the ``/v1`` routes only, write keys from
the operational store (PostgreSQL, shared by every process), accepted calls appended to the
queue (setting ``ingest_queue``). ``queue load`` drains the queue into a workspace's event log
once; ``queue status`` tells how much waits.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from journeys import config
from journeys.cli import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKSPACE,
    HostOpt,
    JsonOpt,
    PortOpt,
    WorkspaceOpt,
    out,
    print_json,
)
from journeys.errors import InvalidInput
from journeys.events.queue import IngestQueue, batch_limit
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="The ingest queue: tracking calls waiting in PostgreSQL for the event log.",
    no_args_is_help=True,
)
BatchOpt = Annotated[
    int | None,
    typer.Option(
        "--batch", help="Calls moved in one transaction (default: setting ingest_queue_batch)."
    ),
]


def _queue() -> IngestQueue:
    url = config.get("ingest_queue")
    if not url:
        raise InvalidInput(
            "no ingest queue: set ingest_queue (JOURNEYS_INGEST_QUEUE) to a PostgreSQL URL"
        )
    return IngestQueue(url)


def serve_tracking(host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT) -> None:
    """Serve only the tracking API (/v1) into the ingest queue, one of several behind a load
    balancer.

    Needs ``ingest_queue`` and a PostgreSQL ``operational_database``; opens no workspace."""
    import uvicorn

    from journeys.api.app import create_tracking_app
    from journeys.store.operational import OperationalStore

    queue = _queue()
    url = config.get("operational_database")
    if not url.startswith("postgresql"):
        queue.close()
        raise InvalidInput(
            "a tracking process checks write keys in the operational store every process "
            "shares: set operational_database to the workspace's PostgreSQL URL"
        )
    operational = OperationalStore(url)
    out.print(
        f"Journeys is serving the tracking API on http://{host}:{port}/v1/ into the ingest "
        "queue. Press Ctrl+C to stop.",
        highlight=False,
    )
    uvicorn.run(create_tracking_app(operational, queue), host=host, port=port, log_level="warning")


@app.command("status")
def status_command(as_json: JsonOpt = False) -> None:
    """How many calls and events wait in the queue, and the age of the oldest."""
    queue = _queue()
    try:
        status = queue.status()
    finally:
        queue.close()
    if as_json:
        print_json(status)
        return
    age = "" if status.oldest_age_seconds is None else f"; oldest {status.oldest_age_seconds:.1f} s"
    out.print(
        f"{status.calls:,} call(s), {status.events:,} event(s) waiting{age}.", highlight=False
    )


@app.command("load")
def load_command(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    batch: BatchOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move every queued call into the workspace's event log, then stop (not while
    `journeys serve` holds the event log: the server loads the queue itself)."""
    queue = _queue()
    started = time.monotonic()
    try:
        with Workspace.open(workspace) as ws:
            result = queue.drain(ws.events, batch or batch_limit())
    finally:
        queue.close()
    seconds = time.monotonic() - started
    rate = result.events / seconds if seconds > 0 else 0.0
    if as_json:
        print_json({**result.__dict__, "seconds": round(seconds, 3), "events_per_s": round(rate)})
        return
    out.print(
        f"Loaded {result.calls:,} call(s): {result.stored:,} event(s) stored, "
        f"{result.duplicates:,} already stored, in {seconds:.1f} s ({rate:,.0f} events/s).",
        highlight=False,
    )
