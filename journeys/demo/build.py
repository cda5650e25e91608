"""Build the demo workspace: the example journeys and a seeded synthetic event log."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

from journeys.demo.feedback import seed_feedback
from journeys.demo.generator import generate
from journeys.errors import NotFound
from journeys.loyalty.earning import run_earning
from journeys.workspace import Workspace

DEMO_SOURCE = "website"


class DemoSummary(BaseModel):
    """What `journeys demo` built, and how long each part took."""

    workspace: str
    created: bool
    loaded: bool
    events: int
    customers: int
    generate_seconds: float
    load_seconds: float
    write_key: str


def build_demo(
    root: Path,
    customers: int,
    seed: int,
    say: Callable[[str], None] = lambda _: None,
) -> tuple[Workspace, DemoSummary]:
    """Create (or reuse) the demo workspace; generate and load events only if the log is empty."""
    created = not Workspace(root).exists()
    ws = Workspace.init(root) if created else Workspace.open(root)
    if created:  # the demo shop enrols every customer who orders in its loyalty programme
        program = resources.files("journeys.demo") / "loyalty-program.yaml"
        (ws.root / "loyalty" / "program.yaml").write_text(program.read_text("utf-8"), "utf-8")
    generate_s = load_s = 0.0
    loaded = ws.events.last_seq == 0
    if loaded:
        say(f"Generating the demo events of {customers:,} customers…")
        started = time.perf_counter()
        table = generate(ws.journeys(), customers=customers, seed=seed, end=ws.clock.now())
        generate_s = time.perf_counter() - started
        say(f"Loading {table.num_rows:,} events into the event log…")
        started = time.perf_counter()
        ws.events.append(table, "demo")
        ws.events.sync()  # identities and profiles are built before the app serves
        seed_feedback(ws, seed, say=say)
        say("Paying out loyalty points for the demo orders, reviews and answers…")
        run_earning(ws)
        load_s = time.perf_counter() - started
    con = ws.events.reader()
    row = con.execute(
        "SELECT count(*), count(DISTINCT customer_id) FROM stitched_events"
    ).fetchone()
    events, people = row if row else (0, 0)
    try:
        source = ws.operational.source(DEMO_SOURCE)
    except NotFound:
        source = ws.operational.add_source(DEMO_SOURCE, channel="web")
    return ws, DemoSummary(
        workspace=str(ws.root),
        created=created,
        loaded=loaded,
        events=events,
        customers=people,
        generate_seconds=round(generate_s, 2),
        load_seconds=round(load_s, 2),
        write_key=source.write_key,
    )
