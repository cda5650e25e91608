"""The privacy audit: a record of every export, erasure and retention run, without personal data.

A customer appears only as a salted SHA-256 of the id the request named. The salt is a random
secret kept in the workspace (``privacy.salt``): whoever holds the workspace can check whether
a given id was erased (hash it again), but the audit alone does not reveal who it was.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from journeys.privacy.model import AuditRecord
from journeys.store.operational import Base
from journeys.workspace import Workspace

SALT_FILE = "privacy.salt"


class AuditRow(Base):
    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(16))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    counts: Mapped[str] = mapped_column(Text)  # JSON: store → table → rows


def id_hash(ws: Workspace, any_id: str) -> str:
    """The salted hash that stands for a customer id in the audit."""
    path = ws.root / SALT_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    salt = path.read_text(encoding="utf-8").strip()
    return hashlib.sha256(f"{salt}:{any_id}".encode()).hexdigest()


def record(
    ws: Workspace,
    action: str,
    hashed: str | None,
    reason: str | None,
    counts: dict[str, dict[str, int]],
) -> AuditRecord:
    """Append an entry to the audit."""
    engine = ws.operational.engine
    AuditRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    row = AuditRow(
        at=ws.clock.now(), action=action, id_hash=hashed, reason=reason, counts=json.dumps(counts)
    )
    with Session(engine) as session, session.begin():
        session.add(row)
        session.flush()
        return _record(row)


def audit_log(ws: Workspace, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
    """The audit, newest first."""
    engine = ws.operational.engine
    AuditRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    with Session(engine) as session:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        return [_record(r) for r in session.scalars(query)]


def _record(row: AuditRow) -> AuditRecord:
    counts: Any = json.loads(row.counts)
    return AuditRecord(
        id=row.id,
        at=row.at,
        action=row.action,  # type: ignore[arg-type]
        id_hash=row.id_hash,
        reason=row.reason,
        counts=counts,
    )
