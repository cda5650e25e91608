"""`journeys analyse retention` and `journeys analyse churn`, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeys.workspace import Workspace

from scenarios import T0, D, journeys_for

JOURNEYS = str(Path(sys.executable).parent / "journeys")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([JOURNEYS, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def folder(ws: Workspace) -> str:
    """Alice and Bob sign up in W10, Carol in W11; Alice and Carol come back a week later."""
    journeys_for(
        ws,
        {
            "alice": [("signup", T0), ("view", T0 + 8 * D)],
            "bob": [("signup", T0 + D)],
            "carol": [("signup", T0 + 7 * D), ("view", T0 + 14 * D)],
        },
    )
    ws.close()  # the command opens the workspace itself
    return str(ws.root)


RANGE = ("--from", "2026-03-02", "--to", "2026-03-09", "--periods", "1")


def test_retention_as_json(folder: str) -> None:
    result = run("analyse", "retention", "--start", "signup", *RANGE, "-w", folder, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    cohorts = [
        (c["label"], c["size"], [p["retained"] for p in c["periods"]]) for c in data["cohorts"]
    ]
    assert cohorts == [("2026-W10", 2, [2, 1]), ("2026-W11", 1, [1, 1])]
    assert [a["share"] for a in data["average"]] == [1.0, 0.5]  # W11's week 1 is still running
    assert data["query"]["start"]["event"] == "signup" and data["query"]["returning"] is None


def test_retention_as_a_table(folder: str) -> None:
    result = run(
        "analyse", "retention", "--start", "signup", "--return", "view", *RANGE, "-w", folder
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    w10 = next(line for line in lines if "2026-W10" in line)
    assert "2 (100.0%)" in w10 and "1 (50.0%)" in w10
    average = next(line for line in lines if "all cohorts" in line)
    assert "100.0%" in average and "50.0%" in average
    assert "3 customers in 2 cohorts" in result.stdout


def test_a_bad_period_is_one_line_and_a_non_zero_exit(folder: str) -> None:
    result = run("analyse", "retention", "--start", "signup", "--period", "fortnight", "-w", folder)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error (invalid_input): period 'fortnight': write day, week or month"
    )


def test_churn_as_json_and_as_a_table(folder: str) -> None:
    args = ("analyse", "churn", "--inactive", "5d", "--as-of", "2026-03-16", "-w", folder)
    data = json.loads(run(*args, "--json").stdout)
    # As of 17 March 00:00, silent since 12 March 00:00: alice (10 March) and bob (3 March).
    # Active in the 5 days before (7 to 12 March): alice and carol; alice has gone.
    assert [c["customer_id"] for c in data["churned_customers"]] == ["alice", "bob"]
    assert data["churned"] == 2 and data["active_before"] == 2 and data["churn_rate"] == 0.5
    paged = json.loads(run(*args, "--json", "--limit", "1", "--offset", "1").stdout)
    assert [c["customer_id"] for c in paged["churned_customers"]] == ["bob"]
    table = run(*args)
    assert table.returncode == 0, table.stderr
    assert "churn rate 50.0%" in table.stdout
    assert "Churned customers 1–2 of 2" in table.stdout
    bob = next(line for line in table.stdout.splitlines() if " bob " in line)
    assert "2026-03-03 09:00" in bob and " 13 " in bob  # last seen, days inactive


def test_a_bad_duration_names_the_option(folder: str) -> None:
    result = run("analyse", "churn", "--inactive", "a while", "-w", folder)
    assert result.returncode == 1
    assert "inactive" in result.stderr and "30s, 15m, 2h, 7d or 4w" in result.stderr
