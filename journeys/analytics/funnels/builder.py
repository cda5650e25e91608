"""The funnel as SQL text: built here, never executed here (the runner runs it).

Plan, for every order mode:

1. ``ev``: only the events that match a step or an exclusion (``strict`` keeps every event of
   the customer, since any other event breaks a strict chain), each with a bitmask ``m`` of the
   steps it matches, ``x`` of the step pairs it is excluded between, and its time ``t`` in µs.
2. The levels. ``ordered``: level k joins the rows that reached step k-1 (``l{k-1}``) with the
   step-k events in one window sorted by time; a step-k event whose previous row is a
   level-(k-1) row extends that path (``lag`` only: DuckDB's partitioned running aggregates
   cost several times more than ``lag``, measured). ``strict``: the event right before a step-k
   event must be a level-(k-1) row (one ``lag`` over all events, then a hash join per level).
   ``any``: the latest event of each step at or before every row (running maxima).
3. ``flat``: one row per customer with the furthest step reached (``level``, capped by
   exclusions), the breakdown value of the path's step-1 event and the times ``t1…tn`` of
   the path's steps. The summary and the dropped-customer list are aggregates over it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from journeys.analytics.common import EVENTS
from journeys.analytics.funnels.query import FunnelQuery
from journeys.maps.model import Journey
from journeys.store.duck import literal

US = 1_000_000  # times are compared in microseconds
NOT_BEHAVIOUR = ("identify", "alias", "group")  # not steps customers take: no break in strict


class BuiltQuery(NamedTuple):
    """SQL text and its parameters."""

    sql: str
    params: list[Any]


@dataclass(frozen=True)
class Compiled:
    """The query's parts as SQL conditions and numbers."""

    order: str
    steps: list[str]  # a SQL condition on the event row ``e`` per step
    exclusions: dict[int, str]  # pair i (between step i and i+1) → SQL condition
    window_us: int
    start: datetime | None
    end: datetime | None
    breakdown: str | None  # SQL value of the breakdown property

    @property
    def n(self) -> int:
        return len(self.steps)


def compile_query(q: FunnelQuery, journeys: dict[str, Journey]) -> Compiled:
    """The SQL pieces of a validated query."""
    pairs: dict[int, list[str]] = {}
    for x in q.exclude:
        for i in range(x.from_step, x.to_step):
            pairs.setdefault(i, []).append(x.step.sql(journeys))
    return Compiled(
        order=q.order,
        steps=[s.sql(journeys) for s in q.steps],
        exclusions={i: "(" + " OR ".join(c) + ")" for i, c in sorted(pairs.items())},
        window_us=int(q.window_delta().total_seconds() * US),
        start=q.start_bound(),
        end=q.end_bound(),
        breakdown=property_sql(q.breakdown) if q.breakdown else None,
    )


def property_sql(path: str, alias: str = "e") -> str:
    """The text value of a property path (``plan``, ``context.campaign.name``) of an event."""
    head, *rest = path.split(".")
    column, keys = ("context", rest) if head == "context" else ("properties", [head, *rest])
    if not keys:
        return f"CAST({alias}.{column} AS VARCHAR)"
    json_path = "$" + "".join("." + json.dumps(k) for k in keys)
    return f"json_extract_string({alias}.{column}, {literal(json_path)})"


def summary_sql(
    q: FunnelQuery, journeys: dict[str, Journey], relation: str = EVENTS, flat: str | None = None
) -> BuiltQuery:
    """Per step (and per breakdown value): customers, times to convert from the previous step.

    ``flat`` names a relation that already holds ``flat`` (the kernel's answer), else the
    plan computes it from ``relation``."""
    c = compile_query(q, journeys)
    figures = [f"count(*) FILTER (WHERE level >= {k}) AS n{k}" for k in range(1, c.n + 1)]
    for k in range(2, c.n + 1):
        gap = f"(t{k} - t{k - 1})"
        figures.append(f"avg({gap}) FILTER (WHERE level >= {k}) AS avg{k}")
        figures.append(f"median({gap}) FILTER (WHERE level >= {k}) AS med{k}")
    body = ", ".join(figures)
    head = "WITH " + _flat(c, relation, flat)
    if c.breakdown is None:
        return BuiltQuery(
            f"{head}\nSELECT NULL::VARCHAR AS bucket, 1 AS overall, {body} FROM flat", []
        )
    label = "coalesce(b, '(none)')"
    sql = f"""{head},
top AS (SELECT {label} AS v FROM flat GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {q.top}),
bucketed AS (
  SELECT *, CASE WHEN {label} IN (SELECT v FROM top) THEN {label} ELSE 'other' END AS bucket
  FROM flat)
SELECT bucket, grouping(bucket) AS overall, {body}
FROM bucketed GROUP BY GROUPING SETS ((), (bucket))"""
    return BuiltQuery(sql, [])


