"""Two customers held in every store of a workspace: Carol (to export or erase) and Dave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from journeys.events.importing import import_file
from journeys.feedback.surveys.answers import Answer, answer_link, invite
from journeys.feedback.tickets.model import NoteIn
from journeys.feedback.tickets.service import add_note
from journeys.loyalty import referrals, service
from journeys.loyalty.contracts import CreditIn
from journeys.workspace import Workspace

from factories import identify, send, track

CAROL = "carol-4711"
CAROL_ANON = "dev-carol-93qz"
CAROL_EMAIL = "carol.vanderlinden@example.org"
CAROL_STREET = "Zwanenburgwalstraat 12"
CAROL_IMPORTED = "Prinsengrachtpad 881"  # a property only her imported segment row holds
DAVE = "dave-2024"
DAVE_EMAIL = "dave.dekker@example.org"
DAVE_STREET = "Keizersgrachtlaan 40"


@dataclass(frozen=True)
class People:
    ws: Workspace
    ticket_id: str
    import_file: Path


def checkpoint(ws: Workspace) -> None:
    """Write the event log's WAL into its file, as any later reader of the bytes would see."""
    ws.events.write(lambda con: con.execute("CHECKPOINT"))


def store_files(ws: Workspace) -> list[Path]:
    """Every database file of the workspace (WAL and journal files included)."""
    return sorted(
        p for p in ws.root.iterdir() if p.is_file() and (".duckdb" in p.name or ".sqlite" in p.name)
    )


def files_holding(ws: Workspace, text: str) -> list[str]:
    """The names of the workspace's database files whose raw bytes contain ``text``."""
    needle = text.encode()
    return [p.name for p in store_files(ws) if needle in p.read_bytes()]


def segment_file(path: Path) -> Path:
    """A Parquet file to import as a segment: one row of Carol's, two of Dave's."""
    table = pa.table(
        {
            "user_id": [CAROL, DAVE, DAVE],
            "event": ["page_viewed", "page_viewed", "purchase"],
            "timestamp": ["2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z", "2026-03-01T09:30:00Z"],
            "street": [CAROL_IMPORTED, DAVE_STREET, DAVE_STREET],
        }
    )
    pq.write_table(table, path)
    return path


def populate(ws: Workspace, tmp_path: Path) -> People:
    """Carol: anonymous, then identified, events, a detractor answer with a ticket and a note,
    points, a referral of Dave; Dave: events and points. Both also in an imported segment."""
    carol_device = {"anonymousId": CAROL_ANON}
    send(
        ws.events,
        track(carol_device, "page_viewed", 0, street=CAROL_STREET),
        identify(CAROL, 5, anon=CAROL_ANON, email=CAROL_EMAIL, street=CAROL_STREET),
        track({"userId": CAROL}, "purchase", 10, street=CAROL_STREET, price=42),
        track({"userId": DAVE}, "page_viewed", 1, street=DAVE_STREET),
        identify(DAVE, 2, email=DAVE_EMAIL),
        track({"userId": DAVE}, "purchase", 12, street=DAVE_STREET, price=7),
    )
    path = segment_file(tmp_path / "backfill.parquet")
    import_file(ws.events, path, received_at=datetime(2026, 3, 5), source="backfill")
    ws.events.sync()
    link = invite(ws, "after-cleaning", CAROL_EMAIL)
    assert link.token is not None
    answer = answer_link(
        ws, link.token, Answer(score=2, root_cause="punctuality", comment="Late again, Carol")
    )
    ticket_id = answer.response.ticket_id
    assert ticket_id is not None
    add_note(ws, ticket_id, NoteIn(author="agent", text=f"Called her at {CAROL_STREET}"))
    service.enrol(ws, CAROL)
    service.credit_points(ws, CAROL, CreditIn(points=50, reason="welcome", idempotency_key="c1"))
    service.enrol(ws, DAVE)
    service.credit_points(ws, DAVE, CreditIn(points=30, reason="welcome", idempotency_key="d1"))
    code = service_code(ws, CAROL)
    referrals.claim(ws, code, DAVE)
    ws.events.sync()
    return People(ws, ticket_id, path)


def service_code(ws: Workspace, customer: str) -> str:
    """The member's referral code."""
    from journeys.loyalty.members import get_member

    return get_member(ws, customer).referral_code
