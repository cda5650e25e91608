"""``journeys tickets …`` through Typer's runner: tables, --json and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from journeys.cli import app
from journeys.errors import Conflict, InvalidInput, StoreUnavailable

from test_tickets_support import fixed_workspace, seed_customers


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace with Alice and Bob, closed: the CLI opens it itself (on the wall clock)."""
    ws, _ = fixed_workspace(tmp_path)
    seed_customers(ws)
    ws.close()
    return ws.root


def run(root: Path, *args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["tickets", *args, "-w", str(root)])
    return result.exit_code, result.output, result.exception


def run_json(root: Path, *args: str) -> Any:
    code, output, exc = run(root, *args, "--json")
    assert code == 0, (output, exc)
    return json.loads(output)


def test_open_update_close_and_show(root: Path) -> None:
    opened = run_json(
        root,
        "open",
        "alice@example.com",
        "--summary",
        "Parcel lost",
        "--journey",
        "fashion",
        "--touchpoint",
        "delivery-tracking",
        "--priority",
        "high",
        "--author",
        "Eva",
    )
    assert (opened["id"], opened["customer_id"], opened["team"]) == ("T-1", "alice", "Logistics")
    assert opened["history"][0]["actor"] == "Eva"
    contacted = run_json(
        root, "update", "T-1", "--status", "contacted", "--note", "Called", "--author", "Eva"
    )
    assert contacted["status"] == "contacted" and contacted["notes"][0]["author"] == "Eva"
    noted = run_json(root, "update", "T-1", "--note", "Waiting for the carrier")
    assert noted["status"] == "contacted" and len(noted["notes"]) == 2
    run_json(root, "update", "T-1", "--status", "resolved")
    code, output, _ = run(root, "close", "T-1", "--root-cause", "carrier lost the parcel")
    assert code == 0, output
    assert "Ticket T-1 is closed (root cause: carrier lost the parcel)" in output
    code, output, _ = run(root, "show", "T-1")
    assert code == 0, output
    for text in (
        "Parcel lost",
        "Logistics",
        "carrier lost the parcel",
        "Waiting for the",
        "History",
    ):
        assert text in output
    assert "ticket_closed" in output  # the customer's timeline shows the ticket's events
    detail = run_json(root, "show", "T-1", "--timeline", "2")
    assert len(detail["timeline"]) == 2 and detail["ticket"]["status"] == "closed"


def test_list_prints_a_table_and_json(root: Path) -> None:
    run_json(root, "open", "alice", "--summary", "First")
    run_json(root, "open", "bob", "--summary", "Second", "--priority", "low")
    code, output, _ = run(root, "list")
    assert code == 0, output
    assert "T-1" in output and "T-2" in output and "Tickets 1–2 of 2." in output
    page = run_json(root, "list", "--priority", "low")
    assert [t["id"] for t in page["items"]] == ["T-2"]
    assert run_json(root, "list", "--breached")["total"] == 0
    assert run_json(root, "list", "--not-breached", "--customer", "bob")["total"] == 1


def test_mistakes_are_errors(root: Path) -> None:
    run_json(root, "open", "alice", "--summary", "First")
    code, _, exc = run(root, "update", "T-1")
    assert code != 0 and isinstance(exc, InvalidInput)
    code, _, exc = run(root, "close", "T-1", "--root-cause", "x")
    assert code != 0 and isinstance(exc, Conflict)
    code, output, _ = run(root, "update", "T-1", "--status", "reopened")
    assert code == 2 and "reopened" in output  # not a status Typer accepts


def test_escalate_and_report(root: Path) -> None:
    code, output, _ = run(root, "escalate")
    assert code == 0 and "Escalated 0 ticket(s)." in output
    assert run_json(root, "escalate") == []
    report = run_json(root, "report", "--since", "2026-01-01")
    assert report["detractors"] == 0 and report["since"] == "2026-01-01T00:00:00"
    code, output, _ = run(root, "report")
    assert code == 0 and "answered as detractor" in output


def test_while_another_process_holds_the_log_lists_work_and_changes_are_refused(
    root: Path,
) -> None:
    run_json(root, "open", "alice", "--summary", "First")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root / "events.duckdb")],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert run_json(root, "list", "--customer", "alice")["total"] == 1
        code, _, exc = run(root, "update", "T-1", "--status", "contacted")
        assert code != 0 and isinstance(exc, StoreUnavailable)
    finally:
        holder.communicate("stop\n", timeout=30)
    assert run_json(root, "list", "--status", "new")["total"] == 1  # nothing half-changed


# A process that holds the event log open, as `journeys serve` does, until told to stop.
HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
"""
