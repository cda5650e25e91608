"""A workspace: one folder holding the journey files, the event log and the operational store.

DIR/
  workspace.yaml      marks the folder as a workspace
  journeys/*.yaml     journey files (journeys as code; keep them in git)
  surveys/*.yaml      survey files, attached to the journeys' touchpoints
  loyalty/program.yaml the loyalty programme: earning rules, tiers, rewards, referrals
  actions.yaml        the next-best-action catalogue (offers, reminders, service first)
  events.duckdb       the event log and everything derived from it
  journeys.sqlite     operational data (sources and their write keys, …)
"""

from __future__ import annotations

import os
import shutil
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.clock import Clock, SystemClock
from journeys.errors import InvalidInput, NotFound, WorkspaceExists

if TYPE_CHECKING:
    from journeys.maps.model import Journey
    from journeys.store.eventlog import EventLog
    from journeys.store.operational import OperationalStore

MARKER = "workspace.yaml"
JourneyFilesKey = tuple[tuple[str, int, int], ...]  # name, mtime (ns), size of each file


class Workspace:
    """Handle on a workspace folder; opens its stores lazily."""

    def __init__(
        self, root: Path | str, clock: Clock | None = None, operational_url: str | None = None
    ) -> None:
        self.root = Path(root)
        self.clock = clock or SystemClock()
        self._operational_url = operational_url
        self._journeys: tuple[JourneyFilesKey, list[Journey]] | None = None
        self._settings: tuple[tuple[int, int], dict[str, object]] | None = None

    # -- layout ---------------------------------------------------------------------------
    @property
    def journeys_dir(self) -> Path:
        return self.root / "journeys"

    @property
    def events_path(self) -> Path:
        return self.root / "events.duckdb"

    @property
    def operational_url(self) -> str:
        """The operational store's SQLAlchemy URL: given when opened, else the setting
        ``operational_database``, else the workspace's SQLite file."""
        from journeys import config

        given = self._operational_url or config.get("operational_database")
        return given or f"sqlite:///{(self.root / 'journeys.sqlite').resolve()}"

    # -- life cycle -----------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        root: Path | str,
        examples: bool = True,
        clock: Clock | None = None,
        operational_url: str | None = None,
    ) -> Workspace:
        """Create a workspace folder, with the example journey files unless told otherwise."""
        ws = cls(root, clock, operational_url)
        if ws.exists():
            raise WorkspaceExists(f"{ws.root} is already a Journeys workspace")
        ws.journeys_dir.mkdir(parents=True, exist_ok=True)
        (ws.root / MARKER).write_text("# Journeys workspace\nversion: 1\n", encoding="utf-8")
        if examples:
            for path in example_journey_files():
                shutil.copyfile(path, ws.journeys_dir / path.name)
            surveys = ws.root / "surveys"
            surveys.mkdir(exist_ok=True)
            for path in _examples("journeys.feedback.surveys"):
                shutil.copyfile(path, surveys / path.name)
            loyalty = ws.root / "loyalty"
            loyalty.mkdir(exist_ok=True)
            for path in _examples("journeys.loyalty"):
                shutil.copyfile(path, loyalty / path.name)
            for path in _examples("journeys.orchestration.nba"):
                shutil.copyfile(path, ws.root / path.name)
            automations = ws.root / "automations"
            automations.mkdir(exist_ok=True)
            for path in _examples("journeys.orchestration.automations"):
                shutil.copyfile(path, automations / path.name)
        return ws

    @classmethod
    def open(
        cls, root: Path | str, clock: Clock | None = None, operational_url: str | None = None
    ) -> Workspace:
        """Open an existing workspace; a clear error if the folder is not one."""
        ws = cls(root, clock, operational_url)
        if not ws.exists():
            raise NotFound(
                f"{ws.root} is not a Journeys workspace (no {MARKER}); "
                f"create one with `journeys init {ws.root}`"
            )
        return ws

    def setting(self, name: str) -> str:
        """A setting in force for this workspace: its environment variable, else the
        ``settings:`` map of workspace.yaml, else the default (``journeys.config``)."""
        from journeys import config

        declared = config.SETTINGS_BY_NAME[name]
        if declared.env in os.environ:
            return os.environ[declared.env]
        value = self.settings().get(name)
        return declared.default if value is None else str(value)

    def settings(self) -> dict[str, object]:
        """The ``settings:`` map of workspace.yaml (empty when it has none)."""
        from ruamel.yaml import YAML

        from journeys import config

        marker = self.root / MARKER
        try:
            stat = marker.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)  # read again only when the file changes
        if self._settings is not None and self._settings[0] == key:
            return dict(self._settings[1])
        data = YAML(typ="safe").load(marker.read_text(encoding="utf-8")) or {}
        found = data.get("settings") or {}
        if not isinstance(found, dict):
            raise InvalidInput(f"{marker}: 'settings' must be a map of setting names to values")
        unknown = sorted(set(found) - set(config.SETTINGS_BY_NAME))
        if unknown:
            raise InvalidInput(
                f"{marker}: unknown setting(s) {', '.join(unknown)}; see `journeys.config`",
                details={"field": "settings", "value": unknown},
            )
        self._settings = (key, dict(found))
        return dict(found)

    def exists(self) -> bool:
        """Whether the folder has been initialised as a workspace."""
        return (self.root / MARKER).is_file()

    def close(self) -> None:
        """Close whatever stores were opened."""
        if "events" in self.__dict__:
            self.events.close()
            del self.__dict__["events"]
        if "operational" in self.__dict__:
            self.operational.close()
            del self.__dict__["operational"]

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stores ---------------------------------------------------------------------------
    @cached_property
    def events(self) -> EventLog:
        """The event log, with every consumer of the foundation attached."""
        from journeys.events.identity import IdentityConsumer
        from journeys.events.profiles import ProfileConsumer
        from journeys.orchestration.nba.index import CustomerEventIndex
        from journeys.store.consumers import Consumer
        from journeys.store.eventlog import EventLog

        index = CustomerEventIndex(self.customer_index_path)
        consumers: list[Consumer] = [IdentityConsumer(), ProfileConsumer(), index]
        return EventLog(self.events_path, consumers=consumers, clock=self.clock)

    @property
    def customer_index_path(self) -> Path:
        """The customer event index (SQLite) beside the event log."""
        from journeys.orchestration.nba.index import FILE

        return self.events_path.with_name(FILE)

    @cached_property
    def operational(self) -> OperationalStore:
        """The transactional store (SQLite by default) behind SQLAlchemy."""
        from journeys.store.operational import OperationalStore

        return OperationalStore(self.operational_url, clock=self.clock)

    # -- journeys -------------------------------------------------------------------------
    def journey_files(self) -> list[Path]:
        """The journey files of the workspace, by name."""
        return [self.journeys_dir / name for name, _, _ in self.journey_files_key()]

    def journey_files_key(self) -> JourneyFilesKey:
        """Name, mtime and size of every journey file: changes when any file does.

        Asked on every ranking and measured map, so one directory scan (``os.scandir``, whose
        entries carry their stat) rather than a glob and a stat per file."""
        try:
            with os.scandir(self.journeys_dir) as entries:
                stats = [(e.name, e.stat()) for e in entries if e.name.endswith(".yaml")]
        except FileNotFoundError:
            return ()
        return tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in stats))

    def journeys(self) -> list[Journey]:
        """Every journey of the workspace, validated (an invalid file raises).

        Parsing and validating the files takes hundreds of milliseconds and every journey page
        asks, so the result is kept until a file is added, removed or changed.
        """
        from journeys.maps.loader import load_journeys

        key = self.journey_files_key()
        if self._journeys is None or self._journeys[0] != key:
            self._journeys = (key, load_journeys(self.journeys_dir))
        return list(self._journeys[1])

    def journey(self, journey_id: str) -> Journey:
        """One journey by its id."""
        from journeys.errors import JourneyNotFound

        for j in self.journeys():
            if j.id == journey_id:
                return j
        raise JourneyNotFound(f"no journey with id {journey_id!r} in {self.journeys_dir}")


def example_journey_files() -> list[Path]:
    """The demo journeys shipped with the package."""
    return _examples("journeys.maps")


def _examples(package: str) -> list[Path]:
    folder = resources.files(package) / "examples"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))
