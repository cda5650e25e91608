"""Earning driven by the event log: a processor with a durable cursor.

Each run reads the events after its cursor (in batches), finds those that enrol a customer,
carry a referral code, or match an earning rule, and writes them to the ledger in one
transaction per batch together with the new cursor position. An earning's idempotency key is
``earn-<rule>-<event seq>``, so running again, or after a crash, never pays twice. Only known
customers (stitched to a user) join and earn; anonymous visitors only carry referral codes.
After the batches the run moves referrals on, writes off expired points, re-evaluates every
member's tier (the window rolls on) and writes tier changes to the event log.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.analytics.common import EVENTS, matcher_sql
from journeys.loyalty import ledger, referrals, tiers
from journeys.loyalty.contracts import EarnResult
from journeys.loyalty.files import load_program_or_none
from journeys.loyalty.ledger import Spec
from journeys.loyalty.model import EarningRule, Program, sub_period
from journeys.loyalty.service import expire_all
from journeys.loyalty.store import new_member, write_transaction
from journeys.loyalty.tables import EarnCursorRow, EntryRow, MemberRow
from journeys.store.duck import literal
from journeys.workspace import Workspace

CURSOR = "loyalty_earn"
BATCH = 50_000
_RUNS = threading.Lock()  # the server's timer and an API call must not run it side by side


class Match(NamedTuple):
    kind: str  # enrol | code | rule (also their order within one event)
    rule: str
    seq: int
    customer: str
    known: bool
    at: datetime
    value: Any  # the amount of a per-unit rule, the code of a code event


def run_earning(ws: Workspace, upkeep_seconds: float = 0) -> EarnResult:
    """Process the new events: enrolments, referral codes and earnings; see the module doc.

    Expiry and the tiers' rolling windows (the upkeep, which looks at every member) run each
    time, or, with ``upkeep_seconds`` (the server's timer), only when events were processed
    or that long after the last upkeep: points expire by the day, not by the second."""
    program = load_program_or_none(ws)
    with _RUNS:
        position = _position(ws)
        totals = dict(events_read=0, earned_entries=0, points_earned=0, capped=0, enrolled=0,
                      referrals=0, expired_entries=0, tier_changes=0)  # fmt: skip
        if program is None:
            return EarnResult(**totals, position=position)
        log = ws.events
        log.sync()  # the stitched customer of an event needs identity caught up
        upto = log.last_seq
        while position < upto:
            step_to = min(upto, position + BATCH)
            matches = _matches(ws, program, position, step_to)
            for key, n in _apply(ws, program, matches, step_to).items():
                totals[key] += n
            totals["events_read"] += step_to - position
            position = step_to
        totals["referrals"] = referrals.advance(ws, program, upto)
        root, now = str(ws.root), time.monotonic()
        if totals["events_read"] or now - _UPKEEP.get(root, -1e9) >= upkeep_seconds:
            _UPKEEP[root] = now
            totals["expired_entries"] = expire_all(ws)
            with write_transaction(ws) as session:
                totals["tier_changes"] = tiers.refresh_all(session, program, ws.clock.now())
        tiers.record_changes(ws, program)
        return EarnResult(**totals, position=position)


_UPKEEP: dict[str, float] = {}  # workspace → when its last upkeep ran (monotonic seconds)


def _matches(ws: Workspace, program: Program, after: int, upto: int) -> list[Match]:
    head = "SELECT {kind} AS kind, {rule} AS rule, e.seq, e.customer_id, e.known, e.timestamp"
    where = f"FROM {EVENTS} e WHERE e.seq > $after AND e.seq <= $upto AND "
    enrol, claim = head.format(kind="'enrol'", rule="''"), head.format(kind="'code'", rule="''")
    arms = [f"{enrol}, NULL {where}{matcher_sql(m)}" for m in program.enrol_on]
    if program.referrals is not None:
        path = literal(_path(program.referrals.code_property))
        code = f"json_extract_string(e.properties, {path})"
        arms.append(f"{claim}, {code} {where}{code} IS NOT NULL")
    for r in program.rules:
        amount = "NULL"
        if r.amount_property is not None:
            prop = literal(_path(r.amount_property))
            value = f"TRY_CAST(json_extract_string(e.properties, {prop}) AS DOUBLE)"
            amount = f"CAST({value} AS VARCHAR)"
        arms.append(
            f"{head.format(kind=literal('rule'), rule=literal(r.id))}, {amount} "
            f"{where}{matcher_sql(r.match)}"
        )
    if not arms:
        return []
    order = "CASE kind WHEN 'enrol' THEN 0 WHEN 'code' THEN 1 ELSE 2 END"
    sql = f"SELECT * FROM ({' UNION ALL '.join(arms)}) ORDER BY seq, {order}, rule"
    rows = ws.events.reader().execute(sql, {"after": after, "upto": upto}).fetchall()
    return [Match(str(k), str(r), int(s), str(c), bool(kn), t, v) for k, r, s, c, kn, t, v in rows]


def _apply(ws: Workspace, program: Program, matches: list[Match], position: int) -> dict[str, int]:
    counts = {"earned_entries": 0, "points_earned": 0, "capped": 0, "enrolled": 0}
    now = ws.clock.now()
    rules = {r.id: r for r in program.rules}
    with write_transaction(ws) as session:
        members = set(session.scalars(select(MemberRow.customer_id)).all())
        for m in matches:
            if m.kind == "code":
                referrals.claim_from_event(session, str(m.value), m.customer, m.seq, m.at)
            elif not m.known:
                continue  # visitors join and earn once they are known
            elif m.kind == "enrol" and m.customer not in members:
                session.add(new_member(m.customer, m.at))
                session.flush()
                members.add(m.customer)
                counts["enrolled"] += 1
            elif m.kind == "rule" and m.customer in members:
                earned, capped = _earn(session, program, rules[m.rule], m, now)
                counts["earned_entries"] += earned > 0
                counts["points_earned"] += earned
                counts["capped"] += capped
        cursor = session.get(EarnCursorRow, CURSOR)
        if cursor is None:
            session.add(EarnCursorRow(name=CURSOR, position=position))
        else:
            cursor.position = position
    return counts


def _earn(
    session: Session, program: Program, rule: EarningRule, m: Match, now: datetime
) -> tuple[int, bool]:
    """Points earned for one matching event (0 when nothing), and whether the cap cut them."""
    if rule.points is not None:
        points = rule.points
    else:
        amount = float(m.value) if m.value is not None else 0.0
        assert rule.points_per_unit is not None
        points = math.floor(amount * rule.points_per_unit + 1e-9)
    if points <= 0:
        return 0, False
    key = f"earn-{rule.id}-{m.seq}"
    if session.scalars(select(EntryRow.id).where(EntryRow.idempotency_key == key)).first():
        return 0, False  # earned by a run that stopped before moving its cursor
    wanted = points
    if rule.cap is not None:
        used = session.scalar(
            select(func.coalesce(func.sum(EntryRow.points), 0)).where(
                EntryRow.customer_id == m.customer,
                EntryRow.rule == rule.id,
                EntryRow.kind.in_(tiers.COUNTED),
                EntryRow.occurred_at > sub_period(m.at, rule.cap.period),
                EntryRow.occurred_at <= m.at,
            )
        )
        points = min(points, rule.cap.points - int(used or 0))
        if points <= 0:
            return 0, True
    member = session.get(MemberRow, m.customer)
    assert member is not None
    reason = rule.name or f"rule {rule.id}"
    spec = Spec("earn", points, reason, key, m.at, rule=rule.id, event_seq=m.seq)
    ledger.credit(session, member, spec, program, now)
    return points, points < wanted


def _path(prop: str) -> str:
    return "$" + "".join(f'."{p}"' for p in prop.split("."))


def _position(ws: Workspace) -> int:
    with Session(ws.operational.engine) as session:
        cursor = session.get(EarnCursorRow, CURSOR)
        return cursor.position if cursor else 0
