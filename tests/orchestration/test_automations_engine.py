"""The engine over a real workspace: entry, conditions, waits, timers across a restart, goals,
exits, re-entry, caps, quiet hours, splits and versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from automation_support import (
    consenting,
    enrolments,
    fixed_workspace,
    minutes,
    outbox_rows,
    outcomes,
    welcome,
    write_automation,
)

from journeys.analytics.segments.query import SegmentDefinition, parse_condition
from journeys.analytics.segments.store import save as save_segment
from journeys.clock import FixedClock
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.machine import bucket, idempotency_key
from journeys.workspace import Workspace

from factories import T0, identify, send, track


def _started(tmp_path: Path, text: str) -> tuple[Workspace, FixedClock]:
    ws, clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, text)
    assert run_engine(ws).started  # the cursor starts at the end of the log
    return ws, clock


def test_the_first_run_starts_at_the_end_of_the_log(tmp_path: Path) -> None:
    ws, _clock = fixed_workspace(tmp_path / "ws")
    write_automation(ws, welcome())
    send(ws.events, consenting("old", 0), track({"userId": "old"}, "signed_up", 1))
    first = run_engine(ws)
    assert first.started and first.position == ws.events.last_seq
    again = run_engine(ws)
    assert (again.started, again.events_read, again.entered) == (False, 0, 0)
    assert enrolments(ws) == []
    ws.close()


def test_a_consenting_customer_enters_and_the_wait_survives_a_restart(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, welcome())
    send(
        ws.events,
        consenting("alice", 0, email="alice@example.com", first_name="Alice"),
        identify("bob", 0, consent={"marketing": False}, email="bob@example.com"),
        track({"userId": "alice"}, "signed_up", 1),
        track({"userId": "bob"}, "signed_up", 1),
    )
    clock.advance(minutes(2))
    result = run_engine(ws)
    assert (result.entered, result.actions_queued) == (1, 1)
    [row] = enrolments(ws)
    assert (row.customer_id, row.status, row.wake_at) == ("alice", "active", T0 + minutes(1441))
    [hook] = outbox_rows(ws)
    assert hook.kind == "webhook" and hook.payload["data"] == {"email": "alice@example.com"}
    assert hook.idempotency_key == idempotency_key("welcome", 1, row.id, "notify-crm")
    ws.close()

    # A new process over the same folder: the timer is in the store, not in memory.
    clock.advance(minutes(1440))
    reopened = Workspace.open(ws.root, clock=clock)
    assert run_engine(reopened).actions_queued == 1
    [_, mail] = outbox_rows(reopened)
    assert mail.kind == "email"
    assert mail.payload == {
        "to": "alice@example.com",
        "subject": "Welcome, Alice",
        "body": "Hello Alice, good to have you.",
    }
    [done] = enrolments(reopened)
    assert done.status == "completed"
    assert run_engine(reopened).actions_queued == 0  # nothing fires twice
    reopened.close()


def test_the_goal_ends_the_wait_as_a_conversion(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, welcome())
    send(ws.events, consenting("carol", 0), track({"userId": "carol"}, "signed_up", 1))
    run_engine(ws)
    send(ws.events, track({"userId": "carol"}, "purchase", 60))
    clock.advance(minutes(3000))
    run_engine(ws)
    [row] = enrolments(ws)
    assert row.status == "converted"
    assert [r.kind for r in outbox_rows(ws)] == ["webhook"]  # the e-mail never went
    ws.close()


EVENT_WAIT = """\
id: nudge
name: Nudge after a viewed product
version: 1
trigger:
  event:
    event: product_viewed
    where: ["price > 100"]
exit:
  - event: unsubscribed
reentry:
  allowed: true
  after: 2d
steps:
  - id: bought
    wait:
      event:
        event: purchase
      timeout: 1d
      on_timeout: remind
  - id: thanks
    add_points:
      points: 10
  - id: end
    branch:
      conditions:
        - trait: "plan exists"
      then: exit
      otherwise: exit
  - id: remind
    set_trait:
      trait: nudged
      value: true
