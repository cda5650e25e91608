"""Settings, declared once as (name, default, help); each can be set by environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        """The environment variable that overrides this setting."""
        return "JOURNEYS_" + self.name.upper()

    def value(self) -> str:
        """The value in force: the environment's, else the default."""
        return os.environ.get(self.env, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "./journeys-data", "The workspace folder: journey files and databases."),
    Setting("host", "127.0.0.1", "Address the web app and API listen on."),
    Setting("port", "8000", "Port the web app and API listen on."),
    Setting("max_event_bytes", "32768", "Largest accepted tracking message (Segment: 32 KB)."),
    Setting("max_batch_bytes", "512000", "Largest accepted tracking batch (Segment: 500 KB)."),
    Setting(
        "identity_traits",
        "email,phone,crm_id",
        "Traits of identify calls that are external ids of a customer (comma-separated).",
    ),
    Setting("query_timeout", "60", "Seconds an analysis may run before it is stopped."),
    Setting("demo_customers", "20000", "How many synthetic customers `journeys demo` generates."),
    Setting("demo_seed", "42", "Random seed of the demo data generator."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a declared setting."""
    return SETTINGS_BY_NAME[name].value()


def get_int(name: str) -> int:
    """The value of a declared integer setting."""
    return int(get(name))


def default_workspace() -> Path:
    """The workspace folder in force when no --workspace option is given."""
    return Path(get("workspace"))
