"""What the engine knows about a customer, read from the event log: traits, consent, behaviour.

Read on the event log's read connection, so evaluating automations never blocks ingestion.
Traits and prediction scores are the current ones; consent and behaviour counts are taken as of the
moment being evaluated, so a backtest over the past sees what the customer had done by then.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from journeys.analytics.common import EVENTS, matcher_sql, parse_duration
from journeys.analytics.segments.builder import members_sql
from journeys.analytics.segments.query import SegmentDefinition
from journeys.maps.model import Journey, Matcher
from journeys.orchestration.automations.model import Condition
from journeys.orchestration.automations.scores import has_scores, read_scores

# Events whose boolean properties state consent per purpose (as the next best action reads).
CONSENT_EVENTS = ("cookie_consent_given", "consent_updated")

Event = dict[str, Any]  # seq, customer_id, known, type, event, channel, timestamp, properties


class Facts:
    """Cached reads about customers over one read connection; :meth:`prefetch` reads many
    customers in one query each, so a batch of events costs a few queries, not a few per event.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._traits: dict[str, dict[str, Any]] = {}
        self._consent: dict[str, list[tuple[datetime, dict[str, bool]]]] = {}
        self._scores: dict[str, dict[str, float]] = {}

    def prefetch(self, customers: set[str]) -> None:
        """Read the traits and consent statements of these customers."""
        missing = sorted(c for c in customers if c not in self._traits)
        for i in range(0, len(missing), 5000):
            self._load(missing[i : i + 5000])

    def _load(self, customers: list[str]) -> None:
        for c in customers:
            self._traits[c], self._consent[c] = {}, []
        self._scores.update(read_scores(self.con, customers))
        # Oldest first, so the latest value of a trait is written last (as profiles do).
        rows = self.con.execute(
            "SELECT u.customer_id, t.trait, t.value FROM trait_history t "
            "JOIN identity_users u ON u.user_id = t.user_id "
            "WHERE u.customer_id IN (SELECT unnest(?)) ORDER BY t.timestamp, t.seq",
            [customers],
        ).fetchall()
        for customer, trait, value in rows:
            self._traits[customer][trait] = json.loads(value) if value is not None else None
        names = ", ".join(f"'{n}'" for n in CONSENT_EVENTS)
        rows = self.con.execute(
            f"SELECT customer_id, timestamp, type, traits, properties FROM {EVENTS} "
            "WHERE customer_id IN (SELECT unnest(?)) "
            f"AND (type = 'identify' OR event IN ({names})) "
            "ORDER BY timestamp DESC, seq DESC",
            [customers],
        ).fetchall()
        for customer, at, kind, traits, properties in rows:
            statement = _statement(kind, traits, properties)
            if statement:
                self._consent[customer].append((at, statement))

    def traits(self, customer_id: str) -> dict[str, Any]:
        """The customer's current traits (empty for a visitor without any)."""
        self.prefetch({customer_id})
        return self._traits[customer_id]

    def consented(self, customer_id: str, purpose: str, at: datetime) -> bool:
        """Whether the latest statement about ``purpose`` up to ``at`` says yes (none: no)."""
        self.prefetch({customer_id})
        for when, statement in self._consent[customer_id]:  # newest first
            if when <= at and purpose in statement:
                return statement[purpose]
        return False

    def score(self, customer_id: str, model: str) -> float | None:
        """The customer's stored score from ``model`` (None when not scored)."""
        self.prefetch({customer_id})
        return self._scores.get(customer_id, {}).get(model)

    def count(self, customer_id: str, m: Matcher, at: datetime, within: timedelta | None) -> int:
        """How many events matching ``m`` the customer did up to ``at`` (within a span)."""
        since = at - within if within is not None else datetime(1, 1, 1)
        row = self.con.execute(
            f"SELECT count(*) FROM {EVENTS} e WHERE e.customer_id = ? "
            f"AND e.timestamp <= ? AND e.timestamp >= ? AND {matcher_sql(m)}",
            [customer_id, at, since],
        ).fetchone()
        return int(row[0]) if row else 0

    def holds(self, c: Condition, customer_id: str, at: datetime) -> bool:
        """Whether one condition holds for the customer at ``at``."""
        if c.trait is not None:
            return c.trait.matches(self.traits(customer_id))
        if c.consent is not None:
            return self.consented(customer_id, c.consent, at)
        if c.score is not None:
            return c.score.holds(self.score(customer_id, c.score.model))
        assert c.did is not None
        within = parse_duration(c.within) if c.within else None
        n = self.count(customer_id, c.did, at, within)
        return n >= c.at_least and (c.at_most is None or n <= c.at_most)

    def all_hold(self, conditions: list[Condition], customer_id: str, at: datetime) -> bool:
        """Whether every condition holds."""
        return all(self.holds(c, customer_id, at) for c in conditions)


