"""Survey files of a workspace: ``surveys/<id>.yaml``, loaded, checked and saved.

Surveys are code like journeys: they live in files that can be kept in git. The API and the
web editor write the same files, after the same checks, so a file written by hand and one
saved from the browser are refused for the same reasons, with line and column.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from journeys.errors import SurveyFileInvalid, SurveyNotFound
from journeys.feedback.surveys.model import Survey
from journeys.feedback.surveys.rules import run_rules
from journeys.maps.loader import Checked, ValidationIssue, check_file, check_text
from journeys.workspace import Workspace

FOLDER = "surveys"


def surveys_dir(ws: Workspace) -> Path:
    """Where a workspace keeps its survey files."""
    return ws.root / FOLDER


def survey_files(ws: Workspace) -> list[Path]:
    """The survey files, by name."""
    return sorted(surveys_dir(ws).glob("*.yaml"))


def check_survey_text(ws: Workspace, text: str, name: str = "<survey>") -> Checked[Survey]:
    """Check survey YAML against the model and the rules; never raises for bad content."""
    journeys = {j.id: j for j in ws.journeys()}
    return check_text(text, name, Survey, lambda s: run_rules(s, journeys))


def load_surveys(ws: Workspace) -> list[Survey]:
    """Every survey of the workspace; an invalid file or a repeated id raises."""
    journeys = {j.id: j for j in ws.journeys()}
    checked = [check_file(p, Survey, lambda s: run_rules(s, journeys)) for p in survey_files(ws)]
    seen: dict[str, str] = {}
    for c in checked:
        if c.value is not None and c.value.id in seen:
            line, column = c.locator.find(("id",)) if c.locator else (1, 1)
            message = f"survey id {c.value.id!r} is already used by {seen[c.value.id]}"
            issue = ValidationIssue(
                file=c.file, line=line, column=column, field="id", code="duplicate_id",
                message=message,
            )  # fmt: skip
            c.issues.append(issue)
        elif c.value is not None:
            seen[c.value.id] = c.file
    return [c.accept("survey file", SurveyFileInvalid) for c in checked]


def get_survey(ws: Workspace, survey_id: str) -> Survey:
    """One survey by id."""
    for s in load_surveys(ws):
        if s.id == survey_id:
            return s
    raise SurveyNotFound(f"no survey with id {survey_id!r} in {surveys_dir(ws)}")


def survey_text(ws: Workspace, survey_id: str) -> str:
    """The YAML text of a survey's file, as written."""
    path = _path_of(ws, survey_id)
    if path is None:
        raise SurveyNotFound(f"no survey with id {survey_id!r} in {surveys_dir(ws)}")
    return path.read_text(encoding="utf-8")


def save_survey_text(ws: Workspace, text: str, replaces: str | None = None) -> Survey:
    """Check survey YAML and write it to ``surveys/<id>.yaml``.

    ``replaces`` is the id of the survey being edited; a new survey may not take an id in use.
    """
    survey = check_survey_text(ws, text, f"{FOLDER}/{replaces or 'new'}.yaml").accept(
        "survey file", SurveyFileInvalid
    )
    existing = _path_of(ws, survey.id)
    if survey.id != replaces and existing is not None:
        raise SurveyFileInvalid(
            f"a survey with id {survey.id!r} already exists ({existing.name}); choose another id",
            details=[{"field": "id", "code": "duplicate_id"}],
        )
    old = _path_of(ws, replaces) if replaces else None
    target = surveys_dir(ws) / f"{survey.id}.yaml"
    _write(target, text)
    if old is not None and old != target:
        old.unlink()
    return survey


def save_survey(ws: Workspace, survey: Survey, replaces: str | None = None) -> Survey:
    """Write a survey given as a model (the HTTP API) as YAML, after the same checks."""
    return save_survey_text(ws, dump_survey(survey), replaces)


def dump_survey(survey: Survey) -> str:
    """The YAML text of a survey, leaving out what equals the default."""
    data: dict[str, Any] = survey.model_dump(mode="json", exclude_defaults=True)
    for key in ("kind", "journey", "touchpoint"):  # required, keep them near the top
        data[key] = data.pop(key)
    buffer = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _path_of(ws: Workspace, survey_id: str | None) -> Path | None:
    if survey_id is None:
        return None
    for path in survey_files(ws):
        checked = check_file(path, Survey)
        if checked.value is not None and checked.value.id == survey_id:
            return path
    return None


def _write(target: Path, text: str) -> None:
    # Write beside, then rename: a reader never sees half a file.
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".yaml.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
