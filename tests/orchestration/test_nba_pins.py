"""An automation sets a customer's next best action: queued through the outbox, stored once
per key, first in the ranking with its reason until it runs out; refused for unknown actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from automation_support import fixed_workspace, minutes, outbox_rows, write_automation
from nba_support import identify as nba_identify
from nba_support import scenario
from nba_support import track as nba_track
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.clock import FixedClock
from journeys.orchestration import next_best_actions
from journeys.orchestration.automations.delivery import Action, deliver_due, set_next_best_action
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.files import check_automation_text
from journeys.orchestration.nba.pins import PinRow
from journeys.workspace import Workspace

from factories import T0, identify, send, track

PIN = """\
id: rebook-nudge
name: Rebook nudge
version: 1
trigger:
  event:
    event: signed_up
steps:
  - id: pin
    set_next_best_action:
      action: {action}
      days: 7
      reason: "new customer {{{{ traits.first_name }}}}"
"""


def _pin(action: str = "rebook-cleaning") -> str:
    return PIN.format(action=action)


def _pinned_workspace(
    tmp_path: Path, action: str = "rebook-cleaning"
) -> tuple[Workspace, FixedClock]:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    write_automation(ws, _pin(action), "rebook-nudge")
    run_engine(ws)
    send(ws.events, identify("kim", 6, first_name="Kim"), track({"userId": "kim"}, "signed_up", 7))
    clock.advance(minutes(5))
    assert run_engine(ws).actions_queued == 1
    assert deliver_due(ws).delivered == 1
    return ws, clock


def test_a_pin_leads_the_ranking_with_its_reason_until_it_runs_out(tmp_path: Path) -> None:
    ws, clock = _pinned_workspace(tmp_path)
    found = next_best_actions(ws, "kim", limit=3)
    first = found.actions[0]
    assert first.id == "rebook-cleaning"
    until = (T0 + minutes(7) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    assert first.reason.startswith(
        f"set by automation 'Rebook nudge': new customer Kim (until {until})"
    )
    # The pin holds on a channel the action is offered on, not on one it is not.
    assert next_best_actions(ws, "kim", channel="phone").actions[0].id == "rebook-cleaning"

    clock.advance(timedelta(days=7, minutes=1))
    later = next_best_actions(ws, "kim", limit=10)
    assert all(not a.reason.startswith("set by automation") for a in later.actions)
    ws.close()


def test_a_key_stores_one_pin_however_often_it_is_delivered(tmp_path: Path) -> None:
    ws, _clock = _pinned_workspace(tmp_path)
    [row] = outbox_rows(ws)
    assert row.kind == "set_next_best_action" and row.status == "delivered"
    again = Action(
        outbox_id=row.id,
        idempotency_key=row.idempotency_key,
        automation_id=row.automation_id,
        version=row.version,
        step_id=row.step_id,
        kind=row.kind,
        customer_id=row.customer_id,
        known=row.known,
        payload=row.payload,
        created_at=row.created_at,
    )
    set_next_best_action(ws, again)  # a second delivery after a lost answer
    with Session(ws.operational.engine) as session:
        assert session.scalar(select(func.count()).select_from(PinRow)) == 1
        pin = session.scalars(select(PinRow)).one()
    assert (pin.customer_id, pin.action_id, pin.idempotency_key) == (
        "kim",
        "rebook-cleaning",
        row.idempotency_key,
    )
    ws.close()


def test_a_pin_needs_the_consent_its_action_asks_for(tmp_path: Path) -> None:
    ws, _clock = _pinned_workspace(tmp_path, "credit-card-offer")  # asks for marketing consent
    assert all(a.id != "credit-card-offer" for a in next_best_actions(ws, "kim").actions)
    send(ws.events, identify("kim", 8, consent={"marketing": True}))
    assert next_best_actions(ws, "kim").actions[0].id == "credit-card-offer"
    ws.close()


def test_an_unknown_action_is_refused_when_the_automation_is_checked(ws: Workspace) -> None:
    issues = check_automation_text(ws, _pin("free-unicorn"), "automations/rebook-nudge.yaml")
    assert [(i.field, i.code, i.line) for i in issues.issues] == [
        ("steps[0].set_next_best_action.action", "unknown_action", 10)
    ]
    assert "rebook-cleaning" in issues.issues[0].message
    assert check_automation_text(ws, _pin(), "automations/rebook-nudge.yaml").issues == []


def test_a_pin_over_the_http_api(ws: Workspace, server: str, api: httpx.Client) -> None:
    write_automation(ws, _pin(), "rebook-nudge")
    run_engine(ws)  # places the cursor (unless the server's loop did)
    now = datetime.now(UTC).replace(tzinfo=None)
    scenario(
        ws,
        {"lea": [nba_identify(3, first_name="Lea"), nba_track("signed_up", 2)]},
        now=now,
    )
    run_engine(ws)
    deliver_due(ws)
    body = api.get(f"{server}/api/customers/lea/next-best-action?limit=2").json()
    first = body["actions"][0]
    assert first["id"] == "rebook-cleaning"
    assert first["reason"].startswith("set by automation 'Rebook nudge': new customer Lea")
