"""Segment-spec tracking messages and their normalisation into event-log rows.

The models follow the Segment HTTP tracking spec (camelCase on the wire, snake_case here).
Unknown top-level fields are ignored, as Segment does (libraries add ``integrations``,
``_metadata``, ``library``…); wrong types and missing required fields refuse the message with
an error naming the field. Timestamps are corrected for client clock skew the way Segment
does: ``timestamp = received_at - (sent_at - timestamp)``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from journeys.maps.model import CHANNELS
from journeys.store.schema import INCOMING_SCHEMA

MAX_ID_LENGTH = 255


def _coerce_id(value: Any) -> Any:
    # Libraries send numeric ids; an empty string means "absent".
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if value == "":
        return None
    return value


IdText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
Id = Annotated[IdText | None, BeforeValidator(_coerce_id)]
JsonObject = dict[str, Any]


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    message_id: Id = Field(None, alias="messageId")
    anonymous_id: Id = Field(None, alias="anonymousId")
    user_id: Id = Field(None, alias="userId")
    timestamp: datetime | None = None
    sent_at: datetime | None = Field(None, alias="sentAt")
    context: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _someone(self) -> _Message:
        if self.user_id is None and self.anonymous_id is None:
            raise ValueError("userId or anonymousId is required")
        return self


class Track(_Message):
    type: Literal["track"]
    event: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    properties: JsonObject = Field(default_factory=dict)


class Identify(_Message):
    type: Literal["identify"]
    traits: JsonObject = Field(default_factory=dict)


class Page(_Message):
    type: Literal["page"]
    name: str | None = Field(None, max_length=MAX_ID_LENGTH)
    category: str | None = None
    properties: JsonObject = Field(default_factory=dict)


class Screen(Page):
    type: Literal["screen"]  # type: ignore[assignment]


class Group(_Message):
    type: Literal["group"]
    group_id: Annotated[IdText, BeforeValidator(_coerce_id)] = Field(alias="groupId")
    traits: JsonObject = Field(default_factory=dict)


class Alias(_Message):
    type: Literal["alias"]
    previous_id: Annotated[IdText, BeforeValidator(_coerce_id)] = Field(alias="previousId")


Message = Annotated[Track | Identify | Page | Screen | Group | Alias, Field(discriminator="type")]
MESSAGE = TypeAdapter(Message)


class ItemError(BaseModel):
    """Why one message of a request or file was refused."""

    index: int
    code: str
    field: str | None
    message: str


def parse_message(item: Any) -> Track | Identify | Page | Screen | Group | Alias:
    """Validate one wire message; raises pydantic.ValidationError."""
    return MESSAGE.validate_python(item)


def normalize(
    items: list[Any],
    received_at: datetime,
    sent_at: datetime | None = None,
    default_channel: str | None = None,
    max_item_bytes: int | None = None,
) -> tuple[list[dict[str, Any]], list[ItemError]]:
    """Turn wire messages into event-log rows; refused items come back as ItemErrors."""
    rows: list[dict[str, Any]] = []
    errors: list[ItemError] = []
    for index, item in enumerate(items):
        if max_item_bytes is not None:
            size = len(json.dumps(item, separators=(",", ":"), default=str).encode())
            if size > max_item_bytes:
                errors.append(
                    ItemError(
                        index=index,
                        code="event_too_large",
                        field=None,
                        message=f"message is {size} bytes; the limit is {max_item_bytes}",
                    )
                )
                continue
        try:
            message = parse_message(item)
        except ValidationError as exc:
            errors.append(_item_error(index, exc))
            continue
        rows.append(to_row(message, received_at, sent_at, default_channel))
    return rows, errors


def _item_error(index: int, exc: ValidationError) -> ItemError:
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"] if not isinstance(p, int)]
    # The discriminated union puts the type name first in the location; drop it.
    if loc and loc[0] in ("track", "identify", "page", "screen", "group", "alias"):
        loc = loc[1:]
    field = ".".join(loc) or None
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = "type"
    text = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:]) or 'message'}: {e['msg']}" for e in exc.errors()
    )
    return ItemError(index=index, code="event_invalid", field=field, message=text)


def to_row(
    message: Track | Identify | Page | Screen | Group | Alias,
    received_at: datetime,
    sent_at: datetime | None = None,
    default_channel: str | None = None,
) -> dict[str, Any]:
    """One event-log row (INCOMING_SCHEMA) for a validated message."""
    original = _utc(message.timestamp)
    sent = _utc(message.sent_at) or _utc(sent_at)
    if original is None:
        timestamp = received_at
    elif sent is not None:
        timestamp = received_at - (sent - original)
    else:
        timestamp = original
    properties = getattr(message, "properties", None)
    traits = getattr(message, "traits", None)
    return {
        "message_id": message.message_id or str(uuid.uuid4()),
        "type": message.type,
        "event": _event_name(message),
        "anonymous_id": message.anonymous_id,
        "user_id": message.user_id,
        "channel": _channel(message, properties or {}, default_channel),
        "timestamp": timestamp,
        "original_timestamp": original,
        "properties": _json(properties),
        "context": _json(message.context),
        "traits": _json(traits),
        "previous_id": getattr(message, "previous_id", None),
        "group_id": getattr(message, "group_id", None),
    }


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table in INCOMING_SCHEMA from normalised rows."""
    return pa.Table.from_pylist(rows, schema=INCOMING_SCHEMA)


def _event_name(message: Any) -> str:
    if isinstance(message, Track):
        return message.event
    if isinstance(message, Page):  # pages and screens are named by their page/screen name
        return message.name or message.type
    return str(message.type)


_CONTEXT_CHANNELS = {"browser": "web", "mobile": "app"}


def _channel(message: Any, properties: dict[str, Any], default: str | None) -> str | None:
    explicit = properties.get("channel")
    if isinstance(explicit, str) and explicit:
        return explicit.lower()
    ctx = message.context.get("channel")
    if isinstance(ctx, str):
        ctx = _CONTEXT_CHANNELS.get(ctx.lower(), ctx.lower())
        if ctx in CHANNELS:
            return ctx
    if default:
        return default
    return {"page": "web", "screen": "app"}.get(message.type)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
