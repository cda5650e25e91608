"""``journeys loyalty …``: the programme, members, points, rewards, referrals: thin commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.loyalty import earning, members, referrals, service
from journeys.loyalty.contracts import CreditIn, Posted
from journeys.loyalty.files import check_program_text, program_path
from journeys.loyalty.stats import loyalty_stats
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="The loyalty loop: points ledger, earning rules, tiers, rewards and referrals.",
    no_args_is_help=True,
)

CustomerArg = Annotated[str, typer.Argument(help="The member's customer id.")]
KeyOpt = Annotated[str, typer.Option("--key", help="Idempotency key: the same key changes once.")]


@app.command("check")
def loyalty_check(
    path: Annotated[Path | None, typer.Argument(help="Default: the workspace's file.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Check a programme file; each problem printed as file:line:column: code: field: message."""
    if path is None:
        path = program_path(Workspace.open(workspace))
    checked = check_program_text(path.read_text(encoding="utf-8"), str(path))
    for issue in checked.issues:
        out.print(issue.text(), highlight=False, soft_wrap=True)
    if checked.issues:
        raise typer.Exit(1)
    out.print(f"{path}: valid loyalty programme", highlight=False)


@app.command("enrol")
def loyalty_enrol(
    customer: CustomerArg,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Enrol a customer in the programme (nothing changes for a member)."""
    with Workspace.open(workspace) as ws:
        joined = service.enrol(ws, customer)
        member = members.get_member(ws, customer)
    if as_json:
        print_json(member)
    else:
        verb = "Enrolled" if joined else "Already a member:"
        out.print(f"{verb} {customer} (tier {member.tier}, code {member.referral_code}).")


@app.command("members")
def loyalty_members(
    limit: Annotated[int, typer.Option(min=1, max=500, help="Members to list.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Members to skip.")] = 0,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """List members by balance, highest first."""
    with Workspace.open(workspace) as ws:
        page = members.list_members(ws, limit, offset)
    if as_json:
        print_json(page)
        return
    table = Table("member", "tier", "balance", "window points", "joined", "code")
    for m in page.items:
        table.add_row(m.customer_id, m.tier or "", str(m.balance), str(m.tier_points),
                      f"{m.joined_at:%Y-%m-%d}", m.referral_code)  # fmt: skip
    out.print(table)
    out.print(f"{len(page.items)} of {page.total} members.")


@app.command("show")
def loyalty_show(
    customer: CustomerArg,
    limit: Annotated[int, typer.Option(min=1, help="Ledger entries to show.")] = 20,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """A member's status, the rewards they may redeem and their latest ledger entries."""
    with Workspace.open(workspace) as ws:
        status = members.loyalty_status(ws, customer)
        entries = members.ledger_entries(ws, customer, limit) if status.member else []
        catalogue = members.catalogue(ws, customer) if status.member else None
    if as_json:
        print_json({"status": status.model_dump(mode="json"),
                    "catalogue": catalogue.model_dump(mode="json") if catalogue else None,
                    "ledger": [e.model_dump(mode="json") for e in entries]})  # fmt: skip
        return
    if not status.member:
        out.print(f"{customer} is not a member.")
        return
    to_go = f", {status.points_to_next_tier} to {status.next_tier}" if status.next_tier else ""
    out.print(f"{customer}: {status.balance} {status.points_name}, tier {status.tier or '-'}"
              f"{to_go}, code {status.referral_code}")  # fmt: skip
    if catalogue:
        for r in catalogue.rewards:
            mark = "" if r.affordable else " (not enough points)"
            out.print(f"  reward {r.id}: {r.name}, {r.points}{mark}", highlight=False)
    table = Table("#", "when", "kind", "points", "reason")
    for e in entries:
        table.add_row(
            str(e.id), f"{e.occurred_at:%Y-%m-%d %H:%M}", e.kind, f"{e.points:+}", e.reason
        )
    out.print(table)


@app.command("award")
def loyalty_award(
    customer: CustomerArg,
    points: Annotated[int, typer.Argument(help="Points; negative only with --adjust.")],
    reason: Annotated[str, typer.Option(help="Why, for the ledger.")],
    key: KeyOpt,
    adjust: Annotated[bool, typer.Option(help="A correction (may be negative).")] = False,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Give a member points (enrolling them if needed), or adjust a balance."""
    body = CreditIn(points=points, reason=reason, idempotency_key=key,
                    kind="adjust" if adjust else "earn")  # fmt: skip
    with Workspace.open(workspace) as ws:
        posted = service.credit_points(ws, customer, body)
    _posted(posted, as_json)


@app.command("redeem")
def loyalty_redeem(
    customer: CustomerArg,
    reward: Annotated[str, typer.Argument(help="The reward id.")],
    key: KeyOpt,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Redeem a reward of the catalogue for a member."""
    with Workspace.open(workspace) as ws:
        posted = service.redeem(ws, customer, reward, key)
    _posted(posted, as_json)


@app.command("reverse")
def loyalty_reverse(
    customer: CustomerArg,
    entry: Annotated[int, typer.Argument(help="The ledger entry id of the earning.")],
    reason: Annotated[str, typer.Option(help="Why, e.g. 'order LC-1 returned'.")],
    key: KeyOpt,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Undo an earning (a returned purchase)."""
    with Workspace.open(workspace) as ws:
        posted = service.reverse(ws, customer, entry, reason, key)
    _posted(posted, as_json)


@app.command("refer")
def loyalty_refer(
    code: Annotated[str, typer.Argument(help="The member's referral code.")],
    friend: Annotated[str, typer.Argument(help="Any id of the friend.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Record a friend who used a referral code (refused for the code's own member)."""
    with Workspace.open(workspace) as ws:
        referral = referrals.claim(ws, code, friend)
    if as_json:
        print_json(referral)
    else:
        out.print(f"Referral {referral.id}: {friend} referred by {referral.referrer_id}.")


@app.command("earn")
def loyalty_earn(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Turn new events into points, move referrals on, expire points, update tiers."""
    with Workspace.open(workspace) as ws:
        result = earning.run_earning(ws)
    if as_json:
        print_json(result)
    else:
        out.print(
            f"Read {result.events_read} events: {result.earned_entries} earnings "
            f"({result.points_earned} points, {result.capped} capped), {result.enrolled} joined, "
            f"{result.referrals} referral steps, {result.expired_entries} expiries, "
            f"{result.tier_changes} tier changes."
        )


@app.command("stats")
def loyalty_stats_command(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The programme's figures: members, liability, redemption, referrals, repeat purchases."""
    with Workspace.open(workspace) as ws:
        stats = loyalty_stats(ws)
    if as_json:
        print_json(stats)
        return
    table = Table("figure", "value")
    for name, value in stats.model_dump().items():
        table.add_row(name.replace("_", " "), _show(value))
    out.print(table)


def _posted(posted: Posted, as_json: bool) -> None:
    if as_json:
        print_json(posted)
        return
    e = posted.entry
    again = " (already done: nothing changed)" if posted.replayed else ""
    out.print(f"Entry {e.id}: {e.kind} {e.points:+} for {e.customer_id}; "
              f"balance {posted.balance}{again}.")  # fmt: skip


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{100 * value:.1f} %"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    return "-" if value is None else str(value)
