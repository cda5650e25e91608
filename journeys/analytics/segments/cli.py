"""``journeys segments add|list|show|delete``: thin commands over the segments package."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.segments import (
    SegmentDefinition,
    all_segments,
    check,
    delete,
    evaluate,
    get,
    parse_condition,
    save,
)
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Segments: saved filters over traits and behaviour.", no_args_is_help=True
)


@app.command("add")
def segments_add(
    name: Annotated[str, typer.Argument(help="Segment name: lower-case letters, digits, - and _.")],
    where: Annotated[
        list[str],
        typer.Option(
            "--where",
            help="A condition: \"trait plan = 'pro'\" or 'did purchase at least 2 times in 30d' "
            "or 'did not open_app in 14d' or 'score churn > 0.7'. Repeat for several.",
        ),
    ],
    match: Annotated[str, typer.Option(help="all: every condition holds; any: one does.")] = "all",
    description: Annotated[str | None, typer.Option(help="What the segment is for.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Create or replace a segment, then print its size."""
    segment = SegmentDefinition.model_validate(
        {
            "name": name,
            "description": description,
            "match": match,
            "conditions": [parse_condition(w) for w in where],
        }
    )
    with Workspace.open(workspace) as ws:
        save(ws.operational, check(ws, segment))
        result = evaluate(ws, segment, limit=0)
    if as_json:
        print_json(result)
        return
    out.print(f"Saved segment {name}: {result.size:,} customers.", highlight=False)


@app.command("list")
def segments_list(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """List the segments with their conditions."""
    segments = all_segments(Workspace.open(workspace).operational)
    if as_json:
        print_json(segments)
        return
    table = Table("name", "match", "conditions", "description")
    for s in segments:
        conditions = "\n".join(c.text() for c in s.conditions)
        table.add_row(s.name, s.match, conditions, s.description or "")
    out.print(table)


@app.command("show")
def segments_show(
    name: Annotated[str, typer.Argument(help="Segment name.")],
    as_of: Annotated[
        datetime | None, typer.Option(help="Windows end here (default: the latest event).")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, max=10_000, help="Customers to list.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Customers to skip.")] = 0,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """A segment's size and a page of its customers."""
    with Workspace.open(workspace) as ws:
        result = evaluate(ws, get(ws.operational, name), as_of=as_of, limit=limit, offset=offset)
    if as_json:
        print_json(result)
        return
    when = f" as of {result.as_of:%Y-%m-%d %H:%M}" if result.as_of else ""
    out.print(f"Segment {name}: {result.size:,} customers{when}.", highlight=False)
    for text in result.conditions:
        out.print(f"  {result.segment.match}: {text}", highlight=False)
    for customer_id in result.customers:
        print(customer_id)


@app.command("delete")
def segments_delete(
    name: Annotated[str, typer.Argument(help="Segment name.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Delete a segment."""
    delete(Workspace.open(workspace).operational, name)
    out.print(f"Deleted segment {name}.")
