"""The SQL of a segment's members: customer ids, never executed here."""

from __future__ import annotations

from datetime import datetime

from journeys.analytics.common import EVENTS, filter_sql
from journeys.analytics.segments.query import (
    BehaviourCondition,
    SegmentDefinition,
    TraitCondition,
)
from journeys.maps.model import Journey
from journeys.store.duck import literal

# Each customer's latest value of every trait, as one JSON object (``properties``, so that the
# journey-file filters apply to traits unchanged). Ties on timestamp: the later event wins.
LATEST_TRAITS = """
SELECT customer_id, json_group_object(trait, value) AS properties, NULL::JSON AS context
FROM (
    SELECT coalesce(u.customer_id, h.user_id) AS customer_id, h.trait,
           arg_max(h.value, (h.timestamp, h.seq)) AS value
    FROM trait_history h LEFT JOIN identity_users u ON u.user_id = h.user_id
    GROUP BY ALL
)
GROUP BY customer_id
"""
EVERYONE = f"SELECT DISTINCT customer_id FROM {EVENTS}"


def members_sql(segment: SegmentDefinition, journeys: dict[str, Journey], as_of: datetime) -> str:
    """SELECT customer_id of the customers in the segment as of ``as_of``."""
    parts = [_condition_sql(c, journeys, as_of) for c in segment.conditions]
    joiner = "\nINTERSECT\n" if segment.match == "all" else "\nUNION\n"
    return joiner.join(f"({p})" for p in parts)


def _condition_sql(
    c: TraitCondition | BehaviourCondition, journeys: dict[str, Journey], as_of: datetime
) -> str:
    if isinstance(c, TraitCondition):
        return f"SELECT customer_id FROM ({LATEST_TRAITS}) t WHERE {filter_sql(c.filter, 't')}"
    window = c.window()
    when = [f"e.timestamp <= {_ts(as_of)}"]
    if window is not None:
        when.append(f"e.timestamp > {_ts(as_of - window)}")
    did = (
        f"SELECT customer_id FROM {EVENTS} e WHERE {c.step.sql(journeys, 'e')} "
        f"AND {' AND '.join(when)} GROUP BY customer_id HAVING count(*) >= {c.at_least}"
    )
    return f"{EVERYONE}\nEXCEPT\n{did}" if c.negated else did


def _ts(value: datetime) -> str:
    return f"TIMESTAMP {literal(value.isoformat(sep=' '))}"
