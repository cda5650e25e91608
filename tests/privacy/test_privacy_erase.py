"""Erasure removes a customer from every store, down to the bytes of the database files."""

from __future__ import annotations

from pathlib import Path

from journeys.analytics.funnels import FunnelQuery, funnel
from journeys.loyalty.members import get_member
from journeys.privacy import audit_log, erase_customer, export_customer
from journeys.workspace import Workspace

from factories import identify, send, track
from privacy_people import (
    CAROL,
    CAROL_ANON,
    CAROL_EMAIL,
    CAROL_IMPORTED,
    CAROL_STREET,
    DAVE,
    DAVE_EMAIL,
    DAVE_STREET,
    People,
    checkpoint,
    files_holding,
    populate,
)

CAROL_TRACES = (CAROL, CAROL_EMAIL, CAROL_STREET, CAROL_IMPORTED, CAROL_ANON)


def purchasers(ws: Workspace) -> list[int]:
    query = FunnelQuery.build(steps=["page_viewed", "purchase"], window="30d")
    return [s.customers for s in funnel(ws, query).steps]


def test_erasure_leaves_no_byte_of_the_customer_in_any_database_file(people: People) -> None:
    ws = people.ws
    checkpoint(ws)
    # Each trace is in some file before (else the search below would prove nothing).
    before = {t: files_holding(ws, t) for t in CAROL_TRACES}
    assert all(before.values()), before
    stores = {name.split("-wal")[0] for name in before[CAROL] + before[CAROL_STREET]}
    assert {"events.duckdb", "journeys.sqlite", "customer-events.sqlite"} <= stores

    receipt = erase_customer(ws, CAROL_EMAIL, reason="request by e-mail of 2026-03-09")

    assert receipt.found and receipt.events >= 5
    assert receipt.removed["event_log"]["event_rows"] >= 4
    assert any(t.startswith("segment_") for t in receipt.removed["event_log"])
    assert {"identity_users", "external_ids", "trait_history"} <= set(receipt.removed["event_log"])
    assert {"tickets", "ticket_notes", "loyalty_ledger", "survey_responses"} <= set(
        receipt.removed["operational"]
    )
    after = {t: files_holding(ws, t) for t in CAROL_TRACES}
    assert after == {t: [] for t in CAROL_TRACES}
    ws.close()  # closing checkpoints again: still nothing
    assert {t: files_holding(ws, t) for t in CAROL_TRACES} == {t: [] for t in CAROL_TRACES}


def test_erasure_keeps_everyone_else_whole(people: People) -> None:
    ws = people.ws
    dave_before = export_customer(ws, DAVE)
    assert purchasers(ws) == [2, 2]
    erase_customer(ws, CAROL, reason="request")
    dave_after = export_customer(ws, DAVE)
    assert dave_after.events == dave_before.events
    assert dave_after.ids == dave_before.ids and dave_after.profile == dave_before.profile
    assert len([e for e in dave_after.events if e["source"] == "backfill"]) == 2
    assert get_member(ws, DAVE).balance == 30
    assert purchasers(ws) == [1, 1]
    checkpoint(ws)
    assert files_holding(ws, DAVE_EMAIL) and files_holding(ws, DAVE_STREET)


def test_events_sent_after_an_erasure_are_stored_and_stitched(people: People) -> None:
    ws = people.ws
    last = ws.events.last_seq
    dave = len(export_customer(ws, DAVE).events)
    erase_customer(ws, CAROL, reason="request")
    send(ws.events, track({"userId": DAVE}, "page_viewed", 60), identify(CAROL, 61, x="y"))
    # New events continue after the erased ones: no seq is handed out twice.
    assert ws.events.last_seq == last + 2
    assert export_customer(ws, CAROL).ids.user_ids == [CAROL]
    assert len(export_customer(ws, DAVE).events) == dave + 1


def test_erasing_again_finds_nothing_and_the_audit_holds_no_personal_data(
    people: People,
) -> None:
    ws = people.ws
    first = erase_customer(ws, CAROL_EMAIL, reason="request 17")
    again = erase_customer(ws, CAROL_EMAIL, reason="request 17, resent")
    assert first.found and not again.found
    assert again.events == 0 and again.removed == {}
    assert first.id_hash == again.id_hash
    erasures = [r for r in audit_log(ws) if r.action == "erase"]
    assert [r.reason for r in erasures] == ["request 17, resent", "request 17"]
    assert erasures[1].counts["event_log"]["event_rows"] >= 4
    text = "".join(r.model_dump_json() for r in erasures)
    for trace in CAROL_TRACES:
        assert trace not in text


def test_erasure_on_a_postgresql_operational_store(pg_ws: Workspace, tmp_path: Path) -> None:
    populate(pg_ws, tmp_path)
    assert "tickets" in export_customer(pg_ws, CAROL).operational
    receipt = erase_customer(pg_ws, CAROL_EMAIL, reason="request")
    assert receipt.removed["operational"]["ticket_notes"] == 1
    assert receipt.scrubbed["operational"].startswith("postgresql: VACUUM FULL")
    assert "loyalty_ledger" in export_customer(pg_ws, DAVE).operational
    assert get_member(pg_ws, DAVE).balance == 30
    assert not erase_customer(pg_ws, CAROL_EMAIL, reason="again").found


def test_an_anonymous_visitor_is_erased_by_their_device_id(ws: Workspace) -> None:
    device = {"anonymousId": "dev-visitor-51"}
    send(
        ws.events,
        track(device, "page_viewed", 0, street="Lijnbaansgracht 3"),
        track({"userId": DAVE}, "page_viewed", 1, street=DAVE_STREET),
    )
    receipt = erase_customer(ws, "dev-visitor-51", reason="asked in the chat")
    assert receipt.found and receipt.events == 1
    checkpoint(ws)
    assert files_holding(ws, "Lijnbaansgracht 3") == files_holding(ws, "dev-visitor-51") == []
    assert len(export_customer(ws, DAVE).events) == 1
