"""What a directly-follows graph is asked for: events or a journey's touchpoints, dates, a floor."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field


class DfgQuery(BaseModel):
    """A directly-follows graph over raw events, or over a journey's touchpoints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    segment: str | None = Field(default=None, description="Only the customers of this segment.")

    journey: str | None = Field(
        default=None, description="A journey id: the graph of its touchpoints instead of events."
    )
    from_date: date | None = Field(default=None, description="First day included (UTC).")
    to_date: date | None = Field(default=None, description="Last day included (UTC).")
    min_count: int = Field(default=1, description="Leave out edges seen fewer times.")

    def start_bound(self) -> datetime | None:
        """The first instant included (start of ``from_date``, UTC)."""
        return datetime.combine(self.from_date, time()) if self.from_date else None

    def end_bound(self) -> datetime | None:
        """The instant events must be before (the end of ``to_date``, UTC)."""
        return datetime.combine(self.to_date, time()) + timedelta(days=1) if self.to_date else None
