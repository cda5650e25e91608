"""``journeys analyse funnel``: thin, parse the options, call the runner, print."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace


def register(analyse: typer.Typer) -> None:
    """Add ``journeys analyse funnel``."""
    analyse.command("funnel")(funnel_command)


def funnel_command(
    step: Annotated[
        list[str],
        typer.Option(
            "--step",
            help="A step, in order: 'purchase where price > 100' or 'touchpoint fashion/checkout'.",
        ),
    ],
    window: Annotated[str, typer.Option(help="Conversion window from step 1: 30m, 2h, 7d.")] = "7d",
    order: Annotated[str, typer.Option(help="ordered, strict or any.")] = "ordered",
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="'EVENT between I and J': doing it there drops the customer."),
    ] = None,
    breakdown: Annotated[
        str | None, typer.Option(help="Property of the step-1 event to break down by.")
    ] = None,
    top: Annotated[int, typer.Option(help="Breakdown values shown; the rest is 'other'.")] = 5,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of step 1.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of step 1.")
    ] = None,
    dropped_at: Annotated[
        int | None, typer.Option(help="List the customers who dropped at this step (2…n).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Dropped customers per page.")] = 50,
    offset: Annotated[int, typer.Option(help="Dropped customers to skip.")] = 0,
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """How many customers go through the steps in order within the window, and who drops."""
    from journeys.analytics.funnels import FunnelQuery, funnel
    from journeys.analytics.funnels.format import HEADERS, tables

    query = FunnelQuery.build(
        steps=step,
        window=window,
        order=order,
        exclude=exclude or [],
        breakdown=breakdown,
        top=top,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        dropped_at=dropped_at,
        limit=limit,
        offset=offset,
        segment=segment,
    )
    with Workspace.open(workspace) as ws:
        result = funnel(ws, query)
    if as_json:
        print_json(result)
        return
    for title, rows in tables(result):
        table = Table(*HEADERS, title=title)
        for row in rows:
            table.add_row(*row)
        out.print(table)
    if result.dropped is not None:
        d = result.dropped
        table = Table("customer", "reached step", "at", title=f"Dropped at step {d.step}")
        for c in d.customers:
            table.add_row(c.customer_id, str(c.reached_step), f"{c.reached_at:%Y-%m-%d %H:%M}")
        out.print(table)
        shown = f"{d.offset + 1}–{d.offset + len(d.customers)}" if d.customers else "none"
        out.print(f"{d.total:,} customer(s) dropped at step {d.step}; showing {shown}.")
