"""Team scopes on tickets, the audit log of administrative actions, and the CLI of users,
tokens and the audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.security import accounts
from journeys.workspace import Workspace

from serving import admin_headers, role_headers


def test_operations_callers_see_only_the_tickets_of_their_teams(ws: Workspace) -> None:
    admin = TestClient(create_app(ws), headers=admin_headers(ws))
    opened = {}
    for team in ("Billing", "Delivery"):
        sent = admin.post(
            "/v1/identify",
            json={"userId": f"cust-{team}", "traits": {"email": f"{team}@x.io"}},
            auth=(ws.operational.add_source(f"src-{team}").write_key, ""),
        )
        assert sent.status_code == 200
        created = admin.post(
            "/api/tickets",
            json={"customer_id": f"cust-{team}", "summary": f"{team} issue", "team": team},
        )
        assert created.status_code == 201, created.text
        opened[team] = created.json()["id"]
    token = admin.post(
        "/api/tokens", json={"name": "billing-desk", "role": "operations", "teams": ["Billing"]}
    ).json()["token"]
    desk = TestClient(create_app(ws), headers={"Authorization": f"Bearer {token}"})
    listed = desk.get("/api/tickets").json()
    assert [t["id"] for t in listed["items"]] == [opened["Billing"]]
    assert desk.get(f"/api/tickets/{opened['Billing']}").status_code == 200
    other = desk.get(f"/api/tickets/{opened['Delivery']}")
    assert other.status_code == 403 and "Delivery" in other.json()["error"]["message"]
    note = desk.post(f"/api/tickets/{opened['Delivery']}/notes", json={"text": "hi", "author": "a"})
    assert note.status_code == 403
    # An operations caller without teams, and an admin, see every team's tickets.
    everyone = TestClient(create_app(ws), headers=role_headers(ws, "operations"))
    assert everyone.get("/api/tickets").json()["total"] == 2
    assert admin.get("/api/tickets").json()["total"] == 2


def test_changes_to_automations_and_segments_are_in_the_audit_log(ws: Workspace) -> None:
    designer = TestClient(create_app(ws), headers=role_headers(ws, "management"))
    text = (ws.root / "automations" / "welcome.yaml").read_text(encoding="utf-8")
    saved = designer.put(
        "/api/automations/welcome",
        content=text.replace("version: 1", "version: 2"),
        headers={"content-type": "application/yaml"},
    )
    assert saved.status_code == 200, saved.text
    refused = designer.put(
        "/api/segments/big", json={"where": ["did order at least 5 times"]}
    )  # management holds analytics: allowed too
    assert refused.status_code == 200
    assert designer.get("/api/audit").status_code == 403  # the log is for admins
    admin = TestClient(create_app(ws), headers=admin_headers(ws))
    log = admin.get("/api/audit", params={"actor": "token:test-management"}).json()
    actions = {(e["action"], e["target"]) for e in log}
    assert ("put_automation", "/api/automations/welcome") in actions
    assert ("put_segment", "/api/segments/big") in actions
    entry = next(e for e in log if e["action"] == "put_automation")
    assert entry["detail"]["automation_id"] == "welcome" and entry["detail"]["status"] == 200
    # A refused change leaves no entry.
    designer.put(
        "/api/automations/welcome",
        content="not: [valid",
        headers={"content-type": "application/yaml"},
    )
    assert len(admin.get("/api/audit", params={"actor": "token:test-management"}).json()) == 2


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [str(Path(sys.executable).parent / "journeys"), *args]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, check=False)


def test_users_tokens_and_the_audit_from_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.init(root).close()
    made = run(
        "users", "create-admin", "-w", str(root), env={"JOURNEYS_ADMIN_PASSWORD": "first admin pw"}
    )
    assert made.returncode == 0, made.stderr
    added = run(
        "users",
        "add",
        "maria",
        "--role",
        "operations",
        "--team",
        "Billing",
        "-w",
        str(root),
        "--json",
        env={"JOURNEYS_USER_PASSWORD": "marias password"},
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["teams"] == ["Billing"]
    bad = run(
        "users",
        "add",
        "bob",
        "--role",
        "boss",
        "-w",
        str(root),
        env={"JOURNEYS_USER_PASSWORD": "long enough"},
    )
    assert bad.returncode != 0 and "unknown role 'boss'" in bad.stderr
    token = json.loads(
        run("tokens", "create", "etl", "--role", "analyst", "-w", str(root), "--json").stdout
    )
    assert token["token"].startswith("jrn_")
    listed = run("tokens", "list", "-w", str(root), "--json")
    assert token["token"] not in listed.stdout and json.loads(listed.stdout)[0]["name"] == "etl"
    assert run("tokens", "revoke", "etl", "-w", str(root)).returncode == 0
    with Workspace.open(root) as ws:
        assert accounts.token_principal(ws, token["token"]) is None
        _, principal = accounts.sign_in(ws, "admin", "first admin pw")
        assert principal.role.value == "admin"
    erased = run(
        "gdpr", "erase", "someone@example.org", "--reason", "asked", "--yes", "-w", str(root)
    )
    assert erased.returncode == 0, erased.stderr
    log = json.loads(run("audit", "-w", str(root), "--json").stdout)
    assert "someone" not in log[0]["target"] and log[0]["detail"]["reason"] == "asked"
    assert [e["action"] for e in log] == [
        "gdpr.erase",
        "token.revoke",
        "token.create",
        "user.create",
        "user.create",
    ]
    assert all(e["actor"].startswith("cli") for e in log)
    assert "marias password" not in json.dumps(log)


def test_who_changed_which_journey_is_in_the_audit_log(ws: Workspace) -> None:
    path = ws.journey_files()[0]
    text = path.read_text(encoding="utf-8")
    journey_id = next(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("id:")
    )
    designer = TestClient(create_app(ws), headers=role_headers(ws, "management"))
    viewer = TestClient(create_app(ws), headers=role_headers(ws, "governance"))
    changed = text.replace("\nname: ", "\nname: Renamed — ", 1)
    yaml = {"content-type": "application/yaml"}
    assert (
        viewer.put(f"/api/journeys/{journey_id}", content=changed, headers=yaml).status_code == 403
    )
    broken = designer.put(f"/api/journeys/{journey_id}", content="id: x\nstages: 3\n", headers=yaml)
    assert broken.status_code == 422 and "line" in broken.text
    saved = designer.put(f"/api/journeys/{journey_id}", content=changed, headers=yaml)
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"].startswith("Renamed — ")
    assert path.read_text(encoding="utf-8") == changed  # the same file, replaced
    assert viewer.get(f"/api/journeys/{journey_id}").json()["name"].startswith("Renamed — ")
    admin = TestClient(create_app(ws), headers=admin_headers(ws))
    log = admin.get("/api/audit", params={"actor": "token:test-management"}).json()
    assert [(e["action"], e["target"]) for e in log] == [
        ("put_journey", f"/api/journeys/{journey_id}")  # once: the refused tries left no entry
    ]


def test_serve_tells_how_to_make_the_first_admin(tmp_path: Path) -> None:
    from serving import free_port

    root = tmp_path / "fresh"
    Workspace.init(root).close()
    port = free_port()
    journeys = str(Path(sys.executable).parent / "journeys")
    cmd = [journeys, "serve", "-w", str(root), "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=os.environ)
        try:
            deadline = time.monotonic() + 60
            while "Nobody can sign in yet" not in log.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = " ".join(log.read_text(encoding="utf-8").split())  # the console wraps long lines
    assert f"http://127.0.0.1:{port}/login" in text
    assert "journeys users create-admin" in text
