"""The operational store: transactional data behind SQLAlchemy (SQLite by default).

It holds what is not behaviour: the tracking sources and their write keys, survey responses
and invitations, tickets; later automations' state and the loyalty ledger. Each domain declares
its tables on :class:`Base` in its own module, listed in ``TABLE_MODULES`` so the store creates
them at start-up.
"""

from __future__ import annotations

import importlib
import secrets
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, String, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from journeys.clock import Clock, SystemClock
from journeys.errors import Conflict, InvalidInput, NotFound
from journeys.maps.model import CHANNELS

# The largest row id the store's INTEGER keys hold (64-bit signed in SQLite and PostgreSQL):
# an id past it is refused as input instead of failing in the database driver.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class Base(DeclarativeBase):
    pass


# Modules that declare tables on Base; imported before the migrations run (and by them).
TABLE_MODULES = (
    "journeys.feedback.surveys.tables",
    "journeys.feedback.tickets.tables",
    "journeys.loyalty.tables",
    "journeys.orchestration.nba.pins",
    "journeys.privacy.consent",
    "journeys.security.model",
    "journeys.orchestration.automations.tables",
    "journeys.privacy.audit",
    "journeys.analytics.segments.store",
)


def import_table_modules() -> None:
    """Import every module that declares tables, so ``Base.metadata`` holds them all."""
    for module in TABLE_MODULES:
        importlib.import_module(module)


class SourceRow(Base):
    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    write_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Source(BaseModel):
    """Where events come from (a website, an app, the call centre); has its own write key."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    write_key: str
    channel: str | None
    created_at: datetime


def _sqlite_wal(con: Any, _record: Any) -> None:
    """Write-ahead log: a commit is one append and one fsync (the rollback journal takes
    several), and readers never wait for a writer. ``synchronous = FULL`` keeps every commit
    durable (the outbox and the ledger promise that)."""
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")


class OperationalStore:
    """Transactional data of a workspace."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        self.clock = clock or SystemClock()
        from journeys.store.migrate import migrate

        migrate(self.engine)
        self._keys: dict[str, Source] = {}

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def add_source(self, name: str, channel: str | None = None) -> Source:
        """Create a source with a fresh write key."""
        if not name or len(name) > 80:
            raise InvalidInput("a source name must have 1 to 80 characters")
        if channel is not None and channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}")
        row = SourceRow(
            name=name,
            write_key=secrets.token_urlsafe(24),
            channel=channel,
            created_at=self.clock.now(),
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
                session.flush()
                source = Source.model_validate(row)
        except IntegrityError as exc:
            raise Conflict(f"a source named {name!r} already exists") from exc
        return source

    def sources(self) -> list[Source]:
        """Every source, by name."""
        with Session(self.engine) as session:
            rows = session.scalars(select(SourceRow).order_by(SourceRow.name)).all()
            return [Source.model_validate(r) for r in rows]

    def source(self, name: str) -> Source:
        """One source by name."""
        with Session(self.engine) as session:
            row = session.get(SourceRow, name)
            if row is None:
                raise NotFound(f"no source named {name!r}")
            return Source.model_validate(row)

    def source_for_key(self, write_key: str) -> Source | None:
        """The source a write key belongs to, or None; cached, as every request asks."""
        cached = self._keys.get(write_key)
        if cached is not None:
            return cached
        with Session(self.engine) as session:
            row = session.scalars(select(SourceRow).where(SourceRow.write_key == write_key)).first()
            if row is None:
                return None
            source = Source.model_validate(row)
        self._keys[write_key] = source
        return source
