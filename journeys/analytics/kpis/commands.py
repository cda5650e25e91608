"""``journeys analyse kpis`` and ``journeys analyse kpis board``: parse, run, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.kpis import format as fmt
from journeys.analytics.kpis.board import kpi_board
from journeys.analytics.kpis.rules import board_query, kpi_query
from journeys.analytics.kpis.runner import kpis
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace

FromOpt = Annotated[str | None, typer.Option("--from", help="First day (UTC), YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (UTC), YYYY-MM-DD.")]
SegmentOpt = Annotated[str | None, typer.Option(help="Only this segment's customers.")]
JourneyOpt = Annotated[
    str | None, typer.Option(help="Only the answers and tickets about this journey.")
]

app = typer.Typer(help="KPIs from the feedback events: NPS, CSAT, CES, tickets; the KPI board.")


def register(analyse: typer.Typer) -> None:
    """Add ``kpis`` (and its ``board``) to ``journeys analyse``."""
    analyse.add_typer(app, name="kpis")


@app.callback(invoke_without_command=True)
def kpis_command(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option(help="overall, touchpoint, stage, journey, persona or segment.")
    ] = "overall",
    grain: Annotated[
        str | None, typer.Option(help="day, week or month: also print the trend.")
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    journey: JourneyOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """NPS (with its 95 % margin), CSAT, CES, sentiment and ticket KPIs per group."""
    if ctx.invoked_subcommand is not None:
        return  # `kpis board`: the board has options of its own
    query = kpi_query(by, grain, date_from, date_to, segment, journey)
    with Workspace.open(workspace) as ws:
        result = kpis(ws, query)
    if as_json:
        print_json(result)
        return
    _table(f"Feedback by {query.by}", fmt.FEEDBACK_HEADS, fmt.feedback_rows(result))
    _table(f"Tickets by {query.by}", fmt.TICKET_HEADS, fmt.ticket_rows(result))
    if query.grain:
        _table(f"Trend per {query.grain}", fmt.TREND_HEADS, fmt.trend_rows(result))
    out.print(
        "NPS in points (−100 … 100) with its 95 % margin of error; CSAT: % of answers 4–5; "
        "CES: mean (1 very easy … 7 very hard); FCR and SLA: shares of resolved and due tickets.",
        highlight=False,
    )


@app.command("board")
def board_command(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    journey: Annotated[
        str | None, typer.Option(help="Only this journey (feedback, tickets, stages).")
    ] = None,
    inactive: Annotated[str, typer.Option(help="The retention window: 30d, 4w…")] = "30d",
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The KPI board: governance, management and operations KPIs on one page."""
    query = board_query(date_from, date_to, segment, journey, inactive)
    with Workspace.open(workspace) as ws:
        board = kpi_board(ws, query)
    if as_json:
        print_json(board)
        return
    _table("KPI board", ["level", "KPI", "value", "basis"], fmt.board_rows(board))


def _table(title: str, heads: list[str], rows: list[list[str]]) -> None:
    table = Table(*heads, title=title, title_justify="left")
    for row in rows:
        table.add_row(*row)
    out.print(table)
