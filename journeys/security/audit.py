"""The audit log of administrative actions: who changed which journey, automation, survey,
loyalty rule, user or token, and when.

Actions through the HTTP API are recorded by the authorisation layer for every successful
change a route makes; actions through the CLI record themselves with the operating-system
user as the actor. Details never hold a secret.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.security.model import AdminAuditRow, AuditEntry
from journeys.workspace import Workspace


def cli_actor() -> str:
    """The actor of a command run from a terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        return "cli"


def record(
    ws: Workspace,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Append an action to the audit log."""
    row = AdminAuditRow(
        at=ws.clock.now(),
        actor=actor[:120],
        action=action[:120],
        target=target[:500],
        detail=json.dumps(dict(detail or {}), default=str, sort_keys=True),
    )
    with Session(ws.operational.engine) as session, session.begin():
        session.add(row)


def entries(
    ws: Workspace,
    limit: int = 100,
    actor: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """The newest actions first, optionally by one actor, since a time, or before an id."""
    query = select(AdminAuditRow).order_by(AdminAuditRow.id.desc()).limit(limit)
    if actor:
        query = query.where(AdminAuditRow.actor == actor)
    if since is not None:
        query = query.where(AdminAuditRow.at >= since)
    if before_id is not None:
        query = query.where(AdminAuditRow.id < before_id)
    with Session(ws.operational.engine) as session:
        return [
            AuditEntry(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                target=r.target,
                detail=json.loads(r.detail or "{}"),
            )
            for r in session.scalars(query)
        ]
