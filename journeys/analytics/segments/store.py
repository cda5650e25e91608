"""Saved segments live in the operational store (SQLite by default), one JSON definition each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from journeys.analytics.segments.query import SegmentDefinition
from journeys.errors import NotFound
from journeys.store.operational import Base, OperationalStore


class SegmentRow(Base):
    __tablename__ = "segments"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


def _ready(store: OperationalStore) -> None:
    SegmentRow.__table__.create(store.engine, checkfirst=True)  # type: ignore[attr-defined]


def save(store: OperationalStore, segment: SegmentDefinition) -> SegmentDefinition:
    """Create or replace a segment."""
    _ready(store)
    with Session(store.engine) as session, session.begin():
        session.merge(
            SegmentRow(
                name=segment.name,
                definition=segment.model_dump_json(),
                updated_at=store.clock.now(),
            )
        )
    return segment


def get(store: OperationalStore, name: str) -> SegmentDefinition:
    """One segment by name; NotFound naming the ones there are."""
    _ready(store)
    with Session(store.engine) as session:
        row = session.get(SegmentRow, name)
        if row is None:
            known = ", ".join(s.name for s in all_segments(store)) or "none yet"
            raise NotFound(f"no segment named {name!r} (the segments are: {known})")
        return SegmentDefinition.model_validate_json(row.definition)


def all_segments(store: OperationalStore) -> list[SegmentDefinition]:
    """Every segment, by name."""
    _ready(store)
    with Session(store.engine) as session:
        rows = session.scalars(select(SegmentRow).order_by(SegmentRow.name)).all()
        return [SegmentDefinition.model_validate_json(r.definition) for r in rows]


def delete(store: OperationalStore, name: str) -> None:
    """Remove a segment; NotFound when there is none."""
    get(store, name)
    with Session(store.engine) as session, session.begin():
        row = session.get(SegmentRow, name)
        session.delete(row)
