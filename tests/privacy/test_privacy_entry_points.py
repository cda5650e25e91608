"""The CLI (`journeys gdpr …`) and the HTTP API (`/api/gdpr/…`), against a real server."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
from typer.testing import CliRunner

from journeys.cli import app

from privacy_people import CAROL, CAROL_EMAIL, CAROL_STREET, DAVE, People, files_holding
from serving import admin_headers


def gdpr(root: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["gdpr", *args, "-w", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_server_exports_and_erases_while_it_runs(people: People, server: str) -> None:
    admin = admin_headers(people.ws)
    with httpx.Client(base_url=server, headers=admin, timeout=60) as client:
        export = client.get(f"/api/gdpr/customers/{CAROL_EMAIL}")
        assert export.status_code == 200
        assert export.json()["ids"]["customer_id"] == CAROL
        assert export.json()["operational"]["tickets"][0]["customer_id"] == CAROL
        archive = client.get(f"/api/gdpr/customers/{CAROL}/export.zip")
        assert archive.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
            assert CAROL_STREET in zf.read("events.csv").decode()
        refused = client.post(f"/api/gdpr/customers/{CAROL}/erase", json={})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_input"
        erased = client.post(f"/api/gdpr/customers/{CAROL}/erase", json={"reason": "asked"})
        assert erased.status_code == 200 and erased.json()["found"] is True
        assert files_holding(people.ws, CAROL_EMAIL) == []
        gone = client.get(f"/api/gdpr/customers/{CAROL_EMAIL}")
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "customer_not_found"
        assert client.get(f"/api/gdpr/customers/{DAVE}").status_code == 200
        audit = client.get("/api/gdpr/audit").json()
    assert [a["action"] for a in audit] == ["export", "erase", "export", "export"]
    assert CAROL not in json.dumps(audit) and CAROL_EMAIL not in json.dumps(audit)


def test_the_cli_exports_erases_and_lists_the_audit(people: People, tmp_path: Path) -> None:
    root = people.ws.root
    people.ws.close()  # one process owns the event log
    export = json.loads(gdpr(root, "export", CAROL_EMAIL))
    assert export["ids"]["user_ids"] == [CAROL]
    target = tmp_path / "carol.zip"
    gdpr(root, "export", CAROL, "--format", "csv", "--out", str(target))
    with zipfile.ZipFile(target) as zf:
        assert "loyalty_ledger.csv" in zf.namelist()
    refused = CliRunner().invoke(app, ["gdpr", "erase", CAROL, "--reason", "r", "-w", str(root)],
                                 input="n\n")  # fmt: skip
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert "Erased:" in gdpr(root, "erase", CAROL, "--reason", "asked by phone", "--yes")
    assert "Nothing found" in gdpr(root, "erase", CAROL, "--reason", "again", "--yes")
    assert "Retention is off" in gdpr(root, "retention")
    audit = json.loads(gdpr(root, "audit", "--json"))
    assert [a["action"] for a in audit] == ["erase", "erase", "export", "export"]
    assert "asked by phone" in gdpr(root, "audit")
