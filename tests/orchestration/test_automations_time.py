"""Date/time triggers through the real engine: once at a local moment, every day, every week
for a segment; each moment acted on once, across restarts; the rules; the backtest."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from automation_support import enrolments, fixed_workspace, minutes, outbox_rows, write_automation

from journeys.analytics.segments.query import SegmentDefinition, parse_condition
from journeys.analytics.segments.store import save as save_segment
from journeys.clock import FixedClock
from journeys.orchestration.automations.backtest import backtest
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.files import check_automation_text
from journeys.orchestration.automations.model import Schedule
from journeys.orchestration.automations.schedule import occurrences
from journeys.workspace import Workspace

from factories import T0, identify, send, track


def _move(clock: FixedClock, to: datetime) -> None:
    clock.advance(to - clock.now())


ONCE = """\
id: spring
name: Spring greeting
version: 1
trigger:
  schedule:
    at: "2026-03-03T10:00"
    timezone: Europe/Amsterdam
conditions:
  - trait: "plan = 'gold'"
steps:
  - id: points
    add_points: {points: 25, reason: spring}
"""

DAILY = """\
id: daily
name: Daily digest
version: 1
trigger:
  schedule:
    every: day
    at: "10:00"
reentry:
  allowed: true
steps:
  - id: digest
    set_trait: {trait: digest_sent, value: true}
"""

WEEKLY = """\
id: weekly
name: Tuesday offer for repeat buyers
version: 1
trigger:
  schedule:
    every: week
    weekday: tuesday
    at: "08:30"
    segment: repeat-buyers
reentry:
  allowed: true
steps:
  - id: offer
    add_points: {points: 5}
