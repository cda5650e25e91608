"""The programme file of a workspace: ``loyalty/program.yaml``, loaded, checked and saved.

Like journeys and surveys, the programme is code that can live in git. The API writes the
same file after the same checks, so a file written by hand and one sent over the API are
refused for the same reasons, with file, line and field.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from journeys.errors import LoyaltyFileInvalid, NotFound
from journeys.loyalty.model import Program
from journeys.loyalty.rules import run_rules
from journeys.maps.loader import Checked, check_file, check_text
from journeys.workspace import Workspace

FOLDER = "loyalty"
FILE = "program.yaml"
WHAT = "loyalty programme file"


def program_path(ws: Workspace) -> Path:
    """Where a workspace keeps its programme file."""
    return ws.root / FOLDER / FILE


def has_program(ws: Workspace) -> bool:
    """Whether the workspace has a programme file."""
    return program_path(ws).is_file()


def check_program_text(text: str, name: str = f"{FOLDER}/{FILE}") -> Checked[Program]:
    """Check programme YAML against the model and the rules; never raises for bad content."""
    return check_text(text, name, Program, run_rules)


def load_program(ws: Workspace) -> Program:
    """The workspace's programme; an invalid file raises naming file, line and field."""
    path = program_path(ws)
    if not path.is_file():
        raise NotFound(
            f"the workspace has no loyalty programme: write {path} "
            "(see docs/loyalty.md; `journeys init` ships an example)"
        )
    return check_file(path, Program, run_rules).accept(WHAT, LoyaltyFileInvalid)


def load_program_or_none(ws: Workspace) -> Program | None:
    """The programme, or None when the workspace has none (an invalid file still raises)."""
    return load_program(ws) if has_program(ws) else None


def save_program_text(ws: Workspace, text: str) -> Program:
    """Check programme YAML and write it; refused with every issue located."""
    program = check_program_text(text).accept(WHAT, LoyaltyFileInvalid)
    target = program_path(ws)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".yaml.partial")  # a reader never sees half a file
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    return program


def save_program(ws: Workspace, program: Program) -> Program:
    """Write a programme given as a model (the HTTP API), after the same checks."""
    return save_program_text(ws, dump_program(program))


def dump_program(program: Program) -> str:
    """The YAML text of a programme, leaving out what equals the default."""
    data: dict[str, Any] = program.model_dump(mode="json", exclude_defaults=True)
    data = {"name": data.pop("name"), **data}
    buffer = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(data, buffer)
    return buffer.getvalue()
