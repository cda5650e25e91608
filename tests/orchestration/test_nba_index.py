"""The customer event index (SQLite beside the event log): filled by replay, rebuilt when lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from journeys.orchestration.nba.index import TABLE, index_reader
from journeys.orchestration.nba.service import next_best_actions
from journeys.workspace import Workspace

from factories import identify, send, track


def rows_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])


def test_every_event_with_an_id_is_indexed_under_the_id_it_was_sent_with(ws: Workspace) -> None:
    send(
        ws.events,
        track({"anonymousId": "dev1"}, "page_viewed", 0, path="/mortgage"),
        identify("ann", 1, anon="dev1", email="ann@example.com"),
        track({"userId": "ann"}, "order_completed", 2, revenue=10),
    )
    ws.events.sync()
    reader = index_reader(ws.customer_index_path)
    assert reader.has("dev1") and reader.has("ann") and not reader.has("nobody")
    assert [r[3] for r in sorted(reader.rows("ann"))] == ["identify", "order_completed"]
    traits = [r[7] for r in sorted(reader.rows("ann"))]
    assert traits[0] is not None and traits[1] is None  # traits kept for identify calls only
    assert next_best_actions(ws, "ann@example.com").customer_id == "ann"


def test_a_lost_index_file_is_rebuilt_by_replay_and_replay_writes_nothing_twice(
    tmp_path: Path,
) -> None:
    ws = Workspace.init(tmp_path / "ws")
    send(ws.events, *(track({"userId": f"u{i}"}, "page_viewed", i) for i in range(5)))
    ws.events.sync()
    path = ws.customer_index_path
    assert rows_in(path) == 5
    ws.events.rebuild("customer_events")
    assert rows_in(path) == 5
    ws.close()
    for file in path.parent.glob(path.name + "*"):
        file.unlink()
    reopened = Workspace.open(tmp_path / "ws")
    reopened.events.sync()
    assert rows_in(path) == 5
    assert index_reader(path).has("u3")
    reopened.close()
