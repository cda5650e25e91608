"""``journeys loyalty …`` through Typer's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from journeys.cli import app
from journeys.errors import InsufficientPoints
from journeys.workspace import Workspace

from factories import send, track


def run(root: Path, *args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["loyalty", *args, "-w", str(root)])
    return result.exit_code, result.output, result.exception


def run_json(root: Path, *args: str) -> Any:
    code, output, exc = run(root, *args, "--json")
    assert code == 0, (output, exc)
    return json.loads(output)


def test_enrol_award_redeem_show_and_stats(tmp_path: Path) -> None:
    root = Workspace.init(tmp_path / "ws").root
    assert run_json(root, "enrol", "ann")["tier"] == "bronze"
    posted = run_json(root, "award", "ann", "300", "--reason", "welcome", "--key", "k-1")
    assert posted["balance"] == 300
    assert run_json(root, "redeem", "ann", "voucher-5", "--key", "r-1")["balance"] == 50
    code, _, exc = run(root, "redeem", "ann", "voucher-5", "--key", "r-2")
    assert code != 0 and isinstance(exc, InsufficientPoints)
    shown = run_json(root, "show", "ann")
    assert shown["status"]["balance"] == 50 and len(shown["ledger"]) == 2
    earned = next(e for e in shown["ledger"] if e["kind"] == "earn")
    reversed_ = run_json(root, "reverse", "ann", str(earned["id"]), "--reason", "r", "--key", "v")
    assert reversed_["balance"] == 0
    assert run_json(root, "members")["total"] == 1
    stats = run_json(root, "stats")
    assert stats["members"] == 1 and stats["points_redeemed"] == 250
    code, output, _ = run(root, "stats")
    assert code == 0 and "points liability" in output


def test_earn_refer_and_check(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    send(ws.events, track({"userId": "ann"}, "loyalty_joined", 0))
    ws.close()
    assert run_json(ws.root, "earn")["enrolled"] == 1
    code_of_ann = run_json(ws.root, "members")["items"][0]["referral_code"]
    code, _, exc = run(ws.root, "refer", code_of_ann, "ann")
    assert code != 0 and exc is not None and "cannot refer themselves" in str(exc)
    assert run_json(ws.root, "refer", code_of_ann, "bo")["status"] == "claimed"
    code, output, _ = run(ws.root, "check")
    assert code == 0 and "valid loyalty programme" in output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrules:\n  - id: a\n    match: {event: e}\n")
    code, output, _ = run(ws.root, "check", str(bad))
    assert code == 1 and "bad.yaml:3:5: points_missing: rules[0]" in output


def test_an_argument_a_model_refuses_is_one_line_naming_it(tmp_path: Path) -> None:
    # Through the console script: its entry point turns the model's refusal into the error line.
    root = Workspace.init(tmp_path / "ws").root
    journeys = str(Path(sys.executable).parent / "journeys")
    award = [journeys, "loyalty", "award", "ann", "1000000001", "--reason", "r", "--key", "k"]
    done = subprocess.run([*award, "-w", str(root)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "error (invalid_input): the command's input is not valid: points:" in done.stderr
    assert "Traceback" not in done.stderr
    assert run_json(root, "stats")["points_earned"] == 0
