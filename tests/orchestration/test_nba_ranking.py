"""Next best action scenarios: what the example catalogue offers whom, and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from nba_support import identify, page, scenario, track, workspace_at

from journeys.errors import CustomerNotFound
from journeys.feedback.tickets import TicketOpen, open_ticket
from journeys.orchestration.nba.service import next_best_actions
from journeys.workspace import Workspace

CONSENT = track("cookie_consent_given", 600, analytics=True, marketing=True)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = workspace_at(tmp_path / "ws")
    yield workspace
    workspace.close()


def ids(found: object) -> list[str]:
    return [a.id for a in found.actions]  # type: ignore[attr-defined]


def test_the_mortgage_reader_gets_mortgage_advice_not_the_credit_card(ws: Workspace) -> None:
    scenario(
        ws,
        {
            "mia": [
                CONSENT,
                page("credit_cards", 300, path="/credit-cards"),
                page("mortgages", 30, path="/mortgages"),
                page("mortgage_rates", 10, path="/mortgages/rates/10-years"),
            ],
            # The control: the same consent and card pages without mortgage reading.
            "carl": [CONSENT, page("credit_cards", 30, path="/credit-cards")],
        },
    )
    mia = next_best_actions(ws, "mia", channel="phone")
    assert ids(mia)[0] == "mortgage-advice-call"
    assert "credit-card-offer" not in ids(mia)
    assert "mortgage pages: once" in mia.actions[0].reason
    assert "latest 10 minutes ago" in mia.actions[0].reason
    assert "mortgage rates: once in the last 30d" in mia.actions[0].reason
    assert ids(next_best_actions(ws, "carl", channel="web")) == ["credit-card-offer"]


def test_without_marketing_consent_there_is_no_offer(ws: Workspace) -> None:
    no = track("cookie_consent_given", 600, analytics=True, marketing=False)
    scenario(ws, {"carl": [no, page("credit_cards", 30, path="/credit-cards")]})
    assert ids(next_best_actions(ws, "carl")) == []


def test_an_abandoned_cart_gets_a_reminder_and_an_ordered_one_does_not(ws: Workspace) -> None:
    added = {"product_id": "LC-1", "name": "Linen shirt", "size": "M", "price": 59.0}
    scenario(
        ws,
        {
            "ann": [track("product_added", 90, **added)],
            "otto": [track("product_added", 90, **added), track("order_completed", 60)],
        },
    )
    ann = next_best_actions(ws, "ann", channel="web")
    assert ids(ann)[0] == "cart-reminder"
    assert ann.actions[0].title == "Remind of the cart: Linen shirt"
    assert "Linen shirt (size M)" in ann.actions[0].message
    assert "items left in the cart: once in the last 14d" in ann.actions[0].reason
    assert "cart-reminder" not in ids(next_best_actions(ws, "otto", channel="web"))


def test_an_old_cart_is_outside_the_window(ws: Workspace) -> None:
    scenario(ws, {"ann": [track("product_added", 15 * 24 * 60, name="Linen shirt")]})
    assert "cart-reminder" not in ids(next_best_actions(ws, "ann"))


def test_an_open_ticket_comes_first(ws: Workspace) -> None:
    scenario(
        ws,
        {"ann": [track("product_added", 90, name="Linen shirt"), identify(80, first_name="Ann")]},
    )
    spec = TicketOpen(
        customer_id="ann", reason="api", summary="Parcel never arrived", priority="high"
    )
    ticket = open_ticket(ws, spec)
    found = next_best_actions(ws, "ann", channel="phone")
    assert ids(found)[:2] == ["fix-open-ticket", "cart-reminder"]
    top = found.actions[0]
    assert top.title == f"Fix the open ticket first ({ticket.id})"
    assert top.message.startswith(f"Ann is waiting on ticket {ticket.id}: Parcel never arrived.")
    assert f"open ticket {ticket.id} (high priority, new)" in top.reason


def test_the_rebook_offer_follows_a_cleaning_unless_it_went_badly(ws: Workspace) -> None:
    done = track("cleaning_completed", 120, duration_minutes=180)
    scenario(
        ws,
        {
            "hans": [done],
            "greta": [done, track("feedback_submitted", 60, score=3)],
        },
        channel="in_person",  # the touchpoint's matcher asks for it
    )
    hans = next_best_actions(ws, "hans", channel="phone")
    assert ids(hans) == ["rebook-cleaning"]
    assert "at stage 'Visit'" in hans.actions[0].reason
    assert next_best_actions(ws, "greta", channel="phone").actions == []


def test_an_anonymous_visitor_gets_actions_too(ws: Workspace) -> None:
    scenario(ws, {"anon:dev-1": [page("buyer_guide", 5, path="/mortgages/guide/steps")]})
    found = next_best_actions(ws, "dev-1")
    assert (found.customer_id, found.known) == ("dev-1", False)
    assert ids(found) == ["mortgage-advice-call"]


def test_lookup_by_email_and_phone(ws: Workspace) -> None:
    scenario(
        ws,
        {
            "mia": [
                identify(100, email="mia@example.com", phone="+31611112222"),
                page("mortgages", 20, path="/mortgages"),
            ]
        },
    )
    for any_id in ("mia@example.com", "+31611112222", "mia"):
        found = next_best_actions(ws, any_id)
        assert (found.customer_id, ids(found)[0]) == ("mia", "mortgage-advice-call")


def test_the_channel_filters_and_the_limit_cuts(ws: Workspace) -> None:
    scenario(ws, {"ann": [track("product_added", 90, name="Shirt")]})
    assert ids(next_best_actions(ws, "ann", channel="sms")) == []
    open_ticket(ws, TicketOpen(customer_id="ann", reason="api", summary="x"))
    assert len(next_best_actions(ws, "ann", limit=1).actions) == 1


def test_an_unknown_id_is_not_found(ws: Workspace) -> None:
    with pytest.raises(CustomerNotFound):
        next_best_actions(ws, "nobody")


def test_scores_rank_recent_interest_higher(ws: Workspace) -> None:
    scenario(
        ws,
        {
            "fresh": [page("mortgages", 5, path="/mortgages")],
            "stale": [page("mortgages", 20 * 24 * 60, path="/mortgages")],
        },
    )
    fresh = next_best_actions(ws, "fresh").actions[0]
    stale = next_best_actions(ws, "stale").actions[0]
    assert fresh.id == stale.id == "mortgage-advice-call"
    assert fresh.score > stale.score
