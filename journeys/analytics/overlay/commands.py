"""``journeys analyse overlay|painpoints|dropped``: thin over the overlay runner."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.overlay.query import OverlayQuery
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace

JourneyOpt = Annotated[str, typer.Option(help="The journey id.")]
FromOpt = Annotated[
    datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC), YYYY-MM-DD."),
]
ToOpt = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC), YYYY-MM-DD.")
]
SegmentOpt = Annotated[str | None, typer.Option(help="Only the customers of this segment.")]
MinReachOpt = Annotated[
    int, typer.Option(min=1, help="Touchpoints reached by fewer customers are not judged.")
]
STAGE_HEADS = ("stage", "reached", "moved on", "conversion", "dropped", "median to next stage")
TOUCHPOINT_HEADS = (
    "touchpoint", "stage", "reached", "events", "dropped", "drop-off", "median to next", ""
)  # fmt: skip


def _query(
    journey: str,
    from_: datetime | None,
    to: datetime | None,
    segment: str | None,
    min_reach: int = 5,
) -> OverlayQuery:
    return OverlayQuery(
        journey=journey,
        from_date=from_.date() if from_ else None,
        to_date=to.date() if to else None,
        segment=segment,
        min_reach=min_reach,
    )


def overlay_command(
    journey: JourneyOpt,
    from_date: FromOpt = None,
    to_date: ToOpt = None,
    segment: SegmentOpt = None,
    min_reach: MinReachOpt = 5,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The measured journey map: reach, conversion, drop-off and time per stage and touchpoint."""
    from journeys.analytics.overlay import measured_map
    from journeys.analytics.overlay.format import loyalty_line, stage_rows, touchpoint_rows

    with Workspace.open(workspace) as ws:
        result = measured_map(ws, _query(journey, from_date, to_date, segment, min_reach))
    if as_json:
        print_json(result)
        return
    out.print(
        f"{result.name}: {result.customers:,} customers, {result.completed:,} reached the last "
        f"stage; {result.mapped_events:,} touchpoint events, {result.unmapped_events:,} others.",
        highlight=False,
    )
    _table("Stages", STAGE_HEADS, stage_rows(result))
    if (line := loyalty_line(result)) is not None:
        out.print(line, highlight=False)
    _table("Touchpoints", TOUCHPOINT_HEADS, touchpoint_rows(result))
    rows = [[u.event, f"{u.events:,}", f"{u.customers:,}"] for u in result.unmapped]
    _table("Unmapped behaviour", ("event", "events", "customers"), rows)


def painpoints_command(
    journey: JourneyOpt,
    top: Annotated[int, typer.Option(min=1, max=100, help="How many to list.")] = 10,
    from_date: FromOpt = None,
    to_date: ToOpt = None,
    segment: SegmentOpt = None,
    min_reach: MinReachOpt = 5,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Touchpoints ranked by drop-off and time, with the evidence for each."""
    from journeys.analytics.overlay import pain_points
    from journeys.analytics.overlay.format import pain_rows

    with Workspace.open(workspace) as ws:
        result = pain_points(ws, _query(journey, from_date, to_date, segment, min_reach), top)
    if as_json:
        print_json(result)
        return
    _table(
        f"Pain points of {result.name}",
        ("#", "touchpoint", "stage", "score", "evidence"),
        pain_rows(result),
    )


def dropped_command(
    journey: JourneyOpt,
    touchpoint: Annotated[str, typer.Option(help="The touchpoint id.")],
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    from_date: FromOpt = None,
    to_date: ToOpt = None,
    segment: SegmentOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The customers whose journey ended at a touchpoint before the last stage."""
    from journeys.analytics.overlay import dropped_customers

    query = _query(journey, from_date, to_date, segment)
    with Workspace.open(workspace) as ws:
        result = dropped_customers(ws, query, touchpoint, limit, offset)
    if as_json:
        print_json(result)
        return
    out.print(f"{result.total:,} customers dropped at {touchpoint}.", highlight=False)
    for customer_id in result.customers:
        print(customer_id)


def _table(title: str, heads: tuple[str, ...], rows: list[list[str]]) -> None:
    table = Table(*heads, title=title, title_justify="left")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def register(analyse: typer.Typer) -> None:
    """Add the commands to ``journeys analyse``."""
    analyse.command("overlay")(overlay_command)
    analyse.command("painpoints")(painpoints_command)
    analyse.command("dropped")(dropped_command)
