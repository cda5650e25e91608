"""``journeys users …``, ``journeys tokens …`` and ``journeys audit``: thin commands.

Each change is written to the audit log with the operating-system user as the actor.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.security import accounts, audit
from journeys.security.roles import ROLE_HELP, parse_role
from journeys.workspace import Workspace

users_app: typer.Typer = typer.Typer(
    help="Users of the web UI and their roles (" + "; ".join(r.value for r in ROLE_HELP) + ").",
    no_args_is_help=True,
)
tokens_app: typer.Typer = typer.Typer(
    help="API tokens for programs, scoped by a role.", no_args_is_help=True
)

PASSWORD_ENV = "JOURNEYS_ADMIN_PASSWORD"
RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        help="; ".join(f"{r.value}: {h}" for r, h in ROLE_HELP.items()),
        show_default=False,
    ),
]
TeamsOpt = Annotated[
    list[str] | None, typer.Option("--team", help="A team the user works in (repeatable).")
]
PiiOpt = Annotated[
    bool, typer.Option("--pii/--no-pii", help="May see customers' personal data (analysts).")
]


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option("--username", help="The admin's user name.")] = "admin",
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Create an admin. The password comes from JOURNEYS_ADMIN_PASSWORD, or is generated and
    printed once."""
    password = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(12)
    with Workspace.open(workspace) as ws:
        accounts.create_user(ws, username, password, parse_role("admin"), audit.cli_actor())
    out.print(f"Admin [bold]{username}[/] created.", highlight=False)
    if PASSWORD_ENV not in os.environ:
        out.print(f"Password: [bold]{password}[/] (shown once; change it after signing in)")


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="The user name.")],
    role: RoleOpt,
    teams: TeamsOpt = None,
    pii: PiiOpt = False,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Add a user; the password is read from the terminal (or JOURNEYS_USER_PASSWORD)."""
    password = _new_password("Password")
    with Workspace.open(workspace) as ws:
        user = accounts.create_user(
            ws, username, password, parse_role(role), audit.cli_actor(), teams or (), pii
        )
    if as_json:
        print_json(user)
    else:
        out.print(f"User [bold]{user.username}[/] ({user.role.value}) created.", highlight=False)


@users_app.command("list")
def list_users(workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False) -> None:
    """Every user with role, teams and state."""
    with Workspace.open(workspace) as ws:
        found = accounts.users(ws)
        now = ws.clock.now()
    if as_json:
        print_json(found)
        return
    table = Table("user", "role", "teams", "personal data", "state", "last sign-in")
    for u in found:
        locked = u.locked_until is not None and u.locked_until > now
        state = "locked" if locked else ("active" if u.active else "inactive")
        last = f"{u.last_login:%Y-%m-%d %H:%M}" if u.last_login else "never"
        pii = "yes" if u.pii else ""
        table.add_row(u.username, u.role.value, ", ".join(u.teams), pii, state, last)
    out.print(table)


@users_app.command("update")
def update_user(
    username: Annotated[str, typer.Argument(help="The user name.")],
    role: Annotated[str | None, typer.Option("--role", help="A new role.")] = None,
    teams: TeamsOpt = None,
    pii: Annotated[bool | None, typer.Option("--pii/--no-pii", help="Personal data grant.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Allow or stop signing in.")
    ] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Set a new password (asked in the terminal).")
    ] = False,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Change a user's role, teams, grant, activity or password (their sessions end)."""
    secret = _new_password("New password") if password else None
    with Workspace.open(workspace) as ws:
        user = accounts.update_user(
            ws,
            username,
            audit.cli_actor(),
            parse_role(role) if role else None,
            teams,
            pii,
            active,
            secret,
        )
    if as_json:
        print_json(user)
    else:
        out.print(f"User [bold]{user.username}[/] ({user.role.value}) updated.", highlight=False)


@users_app.command("unlock")
def unlock_user(
    username: Annotated[str, typer.Argument(help="The user name.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Lift a lock-out after failed sign-ins."""
    with Workspace.open(workspace) as ws:
        accounts.unlock(ws, username, audit.cli_actor())
    out.print(f"{username} unlocked.", highlight=False)


@tokens_app.command("create")
def create_token(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'bi-export'.")],
    role: RoleOpt,
    teams: TeamsOpt = None,
    pii: PiiOpt = False,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Create an API token; its secret is printed once."""
    with Workspace.open(workspace) as ws:
        token = accounts.create_token(
            ws, name, parse_role(role), audit.cli_actor(), teams or (), pii
        )
    if as_json:
        print_json(token)
    else:
        out.print(f"Token [bold]{name}[/] ({token.role.value}): {token.token}", highlight=False)
        out.print("Send it as 'Authorization: Bearer <token>'. It is not shown again.")


@tokens_app.command("list")
def list_tokens(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Every API token (never their secrets)."""
    with Workspace.open(workspace) as ws:
        found = accounts.tokens(ws)
    if as_json:
        print_json(found)
        return
    table = Table("name", "starts with", "role", "created by", "last used", "state")
    for t in found:
        last = f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "never"
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        table.add_row(t.name, t.prefix + "…", t.role.value, t.created_by, last, state)
    out.print(table)


@tokens_app.command("revoke")
def revoke_token(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Revoke a token (servers notice within a few seconds)."""
    with Workspace.open(workspace) as ws:
        accounts.revoke_token(ws, name, audit.cli_actor())
    out.print(f"Token {name} revoked.", highlight=False)


def audit_command(
    limit: Annotated[int, typer.Option("--limit", help="How many entries, newest first.")] = 50,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The audit log of administrative actions: who changed what, and when."""
    with Workspace.open(workspace) as ws:
        found = audit.entries(ws, limit, actor)
    if as_json:
        print_json(found)
        return
    table = Table("when (UTC)", "who", "action", "what", "details")
    for e in found:
        detail = ", ".join(f"{k}={v}" for k, v in e.detail.items())
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.target, detail)
    out.print(table)


def _new_password(prompt: str) -> str:
    """A user's password: JOURNEYS_USER_PASSWORD, else typed twice in the terminal."""
    typed: str = os.environ.get("JOURNEYS_USER_PASSWORD") or typer.prompt(
        prompt, hide_input=True, confirmation_prompt=True
    )
    return typed
