"""The agent view: the whole context in one call, by phone number or e-mail address."""

from __future__ import annotations

from pathlib import Path

import pytest
from nba_support import identify, page, scenario, track, workspace_at

from journeys.feedback.tickets import TicketOpen, open_ticket
from journeys.orchestration.agent import agent_view
from journeys.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = workspace_at(tmp_path / "ws")
    scenario(
        workspace,
        {
            "anon:phone-1": [page("mortgages", 600, path="/mortgages")],
            "mia": [
                identify(500, email="mia@example.com", phone="+31611112222", first_name="Mia"),
                page("mortgage_rates", 10, path="/mortgages/rates"),
            ],
        },
    )
    # The device's earlier visit becomes Mia's when she logs in on it.
    scenario(
        workspace, {"mia": [{"type": "identify", "minutes_ago": 400, "anonymousId": "phone-1"}]}
    )
    scenario(workspace, {"mia": [track("call_started", 5, topic="general")]}, channel="phone")
    yield workspace
    workspace.close()


@pytest.mark.parametrize("any_id", ["+31611112222", "mia@example.com", "phone-1"])
def test_the_agent_view_by_phone_email_or_device(ws: Workspace, any_id: str) -> None:
    view = agent_view(ws, any_id)
    assert (view.customer_id, view.known, view.name) == ("mia", True, "Mia")
    assert view.user_ids == ["mia"]
    assert view.anonymous_ids == ["phone-1"]
    assert view.external_ids == {"email": ["mia@example.com"], "phone": ["+31611112222"]}
    assert view.traits["first_name"] == "Mia"


def test_it_shows_journeys_channels_tickets_and_actions(ws: Workspace) -> None:
    ticket = open_ticket(ws, TicketOpen(customer_id="mia", reason="api", summary="Wrong rate"))
    view = agent_view(ws, "+31611112222", channel="phone")
    [mortgage] = view.journeys
    assert (mortgage.journey, mortgage.stage, mortgage.touchpoint) == (
        "bank-mortgage",
        "research",
        "rates-page",
    )
    last = {i.channel: (i.event, i.ago) for i in view.last_by_channel}
    assert last == {
        "phone": ("call_started", "5 minutes ago"),
        "web": ("mortgage_rates", "10 minutes ago"),
    }
    assert [i.event for i in view.recent[:2]] == ["ticket_opened", "call_started"]
    assert [t.id for t in view.open_tickets] == [ticket.id]
    assert [a.id for a in view.next_best_actions.actions] == [
        "fix-open-ticket",
        "mortgage-advice-call",
    ]
    assert view.survey_answers == []


def test_loyalty_status_or_a_note(ws: Workspace) -> None:
    loyalty = agent_view(ws, "mia").loyalty
    if loyalty.available:
        assert loyalty.status is not None and loyalty.status["member"] is False
    else:
        assert loyalty.note == "no loyalty programme"


def test_an_anonymous_visitor_has_an_agent_view(ws: Workspace) -> None:
    scenario(ws, {"anon:dev-9": [track("product_added", 3, name="Shirt")]})
    view = agent_view(ws, "dev-9")
    assert (view.customer_id, view.known, view.user_ids, view.anonymous_ids) == (
        "dev-9",
        False,
        [],
        ["dev-9"],
    )
    assert [a.id for a in view.next_best_actions.actions] == ["cart-reminder"]