def _statement(kind: str, traits: str | None, properties: str | None) -> dict[str, bool]:
    """The purposes a consent statement speaks about: an identify's ``consent`` trait, or a
    consent event's boolean properties."""
    if kind == "identify":
        given = json.loads(traits or "{}").get("consent")
        found = given if isinstance(given, dict) else {}
    else:
        found = json.loads(properties or "{}")
    return {k: v for k, v in found.items() if isinstance(v, bool)}


def read_events(
    con: duckdb.DuckDBPyConnection, after: int, upto: int, names: set[str]
) -> list[Event]:
    """The customers' events with ``after < seq <= upto`` whose name is among ``names``."""
    if not names:
        return []
    return _events(con, "e.seq > ? AND e.seq <= ?", [after, upto], names)


def read_events_between(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, names: set[str]
) -> list[Event]:
    """The customers' events with ``start <= timestamp < end`` named among ``names``."""
    if not names:
        return []
    return _events(con, "e.timestamp >= ? AND e.timestamp < ?", [start, end], names)


def _events(
    con: duckdb.DuckDBPyConnection, where: str, args: list[Any], names: set[str]
) -> list[Event]:
    placeholders = ", ".join("?" for _ in names)
    rows = con.execute(
        "SELECT e.seq, e.customer_id, e.known, e.type, e.event, e.channel, e.timestamp, "
        f"e.properties, e.context FROM {EVENTS} e WHERE {where} "
        f"AND e.customer_id IS NOT NULL AND e.event IN ({placeholders}) "
        "ORDER BY e.timestamp, e.seq",
        [*args, *sorted(names)],
    ).fetchall()
    return [
        {
            "seq": int(r[0]),
            "customer_id": str(r[1]),
            "known": bool(r[2]),
            "type": r[3],
            "event": r[4],
            "channel": r[5],
            "timestamp": r[6],
            "properties": json.loads(r[7] or "{}"),
            "context": json.loads(r[8] or "{}"),
        }
        for r in rows
    ]


def segment_entries(
    con: duckdb.DuckDBPyConnection,
    segment: SegmentDefinition,
    journeys: dict[str, Journey],
    since: datetime,
    until: datetime,
) -> list[tuple[str, bool]]:
    """Customers in the segment as of ``until`` who were not as of ``since``, with ``known``."""
    scored = has_scores(con)  # a score condition holds for nobody before any scoring run
    now = members_sql(segment, journeys, until, scored=scored)
    before = members_sql(segment, journeys, since, scored=scored)
    rows = con.execute(
        f"SELECT m.customer_id, EXISTS (SELECT 1 FROM identity_users u "
        f"WHERE u.customer_id = m.customer_id) FROM (({now}) EXCEPT ({before})) m ORDER BY 1"
    ).fetchall()
    return [(str(r[0]), bool(r[1])) for r in rows]


def inactive_customers(
    con: duckdb.DuckDBPyConnection, days: int, since: datetime, until: datetime
) -> list[tuple[str, bool, int, datetime]]:
    """Customers whose last event is ``days`` old at some moment in ``(since, until]``.

    Each with ``known``, the seq and time of that last event, and ordered by that time.
    """
    span = timedelta(days=days)
    rows = con.execute(
        f"SELECT customer_id, bool_or(known), max(seq), max(timestamp) FROM {EVENTS} "
        "WHERE customer_id IS NOT NULL AND timestamp <= ? GROUP BY customer_id "
        "HAVING max(timestamp) > ? AND max(timestamp) <= ? ORDER BY 4, 1",
        [until, since - span, until - span],
    ).fetchall()
    return [(str(r[0]), bool(r[1]), int(r[2]), r[3]) for r in rows]
