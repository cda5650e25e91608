"""Automation files: the model and the rules refuse bad files with file, line, field and code."""

from __future__ import annotations

from pathlib import Path

import pytest
from automation_support import welcome, write_automation

from journeys.orchestration.automations.files import (
    AutomationFileInvalid,
    check_automation_text,
    load_automations,
    save_automation_text,
)
from journeys.orchestration.automations.model import Automation
from journeys.workspace import Workspace


def _issues(ws: Workspace, text: str) -> list[tuple[int, str, str]]:
    checked = check_automation_text(ws, text, "automations/x.yaml")
    return [(i.line, i.field, i.code) for i in checked.issues]


def test_the_welcome_automation_is_valid_and_loads(ws: Workspace) -> None:
    write_automation(ws, welcome())
    [a] = load_automations(ws)
    assert (a.id, a.version, [s.kind for s in a.steps]) == (
        "welcome",
        1,
        ["webhook", "wait", "email"],
    )


def test_an_unknown_field_is_refused_with_file_line_and_field(ws: Workspace) -> None:
    text = welcome().replace("      duration: 1d", "      duration: 1d\n      colour: red")
    path = write_automation(ws, text)
    with pytest.raises(AutomationFileInvalid) as caught:
        load_automations(ws)
    [issue] = caught.value.details
    assert issue["file"] == str(path)
    assert (issue["line"], issue["field"], issue["code"]) == (
        18,
        "steps[1].wait.colour",
        "unknown_field",
    )


def test_a_bad_duration_names_its_field(ws: Workspace) -> None:
    text = welcome().replace("duration: 1d", "duration: soon")
    [(line, field, code)] = _issues(ws, text)
    assert (line, field) == (17, "steps[1].wait.duration")
    assert code in ("invalid_value", "wrong_type")


RULE_CASES = [
    (
        "step_kind",
        "  - id: wait-a-day\n    wait:\n      duration: 1d\n",
        "  - id: wait-a-day\n    wait:\n      duration: 1d\n    add_points:\n      points: 5\n",
        "steps[1]",
    ),
    (
        "wait_timeout",
        "      duration: 1d\n",
        "      event:\n        event: purchase\n",
        "steps[1].wait.event",
    ),
    (
        "unknown_step",
        "      duration: 1d\n",
        "      event:\n        event: purchase\n      timeout: 2d\n      on_timeout: nowhere\n",
        "steps[1].wait.on_timeout",
    ),
    (
        "goto_backwards",
        "      duration: 1d\n",
        "      event:\n        event: purchase\n      timeout: 2d\n      on_event: notify-crm\n",
        "steps[1].wait.on_event",
    ),
    (
        "split_shares",
        "    wait:\n      duration: 1d\n",
        "    split:\n      variants:\n"
        "        - {name: a, share: 50}\n        - {name: b, share: 40}\n",
        "steps[1].split.variants",
    ),
    (
        "trigger_kind",
        "    event: signed_up\n",
        "    event: signed_up\n  inactive_days: 30\n",
        "trigger",
    ),
    (
        "condition_kind",
        "  - consent: marketing\n",
        "  - consent: marketing\n    trait: \"plan = 'gold'\"\n",
        "conditions[0]",
    ),
    (
        "unknown_stage",
        "  event:\n    event: signed_up\n",
        "  stage_entered: bank-mortgage/nowhere\n",
        "trigger.stage_entered",
    ),
    (
        "template_syntax",
        "Hello {{ traits.first_name }}",
        "Hello {{ traits.first_name",
        "steps[2].email.body",
    ),
]


@pytest.mark.parametrize(
    ("code", "old", "new", "field"), RULE_CASES, ids=[c[0] for c in RULE_CASES]
)
def test_each_rule_refuses_with_its_code_and_field(
    ws: Workspace, code: str, old: str, new: str, field: str
) -> None:
    text = welcome()
    assert old in text
    found = _issues(ws, text.replace(old, new, 1))
    assert [(f, c) for _, f, c in found] == [(field, code)]
    assert all(line > 1 for line, _, _ in found)


def test_saving_a_changed_definition_needs_a_new_version(ws: Workspace) -> None:
    first = save_automation_text(ws, welcome(), "welcome")
    from journeys.orchestration.automations.files import definition_json

    seen = {1: definition_json(first)}
    changed = welcome().replace("duration: 1d", "duration: 2d")
    with pytest.raises(AutomationFileInvalid) as caught:
        save_automation_text(ws, changed, "welcome", seen)
    [issue] = caught.value.details
    assert (issue["field"], issue["code"], issue["line"]) == ("version", "version_not_raised", 3)
    saved = save_automation_text(ws, changed.replace("version: 1", "version: 2"), "welcome", seen)
    assert saved.version == 2
    assert "duration: 2d" in (ws.root / "automations" / "welcome.yaml").read_text()


def test_a_file_survives_dump_and_load(ws: Workspace, tmp_path: Path) -> None:
    write_automation(ws, welcome())
    [a] = load_automations(ws)
    again = Automation.model_validate_json(a.model_dump_json())
    assert again == a


def test_the_shipped_example_is_valid(ws: Workspace) -> None:
    example = Path(__file__).parents[2] / "journeys/orchestration/automations/examples/welcome.yaml"
    checked = check_automation_text(ws, example.read_text(encoding="utf-8"), str(example))
    assert checked.issues == [] and checked.value is not None
    assert checked.value.active is False  # it posts to a placeholder URL until edited
