"""The ticket service on a fixed clock: opening, the life cycle, SLA, escalation and the events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from journeys.clock import FixedClock
from journeys.errors import Conflict, CustomerNotFound, InvalidInput, NotFound
from journeys.feedback.tickets import (
    NoteIn,
    StatusChange,
    TicketFilter,
    TicketOpen,
    add_note,
    change_status,
    close_ticket,
    escalate_overdue,
    get_ticket,
    list_tickets,
    open_ticket,
    ticket_detail,
)
from journeys.workspace import Workspace

from test_tickets_support import NOW, fixed_workspace, seed_customers, ticket_events

H = timedelta(hours=1)


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[tuple[Workspace, FixedClock]]:
    ws, clock = fixed_workspace(tmp_path)
    seed_customers(ws)
    yield ws, clock
    ws.close()


def detractor(customer: str = "alice", score: int = 3, response: str | None = "r1") -> TicketOpen:
    return TicketOpen(
        customer_id=customer,
        reason="detractor",
        summary=f"NPS {score} after delivery",
        journey="fashion",
        touchpoint="delivery-tracking",
        response_id=response,
        score=score,
    )


def test_a_detractor_ticket_goes_to_the_touchpoint_owner_with_its_sla(loop) -> None:
    ws, _ = loop
    ticket = open_ticket(ws, detractor(customer="alice@example.com"))
    assert ticket.id == "T-1"
    assert ticket.customer_id == "alice"  # resolved from the e-mail address
    assert (ticket.journey, ticket.stage, ticket.touchpoint) == (
        "fashion",
        "service",
        "delivery-tracking",
    )
    assert ticket.team == "Logistics"  # the touchpoint's owner in fashion.yaml
    assert ticket.priority == "high"  # a detractor scoring 0–4
    assert ticket.sla_due_at == NOW + 4 * H
    assert (ticket.status, ticket.breached, ticket.sla_met, ticket.contacts) == (
        "new",
        False,
        None,
        0,
    )
    assert [(c.step, c.action, c.to_status, c.event) for c in ticket.history] == [
        (1, "opened", "new", "ticket_opened")
    ]


@pytest.mark.parametrize(
    ("spec", "priority", "due"),
    [
        (detractor(score=0), "high", 4),
        (detractor(score=4), "high", 4),
        (detractor(score=5), "normal", 24),
        (detractor(score=6), "normal", 24),
        (TicketOpen(customer_id="bob", reason="negative_comment", summary="rude"), "normal", 24),
        (TicketOpen(customer_id="bob", reason="api", summary="call me"), "normal", 24),
        (TicketOpen(customer_id="bob", reason="api", summary="x", priority="low"), "low", 72),
        (TicketOpen(customer_id="bob", reason="rule", summary="x", priority="high"), "high", 4),
    ],
)
def test_default_priorities_and_their_slas(loop, spec: TicketOpen, priority: str, due: int) -> None:
    ws, _ = loop
    ticket = open_ticket(ws, spec)
    assert (ticket.priority, ticket.sla_due_at) == (priority, NOW + due * H)


def test_the_sla_hours_come_from_the_settings(loop, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = loop
    monkeypatch.setenv("JOURNEYS_SLA_HIGH_HOURS", "1.5")
    assert open_ticket(ws, detractor()).sla_due_at == NOW + 1.5 * H


def test_a_ticket_without_touchpoint_or_owner_goes_to_the_default_team(
    loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = loop
    plain = open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary="x"))
    unknown = open_ticket(
        ws, TicketOpen(customer_id="bob", reason="api", summary="x", journey="gone", touchpoint="t")
    )
    given = open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary="x", team="VIP"))
    assert (plain.team, unknown.team, given.team) == ("Customer service",) * 2 + ("VIP",)
    assert (unknown.journey, unknown.touchpoint) == ("gone", "t")  # kept as given
    monkeypatch.setenv("JOURNEYS_TICKET_DEFAULT_TEAM", "Care")
    assert open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary="y")).team == "Care"


def test_an_unknown_customer_opens_no_ticket(loop) -> None:
    ws, _ = loop
    with pytest.raises(CustomerNotFound):
        open_ticket(ws, detractor(customer="nobody"))
    assert list_tickets(ws).total == 0


def test_opening_twice_for_one_response_returns_the_same_ticket(loop) -> None:
    ws, clock = loop
    first = open_ticket(ws, detractor())
    clock.advance(H)
    again = open_ticket(ws, detractor(score=1))
    assert again.id == first.id and again.created_at == first.created_at
    assert list_tickets(ws).total == 1
    assert [e[1] for e in ticket_events(ws)] == ["ticket_opened"]
    other = open_ticket(ws, detractor(response="r2"))
    assert other.id == "T-2"


def test_the_whole_life_cycle_with_times_notes_and_history(loop) -> None:
    ws, clock = loop
    ticket = open_ticket(ws, detractor())
    clock.advance(H)
    ticket = change_status(
        ws, ticket.id, StatusChange(status="contacted", note="Called, no answer", author="Eva")
    )
    clock.advance(H)
    ticket = change_status(ws, ticket.id, StatusChange(status="contacted", author="Eva"))
    ticket = add_note(ws, ticket.id, NoteIn(author="Eva", text="Parcel was with a neighbour"))
    clock.advance(H)
    ticket = change_status(ws, "t-1", StatusChange(status="resolved", author="Eva"))
    clock.advance(H)
    ticket = close_ticket(ws, "1", "carrier left parcel with neighbour", "voucher sent", "Eva")
    assert ticket.status == "closed"
    assert ticket.contacts == 2
    assert ticket.contacted_at == NOW + H
    assert ticket.resolved_at == NOW + 3 * H and ticket.closed_at == NOW + 4 * H
    assert ticket.sla_met is True and ticket.breached is False
    assert (ticket.root_cause, ticket.resolution) == (
        "carrier left parcel with neighbour",
        "voucher sent",
    )
    assert [(n.author, n.text) for n in ticket.notes] == [
        ("Eva", "Called, no answer"),
        ("Eva", "Parcel was with a neighbour"),
    ]
    assert [(c.action, c.from_status, c.to_status) for c in ticket.history] == [
        ("opened", None, "new"),
        ("contacted", "new", "contacted"),
        ("note", "contacted", "contacted"),
        ("contacted again", "contacted", "contacted"),
        ("note", "contacted", "contacted"),
        ("resolved", "contacted", "resolved"),
        ("closed", "resolved", "closed"),
    ]
    assert get_ticket(ws, "T-1") == ticket


def test_the_events_of_the_life_cycle_follow_the_contract(loop) -> None:
    ws, clock = loop
    ticket = open_ticket(ws, detractor())
    clock.advance(90 * timedelta(minutes=1))
    change_status(ws, ticket.id, StatusChange(status="contacted", note="called"))
    change_status(ws, ticket.id, StatusChange(status="resolved"))
    close_ticket(ws, ticket.id, "late carrier")
    events = ticket_events(ws)
    assert [(m, e, u) for m, e, u, _ in events] == [
        ("ticket-T-1-1", "ticket_opened", "alice"),
        ("ticket-T-1-2", "ticket_contacted", "alice"),  # step 3 is the contact note
        ("ticket-T-1-4", "ticket_resolved", "alice"),
        ("ticket-T-1-5", "ticket_closed", "alice"),
    ]
    common = {
        "ticket_id": "T-1",
        "priority": "high",
        "team": "Logistics",
        "journey": "fashion",
        "stage": "service",
        "touchpoint": "delivery-tracking",
        "sla_due_at": "2026-03-03T13:00:00Z",
    }
    assert [p for *_, p in events] == [
        {**common, "reason": "detractor", "response_id": "r1"},
        {**common, "response_seconds": 5400},
        {**common, "contacts": 1, "first_contact_resolution": True},
        {**common, "root_cause": "late carrier"},
    ]
    # They are in the customer's cross-channel timeline, newest first.
    timeline = ticket_detail(ws, ticket.id).timeline
    assert [e.event for e in timeline][:4] == [
        "ticket_closed",
        "ticket_resolved",
        "ticket_contacted",
        "ticket_opened",
    ]
    assert "page_viewed" in [e.event for e in timeline]  # her web visit before she logged in


def test_resolving_without_contact_counts_no_contact(loop) -> None:
    ws, clock = loop
    ticket = open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary="duplicate"))
    clock.advance(H)
    ticket = change_status(ws, ticket.id, StatusChange(status="resolved"))
    assert (ticket.contacts, ticket.contacted_at, ticket.sla_met) == (0, None, True)
    resolved = ticket_events(ws)[-1]
    assert resolved[1] == "ticket_resolved"
    assert resolved[3]["contacts"] == 0 and resolved[3]["first_contact_resolution"] is False


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], "closed", ["contacted", "resolved"]),
        ([], "new", ["contacted", "resolved"]),
        (["contacted"], "new", ["contacted", "resolved"]),
        (["resolved"], "contacted", ["closed"]),
        (["contacted", "resolved"], "resolved", ["closed"]),
    ],
)
def test_invalid_transitions_are_conflicts_saying_what_can_be_done(
    loop, path: list[str], target: str, allowed: list[str]
) -> None:
    ws, _ = loop
    ticket = open_ticket(ws, detractor())
    for status in path:
        change_status(ws, ticket.id, StatusChange.model_validate({"status": status}))
    before = get_ticket(ws, ticket.id)
    with pytest.raises(Conflict) as caught:
        change_status(
            ws, ticket.id, StatusChange.model_validate({"status": target, "root_cause": "x"})
        )
    assert f"can go to {' or '.join(allowed)}, not {target}" in caught.value.message
    assert caught.value.details["allowed"] == tuple(allowed)
    assert get_ticket(ws, ticket.id) == before  # nothing changed, no event written


def test_a_closed_ticket_no_longer_changes_but_takes_notes(loop) -> None:
    ws, _ = loop
    ticket = open_ticket(ws, detractor())
    change_status(ws, ticket.id, StatusChange(status="resolved"))
    close_ticket(ws, ticket.id, "x")
    with pytest.raises(Conflict, match="closed ticket no longer changes"):
        change_status(ws, ticket.id, StatusChange(status="contacted"))
    assert (
        add_note(ws, ticket.id, NoteIn(author="Eva", text="follow-up")).notes[-1].text
        == "follow-up"
    )


def test_closing_needs_a_root_cause(loop) -> None:
    ws, _ = loop
    ticket = open_ticket(ws, detractor())
    change_status(ws, ticket.id, StatusChange(status="resolved"))
    for missing in (None, "  "):
        with pytest.raises(InvalidInput) as caught:
            change_status(ws, ticket.id, StatusChange(status="closed", root_cause=missing))
        assert caught.value.details == {"field": "root_cause"}
    assert get_ticket(ws, ticket.id).status == "resolved"


def test_unknown_tickets_are_not_found(loop) -> None:
    ws, _ = loop
    for bad in ("T-9", "nonsense", "T-"):
        with pytest.raises(NotFound):
            get_ticket(ws, bad)


def test_breach_and_escalation_once_per_sla_period(loop) -> None:
    ws, clock = loop
    high = open_ticket(ws, detractor())  # due after 4 h
    normal = open_ticket(ws, detractor(customer="bob", score=6, response="r2"))  # after 24 h
    clock.advance(4 * H)
    assert escalate_overdue(ws) == []  # due exactly now: not yet breached
    assert get_ticket(ws, high.id).breached is False
    clock.advance(timedelta(seconds=1))
    assert get_ticket(ws, high.id).breached is True
    assert get_ticket(ws, high.id).sla_met is False
    first = escalate_overdue(ws)
    assert [(t.id, t.escalation_level) for t in first] == [(high.id, 1)]
    assert escalate_overdue(ws) == []  # twice at the same moment: nothing more
    clock.advance(4 * H)  # one more SLA period of a high ticket
    assert [(t.id, t.escalation_level) for t in escalate_overdue(ws)] == [(high.id, 2)]
    clock.advance(12 * H)  # 16 h 1 s past due: level 5; the normal ticket is still in time
    assert [(t.id, t.escalation_level) for t in escalate_overdue(ws)] == [(high.id, 5)]
    assert get_ticket(ws, normal.id).breached is False
    ticket = get_ticket(ws, high.id)
    assert [c.action for c in ticket.history].count("escalated") == 3
    assert ticket.history[-1].actor == "system" and ticket.history[-1].to_status == "new"
    escalated = [(m, p["level"]) for m, e, _, p in ticket_events(ws) if e == "ticket_escalated"]
    assert escalated == [("ticket-T-1-2", 1), ("ticket-T-1-3", 2), ("ticket-T-1-4", 5)]


def test_a_contacted_ticket_is_no_longer_breached_nor_escalated(loop) -> None:
    ws, clock = loop
    ticket = open_ticket(ws, detractor())
    clock.advance(5 * H)
    escalate_overdue(ws)
    ticket = change_status(ws, ticket.id, StatusChange(status="contacted"))
    assert (ticket.breached, ticket.sla_met, ticket.escalation_level) == (False, False, 1)
    clock.advance(10 * H)
    assert escalate_overdue(ws) == []


def test_listing_filters_and_pages_most_urgent_first(loop) -> None:
    ws, clock = loop
    normal = open_ticket(ws, detractor(customer="bob", score=6, response="r2"))
    high = open_ticket(ws, detractor())
    low = open_ticket(ws, TicketOpen(customer_id="bob", reason="api", summary="x", priority="low"))
    change_status(ws, low.id, StatusChange(status="contacted"))
    clock.advance(5 * H)

    def ids(**where: object) -> list[str]:
        return [t.id for t in list_tickets(ws, TicketFilter.model_validate(where)).items]

    assert ids() == [high.id, normal.id, low.id]  # new before contacted, then by due time
    assert ids(status="contacted") == [low.id]
    assert ids(priority="normal") == [normal.id]
    assert ids(team="Logistics") == [high.id, normal.id]
    assert ids(breached=True) == [high.id]
    assert ids(breached=False) == [normal.id, low.id]
    assert ids(customer="alice@example.com") == [high.id]
    assert ids(customer="laptop") == [high.id]  # her device id finds her too
    assert ids(customer="nobody") == []
    page = list_tickets(ws, limit=2, offset=2)
    assert (page.total, [t.id for t in page.items]) == (3, [low.id])


def test_a_change_made_meanwhile_is_a_conflict_not_a_lost_update(loop) -> None:
    from sqlalchemy.orm import Session

    from journeys.feedback.tickets.tables import TicketRow

    ws, _ = loop
    ticket = open_ticket(ws, detractor())
    # Someone reads the ticket, then another change is committed before they write theirs.
    with Session(ws.operational.engine) as stale:
        row = stale.get(TicketRow, 1)
        assert row is not None
        change_status(ws, ticket.id, StatusChange(status="contacted"))
        row.status = "resolved"
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            stale.commit()
    assert get_ticket(ws, ticket.id).status == "contacted"