def dropped_sql(
    q: FunnelQuery, journeys: dict[str, Journey], relation: str = EVENTS, flat: str | None = None
) -> BuiltQuery:
    """The customers who reached step ``dropped_at - 1`` and not ``dropped_at``, by id."""
    assert q.dropped_at is not None
    c = compile_query(q, journeys)
    last = q.dropped_at - 1
    sql = f"""WITH {_flat(c, relation, flat)}
SELECT c AS customer_id, t{last} AS reached_us FROM flat WHERE level = {last}
ORDER BY c LIMIT {q.limit} OFFSET {q.offset}"""
    return BuiltQuery(sql, [])


def rows_sql(
    q: FunnelQuery, journeys: dict[str, Journey], relation: str = EVENTS, *, ids: bool = False
) -> BuiltQuery:
    """The rows the kernel walks, unsorted: the customer's hash ``h`` (and id ``cid`` with
    ``ids``), ``t``, ``seq``, step bits ``m``, exclusion bits ``x``, breakdown value ``b``."""
    c = compile_query(q, journeys)
    cid = ", c AS cid" if ids else ""
    return BuiltQuery(
        f"WITH {_events(c, relation)}\nSELECT hash(c) AS h, t, seq, m, x, b{cid} FROM ev", []
    )


def raw_rows_sql(q: FunnelQuery, journeys: dict[str, Journey]) -> BuiltQuery:
    """:func:`rows_sql` over the unstitched ``events``: instead of ``h``, the hashes of the
    user id ``hu`` and anonymous id ``ha`` and ``no_user``; the kernel stitches them
    (``kernels.stitched_hashes``), cheaper than the view's joins."""
    c = compile_query(q, journeys)
    who = "hash(e.user_id) AS hu, hash(e.anonymous_id) AS ha, e.user_id IS NULL AS no_user"
    return BuiltQuery(
        f"WITH {_events(c, 'events', who)}\nSELECT hu, ha, no_user, t, seq, m, x, b FROM ev", []
    )


def _flat(c: Compiled, relation: str, flat: str | None) -> str:
    return customer_ctes(c, relation) if flat is None else f"flat AS (SELECT * FROM {flat})"


def customer_ctes(c: Compiled, relation: str = EVENTS) -> str:
    """The CTEs (without WITH) ending in ``flat(c, level, b, t1…tn)``, one row per customer."""
    levels = {"ordered": _ordered, "strict": _strict, "any": _any}[c.order]
    return ",\n".join([_events(c, relation), *levels(c)])


def _ts(value: datetime) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


def _events(c: Compiled, relation: str, who: str = "e.customer_id AS c") -> str:
    """``ev``: the events the funnel reads, with step bits, exclusion bits and the time."""
    first = c.steps[0] + (f" AND e.timestamp < {_ts(c.end)}" if c.end else "")
    conds = [first, *c.steps[1:]]
    m = " | ".join(f"CASE WHEN {s} THEN {1 << i} ELSE 0 END" for i, s in enumerate(conds))
    x = " | ".join(f"CASE WHEN {s} THEN {1 << (i - 1)} ELSE 0 END" for i, s in c.exclusions.items())
    b = f"CASE WHEN {c.steps[0]} THEN {c.breakdown} END" if c.breakdown else "NULL::VARCHAR"
    where = []
    if c.start:
        where.append(f"e.timestamp >= {_ts(c.start)}")
    if c.end:
        where.append(f"e.timestamp < {_ts(c.end)} + to_microseconds({c.window_us})")
    if c.order == "strict":
        where.append(f"e.type NOT IN ({', '.join(literal(t) for t in NOT_BEHAVIOUR)})")
    else:
        where.append("(" + " OR ".join([*c.steps, *c.exclusions.values()]) + ")")
    return f"""ev AS (
  SELECT {who}, e.seq AS seq, epoch_us(e.timestamp) AS t,
    {m} AS m, {x or "0"} AS x, {b} AS b
  FROM {relation} e
  WHERE {" AND ".join(where)})"""


