"""The docs must name every CLI command and every setting."""

from __future__ import annotations

from pathlib import Path

import typer.main

from journeys import config
from journeys.cli import app

DOCS = Path(__file__).parent.parent / "docs"


def command_paths(group: typer.Typer, prefix: str = "journeys") -> list[str]:
    click_group = typer.main.get_group(group)
    paths = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            for sub in command.commands:
                paths.append(f"{prefix} {name} {sub}")
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_cli_command_is_in_the_cli_docs() -> None:
    # `journeys analyse …` commands are documented with their insight, in docs/analytics/;
    # the feedback commands (surveys, text, tickets) with their feature, in docs/feedback/.
    pages = [
        DOCS / "cli.md",
        *sorted(DOCS.glob("analytics/*.md")),
        *sorted(DOCS.glob("feedback/*.md")),
        DOCS / "loyalty.md",
    ]
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    missing = [p for p in command_paths(app) if f"`{p}" not in text]
    assert missing == []


def test_every_setting_is_documented_with_its_variable_and_default() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for setting in config.SETTINGS:
        row = f"| `{setting.name}` | `{setting.env}` | `{setting.default}` |"
        assert row in text, row


def test_the_readme_gives_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "./run demo" in readme and "./run test" in readme
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "./run test" in ci