"""


def test_a_wait_for_an_event_goes_one_way_on_the_event_and_another_on_timeout(
    tmp_path: Path,
) -> None:
    ws, clock = _started(tmp_path, EVENT_WAIT)
    send(
        ws.events,
        track({"userId": "dan"}, "product_viewed", 1, price=150),
        track({"userId": "eve"}, "product_viewed", 1, price=150),
        track({"userId": "fay"}, "product_viewed", 1, price=50),  # filtered out
        track({"userId": "gus"}, "product_viewed", 1, price=150),
    )
    clock.advance(minutes(5))
    assert run_engine(ws).entered == 3
    send(
        ws.events,
        track({"userId": "dan"}, "purchase", 30),
        track({"userId": "gus"}, "unsubscribed", 30),
    )
    clock.advance(minutes(60 * 25))
    run_engine(ws)
    rows = {r.customer_id: r for r in enrolments(ws)}
    assert {c: r.status for c, r in rows.items()} == {
        "dan": "completed",
        "eve": "completed",
        "gus": "exited",
    }
    kinds = {(r.customer_id, r.kind) for r in outbox_rows(ws)}
    assert kinds == {("dan", "add_points"), ("eve", "set_trait")}
    assert outcomes(ws, "bought") == ["event", "timeout", "waiting", "waiting", "waiting"]
    ws.close()


def test_reentry_waits_its_span_and_never_overlaps(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, EVENT_WAIT)
    views = [track({"userId": "hal"}, "product_viewed", m, price=200) for m in (1, 10, 60 * 49)]
    send(ws.events, *views)
    clock.advance(minutes(60 * 50))
    run_engine(ws)
    entered = sorted(r.entered_at for r in enrolments(ws))
    # minute 10: still inside; minute 2940: more than two days after the first entry.
    assert entered == [T0 + minutes(1), T0 + minutes(60 * 49)]
    ws.close()


CAPPED = """\
id: capped
name: Capped webhook
version: 1
trigger:
  event:
    event: page_liked
reentry:
  allowed: true
caps:
  - action: webhook
    max: 2
    per: 1d
steps:
  - id: ping
    webhook:
      url: http://127.0.0.1:9/hook
"""


def test_a_frequency_cap_holds_back_actions_per_customer_and_period(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, CAPPED)
    send(ws.events, *[track({"userId": "ivy"}, "page_liked", m) for m in (1, 2)])
    clock.advance(minutes(2))
    run_engine(ws)  # two in one run: both go
    send(ws.events, *[track({"userId": "ivy"}, "page_liked", m) for m in (3, 1500)])
    clock.advance(minutes(1600))
    run_engine(ws)  # the third counts the two stored ones; a day later there is room again
    assert len(enrolments(ws)) == 4
    assert len(outbox_rows(ws)) == 3  # the third like within a day is capped
    assert outcomes(ws, "ping") == ["capped", "queued", "queued", "queued"]
    ws.close()


QUIET = """\
id: quiet
name: Quiet hours
version: 1
trigger:
  event:
    event: cart_abandoned
quiet_hours:
  start: "22:00"
  end: "08:00"
  timezone: Europe/Amsterdam
steps:
  - id: mail
    email:
      to: someone@example.com
      subject: Your cart
      body: Still thinking?
  - id: points
    add_points:
      points: 1
"""


def test_quiet_hours_hold_messages_until_morning_in_the_customer_zone(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, QUIET)
    # T0 is 09:00 UTC. Minute 780 = 22:00 UTC = 23:00 in Amsterdam (quiet) and 17:00 in New York.
    send(
        ws.events,
        identify("jan", 0, timezone="Europe/Amsterdam"),
        identify("kim", 0, timezone="America/New_York"),
        track({"userId": "jan"}, "cart_abandoned", 780),
        track({"userId": "kim"}, "cart_abandoned", 780),
    )
    clock.advance(minutes(800))
    run_engine(ws)
    due = {(r.customer_id, r.kind): r.next_attempt_at for r in outbox_rows(ws)}
    assert due[("jan", "email")] == T0 + minutes(60 * 22)  # 08:00 Amsterdam = 07:00 UTC
    assert due[("kim", "email")] == T0 + minutes(780)
    assert due[("jan", "add_points")] == T0 + minutes(780)  # only messages wait
    ws.close()


SPLIT = """\
id: ab
name: A/B with holdout
version: 1
trigger:
  event:
    event: signed_up
steps:
  - id: split
    split:
      holdout: 20
      variants:
        - {name: a, share: 50}
        - {name: b, share: 50, goto: b-mail}
  - id: a-mail
    add_points:
      points: 1
  - id: a-end
    branch:
      conditions: [{trait: "x exists"}]
      then: exit
      otherwise: exit
  - id: b-mail
    add_points:
      points: 2
