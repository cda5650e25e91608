"""The actions file of a workspace, ``actions.yaml``: loaded, checked and cached.

Every next-best-action request needs the catalogue, and parsing YAML takes milliseconds, so
the validated catalogue is kept per workspace folder until the file (or a journey file, which
its rules read) changes: a cheap ``stat`` per request instead of a parse.
"""

from __future__ import annotations

import threading
from pathlib import Path

from journeys.errors import ActionsFileInvalid
from journeys.maps.loader import Checked, check_file, check_text
from journeys.orchestration.nba.catalogue import Catalogue
from journeys.orchestration.nba.rules import run_rules
from journeys.workspace import JourneyFilesKey, Workspace

FILE = "actions.yaml"

_Key = tuple[int, int, JourneyFilesKey]
_cache: dict[Path, tuple[_Key, Catalogue]] = {}
_lock = threading.Lock()


def actions_path(ws: Workspace) -> Path:
    """Where a workspace keeps its actions catalogue."""
    return ws.root / FILE


def check_actions_text(ws: Workspace, text: str, name: str = FILE) -> Checked[Catalogue]:
    """Check catalogue YAML against the model and the rules; never raises for bad content."""
    journeys = {j.id: j for j in ws.journeys()}
    return check_text(text, name, Catalogue, lambda c: run_rules(c, journeys))


def load_catalogue(ws: Workspace, files_key: JourneyFilesKey | None = None) -> Catalogue:
    """The workspace's actions (none when it has no actions file); an invalid file raises.

    ``files_key``: ``ws.journey_files_key()`` when the caller has it already (a ranking
    reads it once for the catalogue and the journeys)."""
    path = actions_path(ws)
    try:
        st = path.stat()
    except FileNotFoundError:
        return Catalogue()
    journeys_key = ws.journey_files_key() if files_key is None else files_key
    key: _Key = (st.st_mtime_ns, st.st_size, journeys_key)
    root = ws.root
    cached = _cache.get(root)
    if cached is not None and cached[0] == key:
        return cached[1]
    journeys = {j.id: j for j in ws.journeys()}
    checked = check_file(path, Catalogue, lambda c: run_rules(c, journeys))
    catalogue = checked.accept("actions file", ActionsFileInvalid)
    with _lock:
        _cache[root] = (key, catalogue)
    return catalogue