"""


def test_a_one_off_moment_lets_the_matching_customers_in_once(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    send(ws.events, identify("ann", 1, plan="gold"), identify("bob", 2, plan="basic"))
    write_automation(ws, ONCE, "spring")
    assert run_engine(ws).started
    _move(clock, datetime(2026, 3, 3, 8, 59))  # 09:59 in Amsterdam (UTC+1 in March)
    assert run_engine(ws).entered == 0
    _move(clock, datetime(2026, 3, 3, 9, 0, 30))
    assert run_engine(ws).entered == 1
    [row] = enrolments(ws)
    assert (row.customer_id, row.entered_at, row.status) == (
        "ann",
        datetime(2026, 3, 3, 9, 0),
        "completed",
    )
    assert [r.kind for r in outbox_rows(ws)] == ["add_points"]
    ws.close()

    # Another process over the same folder a day later: the moment is not acted on again.
    _move(clock, datetime(2026, 3, 4, 12, 0))
    reopened = Workspace.open(ws.root, clock=clock)
    send(reopened.events, identify("cas", 60 * 24 + 120, plan="gold"))
    assert run_engine(reopened).entered == 0
    assert len(enrolments(reopened)) == 1
    reopened.close()


def test_a_daily_schedule_fires_each_day_and_once_after_a_stop(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))  # Monday 09:05 UTC
    send(ws.events, track({"userId": "dan"}, "visit", 1))
    write_automation(ws, DAILY, "daily")
    run_engine(ws)
    _move(clock, datetime(2026, 3, 2, 10, 1))
    assert run_engine(ws).entered == 1
    assert run_engine(ws).entered == 0  # the same moment is not fired twice
    _move(clock, datetime(2026, 3, 3, 10, 1))
    assert run_engine(ws).entered == 1
    # Stopped over three moments: only the latest is acted on, not a burst of three.
    _move(clock, datetime(2026, 3, 6, 10, 30))
    assert run_engine(ws).entered == 1
    assert [r.entered_at for r in enrolments(ws)] == [
        datetime(2026, 3, 2, 10, 0),
        datetime(2026, 3, 3, 10, 0),
        datetime(2026, 3, 6, 10, 0),
    ]
    assert len({r.idempotency_key for r in outbox_rows(ws)}) == 3
    ws.close()


def test_a_weekly_schedule_lets_in_only_the_segment_on_its_weekday(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    condition = parse_condition("did purchase at least 2 times")
    save_segment(ws.operational, SegmentDefinition(name="repeat-buyers", conditions=[condition]))
    send(
        ws.events,
        *[track({"userId": "eve"}, "purchase", m) for m in (1, 2)],
        track({"userId": "fay"}, "purchase", 3),
    )
    write_automation(ws, WEEKLY, "weekly")
    run_engine(ws)
    _move(clock, datetime(2026, 3, 3, 8, 0))  # Tuesday, before 08:30
    assert run_engine(ws).entered == 0
    _move(clock, datetime(2026, 3, 3, 8, 31))
    run_engine(ws)
    assert [r.customer_id for r in enrolments(ws)] == ["eve"]
    _move(clock, datetime(2026, 3, 9, 9, 0))  # the next Monday: no moment yet
    assert run_engine(ws).entered == 0
    _move(clock, datetime(2026, 3, 10, 9, 0))
    assert run_engine(ws).entered == 1
    ws.close()


def test_the_moments_of_a_schedule_follow_its_time_zone() -> None:
    daily = Schedule(every="day", at="09:00", timezone="Europe/Amsterdam")
    found = occurrences(daily, datetime(2026, 3, 28, 12), datetime(2026, 3, 30, 12))
    # Summer time starts on 29 March: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    assert found == [datetime(2026, 3, 29, 7), datetime(2026, 3, 30, 7)]
    once = Schedule(at="2026-12-24T09:00", timezone="Europe/Amsterdam")
    assert occurrences(once, datetime(2026, 12, 24), datetime(2026, 12, 25)) == [
        datetime(2026, 12, 24, 8)
    ]
    assert occurrences(once, datetime(2026, 12, 24, 8), datetime(2026, 12, 25)) == []


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ('at: "09:00"', [("trigger.schedule.at", "schedule_at", 6)]),
        ('at: "2026-02-30T09:00"', [("trigger.schedule.at", "schedule_at", 6)]),
        ('at: "2026-12-24T25:00"', [("trigger.schedule.at", "schedule_at", 6)]),
        ('every: day\n    at: "9 am"', [("trigger.schedule.at", "schedule_at", 7)]),
        (
            'every: week\n    at: "09:00"',
            [("trigger.schedule.every", "schedule_weekday", 6)],
        ),
        (
            'every: day\n    at: "2026-12-24T09:00"',
            [("trigger.schedule.at", "schedule_at", 7)],
        ),
        (
            'at: "2026-12-24T09:00"\n    weekday: friday',
            [("trigger.schedule.weekday", "schedule_weekday", 7)],
        ),
        (
            'at: "2026-12-24T09:00"\n    timezone: Mars/Olympus',
            [("trigger.schedule.timezone", "unknown_timezone", 7)],
        ),
        (
            'at: "2026-12-24T09:00"\n    segment: nobody-saved-this',
            [("trigger.schedule.segment", "unknown_segment", 7)],
        ),
    ],
)
def test_bad_schedules_are_refused_with_the_field_and_line(
    ws: Workspace, schedule: str, expected: list[tuple[str, str, int]]
) -> None:
    text = (
        "id: timed\nname: Timed\nversion: 1\ntrigger:\n  schedule:\n"
        f"    {schedule}\nsteps:\n  - id: p\n    add_points: {{points: 1}}\n"
    )
    issues = check_automation_text(ws, text, "automations/timed.yaml").issues
    assert [(i.field, i.code, i.line) for i in issues] == expected
    assert all(i.file == "automations/timed.yaml" for i in issues)


def test_a_backtest_enters_at_every_moment_of_a_schedule(tmp_path: Path) -> None:
    ws, _clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(60 * 24 * 10))
    send(
        ws.events,
        track({"userId": "gus"}, "visit", 1),  # Monday 2 March
        track({"userId": "hal"}, "visit", 60 * 24 * 2),  # Wednesday 4 March, 09:00
    )
    write_automation(ws, DAILY, "daily")
    first_day = backtest(ws, "daily", date(2026, 3, 2), date(2026, 3, 2))
    assert (first_day.entered, first_day.actions) == (1, {"digest": 1})
    three_days = backtest(ws, "daily", date(2026, 3, 2), date(2026, 3, 4))
    assert (three_days.entered, three_days.completed) == (2, 2)
    assert enrolments(ws) == []  # nothing written to the workspace
    ws.close()


def test_every_trigger_step_and_rule_code_of_automations_is_documented() -> None:
    from journeys.orchestration.automations.model import STEP_KINDS, Trigger
    from journeys.orchestration.automations.rules import RULE_CODES

    docs = (Path(__file__).parents[2] / "docs" / "automations.md").read_text(encoding="utf-8")
    names = [*Trigger.model_fields, *STEP_KINDS, *RULE_CODES]
    missing = [n for n in names if f"`{n}`" not in docs and f"`{n}:" not in docs]
    assert missing == []
