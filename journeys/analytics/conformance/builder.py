"""SQL of the conformance analysis; builds text, never executes.

One statement reads the events once (``ev``, materialised) and answers three parts, told apart
by the column ``part``:

- ``variant``: (stages, grp, switched, undesigned, customers) — customers per stage sequence,
  breakdown value and the two flags;
- ``switch``: (a, b, switches, customers) — consecutive touchpoints on different channels per
  channel pair; the row with ``a`` NULL totals every pair;
- ``undesigned``: (event, events, customers) — what customers did between their first and last
  touchpoint that no touchpoint matches; the row with ``event`` NULL totals them.

Order within a customer: timestamp, then seq.
"""

from __future__ import annotations

import json

from journeys.analytics.common import EVENTS
from journeys.analytics.touchpoints import (
    MappedTouchpoint,
    candidate_sql,
    lookup_sql,
    touchpoint_index_sql,
)
from journeys.store.duck import literal

# Event types a customer does something with; identify/alias/group are bookkeeping.
ACTION_TYPES = ("track", "page", "screen")
PERSONA_TRAITS = ("persona", "segment")


def measured_stages(touchpoints: list[MappedTouchpoint]) -> list[tuple[str, str]]:
    """(id, name) of the stages that have a touchpoint with a matcher, in designed order.

    Only these make the designed order: a stage no event can match can never be visited, so
    counting it would make every customer skip it.
    """
    return list(dict.fromkeys((tp.stage, tp.stage_name) for tp in touchpoints))


def group_sources(by: str | None) -> list[tuple[str, str]]:
    """Where a customer's breakdown value is read, first found wins: (column, JSON path)."""
    if by is None:
        return [("traits", _path(name)) for name in PERSONA_TRAITS]
    return [("traits", _path(by)), ("properties", _path(by))]


def _path(name: str) -> str:
    return "$" + "".join("." + json.dumps(part) for part in name.split("."))


def _value(column: str, path: str) -> str:
    # Identify calls carry the traits; any event may carry properties.
    value = f"json_extract_string(e.{column}, {literal(path)})"
    return f"CASE WHEN e.type = 'identify' THEN {value} END" if column == "traits" else value


def base_ctes(
    touchpoints: list[MappedTouchpoint],
    sources: list[tuple[str, str]] | None = None,
    relation: str = EVENTS,
) -> str:
    """``ev`` (every event: touchpoint index ``i``, breakdown values ``g0…``), ``m`` (the
    touchpoint events with stage ``st`` and designed channel ``ch``) and ``seqs`` (per customer:
    stages visited with consecutive repeats collapsed, ``switched``, window ``t0``–``t1``)."""
    order = [stage for stage, _ in measured_stages(touchpoints)]
    stage = lookup_sql([order.index(tp.stage) for tp in touchpoints], "i")
    channel = lookup_sql([tp.channel for tp in touchpoints], "i")
    values = "".join(f", {_value(c, p)} AS g{n}" for n, (c, p) in enumerate(sources or []))
    # The matchers' JSON is read only for the rows whose name some matcher asks for.
    index = f"CASE WHEN {candidate_sql(touchpoints)} THEN {touchpoint_index_sql(touchpoints)} END"
    return f"""ev AS MATERIALIZED (
        SELECT e.customer_id AS c, e.timestamp AS t, e.seq AS s, e.type, e.event,
               {index} AS i{values}
        FROM {relation} e
        WHERE e.customer_id IS NOT NULL
    ), m AS (
        SELECT c, t, s, {stage} AS st, {channel} AS ch FROM ev WHERE i IS NOT NULL
    ), runs AS (
        SELECT c, t, s, st, ch, lag(st) OVER w AS prev, lag(ch) OVER w AS prev_ch
        FROM m WINDOW w AS (PARTITION BY c ORDER BY t, s)
    ), seqs AS MATERIALIZED (
        SELECT c, list(st ORDER BY t, s) FILTER (WHERE prev IS NULL OR prev <> st) AS stages,
               coalesce(bool_or(prev_ch <> ch), false) AS switched, min(t) AS t0, max(t) AS t1
        FROM runs GROUP BY c
    )"""


def _groups(sources: list[tuple[str, str]] | None) -> str:
    if not sources:
        return "grp AS (SELECT NULL::VARCHAR AS c, NULL::VARCHAR AS g)"
    latest = ", ".join(
        f"arg_max(g{n}, (t, s)) FILTER (WHERE g{n} IS NOT NULL)" for n in range(len(sources))
    )
    return f"grp AS (SELECT c, coalesce({latest}) AS g FROM ev SEMI JOIN seqs USING (c) GROUP BY c)"


def build_conformance(
    touchpoints: list[MappedTouchpoint],
    sources: list[tuple[str, str]] | None = None,
    relation: str = EVENTS,
) -> str:
    """The one statement of the analysis (see the module docstring for its rows)."""
    types = ", ".join(literal(t) for t in ACTION_TYPES)
    return f"""
        WITH {base_ctes(touchpoints, sources, relation)}, {_groups(sources)},
        und AS MATERIALIZED (
            SELECT ev.c, ev.event FROM ev JOIN seqs ON ev.c = seqs.c
            WHERE ev.i IS NULL AND ev.type IN ({types}) AND ev.t BETWEEN seqs.t0 AND seqs.t1
        ), sw AS (
            SELECT c, prev_ch AS a, ch AS b FROM runs WHERE prev_ch <> ch
        )
        SELECT 'variant' AS part, seqs.stages, grp.g AS grp, seqs.switched,
               seqs.c IN (SELECT c FROM und) AS undesigned, count(*) AS customers
        FROM seqs LEFT JOIN grp ON grp.c = seqs.c
        GROUP BY ALL
        UNION ALL BY NAME
        SELECT 'switch' AS part, a, b, count(*) AS switches, count(DISTINCT c) AS customers
        FROM sw GROUP BY GROUPING SETS ((a, b), ())
        UNION ALL BY NAME
        SELECT 'undesigned' AS part, event, count(*) AS events, count(DISTINCT c) AS customers
        FROM und GROUP BY GROUPING SETS ((event), ())
    """


def build_sequences(touchpoints: list[MappedTouchpoint], relation: str = EVENTS) -> str:
    """Rows (customer_id, stages: list of stage ids) for every customer with a touchpoint."""
    ids = "[" + ", ".join(literal(stage) for stage, _ in measured_stages(touchpoints)) + "]"
    return f"""
        WITH {base_ctes(touchpoints, None, relation)}
        SELECT c AS customer_id, list_transform(stages, x -> {ids}[x + 1]) AS stages
        FROM seqs ORDER BY c
    """
