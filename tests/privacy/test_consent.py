"""Consent per purpose: stated over the API, the CLI and identify calls, honoured by the
automation engine and the survey dispatcher, exported and erased with the customer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from journeys.api.app import create_app
from journeys.cli import app as cli_app
from journeys.clock import FixedClock
from journeys.feedback.surveys import answers, triggers
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.files import check_automation_text
from journeys.orchestration.automations.tables import OutboxRow, StepLogRow
from journeys.privacy import erase_customer, export_customer
from journeys.privacy.consent import customer_consent, record_consent
from journeys.store.operational import Source
from journeys.workspace import Workspace

from factories import T0, identify, send, track
from scenarios import D, journeys_for
from serving import admin_headers


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    """The app over ``ws``, authenticated as an admin."""
    with TestClient(create_app(ws), headers=admin_headers(ws)) as c:
        yield c


def _states(body: dict[str, Any]) -> dict[str, tuple[bool, bool | None]]:
    return {p["purpose"]: (p["allowed"], p["granted"]) for p in body["purposes"]}


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# -- the API ------------------------------------------------------------------------------------


def test_consent_api_grants_refuses_and_refuses_unknown_purposes(client: TestClient) -> None:
    fresh = client.get("/api/customers/visitor-1/consent")
    assert fresh.status_code == 200
    # marketing is opt-in (needs a grant); surveys and personalisation are allowed until refused.
    assert _states(fresh.json()) == {
        "marketing": (False, None),
        "surveys": (True, None),
        "personalisation": (True, None),
    }
    assert fresh.json()["history"] == []

    put = client.put("/api/customers/visitor-1/consent", json={"marketing": True, "surveys": False})
    assert put.status_code == 200
    assert _states(put.json())["marketing"] == (True, True)
    assert _states(put.json())["surveys"] == (False, False)
    history = client.get("/api/customers/visitor-1/consent").json()["history"]
    assert sorted((h["purpose"], h["granted"], h["source"]) for h in history) == [
        ("marketing", True, "api"),
        ("surveys", False, "api"),
    ]

    unknown = client.put(
        "/api/customers/visitor-1/consent", json={"marketing": False, "spam": True, "ads": False}
    )
    assert unknown.status_code == 422
    assert "'spam'" in unknown.json()["error"]["message"]
    assert unknown.json()["error"]["details"]["unknown"] == ["spam", "ads"]
    not_bool = client.put("/api/customers/visitor-1/consent", json={"marketing": "yes"})
    assert not_bool.status_code == 422
    # Nothing of the refused bodies was recorded.
    assert len(client.get("/api/customers/visitor-1/consent").json()["history"]) == 2


def test_identify_consent_traits_through_the_batch_api_count_without_a_restart(
    client: TestClient, website: Source
) -> None:
    def batch(*messages: dict[str, Any]) -> None:
        r = client.post("/v1/batch", json={"batch": list(messages)}, auth=(website.write_key, ""))
        assert r.status_code == 200, r.text

    # An anonymous visitor accepts marketing, then signs up: the statement follows them.
    batch(
        {
            "type": "identify",
            "anonymousId": "anon-7",
            "timestamp": "2026-03-02T09:00:00Z",
            "traits": {"consent": {"marketing": True, "cookies": True}},
        }
    )
    assert _states(client.get("/api/customers/anon-7/consent").json())["marketing"] == (True, True)
    batch(
        identify("erin", 5, anon="anon-7", email="erin@example.com"),
        identify("erin", 6, consent={"surveys": False}),
        identify("erin", 7, consent={"surveys": False, "marketing": True}),  # a repeat
    )
    body = client.get("/api/customers/erin@example.com/consent").json()
    assert body["customer_id"] == "erin"
    assert _states(body)["marketing"] == (True, True)
    assert _states(body)["surveys"] == (False, False)
    # An unknown purpose in a trait is not recorded, a repeat of the state neither.
    assert [(h["purpose"], h["granted"], h["source"], h["at"]) for h in body["history"]] == [
        ("marketing", True, "identify", "2026-03-02T09:00:00"),
        ("surveys", False, "identify", "2026-03-02T09:06:00"),
    ]
    # A later statement over the API wins.
    client.put("/api/customers/erin/consent", json={"surveys": True})
    assert _states(client.get("/api/customers/anon-7/consent").json())["surveys"] == (True, True)


# -- the CLI ------------------------------------------------------------------------------------


def test_gdpr_consent_command_shows_and_records_statements(ws: Workspace) -> None:
    send(ws.events, identify("fay", 0, consent={"marketing": True}))
    root = ws.root
    ws.close()  # one process owns the event log

    def gdpr(*args: str) -> Any:
        return CliRunner().invoke(cli_app, ["gdpr", "consent", *args, "-w", str(root)])

    shown = gdpr("fay")
    assert shown.exit_code == 0, shown.output
    assert "marketing" in shown.output and "identify" in shown.output
    recorded = gdpr("fay", "--refuse", "marketing", "--grant", "surveys", "--json")
    assert recorded.exit_code == 0, recorded.output
    body = json.loads(recorded.output)
    assert _states(body)["marketing"] == (False, False)
    assert _states(body)["surveys"] == (True, True)
    assert [(h["purpose"], h["granted"], h["source"]) for h in body["history"]] == [
        ("marketing", True, "identify"),
        ("surveys", True, "cli"),
        ("marketing", False, "cli"),
    ]
    refused = gdpr("fay", "--grant", "newsletter")
    assert refused.exit_code != 0
    assert "newsletter" in str(refused.exception)
    text = gdpr("fay").output
    assert "refused" in text and "cli" in text


# -- export and erasure -------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_consent_history_is_exported_and_erased(store: str, request: pytest.FixtureRequest) -> None:
    ws: Workspace = request.getfixturevalue("ws" if store == "sqlite" else "pg_ws")
    send(ws.events, identify("gus", 0, email="gus@example.com", consent={"marketing": True}))
    record_consent(ws, "gus@example.com", {"surveys": False}, "api")
    record_consent(ws, "hal", {"marketing": True}, "api")  # someone else
    export = export_customer(ws, "gus@example.com")
    rows = export.operational["consent_history"]
    assert sorted((r["purpose"], r["granted"], r["source"]) for r in rows) == [
        ("marketing", True, "identify"),
        ("surveys", False, "api"),
    ]
    receipt = erase_customer(ws, "gus", reason="asked")
    assert receipt.removed["operational"]["consent_history"] == 2
    assert customer_consent(ws, "gus").history == []
    assert len(customer_consent(ws, "hal").history) == 1


# -- automations --------------------------------------------------------------------------------

NEWSLETTER = """\
id: newsletter
name: Newsletter
version: 1
purpose: marketing
trigger:
  event:
    event: signed_up
