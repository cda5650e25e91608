"""The actions catalogue: the shipped example is valid, and a bad file is refused by rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeys.errors import ActionsFileInvalid
from journeys.orchestration.nba.files import actions_path, check_actions_text, load_catalogue
from journeys.orchestration.nba.rules import RULE_CODES
from journeys.workspace import Workspace

BAD = """\
actions:
  - id: a
    title: A
    message: "Hello {customer.name}"
    channels: [phone]
    eligible:
      journeys:
        - {journey: bank-mortgage, stages: [reserach]}
  - id: a
    title: Again
    message: "{event.name}"
    channels: [fax]
"""


def test_a_new_workspace_has_the_example_catalogue(ws: Workspace) -> None:
    catalogue = load_catalogue(ws)
    assert actions_path(ws).is_file()
    ids = {a.id for a in catalogue.actions}
    assert {"fix-open-ticket", "mortgage-advice-call", "cart-reminder", "rebook-cleaning"} <= ids


def test_every_problem_is_named_with_line_and_code(ws: Workspace) -> None:
    [issue] = check_actions_text(ws, BAD).issues  # the model refuses before the rules run
    assert (issue.line, issue.field, issue.code) == (12, "actions[1].channels[0]", "invalid_value")
    assert "'fax'" in issue.message
    channels_fixed = BAD.replace("[fax]", "[chat]")
    found = {(i.line, i.field, i.code) for i in check_actions_text(ws, channels_fixed).issues}
    assert found == {
        (4, "actions[0].message", "unknown_placeholder"),
        (8, "actions[0].eligible.journeys[0].stages[0]", "unknown_stage"),
        (9, "actions[1].id", "duplicate_id"),
        (11, "actions[1].message", "placeholder_without_interest"),
    }
    assert {c for _, _, c in found} <= set(RULE_CODES)


def test_an_invalid_file_is_refused_and_a_fixed_one_is_read_again(ws: Workspace) -> None:
    path = actions_path(ws)
    good = path.read_text(encoding="utf-8")
    path.write_text(BAD.replace("[fax]", "[chat]"), encoding="utf-8")
    with pytest.raises(ActionsFileInvalid, match="unknown_placeholder"):
        load_catalogue(ws)
    path.write_text(good, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a visible change
    assert load_catalogue(ws).actions


def test_without_an_actions_file_there_are_no_actions(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "bare", examples=False)
    assert load_catalogue(ws).actions == []
