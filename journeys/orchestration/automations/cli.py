"""``journeys automations …``: thin commands over the automations package."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.common import parse_date
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.orchestration.automations import delivery, engine, files, views
from journeys.orchestration.automations.backtest import backtest
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Journey automations: files, engine, outbox, dead letters, backtests.",
    no_args_is_help=True,
)


@app.command("list")
def automations_list(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Every automation file, with its customers per status and its problems."""
    with Workspace.open(workspace) as ws:
        found = views.summaries(ws)
    if as_json:
        print_json(found)
        return
    table = Table("id", "version", "trigger", "active", "customers", "problems")
    for a in found:
        inside = ", ".join(f"{s} {n}" for s, n in sorted(a.enrolments.items()))
        active = "yes" if a.active else "no"
        table.add_row(a.id, str(a.version), a.trigger, active, inside, str(len(a.issues)))
    out.print(table)


@app.command("check")
def automations_check(
    path: Annotated[Path, typer.Argument(help="An automation file to check.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Check a file; every problem is printed as file:line:column: code: field: message."""
    with Workspace.open(workspace) as ws:
        checked = files.check_automation_text(ws, path.read_text(encoding="utf-8"), str(path))
    for issue in checked.issues:
        out.print(issue.text(), highlight=False, soft_wrap=True)
    if checked.issues or checked.value is None:
        raise typer.Exit(1)
    out.print(
        f"{path}: valid automation {checked.value.id} v{checked.value.version}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("run")
def automations_run(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Apply new events and due timers once: customers enter, move on, actions are queued."""
    with Workspace.open(workspace) as ws:
        result = engine.run_engine(ws)
    if as_json:
        print_json(result)
        return
    if result.started:
        out.print(f"Started at event {result.position:,}: automations act on what comes next.")
        return
    out.print(
        f"Read {result.events_read:,} events: {result.entered:,} entered, "
        f"{result.actions_queued:,} actions queued, {result.ended:,} left.",
        highlight=False,
    )


@app.command("deliver")
def automations_deliver(
    loop: Annotated[float, typer.Option(help="Keep delivering every N seconds (0: once).")] = 0,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Deliver the due actions of the outbox (with --loop, run the engine too, until stopped)."""
    with Workspace.open(workspace) as ws:
        while True:
            if loop:
                engine.run_engine(ws)
            result = delivery.deliver_due(ws)
            if as_json:
                print_json(result)
            else:
                out.print(
                    f"{result.delivered} delivered, {result.failed} to retry, "
                    f"{result.dead} dead letters.",
                    highlight=False,
                )
            if not loop:
                return
            time.sleep(loop)


@app.command("outbox")
def automations_outbox(
    status: Annotated[
        str | None, typer.Option(help="pending, delivered or dead (default: all).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The newest actions of the outbox with their delivery state."""
    if status not in (None, "pending", "delivered", "dead"):
        raise typer.BadParameter("status is pending, delivered or dead")
    with Workspace.open(workspace) as ws:
        found = views.outbox(ws, status, limit)  # type: ignore[arg-type]
    if as_json:
        print_json(found)
        return
    table = Table("id", "automation", "step", "kind", "customer", "status", "attempts", "key")
    for o in found:
        table.add_row(
            str(o.id), o.automation_id, o.step_id, o.kind, o.customer_id, o.status,
            str(o.attempts), o.idempotency_key[:12],
        )  # fmt: skip
    out.print(table)


@app.command("dead-letters")
def automations_dead_letters(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Actions that failed every attempt (replay them with `journeys automations replay`)."""
    with Workspace.open(workspace) as ws:
        found = views.dead_letters(ws)
    if as_json:
        print_json(found)
        return
    table = Table("outbox id", "automation", "step", "customer", "attempts", "error")
    for d in found:
        table.add_row(
            str(d.outbox_id), d.automation_id, d.step_id, d.customer_id, str(d.attempts),
            d.error[:80],
        )  # fmt: skip
    out.print(table)


@app.command("replay")
def automations_replay(
    ids: Annotated[list[int] | None, typer.Argument(help="Outbox ids (default: all).")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Put dead letters back in the outbox; they keep their idempotency keys."""
    with Workspace.open(workspace) as ws:
        n = delivery.replay(ws, ids or None)
    out.print(f"{n} dead letters back in the outbox.")


@app.command("backtest")
def automations_backtest(
    automation: Annotated[str, typer.Argument(help="The automation id.")],
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """What an automation would have done over past events, without side effects."""
    with Workspace.open(workspace) as ws:
        start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
        if start is None or end is None:
            raise typer.BadParameter("--from and --to are days, YYYY-MM-DD")
        result = backtest(ws, automation, start, end)
    if as_json:
        print_json(result)
        return
    out.print(
        f"{result.automation} v{result.version}, {result.date_from} to {result.date_to}: "
        f"{result.entered:,} entered, {result.capped:,} capped, {result.converted:,} reached "
        f"the goal, {result.exited:,} exited, {result.held_out:,} held out, "
        f"{result.waiting:,} still waiting.",
        highlight=False,
    )
    for step, n in result.actions.items():
        out.print(f"  {step}: {n:,} customers", highlight=False)
