"""Export: everything held about one customer, by any of their ids, as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from journeys.errors import CustomerNotFound
from journeys.privacy import audit_log, export_customer, export_zip

from privacy_people import (
    CAROL,
    CAROL_ANON,
    CAROL_EMAIL,
    CAROL_IMPORTED,
    CAROL_STREET,
    DAVE,
    DAVE_STREET,
    People,
)


def test_an_export_by_email_holds_every_store_of_the_customer(people: People) -> None:
    export = export_customer(people.ws, CAROL_EMAIL)
    assert export.ids.customer_id == CAROL and export.ids.known
    assert (export.ids.user_ids, export.ids.anonymous_ids) == ([CAROL], [CAROL_ANON])
    assert export.ids.external_ids == {"email": [CAROL_EMAIL]}
    assert export.profile is not None and export.profile.traits["street"] == CAROL_STREET
    # Her events: the anonymous one before she identified, the identified ones, the imported
    # segment's row, and the events the product recorded about her (answer, ticket, tier).
    events = [(e["event"], e["anonymous_id"], e["user_id"]) for e in export.events]
    assert ("page_viewed", CAROL_ANON, None) in events
    assert ("identify", CAROL_ANON, CAROL) in events
    assert ("purchase", None, CAROL) in events
    assert {"survey_answered", "ticket_opened"} <= {e for e, _, _ in events}
    imported = [e for e in export.events if e["source"] == "backfill"]
    assert [e["properties"]["street"] for e in imported] == [CAROL_IMPORTED]
    assert all(e["user_id"] != DAVE for e in export.events)
    ops = export.operational
    assert {
        "survey_invitations",
        "survey_responses",
        "tickets",
        "ticket_notes",
        "ticket_history",
        "loyalty_members",
        "loyalty_ledger",
        "loyalty_referrals",
    } <= set(ops)
    assert ops["survey_responses"][0]["comment"] == "Late again, Carol"
    assert [n["text"] for n in ops["ticket_notes"]] == [f"Called her at {CAROL_STREET}"]
    assert [e["points"] for e in ops["loyalty_ledger"]] == [50]
    assert ops["loyalty_referrals"][0]["referrer_id"] == CAROL
    # Dave's ledger is not in hers, though the referral joins them.
    assert all(m["customer_id"] == CAROL for m in ops["loyalty_members"])
    assert json.loads(export.model_dump_json())["ids"]["customer_id"] == CAROL


def test_an_export_by_any_id_is_the_same_customer(people: People) -> None:
    by_device = export_customer(people.ws, CAROL_ANON)
    by_user = export_customer(people.ws, CAROL)
    assert by_device.ids == by_user.ids
    assert by_device.events == by_user.events


def test_the_csv_export_has_one_file_per_section(people: People) -> None:
    data = export_zip(export_customer(people.ws, CAROL))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"ids.csv", "traits.csv", "events.csv", "tickets.csv", "loyalty_ledger.csv"} <= names
        ids = list(csv.DictReader(io.StringIO(zf.read("ids.csv").decode())))
        events = list(csv.DictReader(io.StringIO(zf.read("events.csv").decode())))
    assert {"kind": "external_id", "type": "email", "value": CAROL_EMAIL} in ids
    streets = [json.loads(e["properties"]).get("street") for e in events if e["properties"]]
    assert CAROL_STREET in streets and DAVE_STREET not in streets


def test_an_unknown_id_is_named_and_exports_are_audited(people: People) -> None:
    with pytest.raises(CustomerNotFound, match=r"nobody@example\.org"):
        export_customer(people.ws, "nobody@example.org")
    export_customer(people.ws, CAROL)
    [entry] = [r for r in audit_log(people.ws) if r.action == "export"]
    assert entry.id_hash is not None and CAROL not in entry.model_dump_json()
