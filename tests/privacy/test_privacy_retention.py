"""Retention: events older than the setting are deleted from every store, bytes included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from journeys.clock import FixedClock
from journeys.privacy import apply_retention, audit_log, retention_interval
from journeys.workspace import Workspace

from privacy_people import checkpoint, files_holding
from scenarios import D, journeys_for

NOW = datetime(2026, 6, 1, 12, 0)
OLD_STREET = "Oudezijdsachterburgwal 77"
NEW_STREET = "Nieuwezijdsvoorburgwal 5"


@pytest.fixture
def rws(tmp_path: Path) -> Iterator[Workspace]:
    """Alice acted 40 days ago and 5 days ago; Bob only 45 days ago."""
    ws = Workspace.init(tmp_path / "ws", clock=FixedClock(NOW))
    journeys_for(
        ws,
        {
            "alice": [
                ("page_viewed", NOW - 40 * D, {"street": OLD_STREET}),
                ("purchase", NOW - 5 * D, {"street": NEW_STREET}),
            ],
            "bob": [("page_viewed", NOW - 45 * D, {"street": OLD_STREET})],
        },
    )
    yield ws
    ws.close()


def events(ws: Workspace) -> list[tuple[str, str]]:
    sql = "SELECT customer_id, event FROM stitched_events ORDER BY seq"
    return [(c, e) for c, e in ws.events.fresh_reader().execute(sql).fetchall()]


def test_retention_deletes_old_events_only_and_their_bytes(rws: Workspace) -> None:
    checkpoint(rws)
    assert files_holding(rws, OLD_STREET)
    receipt = apply_retention(rws, days=30)
    assert receipt.events == 2 and receipt.cutoff == NOW - 30 * D
    assert events(rws) == [("alice", "purchase")]
    assert files_holding(rws, OLD_STREET) == []
    assert files_holding(rws, NEW_STREET)
    [entry] = audit_log(rws)
    assert entry.action == "retention" and entry.id_hash is None
    assert entry.counts["event_log"]["event_rows"] == 2


def test_retention_follows_the_setting_and_zero_keeps_everything(
    rws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert apply_retention(rws).cutoff is None  # the default, 0: keep forever
    assert retention_interval() == 0  # so the server does not run it
    assert len(events(rws)) == 3
    monkeypatch.setenv("JOURNEYS_RETENTION_DAYS", "42")
    assert retention_interval() == 86_400  # the server applies it daily
    receipt = apply_retention(rws)
    assert receipt.retention_days == 42 and receipt.events == 1
    assert [c for c, _ in events(rws)] == ["alice", "alice"]
