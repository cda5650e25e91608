"""Automation files of a workspace: ``automations/<id>.yaml``, loaded, checked and saved.

The API writes the same files as a person with an editor, after the same checks, so both are
refused for the same reasons, with file, line and field. A file that changes an automation
must raise its ``version`` (``version_not_raised``): customers inside keep the version they
entered with, so one version number must always mean one definition.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from journeys.analytics.segments.store import all_segments
from journeys.errors import ActionsFileInvalid, InvalidInput, NotFound
from journeys.maps.loader import Checked, ValidationIssue, check_file, check_text
from journeys.orchestration.automations.model import Automation
from journeys.orchestration.automations.rules import run_rules
from journeys.orchestration.nba.files import load_catalogue
from journeys.workspace import Workspace

FOLDER = "automations"


class AutomationFileInvalid(InvalidInput):
    """An automation file that breaks the model or a rule; details: the issues."""

    code = "automation_invalid"


class AutomationNotFound(NotFound):
    """No automation with that id in the workspace."""

    code = "automation_not_found"


def automations_dir(ws: Workspace) -> Path:
    """Where a workspace keeps its automation files."""
    return ws.root / FOLDER


def automation_files(ws: Workspace) -> list[Path]:
    """The automation files, by name."""
    return sorted(automations_dir(ws).glob("*.yaml"))


def check_automation_text(
    ws: Workspace, text: str, name: str = "<automation>"
) -> Checked[Automation]:
    """Check automation YAML against the model and the rules; never raises for bad content."""
    journeys, segments, actions = (
        {j.id: j for j in ws.journeys()},
        segment_names(ws),
        action_ids(ws),
    )
    return check_text(text, name, Automation, lambda a: run_rules(a, journeys, segments, actions))


def check_files(ws: Workspace) -> list[Checked[Automation]]:
    """Every automation file checked, repeated ids reported; never raises for bad content.

    Kept until a file (automation, journey, actions) or the saved segments change: the engine
    asks on every run, and runs follow each other closely while events stream in."""
    segments, actions = segment_names(ws), action_ids(ws)
    files = [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in automation_files(ws)]
    key = (
        str(ws.root.resolve()),
        tuple(files),
        ws.journey_files_key(),
        frozenset(segments),
        None if actions is None else frozenset(actions),
    )
    cached = _CHECKED.get(key[0])
    if cached is not None and cached[0] == key:
        return cached[1]
    checked = _check_files(ws, segments, actions)
    _CHECKED[key[0]] = (key, checked)
    return checked


_CHECKED: dict[str, tuple[object, list[Checked[Automation]]]] = {}


def _check_files(
    ws: Workspace, segments: set[str], actions: set[str] | None
) -> list[Checked[Automation]]:
    journeys = {j.id: j for j in ws.journeys()}
    checked = [
        check_file(p, Automation, lambda a: run_rules(a, journeys, segments, actions))
        for p in automation_files(ws)
    ]
    seen: dict[str, str] = {}
    for c in checked:
        if c.value is None:
            continue
        if c.value.id in seen:
            line, column = c.locator.find(("id",)) if c.locator else (1, 1)
            message = f"automation id {c.value.id!r} is already used by {seen[c.value.id]}"
            c.issues.append(_issue(c.file, line, column, "id", "duplicate_id", message))
        else:
            seen[c.value.id] = c.file
    return checked


def segment_names(ws: Workspace) -> set[str]:
    """The names of the workspace's saved segments."""
    return {s.name for s in all_segments(ws.operational)}


def action_ids(ws: Workspace) -> set[str] | None:
    """The ids of the actions catalogue (none without ``actions.yaml``); None when the file is
    invalid, so that its own check reports it and pins are not refused for it."""
    try:
        return {action.id for action in load_catalogue(ws).actions}
    except ActionsFileInvalid:
        return None


def load_automations(ws: Workspace) -> list[Automation]:
    """Every automation of the workspace; an invalid file or a repeated id raises."""
    return [c.accept("automation file", AutomationFileInvalid) for c in check_files(ws)]


def get_automation(ws: Workspace, automation_id: str) -> Automation:
    """One automation by id."""
    for a in load_automations(ws):
        if a.id == automation_id:
            return a
    raise AutomationNotFound(f"no automation with id {automation_id!r} in {automations_dir(ws)}")


def automation_text(ws: Workspace, automation_id: str) -> str:
    """The YAML text of an automation's file, as written."""
    path = automations_dir(ws) / f"{automation_id}.yaml"
    if not path.is_file():
        raise AutomationNotFound(f"no automation file {path}")
    return path.read_text(encoding="utf-8")


def save_automation_text(
    ws: Workspace, text: str, automation_id: str, known_versions: dict[int, str] | None = None
) -> Automation:
    """Check YAML and write it to ``automations/<id>.yaml``; the id in the text must match.

    ``known_versions`` maps each version the engine has seen to its definition (JSON); a
    changed definition under a known version number is refused.
    """
    name = f"{FOLDER}/{automation_id}.yaml"
    checked = check_automation_text(ws, text, name)
    automation = checked.accept("automation file", AutomationFileInvalid)
    if automation.id != automation_id:
        line = checked.locator.find(("id",))[0] if checked.locator else 1
        message = f"the file says id {automation.id!r}, but it is saved as {automation_id!r}"
        raise _refusal(name, line, "id", "id_mismatch", message)
    seen = (known_versions or {}).get(automation.version)
    if seen is not None and seen != definition_json(automation):
        line = checked.locator.find(("version",))[0] if checked.locator else 1
        message = (
            f"version {automation.version} is already in use with another definition; "
            "raise the version so customers inside keep theirs"
        )
        raise _refusal(name, line, "version", "version_not_raised", message)
    _write(automations_dir(ws) / f"{automation.id}.yaml", text)
    return automation


def definition_json(automation: Automation) -> str:
    """The canonical JSON of a definition: equal for equal automations."""
    return json.dumps(automation.model_dump(mode="json"), sort_keys=True)


def _refusal(file: str, line: int, field: str, code: str, message: str) -> AutomationFileInvalid:
    issue = _issue(file, line, 1, field, code, message)
    return AutomationFileInvalid(
        f"invalid automation file {issue.text()}", details=[issue.model_dump()]
    )


def _issue(
    file: str, line: int, column: int, field: str, code: str, message: str
) -> ValidationIssue:
    return ValidationIssue(
        file=file, line=line, column=column, field=field, code=code, message=message
    )


def _write(target: Path, text: str) -> None:
    # Write beside, then rename: the engine never reads half a file.
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".yaml.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
