"""The workspace: layout, and journeys read from its files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeys.errors import JourneyFileInvalid, NotFound
from journeys.workspace import Workspace


def test_journeys_are_read_once_and_again_when_a_file_changes(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    first = ws.journeys()
    assert [j.id for j in first] == ["bank-mortgage", "fashion", "home-cleaning"]
    assert ws.journeys()[0] is first[0]  # unchanged files are not parsed again

    path = ws.journeys_dir / "fashion.yaml"
    text = path.read_text(encoding="utf-8").replace("\nname: ", "\nname: Renamed ", 1)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert ws.journey("fashion").name.startswith("Renamed ")

    (ws.journeys_dir / "home-cleaning.yaml").unlink()
    assert [j.id for j in ws.journeys()] == ["bank-mortgage", "fashion"]

    (ws.journeys_dir / "broken.yaml").write_text("id: broken\nname: [\n", encoding="utf-8")
    with pytest.raises(JourneyFileInvalid, match=r"broken\.yaml"):
        ws.journeys()


def test_opening_a_folder_that_is_not_a_workspace_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="journeys init"):
        Workspace.open(tmp_path / "nothing")
