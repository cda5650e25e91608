"""Which source column feeds which event field: the column mapping and its defaults.

A mapping is written the way the CLI takes it, ``field=column`` (``user_id=customer
event=event_type timestamp=event_time``). Fields left out are detected from common column
names; every column that feeds no field goes into the event's properties.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from journeys.errors import ImportFailed, InvalidInput

# The fields a column can feed, in the order they are reported.
FIELDS = ("user_id", "anonymous_id", "event", "timestamp", "message_id", "channel", "type")

# Common column names per field, compared after lower-casing and dropping "_", "-" and " ".
# Process-mining exports (pm4py, Disco) name cases and activities the XES way.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "user_id": (
        "user_id",
        "userId",
        "customer_id",
        "customer",
        "user",
        "person_id",
        "case:concept:name",
        "case_id",
        "case",
    ),
    "anonymous_id": (
        "anonymous_id",
        "anonymousId",
        "anon_id",
        "device_id",
        "visitor_id",
        "cookie_id",
        "client_id",
    ),
    "event": ("event", "event_type", "event_name", "activity", "action", "concept:name"),
    "timestamp": (
        "timestamp",
        "event_time",
        "event_timestamp",
        "time",
        "datetime",
        "date",
        "ts",
        "time:timestamp",
        "occurred_at",
        "created_at",
    ),
    "message_id": ("message_id", "messageId", "event_id"),
    "channel": ("channel",),
}

UNIX_FORMATS = {"unix": 1_000_000, "unix_ms": 1_000, "unix_us": 1}


class ColumnMapping(BaseModel):
    """Source columns for our event fields, plus how to read the timestamp."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str | None = None
    anonymous_id: str | None = None
    event: str | None = None
    timestamp: str | None = None
    message_id: str | None = None
    channel: str | None = None
    type: str | None = None
    # None: every column that feeds no field becomes a property.
    properties: tuple[str, ...] | None = None
    # A strptime format ("%d/%m/%Y %H:%M"), or unix / unix_ms / unix_us for epoch numbers;
    # None reads ISO-8601 text (a zone suffix is honoured, none means UTC) and typed columns.
    timestamp_format: str | None = None

    @classmethod
    def parse(cls, items: str | Iterable[str]) -> ColumnMapping:
        """Parse ``field=column`` items (a list, or one shell-quoted string)."""
        if isinstance(items, str):
            items = shlex.split(items)
        values: dict[str, object] = {}
        for item in items:
            field, sep, column = item.partition("=")
            field = field.strip()
            if not sep or not field or not column.strip():
                raise InvalidInput(f"--map takes field=column, got {item!r}")
            if field in values:
                raise InvalidInput(f"--map gives {field} twice")
            if field == "properties":
                values[field] = tuple(c.strip() for c in column.split(",") if c.strip())
            else:
                values[field] = column if field == "timestamp_format" else column.strip()
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            known = ", ".join((*FIELDS, "properties", "timestamp_format"))
            raise InvalidInput(f"unknown field in --map; the fields are {known}") from exc

    def mapped(self) -> dict[str, str]:
        """Field → column for the fields this mapping names."""
        return {f: c for f in FIELDS if (c := getattr(self, f)) is not None}


def _norm(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


def detect(columns: Sequence[str]) -> dict[str, str]:
    """Field → column for every field whose column has a common name."""
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(_norm(column), column)
    found: dict[str, str] = {}
    for field, names in KNOWN_NAMES.items():
        match = next((by_norm[n] for n in map(_norm, names) if n in by_norm), None)
        if match is not None:
            found[field] = match
    return found


def resolve(mapping: ColumnMapping | None, columns: Sequence[str], path: Path) -> ColumnMapping:
    """The complete mapping for a file: given fields, detected ones, and the properties."""
    given = mapping or ColumnMapping()
    fields = {**detect(columns), **given.mapped()}
    # A column the user mapped explicitly is not also claimed by a detected field.
    explicit = set(given.mapped().values())
    fields = {f: c for f, c in fields.items() if f in given.mapped() or c not in explicit}
    for field, column in fields.items():
        if column not in columns:
            raise ImportFailed(
                f"{path.name}: no column {column!r} (mapped to {field}); "
                f"the columns are {_listing(columns)}",
                details={"file": str(path), "missing": [column]},
            )
    _require(fields, columns, path)
    properties = given.properties
    if properties is None:
        used = set(fields.values())
        properties = tuple(c for c in columns if c not in used)
    for column in properties:
        if column not in columns:
            raise ImportFailed(
                f"{path.name}: no column {column!r} (listed in properties); "
                f"the columns are {_listing(columns)}",
                details={"file": str(path), "missing": [column]},
            )
    return ColumnMapping(**fields, properties=properties, timestamp_format=given.timestamp_format)


def _require(fields: dict[str, str], columns: Sequence[str], path: Path) -> None:
    missing = []
    if "user_id" not in fields and "anonymous_id" not in fields:
        missing.append("user_id (or anonymous_id)")
    if "timestamp" not in fields:
        missing.append("timestamp")
    if "event" not in fields and "type" not in fields:
        missing.append("event")
    if not missing:
        return
    hints = "; ".join(
        f"{m.split()[0]}: none of {', '.join(KNOWN_NAMES[m.split()[0]])}" for m in missing
    )
    example = " ".join(f"{m.split()[0]}=COLUMN" for m in missing)
    raise ImportFailed(
        f"{path.name}: cannot tell which column holds {', '.join(missing)} ({hints}); "
        f"the columns are {_listing(columns)}. Map them, e.g. --map {example}",
        details={"file": str(path), "missing": [m.split()[0] for m in missing]},
    )


def _listing(columns: Sequence[str]) -> str:
    shown = ", ".join(columns[:30])
    return shown + (f" … ({len(columns)} in all)" if len(columns) > 30 else "")
