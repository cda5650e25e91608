"""``journeys analyse dfg``: thin over :func:`journeys.analytics.dfg.dfg`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace


def dfg_command(
    journey: Annotated[
        str | None, typer.Option(help="A journey id: its touchpoints instead of event names.")
    ] = None,
    from_date: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC), YYYY-MM-DD."),
    ] = None,
    to_date: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC), YYYY-MM-DD."),
    ] = None,
    min_count: Annotated[int, typer.Option(help="Leave out edges seen fewer times.")] = 1,
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The directly-follows graph: which event (or touchpoint) follows which, how often."""
    from journeys.analytics.dfg import DfgQuery, dfg
    from journeys.analytics.dfg.format import edge_rows, node_rows, summary_text

    query = DfgQuery(
        segment=segment,
        journey=journey,
        from_date=from_date.date() if from_date else None,
        to_date=to_date.date() if to_date else None,
        min_count=min_count,
    )
    with Workspace.open(workspace) as ws:
        result = dfg(ws, query)
    if as_json:
        print_json(result)
        return
    out.print(summary_text(result), highlight=False)
    edges = Table("from", "to", "count", "median time", title="Edges", title_justify="left")
    for row in edge_rows(result):
        edges.add_row(*row)
    out.print(edges)
    staged = result.level == "touchpoint"
    heads = ["touchpoint", "stage"] if staged else ["event"]
    nodes = Table(*heads, "events", "starts", "ends", title="Activities", title_justify="left")
    for name, stage, *counts in node_rows(result):
        nodes.add_row(*([name, stage] if staged else [name]), *counts)
    out.print(nodes)


def register(analyse: typer.Typer) -> None:
    """Add ``journeys analyse dfg``."""
    analyse.command("dfg")(dfg_command)
