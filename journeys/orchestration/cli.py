"""``journeys nba CUSTOMER`` and ``journeys agent CUSTOMER``: thin commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.maps.model import Channel
from journeys.orchestration.agent import AgentView, agent_view
from journeys.orchestration.nba.model import NextBestActions
from journeys.orchestration.nba.service import next_best_actions
from journeys.workspace import Workspace

CustomerArg = Annotated[
    str, typer.Argument(help="Any id: user id, device id, e-mail address, phone number, CRM id.")
]
ChannelOpt = Annotated[Channel | None, typer.Option(help="Only actions offered on this channel.")]


def nba(
    customer: CustomerArg,
    channel: ChannelOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="How many actions.")] = 3,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The next best actions for a customer, ranked, each with its reason."""
    with Workspace.open(workspace) as ws:
        found = next_best_actions(ws, customer, channel, limit)
    if as_json:
        print_json(found)
    else:
        _print_actions(found)


def agent(
    customer: CustomerArg,
    channel: ChannelOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Everything an agent needs about a customer: ids, journeys, channels, tickets, actions."""
    with Workspace.open(workspace) as ws:
        view = agent_view(ws, customer, channel)
    if as_json:
        print_json(view)
    else:
        _print_view(view)


def register(app: typer.Typer) -> None:
    """Add the commands to the main application."""
    app.command("nba")(nba)
    app.command("agent")(agent)


def _print_actions(found: NextBestActions) -> None:
    kind = "known customer" if found.known else "anonymous visitor"
    on = f" on {found.channel}" if found.channel else ""
    out.print(f"[bold]{found.customer_id}[/bold] ({kind}): next best actions{on}")
    if not found.actions:
        out.print("  no action fits right now")
    for n, a in enumerate(found.actions, 1):
        out.print(f"{n}. [bold]{a.title}[/bold]  (score {a.score:g})")
        out.print(f"   {a.message}")
        out.print(f"   [dim]why: {a.reason}[/dim]")


def _print_view(view: AgentView) -> None:
    out.print(f"[bold]{view.name or view.customer_id}[/bold]  {view.customer_id}")
    ids = view.user_ids + view.anonymous_ids + [v for vs in view.external_ids.values() for v in vs]
    out.print(f"ids: {', '.join(ids)}")
    _print_actions(view.next_best_actions)
    for j in view.journeys:
        where = f"{j.touchpoint_name}, {j.at:%Y-%m-%d}"
        out.print(f"journey {j.journey_name}: {j.stage_name} ({where})")
    table = Table("channel", "last interaction", "when")
    for i in view.last_by_channel:
        table.add_row(i.channel or "", f"{i.event} {i.detail}".strip(), i.ago)
    out.print(table)
    for t in view.open_tickets:
        out.print(f"open ticket {t.id} ({t.priority}, {t.status}): {t.summary}")
    for r in view.survey_answers:
        out.print(f"survey {r.kind} {r.score} at {r.touchpoint}: {r.comment or ''}".rstrip(": "))
    loyalty = view.loyalty
    if loyalty.available and loyalty.status:
        s = loyalty.status
        member = f"{s.get('tier') or 'member'}, {s.get('balance')} {s.get('points_name')}"
        out.print(f"loyalty: {member if s.get('member') else 'not a member'}")
    else:
        out.print(f"loyalty: {loyalty.note}")
