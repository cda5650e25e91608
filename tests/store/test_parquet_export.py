"""The Parquet export: files by date, exported once, stitched at query time, erased, expired."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from journeys.cli import app
from journeys.clock import FixedClock
from journeys.errors import InvalidInput, StoreUnavailable
from journeys.privacy import apply_retention, erase_customer
from journeys.store.parquet_export import export_interval, export_parquet
from journeys.workspace import Workspace

from factories import T0, alias, identify, send, track

DOCS = Path(__file__).parent.parent.parent / "docs" / "parquet-export.md"
ERIN, ERIN_DEVICE = "erin-5531", "dev-erin-q7x2"


def people(ws: Workspace) -> None:
    """Erin browses anonymously, identifies, buys the next day; Frank is merged into Gina;
    a visitor never identifies."""
    send(
        ws.events,
        track({"anonymousId": ERIN_DEVICE}, "page_viewed", 0),
        identify(ERIN, 5, anon=ERIN_DEVICE),
        track({"userId": ERIN}, "purchase", 24 * 60 + 1),
        track({"userId": "frank", "anonymousId": "dev-frank"}, "page_viewed", 10),
        track({"anonymousId": "dev-frank"}, "page_viewed", 11),
        track({"userId": "gina"}, "page_viewed", 12),
        alias("frank", "gina", 13, "m-alias-1"),
        track({"anonymousId": "dev-visitor"}, "page_viewed", 2 * 24 * 60),
    )


def stitching_sql() -> str:
    """The query the docs give for stitching customers at query time."""
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    return str(next(b for b in blocks if "coalesce" in b))


def read_stitched(folder: Path) -> list[tuple[int, str]]:
    """(seq, customer_id) of every exported event, stitched as the docs say, with DuckDB."""
    con = duckdb.connect()
    con.execute(
        "CREATE VIEW events AS SELECT * FROM read_parquet("
        f"'{folder}/events/*/*.parquet', hive_partitioning = true)"
    )
    con.execute(f"CREATE VIEW users AS SELECT * FROM '{folder}/identity/users.parquet'")
    con.execute(f"CREATE VIEW links AS SELECT * FROM '{folder}/identity/links.parquet'")
    sql = f"SELECT seq, customer_id FROM ({stitching_sql()}) ORDER BY seq"
    return [(int(s), str(c)) for s, c in con.execute(sql).fetchall()]


def stitched(ws: Workspace) -> list[tuple[int, str]]:
    sql = "SELECT seq, customer_id FROM stitched_events ORDER BY seq"
    return [(int(s), str(c)) for s, c in ws.events.fresh_reader().execute(sql).fetchall()]


def files_with(folder: Path, text: str) -> list[str]:
    needle = text.encode()
    return [str(p) for p in sorted(folder.rglob("*")) if p.is_file() and needle in p.read_bytes()]


def test_parquet_export_stitches_customers_like_the_workspace(
    ws: Workspace, tmp_path: Path
) -> None:
    people(ws)
    out = tmp_path / "lake"
    result = export_parquet(ws, out)
    assert (result.after, result.upto, result.events) == (0, 8, 8)
    assert sorted(p.parent.name for p in result.files) == [
        "event_date=2026-03-02",
        "event_date=2026-03-03",
        "event_date=2026-03-04",
    ]
    assert all(p.name == "events-000000000001-000000000008.parquet" for p in result.files)
    assert read_stitched(out) == stitched(ws)
    customers = {c for _, c in read_stitched(out)}
    assert customers == {ERIN, "gina", "dev-visitor"}  # Frank's device and id belong to Gina
    con = duckdb.connect()
    row = con.execute(
        f"SELECT event_date, properties FROM read_parquet('{out}/events/*/*.parquet', "
        "hive_partitioning = true) WHERE seq = 3"
    ).fetchone()
    assert row is not None and str(row[0]) == "2026-03-03" and isinstance(row[1], str)


def test_parquet_export_writes_each_event_once_across_runs_and_restarts(
    tmp_path: Path,
) -> None:
    ws = Workspace.init(tmp_path / "ws")
    people(ws)
    out = tmp_path / "lake"
    export_parquet(ws, out)
    assert export_parquet(ws, out).events == 0
    send(ws.events, track({"userId": ERIN}, "page_viewed", 24 * 60 + 30))
    ws.close()
    # A run that stopped before moving the cursor left a file past it: it is not kept.
    stale = out / "events" / "event_date=2026-03-03" / "events-000000000009-000000000010.parquet"
    stale.write_bytes(b"half-written")
    with Workspace.open(tmp_path / "ws") as again:
        second = export_parquet(again, out)
        assert (second.after, second.upto, second.events) == (8, 9, 1)
        assert [p.name for p in second.files] == ["events-000000000009-000000000009.parquet"]
        assert not stale.exists()
        assert read_stitched(out) == stitched(again)
        assert len(read_stitched(out)) == 9


def test_parquet_export_erasure_rewrites_the_files_without_the_customer(
    ws: Workspace, tmp_path: Path
) -> None:
    people(ws)
    out = tmp_path / "lake"
    export_parquet(ws, out)
    assert files_with(out, ERIN) and files_with(out, ERIN_DEVICE)
    receipt = erase_customer(ws, ERIN, reason="request")
    assert receipt.removed["event_log"]["parquet export (rows)"] == 3
    assert files_with(out, ERIN) == [] and files_with(out, ERIN_DEVICE) == []
    assert read_stitched(out) == stitched(ws)
    assert {c for _, c in read_stitched(out)} == {"gina", "dev-visitor"}
    # Erin's second day held only her purchase: the partition's file is gone.
    assert list((out / "events" / "event_date=2026-03-03").glob("*.parquet")) == []


def test_parquet_export_retention_drops_old_partitions_and_trims_the_cutoff_day(
    tmp_path: Path,
) -> None:
    now = T0 + timedelta(days=10)
    ws = Workspace.init(tmp_path / "ws", clock=FixedClock(now))
    day = 24 * 60
    send(
        ws.events,
        track({"userId": "hal"}, "page_viewed", 0),  # 2026-03-02: expires
        track({"userId": "hal"}, "page_viewed", 5 * day - 60),  # 03-07 08:00: before cutoff
        track({"userId": "hal"}, "purchase", 5 * day + 60),  # 03-07 10:00: kept
        track({"userId": "hal"}, "page_viewed", 9 * day),  # 03-11: kept
    )
    out = tmp_path / "lake"
    export_parquet(ws, out)
    apply_retention(ws, days=5)
    parts = sorted(p.name for p in (out / "events").iterdir())
    assert parts == ["event_date=2026-03-07", "event_date=2026-03-11"]
    assert read_stitched(out) == stitched(ws) == [(3, "hal"), (4, "hal")]
    cutoff: datetime = now - timedelta(days=5)
    assert cutoff.date().isoformat() == "2026-03-07"
    ws.close()


def test_parquet_export_through_the_cli(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    root = ws.root
    ws.close()
    out = tmp_path / "lake"
    runner = CliRunner()
    result = runner.invoke(app, ["export", "parquet", "-w", str(root), "--dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 8 event(s)" in result.output
    again = runner.invoke(app, ["export", "parquet", "-w", str(root), "--dir", str(out), "--json"])
    assert again.exit_code == 0 and '"events": 0' in again.output
    assert len(read_stitched(out)) == 8
    missing = runner.invoke(app, ["export", "parquet", "-w", str(root)])
    assert missing.exit_code != 0 and isinstance(missing.exception, InvalidInput)


def test_parquet_export_setting_relative_to_the_workspace(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert export_interval(ws) == 0.0
    monkeypatch.setenv("JOURNEYS_PARQUET_EXPORT_DIR", "lake")
    monkeypatch.setenv("JOURNEYS_PARQUET_EXPORT_SECONDS", "30")
    assert export_interval(ws) == 30.0
    people(ws)
    root = ws.root
    ws.close()
    result = CliRunner().invoke(app, ["export", "parquet", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert len(read_stitched(root / "lake")) == 8


def test_parquet_export_cli_is_refused_while_another_process_holds_the_log(
    ws: Workspace, tmp_path: Path
) -> None:
    people(ws)
    root = ws.root
    ws.close()
    hold = "import sys, duckdb\ncon = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\n"
    hold += "sys.stdin.readline()\n"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(root / "events.duckdb")],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        args = ["export", "parquet", "-w", str(root), "--dir", str(tmp_path / "lake")]
        result = CliRunner().invoke(app, args)
        assert result.exit_code != 0 and isinstance(result.exception, StoreUnavailable)
        assert "journeys serve" in result.exception.message
    finally:
        holder.communicate("stop\n", timeout=30)
    assert not (tmp_path / "lake" / "events").exists()
