"""The `journeys` console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeys.security.accounts import SignInFailed, sign_in
from journeys.workspace import Workspace

from factories import alias, identify, send, track

JOURNEYS = str(Path(sys.executable).parent / "journeys")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [JOURNEYS, *args], capture_output=True, text=True, env=environ, timeout=120
    )


def test_init_creates_a_workspace_with_the_example_journeys(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "ws"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "ws" / "journeys").iterdir())
    assert names == ["bank-mortgage.yaml", "fashion.yaml", "home-cleaning.yaml"]
    again = run("init", str(tmp_path / "ws"))
    assert again.returncode == 1
    assert again.stderr.strip().startswith("error (workspace_exists):")


def test_the_workspace_comes_from_the_option_or_the_environment(tmp_path: Path) -> None:
    assert run("init", "--workspace", str(tmp_path / "a")).returncode == 0
    assert run("init", env={"JOURNEYS_WORKSPACE": str(tmp_path / "b")}).returncode == 0
    assert (tmp_path / "a" / "workspace.yaml").exists()
    assert (tmp_path / "b" / "workspace.yaml").exists()


def test_sources_add_prints_the_write_key_on_its_last_line(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run("init", ws)
    result = run("sources", "add", "call-centre", "--channel", "phone", "--workspace", ws)
    key = result.stdout.strip().splitlines()[-1]
    listed = json.loads(run("sources", "list", "--json", "-w", ws).stdout)
    assert listed[0]["name"] == "call-centre" and listed[0]["write_key"] == key
    assert listed[0]["channel"] == "phone"
    bad = run("sources", "add", "x", "--channel", "pigeon", "-w", ws)
    assert bad.returncode == 1 and "unknown channel 'pigeon'" in bad.stderr


def test_validate_reports_every_problem_with_its_place(tmp_path: Path) -> None:
    good = Path(__file__).parent.parent / "journeys" / "maps" / "examples" / "fashion.yaml"
    assert run("validate", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: shop\nname: Shop\nstages:\n  - id: buy\n    name: Buy\n    touchpoints:\n"
        "      - id: tp\n        name: Till\n        channel: pigeon\n        online: false\n"
        "        colour: red\n",
        encoding="utf-8",
    )
    result = run("validate", str(bad), str(good))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert any(x.startswith(f"{bad}:9:") and "unknown_channel" in x for x in lines)
    assert any(x.startswith(f"{bad}:11:") and "unknown_field" in x for x in lines)
    ws = tmp_path / "ws"
    run("init", str(ws))
    whole = run("validate", "--workspace", str(ws))
    assert (whole.returncode, whole.stdout.strip()) == (0, "3 file(s) valid.")
    as_json = json.loads(run("validate", "--json", str(bad)).stdout)
    assert {i["code"] for i in as_json} == {"unknown_channel", "unknown_field"}


@pytest.fixture
def stitched(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    with Workspace.init(root) as ws:
        send(
            ws.events,
            track({"anonymousId": "dev-1"}, "page_viewed", 0),
            identify("alice", 1, anon="dev-1", email="alice@example.com"),
            track({"userId": "crm-1"}, "call_started", 2, channel="phone"),
            alias("crm-1", "alice", 3, "merge-1"),
        )
    return root


def test_customer_shows_the_profile_by_any_id(stitched: Path) -> None:
    result = run("customer", "alice@example.com", "--json", "-w", str(stitched))
    profile = json.loads(result.stdout)
    assert profile["customer_id"] == "alice"
    assert profile["user_ids"] == ["alice", "crm-1"] and profile["event_count"] == 4
    table = run("customer", "dev-1", "-w", str(stitched)).stdout
    assert "alice" in table and "call_started" in table and "phone" in table
    missing = run("customer", "nobody", "-w", str(stitched))
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error (customer_not_found): no customer has the id 'nobody'"


def test_identity_unmerge_splits_the_customers(stitched: Path) -> None:
    merges = json.loads(run("identity", "merges", "--json", "-w", str(stitched)).stdout)
    assert [m["merge_id"] for m in merges] == ["merge-1"]
    result = run("identity", "unmerge", "merge-1", "--reason", "test", "-w", str(stitched))
    assert result.returncode == 0, result.stderr
    profile = json.loads(run("customer", "crm-1", "--json", "-w", str(stitched)).stdout)
    assert profile["customer_id"] == "crm-1" and profile["event_count"] == 1
    assert run("identity", "unmerge", "nope", "-w", str(stitched)).returncode == 1


def test_commands_on_a_folder_that_is_not_a_workspace_fail_clearly(tmp_path: Path) -> None:
    result = run("customer", "x", "-w", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert "is not a Journeys workspace" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_builds_once_and_reuses_the_workspace(tmp_path: Path) -> None:
    ws = str(tmp_path / "demo")
    first = json.loads(run("demo", "-w", ws, "--customers", "200", "--no-serve", "--json").stdout)
    assert first["created"] and first["loaded"]
    assert first["events"] > 2000 and first["customers"] >= 200
    second = json.loads(run("demo", "-w", ws, "--customers", "200", "--no-serve", "--json").stdout)
    assert not second["created"] and not second["loaded"]
    assert (second["events"], second["write_key"]) == (first["events"], first["write_key"])
    # Each run prints a login for the demo's admin that signs in (a fresh password each run).
    assert second["login"]["username"] == "admin"
    assert second["login"]["password"] != first["login"]["password"]
    with Workspace.open(Path(ws)) as opened:
        _, principal = sign_in(opened, "admin", second["login"]["password"])
        assert principal.role.value == "admin"
        with pytest.raises(SignInFailed):
            sign_in(opened, "admin", first["login"]["password"])
    # The demo customers answered the example surveys; the unhappy ones have tickets.
    feed = json.loads(run("surveys", "responses", "-w", ws, "--limit", "1000", "--json").stdout)
    assert feed["total"] > 0
    tickets = json.loads(run("tickets", "list", "-w", ws, "--limit", "500", "--json").stdout)
    ticketed = {r["ticket_id"] for r in feed["responses"] if r["ticket_id"]}
    assert ticketed and ticketed <= {t["id"] for t in tickets["items"]}
    # Every demo customer who ordered is a loyalty member with points.
    loyalty = json.loads(run("loyalty", "stats", "-w", ws, "--json").stdout)
    assert loyalty["members"] > 0 and loyalty["points_liability"] > 0


def test_rebuild_replays_the_log_into_the_same_customers(stitched: Path) -> None:
    before = json.loads(run("customer", "alice", "--json", "-w", str(stitched)).stdout)
    result = run("rebuild", "--json", "-w", str(stitched))
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == {"identity", "profiles", "customer_events"}
    after = json.loads(run("customer", "alice", "--json", "-w", str(stitched)).stdout)
    assert after == before
    unknown = run("rebuild", "nope", "-w", str(stitched))
    assert unknown.returncode == 1
    assert "no consumer named 'nope'; the consumers are: identity, profiles" in unknown.stderr
