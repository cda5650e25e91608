"""``journeys analyse paths``: thin over :func:`journeys.analytics.paths.paths`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace


def paths_command(
    start: Annotated[
        str | None,
        typer.Option(
            help="Paths from this step: EVENT, 'EVENT where price > 100' or 'touchpoint J/TP'."
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Paths to this step (instead of --start).")
    ] = None,
    length: Annotated[int, typer.Option(help="Most steps in a path, the anchor included.")] = 5,
    top: Annotated[int, typer.Option(help="How many paths to list.")] = 10,
    journey: Annotated[
        str | None, typer.Option(help="A journey id: paths of its touchpoints, not events.")
    ] = None,
    collapse_repeats: Annotated[
        bool, typer.Option("--collapse-repeats", help="Count a step repeated back to back once.")
    ] = False,
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The most common paths from (or to) an event or touchpoint, from its first occurrence."""
    from journeys.analytics.paths import PathsQuery, paths
    from journeys.analytics.paths.format import next_rows, path_rows, summary_text
    from journeys.analytics.paths.rules import parse_step

    query = PathsQuery(
        segment=segment,
        start=parse_step(start, "start") if start is not None else None,
        end=parse_step(end, "end") if end is not None else None,
        length=length,
        top=top,
        journey=journey,
        collapse_repeats=collapse_repeats,
    )
    with Workspace.open(workspace) as ws:
        result = paths(ws, query)
    if as_json:
        print_json(result)
        return
    out.print(summary_text(result), highlight=False)
    table = Table("path", "customers", "share", title="Paths", title_justify="left")
    for row in path_rows(result):
        table.add_row(*row)
    out.print(table)
    where = "after" if result.direction == "start" else "before"
    nxt = Table("step", "customers", "share", title=f"Right {where} it", title_justify="left")
    for row in next_rows(result):
        nxt.add_row(*row)
    out.print(nxt)


def register(analyse: typer.Typer) -> None:
    """Add ``journeys analyse paths``."""
    analyse.command("paths")(paths_command)
