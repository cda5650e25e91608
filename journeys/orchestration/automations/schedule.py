"""Date/time triggers: the moments of a schedule, and who enters at each.

A schedule is read in its time zone: ``at: 2026-12-24T09:00`` is one moment, ``every: day``
(or ``week`` with a ``weekday``) with ``at: 09:00`` a moment on every such local day. The
engine asks for the moments in ``(last check, now]``, a window whose end it stores in the
same transaction as the entries, so each moment is acted on once, also across restarts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from journeys.analytics.common import EVENTS
from journeys.analytics.segments.builder import members_sql
from journeys.analytics.segments.query import SegmentDefinition
from journeys.maps.model import Journey
from journeys.orchestration.automations.model import Automation, Schedule

UTC = ZoneInfo("UTC")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_DAYS = 3700  # a window longer than ten years is cut to its last ten years


def zone(name: str) -> ZoneInfo:
    """The IANA zone (UTC for a name that is not one; the rules refuse those on saving)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def once_moment(s: Schedule) -> datetime | None:
    """The moment of a one-off schedule as naive UTC (None for a recurring or invalid one)."""
    if s.every is not None:
        return None
    try:
        local = datetime.strptime(s.at, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=zone(s.timezone)).astimezone(UTC).replace(tzinfo=None)


def clock_time(s: Schedule) -> time | None:
    """The clock time of a recurring schedule (None when ``at`` is not HH:MM)."""
    try:
        return datetime.strptime(s.at, "%H:%M").time() if len(s.at) == 5 else None
    except ValueError:
        return None


def occurrences(s: Schedule, since: datetime, until: datetime) -> list[datetime]:
    """The schedule's moments in ``(since, until]`` (naive UTC), oldest first."""
    if s.every is None:
        moment = once_moment(s)
        return [moment] if moment is not None and since < moment <= until else []
    clock = clock_time(s)
    if clock is None:
        return []  # refused by the rules: a recurring schedule takes a clock time
    tz = zone(s.timezone)
    first, last = _local_day(since, tz), _local_day(until, tz)
    first = max(first, last - timedelta(days=MAX_DAYS))
    found = []
    day = first
    while day <= last:
        if s.every == "day" or WEEKDAYS[day.weekday()] == s.weekday:
            local = datetime.combine(day, clock, tzinfo=tz)
            moment = local.astimezone(UTC).replace(tzinfo=None)
            if since < moment <= until:
                found.append(moment)
        day += timedelta(days=1)
    return found


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.replace(tzinfo=UTC).astimezone(tz).date()


def audience(
    con: duckdb.DuckDBPyConnection,
    at: datetime,
    segment: SegmentDefinition | None,
    journeys: dict[str, Journey],
) -> list[tuple[str, bool]]:
    """The customers seen by ``at`` (the segment's members then, when given), with ``known``."""
    members = ""
    if segment is not None:
        members = f"AND customer_id IN ({members_sql(segment, journeys, at, scored=_scored(con))})"
    rows = con.execute(
        f"SELECT customer_id, bool_or(known) FROM {EVENTS} "
        f"WHERE customer_id IS NOT NULL AND timestamp <= ? {members} GROUP BY 1 ORDER BY 1",
        [at],
    ).fetchall()
    return [(str(r[0]), bool(r[1])) for r in rows]


def _scored(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'prediction_scores'"
    ).fetchone()
    return bool(row and row[0])


def schedule_entries(
    con: duckdb.DuckDBPyConnection,
    automations: list[Automation],
    segments: dict[str, SegmentDefinition],
    journeys: dict[str, Journey],
    since: datetime,
    until: datetime,
    *,
    every_moment: bool = True,
) -> list[tuple[datetime, int, Any]]:
    """Entries of date/time triggers for their moments in ``(since, until]``.

    ``every_moment``: a backtest enters at each moment of its range; the engine, back after
    being stopped over several moments of a schedule, acts on the latest only, so a server
    down for a week does not send seven daily messages at once.
    """
    items: list[tuple[datetime, int, Any]] = []
    for a in automations:
        s = a.trigger.schedule
        if s is None:
            continue
        segment = segments.get(s.segment) if s.segment else None
        if s.segment and segment is None:
            continue  # a segment deleted since the file was checked lets nobody in
        moments = occurrences(s, since, until)
        for moment in moments if every_moment else moments[-1:]:
            for customer, known in audience(con, moment, segment, journeys):
                entry = (a, customer, known, f"schedule:{moment.isoformat()}", 0)
                items.append((moment, 0, entry))
    return items
