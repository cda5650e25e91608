"""``journeys analyse conformance``: thin over ``journeys.analytics.conformance.conformance``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.workspace import Workspace


def conformance_command(
    journey: Annotated[str, typer.Option(help="The journey id.")],
    top: Annotated[int, typer.Option(help="How many variants and undesigned events.")] = 10,
    by: Annotated[
        str | None,
        typer.Option(help="Break down by this trait (else property); default: the persona."),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Only this segment's customers.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """How far customers follow a journey's designed stage order, and how the rest deviate."""
    from journeys.analytics.conformance import ConformanceQuery, conformance
    from journeys.analytics.conformance import format as fmt

    with Workspace.open(workspace) as ws:
        result = conformance(ws, ConformanceQuery(segment=segment, journey=journey, top=top, by=by))
    if as_json:
        print_json(result)
        return
    out.print(fmt.summary_text(result), highlight=False)
    tables: list[tuple[str, tuple[str, ...], Sequence[tuple[str, ...]]]] = [
        (
            "Deviations",
            ("deviation", "customers", "share", "times", "breaks order"),
            fmt.deviation_rows(result),
        ),
        (
            f"Top {len(result.variants)} of {result.variant_count:,} variants",
            ("stages", "customers", "share", "status"),
            fmt.variant_rows(result),
        ),
        (
            "Skipped stages",
            ("stage", "customers"),
            [(s.stage, f"{s.customers:,}") for s in result.skipped_stages],
        ),
        (
            "Going back",
            ("from", "to", "customers", "times"),
            [
                (b.from_stage, b.to_stage, f"{b.customers:,}", f"{b.times:,}")
                for b in result.loops_back
            ],
        ),
        (
            "Channel switches",
            ("from", "to", "switches", "customers"),
            [
                (c.from_channel, c.to_channel, f"{c.switches:,}", f"{c.customers:,}")
                for c in result.channel_switches
            ],
        ),
        (
            "Undesigned touchpoints",
            ("event", "events", "customers", "share"),
            [
                (u.event, f"{u.events:,}", f"{u.customers:,}", f"{u.share:.1%}")
                for u in result.undesigned
            ],
        ),
    ]
    if result.by:
        heads = (result.by, "customers", "conforming", "complete", *fmt.KIND_LABELS.values())
        tables.append((f"By {result.by}", heads, fmt.group_rows(result)))
    for title, heads, rows in tables:
        table = Table(*heads, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        out.print(table)


def register(analyse: typer.Typer) -> None:
    """Add ``journeys analyse conformance``."""
    analyse.command("conformance")(conformance_command)
