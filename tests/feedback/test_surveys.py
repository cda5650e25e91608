"""Surveys: files, links, answers stored once as responses and events, triggers and fatigue."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from journeys.api.app import create_app
from journeys.cli import app as cli
from journeys.clock import FixedClock
from journeys.errors import (
    AnswerInvalid,
    LinkExpired,
    LinkInvalid,
    PayloadTooLarge,
    SurveyFileInvalid,
    SurveyNotFound,
)
from journeys.feedback.surveys import answers, files, triggers
from journeys.feedback.surveys.answers import Answer
from journeys.workspace import Workspace

from scenarios import T0, D, H, journeys_for
from serving import admin_headers

NOW = T0 + 10 * D


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    """A workspace with the example journeys and surveys, on a fixed clock, with customers."""
    workspace = Workspace.init(tmp_path / "ws", clock=clock)
    journeys_for(workspace, {"alice": [("page_viewed", T0)], "bob": [("page_viewed", T0)]})
    yield workspace
    workspace.close()


def events_named(ws: Workspace, name: str) -> list[dict[str, object]]:
    rows = (
        ws.events.fresh_reader()
        .execute(
            "SELECT customer_id, channel, properties FROM stitched_events WHERE event = ? "
            "ORDER BY seq",
            [name],
        )
        .fetchall()
    )
    return [{"customer": c, "channel": ch, **json.loads(p)} for c, ch, p in rows]


# -- files ------------------------------------------------------------------------------------


def test_the_example_surveys_load_with_their_default_texts(sws: Workspace) -> None:
    surveys = {s.id: s for s in files.load_surveys(sws)}
    assert set(surveys) == {"after-cleaning", "booking-effort"}
    nps = surveys["after-cleaning"]
    assert nps.scale == (0, 10) and nps.asks_comment
    assert nps.text("nl").title == "Hoe ging de schoonmaak?"  # the file's own text
    assert "aanbeveelt" in (nps.text("nl").question or "")  # the shipped default
    assert surveys["booking-effort"].scale == (1, 7)


@pytest.mark.parametrize(
    ("edit", "code", "below"),
    [
        (("touchpoint: cleaning-done", "touchpoint: cleaning-dne"), "unknown_touchpoint", 0),
        (("journey: home-cleaning", "journey: home-clean"), "unknown_journey", 0),
        (("kind: nps_plus", "kind: nps_pluss"), "invalid_value", 0),
        (("link_valid_for: 7d", "link_valid_for: soon"), "invalid_value", 0),
        (("link_valid_for: 7d", "link_valid_for: 7d\nquestion: x"), "unknown_field", 1),
    ],
)
def test_a_bad_survey_file_is_refused_naming_line_and_field(
    sws: Workspace, edit: tuple[str, str], code: str, below: int
) -> None:
    original = files.survey_text(sws, "after-cleaning")
    line = original[: original.index(edit[0])].count("\n") + 1 + below
    with pytest.raises(SurveyFileInvalid) as err:
        files.save_survey_text(sws, original.replace(*edit), replaces="after-cleaning")
    issue = err.value.details[0]
    assert (issue["code"], issue["line"]) == (code, line)
    assert files.get_survey(sws, "after-cleaning").touchpoint == "cleaning-done"  # file kept


def test_nps_plus_needs_a_pick_list(sws: Workspace) -> None:
    text = "id: x\nname: X\nkind: nps_plus\njourney: home-cleaning\ntouchpoint: cleaning-done\n"
    checked = files.check_survey_text(sws, text)
    assert [i.code for i in checked.issues] == ["root_causes_missing"]


def test_a_new_survey_may_not_take_an_id_in_use(sws: Workspace) -> None:
    text = (
        "id: booking-effort\nname: X\nkind: nps\njourney: home-cleaning\n"
        "touchpoint: cleaning-done\n"
    )
    with pytest.raises(SurveyFileInvalid, match="already exists"):
        files.save_survey_text(sws, text)


# -- links and answers ------------------------------------------------------------------------


def test_an_answer_through_a_link_is_stored_once_and_recorded_as_an_event(sws: Workspace) -> None:
    link = answers.invite(sws, "after-cleaning", "alice")
    assert link.token is not None
    first = answers.answer_link(sws, link.token, Answer(score=9, root_cause="cleaner"))
    again = answers.answer_link(sws, link.token, Answer(score=2, root_cause="price"))
    assert not first.duplicate and again.duplicate
    assert again.response.id == first.response.id and again.response.score == 9
    assert answers.list_responses(sws).total == 1
    [event] = events_named(sws, "survey_answered")
    assert event["customer"] == "alice" and event["channel"] == "web"
    assert event["score"] == 9 and event["survey_kind"] == "nps_plus"
    assert (event["journey"], event["stage"], event["touchpoint"]) == (
        "home-cleaning",
        "visit",
        "cleaning-done",
    )
    assert answers.list_invitations(sws, status="answered")[0].id == link.id


@pytest.mark.parametrize(
    ("survey", "answer", "error", "field"),
    [
        ("after-cleaning", Answer(score=11, root_cause="price"), AnswerInvalid, "score"),
        ("after-cleaning", Answer(score=-1, root_cause="price"), AnswerInvalid, "score"),
        ("booking-effort", Answer(score=0), AnswerInvalid, "score"),
        ("after-cleaning", Answer(score=5), AnswerInvalid, "root_cause"),
        ("after-cleaning", Answer(score=5, root_cause="weather"), AnswerInvalid, "root_cause"),
        ("booking-effort", Answer(score=3, comment="hi"), AnswerInvalid, "comment"),
        (
            "after-cleaning",
            Answer(score=5, root_cause="price", comment="x" * 2001),
            PayloadTooLarge,
            "comment",
        ),
    ],
)
def test_bad_answers_are_refused_naming_the_field(
    sws: Workspace, survey: str, answer: Answer, error: type[Exception], field: str
) -> None:
    link = answers.invite(sws, survey, "alice")
    assert link.token is not None
    with pytest.raises(error) as err:
        answers.answer_link(sws, link.token, answer)
    assert err.value.details["field"] == field  # type: ignore[attr-defined]
    assert answers.list_responses(sws).total == 0
    assert events_named(sws, "survey_answered") == []


def test_an_expired_or_forged_link_is_refused(sws: Workspace, clock: FixedClock) -> None:
    link = answers.invite(sws, "after-cleaning", "alice")
    assert link.token is not None
    head, _, signature = link.token.rpartition(".")
    with pytest.raises(LinkInvalid):
        answers.open_link(sws, f"{head}.{signature[::-1]}")
    with pytest.raises(LinkInvalid):
        answers.open_link(sws, "not-a-token")
    clock.advance(timedelta(days=7))  # after-cleaning links are valid 7 days
    with pytest.raises(LinkExpired, match="expired on"):
        answers.open_link(sws, link.token)


def test_an_unknown_survey_or_customer_is_named(sws: Workspace) -> None:
    with pytest.raises(SurveyNotFound, match="no-such"):
        answers.invite(sws, "no-such", "alice")
    with pytest.raises(Exception, match="carol"):
        answers.invite(sws, "after-cleaning", "carol")


def test_a_detractor_opens_a_ticket_with_the_touchpoint_owner(sws: Workspace) -> None:
    link = answers.invite(sws, "after-cleaning", "bob")
    assert link.token is not None
    result = answers.answer_link(sws, link.token, Answer(score=3, root_cause="punctuality"))
    assert result.response.ticket_id is not None
    [opened] = events_named(sws, "ticket_opened")
    assert opened["ticket_id"] == result.response.ticket_id
    assert opened["customer"] == "bob" and opened["reason"] == "detractor"
    assert opened["touchpoint"] == "cleaning-done" and opened["response_id"] == result.response.id
    promoter = answers.invite(sws, "after-cleaning", "alice")
    assert promoter.token is not None
    happy = answers.answer_link(sws, promoter.token, Answer(score=10, root_cause="cleaner"))
    assert happy.response.ticket_id is None
    with TestClient(create_app(sws), headers=admin_headers(sws)) as client:
        inbox = client.get("/tickets").text
    assert f'data-ticket="{result.response.ticket_id}"' in inbox
    # The loop so far: one detractor, ticketed, not yet contacted.
    assert 'data-figure="detractors">1<' in inbox
    assert 'data-figure="ticketed">1 <small>(100 %)' in inbox
    assert 'data-figure="within-sla">0 <small>(0 %)' in inbox


# -- triggers and fatigue ---------------------------------------------------------------------


def test_trigger_events_schedule_invitations_within_the_fatigue_rules(sws: Workspace) -> None:
    journeys_for(
        sws,
        {
            "alice": [("cleaning_completed", T0)],
            # A second cleaning within 30 days: not asked the same survey again.
            "bob": [("cleaning_completed", T0), ("cleaning_completed", T0 + 2 * D)],
            # Booked and cleaned: two surveys, within max_surveys (2) per 30 days.
            "carol": [("booking_confirmed", T0), ("cleaning_completed", T0 + D)],
        },
    )
    result = triggers.dispatch(sws)
    assert (result.scheduled, result.skipped) == (4, 1)
    found = {(i.survey_id, i.customer_id, i.status): i for i in answers.list_invitations(sws)}
    assert found[("after-cleaning", "alice", "scheduled")].due_at == T0 + 2 * H
    assert found[("booking-effort", "carol", "scheduled")].due_at == T0 + timedelta(minutes=10)
    skipped = found[("after-cleaning", "bob", "skipped")]
    assert skipped.due_at == T0 + 2 * D + 2 * H and "30d" in (skipped.skip_reason or "")
    # Running again reads nothing new and changes nothing.
    assert triggers.dispatch(sws).events_read == 0
    assert len(answers.list_invitations(sws)) == 5


def test_max_surveys_per_period_skips_one_too_many(sws: Workspace) -> None:
    reminder = (
        "id: reminder-csat\nname: Reminder\nkind: csat\njourney: home-cleaning\n"
        "touchpoint: reminder-sms\ntrigger: {match: {event: sms_delivered}}\n"
    )
    files.save_survey_text(sws, reminder)
    journeys_for(
        sws,
        {
            "dave": [
                ("booking_confirmed", T0),
                ("sms_delivered", T0 + D),
                ("cleaning_completed", T0 + 2 * D),  # after-cleaning allows 2 per 30 days
            ]
        },
    )
    triggers.dispatch(sws)
    found = [(i.survey_id, i.status) for i in answers.list_invitations(sws, customer="dave")]
    assert found == [
        ("booking-effort", "scheduled"),
        ("reminder-csat", "scheduled"),
        ("after-cleaning", "skipped"),
    ]
    skipped = answers.list_invitations(sws, status="skipped")[0]
    assert skipped.skip_reason == "already asked 2 surveys within 30d (the limit is 2)"


def test_due_invitations_are_those_to_send_now(sws: Workspace, clock: FixedClock) -> None:
    journeys_for(sws, {"erin": [("cleaning_completed", NOW - H)]})
    triggers.dispatch(sws)
    assert answers.list_invitations(sws, due=True) == []  # due in an hour
    clock.advance(2 * H)
    [due] = answers.list_invitations(sws, due=True)
    assert due.customer_id == "erin" and due.token is not None
    assert answers.open_link(sws, due.token)[0].id == "after-cleaning"


# -- HTTP API, hosted form, CLI ---------------------------------------------------------------


def test_the_api_invites_answers_once_per_key_and_lists(sws: Workspace) -> None:
    with TestClient(create_app(sws), headers=admin_headers(sws)) as client:
        made = client.post("/api/surveys/booking-effort/invitations", json={"customer_id": "bob"})
        assert made.status_code == 201
        assert made.json()["url"].startswith("http://testserver/s/")
        body = {"customer_id": "alice", "score": 2, "channel": "app"}
        key = {"Idempotency-Key": "crm-123"}
        first = client.post("/api/surveys/booking-effort/responses", json=body, headers=key)
        again = client.post("/api/surveys/booking-effort/responses", json=body, headers=key)
        assert (first.status_code, again.status_code) == (201, 200)
        assert (
            again.json()["duplicate"]
            and again.json()["response"]["id"] == first.json()["response"]["id"]
        )
        bad = client.post("/api/surveys/booking-effort/responses", json={**body, "score": 8})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "answer_invalid"
        assert "between 1 and 7" in bad.json()["error"]["message"]
        missing = client.post("/api/surveys/nope/responses", json=body)
        assert missing.json()["error"]["code"] == "survey_not_found"
        feed = client.get("/api/surveys/responses", params={"survey": "booking-effort"}).json()
        assert feed["total"] == 1 and feed["responses"][0]["channel"] == "app"
        token = made.json()["token"]
        by_link = client.post("/api/surveys/answers", json={"token": token, "score": 7})
        assert by_link.status_code == 201
        forged = client.post("/api/surveys/answers", json={"token": token + "x", "score": 7})
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "link_invalid"


def test_a_survey_is_created_and_replaced_over_the_api_as_a_file(sws: Workspace) -> None:
    survey = {
        "id": "shop-csat",
        "name": "Shop visit",
        "kind": "csat",
        "journey": "home-cleaning",
        "touchpoint": "cleaner-arrives",
    }
    with TestClient(create_app(sws), headers=admin_headers(sws)) as client:
        assert client.post("/api/surveys", json=survey).status_code == 201
        assert (sws.root / "surveys" / "shop-csat.yaml").is_file()
        changed = client.put("/api/surveys/shop-csat", json={**survey, "name": "Arrival"})
        assert changed.json()["name"] == "Arrival"
        bad = client.put("/api/surveys/shop-csat", json={**survey, "touchpoint": "nowhere"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "survey_invalid"
        assert bad.json()["error"]["details"][0]["code"] == "unknown_touchpoint"
        unknown = client.post("/api/surveys", json={**survey, "id": "y", "colour": "red"})
        assert unknown.status_code == 422 and "colour" in unknown.text
    assert files.get_survey(sws, "shop-csat").name == "Arrival"


def test_the_hosted_form_speaks_the_customers_language(sws: Workspace, clock: FixedClock) -> None:
    link = answers.invite(sws, "after-cleaning", "alice")
    with TestClient(create_app(sws)) as client:
        url = f"/s/{link.token}"
        page = client.get(url, headers={"accept-language": "nl-NL,nl;q=0.9,en;q=0.8"})
        assert page.status_code == 200 and 'lang="nl"' in page.text
        assert "Hoe ging de schoonmaak?" in page.text and "De schoonmaker" in page.text
        assert "Hoe ging" not in client.get(url + "?lang=en").text
        wrong = client.post(url, data={"score": "", "root_cause": "price", "lang": "nl"})
        assert wrong.status_code == 422 and "Kies een score" in wrong.text
        done = client.post(url, data={"score": "4", "root_cause": "price", "lang": "nl"})
        assert done.status_code == 200 and "Dank u wel" in done.text
        twice = client.post(url, data={"score": "10", "root_cause": "price", "lang": "en"})
        assert "already answered" in twice.text
        assert answers.list_responses(sws).responses[0].score == 4
        clock.advance(timedelta(days=8))
        expired = client.get(url, headers={"accept-language": "en"})
        assert expired.status_code == 410 and "expired" in expired.text
        assert client.get("/s/forged.token").status_code == 403


def test_the_staff_pages_list_edit_and_show_answers(sws: Workspace) -> None:
    link = answers.invite(sws, "after-cleaning", "alice")
    assert link.token is not None
    answers.answer_link(sws, link.token, Answer(score=9, root_cause="cleaner"))
    with TestClient(create_app(sws), headers=admin_headers(sws)) as client:
        listing = client.get("/surveys")
        assert 'data-survey="after-cleaning"' in listing.text and "NPS+" in listing.text
        text = files.survey_text(sws, "booking-effort")
        bad = client.post("/surveys/booking-effort", data={"text": text + "colour: red\n"})
        assert bad.status_code == 422 and 'data-code="unknown_field"' in bad.text
        saved = client.post(
            "/surveys/booking-effort", data={"text": text.replace("Booking effort", "Effort")}
        )
        assert saved.status_code == 200 and "data-saved" in saved.text  # after the redirect
        made = client.post("/surveys/booking-effort/link", data={"customer_id": "bob"})
        assert "data-link" in made.text and "/s/" in made.text
        feed = client.get("/feedback", params={"band": "promoter"})
        assert 'data-response="' in feed.text and "alice" in feed.text
        assert 'data-response="' not in client.get("/feedback?band=detractor").text
    assert files.get_survey(sws, "booking-effort").name == "Effort"


def test_the_cli_dispatches_and_lists(sws: Workspace) -> None:
    journeys_for(sws, {"alice": [("cleaning_completed", T0)]})
    root = str(sws.root)
    sws.close()
    runner = CliRunner()
    ran = runner.invoke(cli, ["surveys", "dispatch", "-w", root, "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["scheduled"] == 1
    listed = runner.invoke(cli, ["surveys", "invitations", "-w", root, "--json"])
    assert [i["customer_id"] for i in json.loads(listed.output)] == ["alice"]
    link = runner.invoke(cli, ["surveys", "invite", "booking-effort", "bob", "-w", root])
    assert link.exit_code == 0 and "/s/" in link.output
    listed = runner.invoke(cli, ["surveys", "list", "-w", root, "--json"])
    assert {s["id"] for s in json.loads(listed.output)} == {"after-cleaning", "booking-effort"}
    bad = sws.root / "bad.yaml"
    bad.write_text("id: b\nname: B\nkind: nps\njourney: home-cleaning\ntouchpoint: nowhere\n")
    checked = runner.invoke(cli, ["surveys", "check", str(bad), "-w", root])
    assert checked.exit_code == 1 and "unknown_touchpoint" in checked.output


@pytest.fixture
def ws(sws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The shared ``server`` fixture serves this module's workspace, dispatching quickly."""
    monkeypatch.setenv("JOURNEYS_SURVEY_DISPATCH_SECONDS", "0.1")
    return sws


def test_the_server_dispatches_trigger_events_by_itself(sws: Workspace, server: str) -> None:
    journeys_for(sws, {"alice": [("cleaning_completed", NOW - H)]})
    admin = admin_headers(sws)
    deadline = time.monotonic() + 15
    found: list[dict[str, object]] = []
    while not found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = httpx.get(f"{server}/api/surveys/invitations", headers=admin).json()
    assert [(i["survey_id"], i["customer_id"]) for i in found] == [("after-cleaning", "alice")]