def _ordered(c: Compiled) -> list[str]:
    ctes = [
        f"l1 AS MATERIALIZED (SELECT c, seq, t, b, t AS t1{_rest(c, 1)} FROM ev WHERE m & 1 <> 0)"
    ]
    caps = []
    for k in range(2, c.n + 1):
        carry = ["b", *(f"t{j}" for j in range(1, k))]
        nulls = ", ".join(f"NULL AS {col}" for col in carry)
        # Roles sort a row that is several things at once: as step k it must follow an earlier
        # path (0 first), as an exclusion it is not between its own steps (1), then as path (2).
        rows = [
            f"SELECT c, seq, t, 2 AS r, {', '.join(carry)} FROM l{k - 1}",
            f"SELECT c, seq, t, 0 AS r, {nulls} FROM ev WHERE m & {1 << (k - 1)} <> 0",
        ]
        if k - 1 in c.exclusions:
            rows.append(f"SELECT c, seq, t, 1 AS r, {nulls} FROM ev WHERE x & {1 << (k - 2)} <> 0")
        lags = ", ".join(f"lag({col}) OVER o AS p_{col}" for col in carry)
        union = "\n    UNION ALL ".join(rows)
        ctes.append(
            f"""w{k} AS MATERIALIZED (
  SELECT c, seq, t, r, lag(r) OVER o AS pr, {lags}
  FROM ({union})
  WINDOW o AS (PARTITION BY c ORDER BY t, seq, r))"""
        )
        prev = ", ".join(f"p_t{j} AS t{j}" for j in range(1, k))
        ctes.append(
            f"l{k} AS MATERIALIZED (SELECT c, seq, t, p_b AS b, {prev}, t AS t{k}{_rest(c, k)}\n"
            f"  FROM w{k} WHERE r = 0 AND pr = 2 AND t - p_t1 <= {c.window_us})"
        )
        if k - 1 in c.exclusions:
            caps.append(
                f"SELECT c, {k - 1} AS cap FROM w{k} WHERE r = 1 AND pr = 2 "
                f"AND t - p_t1 <= {c.window_us}"
            )
    return ctes + _customers(c, caps)


def _strict(c: Compiled) -> list[str]:
    ctes = [
        """sq AS MATERIALIZED (
  SELECT * FROM (SELECT *, lag(seq) OVER (PARTITION BY c ORDER BY t, seq) AS prv FROM ev)
  WHERE m <> 0 OR x <> 0)""",
        f"l1 AS MATERIALIZED (SELECT c, seq, t, b, t AS t1{_rest(c, 1)} FROM sq WHERE m & 1 <> 0)",
    ]
    caps = []
    for k in range(2, c.n + 1):
        prev = ", ".join(f"p.t{j} AS t{j}" for j in range(1, k))
        join = f"FROM sq q JOIN l{k - 1} p ON p.seq = q.prv AND p.c = q.c"
        ctes.append(
            f"l{k} AS MATERIALIZED (SELECT q.c, q.seq, q.t, p.b, {prev}, q.t AS t{k}{_rest(c, k)}\n"
            f"  {join} WHERE q.m & {1 << (k - 1)} <> 0 AND q.t - p.t1 <= {c.window_us})"
        )
        if k - 1 in c.exclusions:
            caps.append(
                f"SELECT q.c, {k - 1} AS cap {join} "
                f"WHERE q.x & {1 << (k - 2)} <> 0 AND q.t - p.t1 <= {c.window_us}"
            )
    return ctes + _customers(c, caps)