"""


def test_a_split_is_deterministic_by_customer_and_holds_out_its_share(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, SPLIT)
    people = [f"p{i}" for i in range(60)]
    send(ws.events, *[track({"userId": p}, "signed_up", 1) for p in people])
    clock.advance(minutes(5))
    run_engine(ws)
    rows = {r.customer_id: r for r in enrolments(ws)}
    held = {p for p in people if bucket("ab", p, "holdout") < 2000}
    assert {p for p, r in rows.items() if r.status == "held_out"} == held
    assert 3 <= len(held) <= 25
    step_of = {r.customer_id: r.step_id for r in outbox_rows(ws)}
    for p in set(people) - held:
        expected = "a-mail" if bucket("ab", p, "split") < 5000 else "b-mail"
        assert (rows[p].variant, step_of[p]) == (expected[0], expected)
    assert held.isdisjoint(step_of)
    ws.close()


def test_customers_inside_keep_their_version(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, welcome())
    send(
        ws.events,
        consenting("lou", 0, email="lou@example.com"),
        track({"userId": "lou"}, "signed_up", 1),
    )
    clock.advance(minutes(2))
    run_engine(ws)
    v2 = welcome().replace("version: 1", "version: 2").replace("Welcome, ", "Hi again, ")
    write_automation(ws, v2.replace("duration: 1d", "duration: 1h"))
    send(
        ws.events,
        consenting("max", 2, email="max@example.com"),
        track({"userId": "max"}, "signed_up", 3),
    )
    clock.advance(minutes(60 * 25))
    run_engine(ws)
    rows = {r.customer_id: r for r in enrolments(ws)}
    assert (rows["lou"].version, rows["max"].version) == (1, 2)
    subjects = {r.customer_id: r.payload["subject"] for r in outbox_rows(ws) if r.kind == "email"}
    assert subjects["lou"].startswith("Welcome, ") and subjects["max"].startswith("Hi again, ")
    ws.close()


STAGE = """\
id: booked
name: After booking an appointment
version: 1
trigger:
  stage_entered: bank-mortgage/advice
steps:
  - id: ticket
    create_ticket:
      summary: "Prepare the advice meeting of {{ customer_id }}"
"""


def test_entering_a_stage_triggers_through_the_journey_matchers(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, STAGE)
    booked = {"topic": "mortgage"}
    send(
        ws.events,
        {**track({"userId": "mia"}, "appointment_booked", 1, **booked), "context": {}},
        track({"userId": "ned"}, "appointment_booked", 1, topic="insurance"),
    )
    clock.advance(minutes(2))
    run_engine(ws)
    assert [r.customer_id for r in enrolments(ws)] == []  # the matcher asks for channel web
    send(
        ws.events,
        {
            **track({"userId": "mia"}, "appointment_booked", 3, **booked),
            "context": {"channel": "web"},
        },
    )
    run_engine(ws)
    [row] = enrolments(ws)
    assert row.customer_id == "mia"
    [ticket] = outbox_rows(ws)
    assert ticket.payload["summary"] == "Prepare the advice meeting of mia"
    ws.close()


INACTIVE = """\
id: winback
name: Win back
version: 1
trigger:
  inactive_days: 3
steps:
  - id: points
    add_points:
      points: 25
"""


def test_inactivity_lets_customers_in_once_per_quiet_spell(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, INACTIVE)
    send(
        ws.events,
        track({"userId": "oli"}, "page_viewed", 1),
        track({"userId": "pam"}, "page_viewed", 1),
        track({"userId": "pam"}, "page_viewed", 60 * 24 * 2),
    )
    clock.advance(minutes(60 * 24 * 3 + 10))
    run_engine(ws)
    assert [r.customer_id for r in enrolments(ws)] == ["oli"]
    assert enrolments(ws)[0].entered_at == T0 + minutes(60 * 24 * 3 + 1)
    clock.advance(minutes(60 * 24 * 2))
    run_engine(ws)
    run_engine(ws)
    assert sorted(r.customer_id for r in enrolments(ws)) == ["oli", "pam"]
    ws.close()


SURVEY = """\
id: detractors
name: Call back detractors who bought before
version: 1
trigger:
  survey_answered:
    survey: nps-checkout
    max_score: 6
