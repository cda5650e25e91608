"""Backtests: what an automation would have done over past events, equal to what the engine
does with them, and without touching the workspace."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from automation_support import (
    consenting,
    enrolments,
    fixed_workspace,
    minutes,
    outbox_rows,
    write_automation,
)

from journeys.analytics.segments.query import SegmentDefinition, parse_condition
from journeys.analytics.segments.store import save as save_segment
from journeys.orchestration.automations.backtest import backtest
from journeys.orchestration.automations.engine import run_engine
from journeys.workspace import Workspace

from factories import identify, send, track

PROMO = """\
id: promo
name: Viewed, then nudged
version: 1
trigger:
  event:
    event: product_viewed
conditions:
  - consent: marketing
reentry:
  allowed: true
caps:
  - action: email
    max: 1
    per: 7d
goal:
  event: purchase
steps:
  - id: pause
    wait:
      duration: 2h
  - id: mail
    email:
      to: "{{ customer_id }}@example.com"
      subject: Still looking?
      body: Have another look.
  - id: points
    add_points:
      points: 5
"""


def _history(ws: Workspace) -> None:
    send(
        ws.events,
        consenting("ann", 0),
        consenting("ben", 0),
        consenting("cat", 0),
        identify("dre", 0, consent={"marketing": False}),
        track({"userId": "ann"}, "product_viewed", 10),
        track({"userId": "ann"}, "product_viewed", 60 * 24),  # a day later: capped e-mail
        track({"userId": "ben"}, "product_viewed", 10),
        track({"userId": "ben"}, "purchase", 60),  # within the wait: goal
        track({"userId": "cat"}, "product_viewed", 60 * 62),  # 23:00 on the last day: waits on
        track({"userId": "dre"}, "product_viewed", 10),  # no consent
    )


def _fingerprint(ws: Workspace) -> str:
    digest = hashlib.sha256((ws.root / "journeys.sqlite").read_bytes())
    events = ws.events.fresh_reader().execute("SELECT count(*), max(seq) FROM events").fetchone()
    return f"{digest.hexdigest()} {events}"


def test_a_backtest_counts_entries_caps_actions_and_goals(tmp_path: Path) -> None:
    ws, _clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, PROMO, "promo")
    _history(ws)
    ws.operational  # noqa: B018 - the store exists before, so a change would show
    before = _fingerprint(ws)
    result = backtest(ws, "promo", date(2026, 3, 2), date(2026, 3, 4))
    assert _fingerprint(ws) == before  # no side effects: not a byte of the store changed
    assert (result.entered, result.refused_conditions) == (3, 1)
    assert (result.capped, result.converted, result.completed, result.waiting) == (1, 1, 1, 1)
    assert result.actions == {"mail": 1, "points": 1}  # ann: one e-mail, both enrolments' points
    assert result.events_read == 6
    ws.close()


def test_the_backtest_decides_as_the_engine_does(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, PROMO, "promo")
    run_engine(ws)
    _history(ws)
    clock.advance(minutes(60 * 63))  # the engine runs at the end of the range (midnight)
    run_engine(ws)
    live = {(r.customer_id, r.status) for r in enrolments(ws)}
    sent = sorted((r.customer_id, r.step_id) for r in outbox_rows(ws))
    tested = backtest(ws, "promo", date(2026, 3, 2), date(2026, 3, 4))
    assert live == {("ann", "completed"), ("ben", "converted"), ("cat", "active")}
    assert sent == [("ann", "mail"), ("ann", "points"), ("ann", "points")]
    assert (tested.converted, tested.waiting, tested.actions["mail"]) == (1, 1, 1)
    ws.close()


def test_a_backtest_finds_segment_entries_day_by_day(tmp_path: Path) -> None:
    ws, _clock = fixed_workspace(tmp_path / "ws")
    condition = parse_condition("did purchase at least 2 times")
    save_segment(ws.operational, SegmentDefinition(name="repeat-buyers", conditions=[condition]))
    loyal = PROMO.replace(
        "  event:\n    event: product_viewed\n", "  segment_entered: repeat-buyers\n"
    )
    write_automation(ws, loyal.replace("conditions:\n  - consent: marketing\n", ""), "promo")
    days = {"yan": (10, 20), "zed": (10, 60 * 24 + 10), "abe": (10,)}
    send(ws.events, *[track({"userId": u}, "purchase", m) for u, ms in days.items() for m in ms])
    result = backtest(ws, "promo", date(2026, 3, 2), date(2026, 3, 4))
    # Both become repeat buyers (on the 2nd and the 3rd): each enters at the end of that day.
    assert result.entered == 2 and result.actions == {"mail": 2, "points": 2}
    ws.close()