steps:
  - id: ask
    branch:
      conditions:
        - consent: personalisation
      then: tailored
  - id: plain
    add_points: {points: 1, reason: plain}
  - id: tailored
    webhook:
      url: http://127.0.0.1:9/hook
  - id: later
    wait:
      duration: 1d
  - id: reminder
    email:
      to: "someone@example.com"
      subject: News
      body: News
"""


def _automated(tmp_path: Path) -> tuple[Workspace, FixedClock]:
    clock = FixedClock(T0)
    ws = Workspace.init(tmp_path / "ws", clock=clock)
    folder = ws.root / "automations"
    folder.mkdir(exist_ok=True)
    (folder / "newsletter.yaml").write_text(NEWSLETTER, encoding="utf-8")
    assert run_engine(ws).started
    return ws, clock


def _sent(ws: Workspace) -> list[tuple[str, str]]:
    with Session(ws.operational.engine) as session:
        rows = session.execute(select(OutboxRow.customer_id, OutboxRow.step_id)).all()
    return sorted((str(c), str(s)) for c, s in rows)


def _logged(ws: Workspace, outcome: str) -> list[str]:
    with Session(ws.operational.engine) as session:
        return sorted(
            session.scalars(select(StepLogRow.step_id).where(StepLogRow.outcome == outcome))
        )


def test_an_automation_with_a_purpose_acts_only_for_consenting_customers(tmp_path: Path) -> None:
    ws, clock = _automated(tmp_path)
    send(
        ws.events,
        identify("ann", 0, consent={"marketing": True}),
        identify("ben", 0, consent={"marketing": False}),
        identify("cid", 0, consent={"marketing": True, "personalisation": False}),
        track({"userId": "ann"}, "signed_up", 1),
        track({"userId": "ben"}, "signed_up", 1),
        track({"userId": "cid"}, "signed_up", 1),
        track({"userId": "dot"}, "signed_up", 1),  # no statement: marketing is opt-in
    )
    clock.advance(_minutes(2))
    result = run_engine(ws)
    assert result.entered == 4
    # ann: personalisation is allowed until refused, so the branch skips the plain step; cid
    # refused it. ben (refused marketing) and dot (never granted it) go on, sent nothing.
    assert _sent(ws) == [("ann", "tailored"), ("cid", "plain"), ("cid", "tailored")]
    assert result.no_consent == 2
    assert _logged(ws, "no_consent") == ["tailored", "tailored"]  # counted at the step

    # ann refuses marketing over the API before her wait is over: the reminder is not sent.
    record_consent(ws, "ann", {"marketing": False}, "api")
    clock.advance(timedelta(days=1))
    later = run_engine(ws)
    assert later.no_consent == 3 and later.actions_queued == 1  # cid's reminder only
    assert ("cid", "reminder") in _sent(ws) and ("ann", "reminder") not in _sent(ws)
    ws.close()


def test_an_unknown_purpose_is_refused_with_its_line_and_field(ws: Workspace) -> None:
    text = NEWSLETTER.replace("purpose: marketing", "purpose: spam").replace(
        "- consent: personalisation", "- consent: telepathy"
    )
    checked = check_automation_text(ws, text, "automations/newsletter.yaml")
    found = sorted((i.line, i.field, i.code) for i in checked.issues)
    assert found == [
        (4, "purpose", "unknown_purpose"),
        (12, "steps[0].branch.conditions[0].consent", "unknown_purpose"),
    ]
    without = "\n".join(line for line in NEWSLETTER.splitlines() if "purpose:" not in line)
    assert check_automation_text(ws, without, "automations/newsletter.yaml").issues == []


# -- surveys ------------------------------------------------------------------------------------


def test_the_survey_dispatcher_does_not_invite_who_refused_surveys(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", clock=FixedClock(T0 + 10 * D))
    send(ws.events, identify("ivy", 0, consent={"surveys": False}), identify("jon", 0))
    journeys_for(ws, {"ivy": [("cleaning_completed", T0)], "jon": [("cleaning_completed", T0)]})
    result = triggers.dispatch(ws)
    assert (result.scheduled, result.skipped) == (1, 1)
    found = {(i.customer_id, i.status): i for i in answers.list_invitations(ws)}
    assert set(found) == {("ivy", "skipped"), ("jon", "scheduled")}
    assert found[("ivy", "skipped")].skip_reason == "no consent to surveys"
    # jon refuses over the API: his next cleaning invites nobody.
    record_consent(ws, "jon", {"surveys": False}, "api")
    journeys_for(ws, {"jon": [("cleaning_completed", T0 + 40 * D)]})
    assert triggers.dispatch(ws).scheduled == 0
    ws.close()