conditions:
  - did:
      event: purchase
    at_least: 2
    within: 30d
steps:
  - id: call-at-nine
    wait:
      until: "09:00"
  - id: mail
    email:
      subject: Sorry
      body: "We will call you, {{ customer_id }}."
  - id: ticket
    create_ticket:
      summary: Call back
"""


def _answered(user: str, minute: float, score: int, survey: str = "nps-checkout") -> dict[str, Any]:
    return track({"userId": user}, "survey_answered", minute, survey=survey, score=score)


def test_a_survey_answer_with_enough_purchases_waits_until_nine_local(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, SURVEY)
    send(
        ws.events,
        identify("quin", 0, email="quin@example.com", timezone="America/New_York"),
        *[track({"userId": u}, "purchase", m) for u in ("quin", "rob") for m in (1, 2)],
        track({"userId": "sam"}, "purchase", 1),
        _answered("quin", 600, 3),  # 19:00 UTC
        _answered("rob", 600, 3),
        _answered("sam", 600, 2),  # bought once: refused
        _answered("tom", 600, 9),  # a promoter
        _answered("rob", 601, 0, survey="nps-delivery"),  # another survey
    )
    clock.advance(minutes(601))
    run_engine(ws)
    rows = {r.customer_id: r for r in enrolments(ws)}
    assert sorted(rows) == ["quin", "rob"]
    # 09:00 the next morning: New York for quin (14:00 UTC, before summer time), UTC for rob.
    assert rows["quin"].wake_at == T0 + minutes(60 * 29)
    assert rows["rob"].wake_at == T0 + minutes(60 * 24)
    clock.advance(minutes(60 * 28))
    run_engine(ws)
    sent = sorted((r.customer_id, r.kind) for r in outbox_rows(ws))
    # rob has no e-mail address: the e-mail is skipped, the ticket still opens.
    assert sent == [("quin", "create_ticket"), ("quin", "email"), ("rob", "create_ticket")]
    assert outcomes(ws, "mail") == ["queued", "skipped"]
    ws.close()


def test_an_invalid_file_does_not_stop_the_others(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, CAPPED)
    write_automation(ws, SPLIT.replace("share: 50}", "share: 40}"), "ab")
    send(
        ws.events,
        track({"userId": "uma"}, "page_liked", 1),
        track({"userId": "uma"}, "signed_up", 1),
    )
    clock.advance(minutes(2))
    assert run_engine(ws).entered == 1
    assert [r.automation_id for r in enrolments(ws)] == ["capped"]
    ws.close()


SEGMENT = """\
id: loyal
name: Welcome to the loyal customers
version: 1
trigger:
  segment_entered: repeat-buyers
steps:
  - id: points
    add_points:
      points: 100
"""


def test_entering_a_saved_segment_lets_the_customer_in_once(tmp_path: Path) -> None:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    condition = parse_condition("did purchase at least 2 times")
    save_segment(ws.operational, SegmentDefinition(name="repeat-buyers", conditions=[condition]))
    send(ws.events, *[track({"userId": "vic"}, "purchase", m) for m in (1, 2)])
    write_automation(ws, SEGMENT, "loyal")
    run_engine(ws)  # vic was in the segment before the engine started: not an entry
    send(
        ws.events,
        track({"userId": "wes"}, "purchase", 5.1),
        track({"userId": "wes"}, "purchase", 5.2),
        track({"userId": "xia"}, "purchase", 5.3),
    )
    clock.advance(minutes(0.5))
    run_engine(ws)
    assert enrolments(ws) == []  # wes is in already, but segments are checked once a minute
    clock.advance(minutes(10))
    run_engine(ws)
    [row] = enrolments(ws)
    assert (row.customer_id, row.entered_at, row.status) == ("wes", clock.now(), "completed")
    send(ws.events, track({"userId": "wes"}, "purchase", 20))
    clock.advance(minutes(60))
    run_engine(ws)
    assert len(enrolments(ws)) == 1  # still in the segment: no second entry
    ws.close()


def test_a_segment_that_does_not_exist_is_refused(ws: Workspace) -> None:
    from journeys.orchestration.automations.files import check_automation_text

    issues = check_automation_text(ws, SEGMENT, "automations/loyal.yaml").issues
    assert [(i.field, i.code, i.line) for i in issues] == [
        ("trigger.segment_entered", "unknown_segment", 5)
    ]