def _rest(c: Compiled, known: int) -> str:
    """``, NULL::BIGINT AS t{known+1}, …`` up to tn."""
    return "".join(f", NULL::BIGINT AS t{j}" for j in range(known + 1, c.n + 1))


def _customers(c: Compiled, caps: list[str]) -> list[str]:
    """From the level tables to ``flat``: the furthest step (capped) and the path that got there
    first (the earliest event at that level)."""
    cols = ", ".join(["c", "t", "seq", "b", *(f"t{j}" for j in range(1, c.n + 1))])
    reached = "\n  UNION ALL ".join(
        f"SELECT {cols}, {k} AS lvl FROM l{k}" for k in range(1, c.n + 1)
    )
    ctes = [f"reached AS (\n  {reached})"]
    cap_join, cap_where = "", ""
    if caps:
        ctes.append(
            "caps AS (SELECT c, min(cap) AS cap FROM (\n  "
            + "\n  UNION ALL ".join(caps)
            + ") GROUP BY c)"
        )
        cap_join = "LEFT JOIN caps k ON k.c = r.c"
        cap_where = f"WHERE r.lvl <= coalesce(k.cap, {c.n})"
    path = ", ".join(["'b': r.b", *(f"'t{j}': r.t{j}" for j in range(1, c.n + 1))])
    # One number ranks the rows (one cheap aggregate instead of a struct minimum per level):
    # the highest level, then the earliest (t, seq). Times shift to positive; seq < 2^56.
    rank = f"r.lvl::HUGEINT * {1 << 120} - ((r.t + {1 << 62})::HUGEINT * {1 << 56} + r.seq)"
    ctes.append(
        f"""cust AS (
  SELECT r.c, max(r.lvl) AS level, arg_max({{{path}}}, {rank}) AS p
  FROM reached r {cap_join} {cap_where} GROUP BY r.c)"""
    )
    times = ", ".join(f"p.t{j} AS t{j}" for j in range(1, c.n + 1))
    ctes.append(f"flat AS (SELECT c, level, p.b AS b, {times} FROM cust)")
    return ctes


def _any(c: Compiled) -> list[str]:
    w = c.window_us
    latest = ["max(CASE WHEN m & 1 <> 0 THEN {'t': t, 's': seq, 'b': b} END) OVER o AS e1"]
    latest += [
        f"max(CASE WHEN m & {1 << (k - 1)} <> 0 THEN t END) OVER o AS a{k}"
        for k in range(2, c.n + 1)
    ]
    done = ["e1.t"] + [f"a{k}" for k in range(2, c.n + 1)]
    level = f"CASE WHEN e1 IS NULL OR t - e1.t > {w} THEN 0"
    for k in range(2, c.n + 1):
        level += f" WHEN a{k} IS NULL OR t - a{k} > {w} THEN {k - 1}"
    level += f" ELSE {c.n} END"
    # The moment steps 1..k were all done: the latest of their events.
    completed = ", ".join(f"greatest({', '.join(done[:k])}) AS t{k}" for k in range(1, c.n + 1))
    fields = ", ".join(["'neg': -lvl", "'t': t", "'s': seq", "'lvl': lvl", "'b': b"])
    fields += "".join(f", 't{k}': t{k}" for k in range(1, c.n + 1))
    times = ", ".join(f"CASE WHEN p.lvl >= {k} THEN p.t{k} END AS t{k}" for k in range(1, c.n + 1))
    return [
        f"""aw AS (
  SELECT c, seq, t, {", ".join(latest)} FROM ev
  WINDOW o AS (PARTITION BY c ORDER BY t, seq ROWS UNBOUNDED PRECEDING))""",
        f"ar AS (SELECT c, seq, t, e1.b AS b, {level} AS lvl, {completed} FROM aw)",
        f"cust AS (SELECT c, min({{{fields}}}) AS p FROM ar WHERE lvl >= 1 GROUP BY c)",
        f"flat AS (SELECT c, p.lvl AS level, p.b AS b, {times} FROM cust)",
    ]
