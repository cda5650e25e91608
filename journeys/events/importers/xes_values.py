"""XES attribute values (the IEEE 1849-2016 types) and the keys of the standard extensions."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any, NamedTuple

SCALARS = ("string", "date", "int", "float", "boolean", "id")
# list is IEEE 1849-2016; container comes from OpenXES 2 and holds keyed attributes.
ATTRIBUTES = (*SCALARS, "list", "container")

# Extension (named by its URI's file, e.g. .../concept.xesext) → key → XES type.
STANDARD_EXTENSIONS: dict[str, dict[str, str]] = {
    "concept": {"name": "string", "instance": "string"},
    "lifecycle": {"model": "string", "transition": "string", "state": "string"},
    "org": {"resource": "string", "role": "string", "group": "string"},
    "time": {"timestamp": "date"},
    "semantic": {"modelReference": "string"},
    "identity": {"id": "id"},
    "cost": {
        "total": "float",
        "currency": "string",
        "amount": "float",
        "driver": "string",
        "type": "string",
    },
    "micro": {"level": "int", "parentId": "id", "length": "int"},
}

_DATE = re.compile(r"(-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NCNAME = re.compile(r"[A-Za-z_][\w.\-]*")


class Attribute(NamedTuple):
    """One attribute as read: its XES type, its value (None if unreadable) and its text."""

    tag: str
    value: Any
    text: str | None


def parse_date(text: str) -> datetime:
    """An xs:dateTime as a naive UTC datetime; no zone means UTC."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a date-time (expected e.g. 2011-10-11T13:45:40+02:00)")
    base, fraction, zone = match.groups()
    # Python reads at most microseconds; finer digits are dropped, not rounded.
    iso = base + (fraction or "")[:7] + ("+00:00" if zone in (None, "Z") else zone)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time ({exc})") from None
    return parsed.astimezone(UTC).replace(tzinfo=None)


def parse_value(tag: str, text: str) -> Any:
    """The value of a scalar attribute; ValueError names what is wrong."""
    if tag in ("string",):
        return text
    if tag == "date":
        return parse_date(text)
    stripped = text.strip()
    if tag == "int":
        if not _INT.fullmatch(stripped):
            raise ValueError(f"{text!r} is not an integer")
        return int(stripped)
    if tag == "float":
        if not _FLOAT.fullmatch(stripped):
            raise ValueError(f"{text!r} is not a number")
        return float(stripped.replace("INF", "inf"))
    if tag == "boolean":
        if stripped not in _BOOLEAN:
            raise ValueError(f"{text!r} is not a boolean (true or false)")
        return _BOOLEAN[stripped]
    if tag == "id":
        if not (_UUID.fullmatch(stripped) or _NCNAME.fullmatch(stripped)):
            raise ValueError(f"{text!r} is not an identifier (a UUID or a name without spaces)")
        return stripped
    raise ValueError(f"<{tag}> has no scalar value")


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: dates in ISO 8601 UTC, non-finite numbers as text."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value
