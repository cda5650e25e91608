"""``journeys analyse retention`` and ``journeys analyse churn``: parse, run, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.retention import format as fmt
from journeys.analytics.retention.rules import churn_query, retention_query
from journeys.analytics.retention.runner import churn, retention
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace


def register(analyse: typer.Typer) -> None:
    """Add the retention and churn commands."""
    analyse.command("retention")(retention_command)
    analyse.command("churn")(churn_command)


def retention_command(
    start: Annotated[
        str,
        typer.Option(help="Start step: its first occurrence puts a customer in a cohort."),
    ],
    returning: Annotated[
        str | None,
        typer.Option("--return", help="Return step (default: any activity)."),
    ] = None,
    period: Annotated[str, typer.Option(help="day, week (ISO, from Monday) or month.")] = "week",
    periods: Annotated[int, typer.Option(help="Periods to show after the cohort's own.")] = 8,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First cohort: the period of this day.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last cohort: the period of this day.")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="on: returned in that period; on-or-after: then or later.")
    ] = "on",
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Retention cohorts: who comes back in each period after their first start step."""
    query = retention_query(start, returning, period, periods, date_from, date_to, mode)
    query = query.model_copy(update={"segment": segment})
    with Workspace.open(workspace) as ws:
        result = retention(ws, query)
    if as_json:
        print_json(result)
        return
    headers, rows = fmt.retention_rows(result)
    table = Table(*headers, title=fmt.describe(query), title_justify="left")
    for row in rows:
        table.add_row(*row, end_section=row[0] == rows[-2][0] if len(rows) > 1 else False)
    out.print(table)
    until = f"{result.data_end:%Y-%m-%d %H:%M}" if result.data_end else "—"
    out.print(
        f"{result.customers:,} customers in {len(result.cohorts)} cohorts; the log runs until "
        f"{until} UTC. Empty cells: periods the log does not reach yet; the last row averages "
        "complete periods only, weighted by cohort size.",
        highlight=False,
    )


def churn_command(
    inactive: Annotated[
        str, typer.Option(help="Silence that counts as churn: 30d, 2w, 12h…")
    ] = "30d",
    as_of: Annotated[
        str | None,
        typer.Option(help="Reference day (its end) or instant; default: the latest activity."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Churned customers to list.")] = 50,
    offset: Annotated[int, typer.Option(help="Churned customers to skip.")] = 0,
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Churn: customers silent for a while, and the churn rate of those active before."""
    query = churn_query(inactive, as_of, limit, offset).model_copy(update={"segment": segment})
    with Workspace.open(workspace) as ws:
        result = churn(ws, query)
    if as_json:
        print_json(result)
        return
    out.print(fmt.churn_summary(result), highlight=False)
    headers, rows = fmt.churn_rows(result)
    if rows:
        table = Table(*headers, title=_page_title(result.churned, offset, len(rows)))
        for row in rows:
            table.add_row(*row)
        out.print(table)


def _page_title(total: int, offset: int, shown: int) -> str:
    return f"Churned customers {offset + 1:,}–{offset + shown:,} of {total:,}, last seen first"
