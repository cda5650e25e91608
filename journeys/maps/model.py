"""The journey map as code: Pydantic models for a journey file.

Field-level rules (types, ranges, channels, unknown fields, matcher syntax) live here; rules
that look across the file (duplicate ids, references) live in ``rules.py``.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_serializer

Channel = Literal[
    "web",
    "app",
    "email",
    "sms",
    "phone",
    "chat",
    "social",
    "store",
    "in_person",
    "mail",
    "video",
]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
EventType = Literal["track", "page", "screen", "identify", "group", "alias"]
Horizon = Literal["short", "long"]
BacklogStatus = Literal["idea", "planned", "in_progress", "done", "dropped"]
Emotion = Annotated[int, Field(ge=-2, le=2)]
Score = Annotated[int, Field(ge=1, le=5)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]

OPERATORS = ("=", "!=", ">=", "<=", ">", "<", "contains", "starts_with", "in", "exists")
_FILTER = re.compile(
    r"^\s*(?P<prop>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*"
    r"(?P<op>!=|>=|<=|=|>|<|\bcontains\b|\bstarts_with\b|\bin\b|\bexists\b)\s*(?P<value>.*?)\s*$"
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PropertyFilter(Strict):
    """One condition on an event: ``property op value``, written as a string in YAML.

    ``property`` is a path into the event's properties (``plan.name``); a path starting with
    ``context.`` reads the event's context instead. ``value`` is a JSON scalar or list
    (single quotes allowed for strings); ``exists`` takes no value.
    """

    property: str
    op: Literal["=", "!=", ">=", "<=", ">", "<", "contains", "starts_with", "in", "exists"]
    value: Any = None

    @classmethod
    def parse(cls, text: str) -> PropertyFilter:
        """Parse ``"path starts_with '/mortgage'"``; raise ValueError naming what is wrong."""
        m = _FILTER.match(text)
        if not m:
            raise ValueError(
                f"cannot parse filter {text!r}: expected '<property> <operator> <value>' with an "
                f"operator among {', '.join(OPERATORS)}"
            )
        op, raw = m["op"], m["value"]
        if op == "exists":
            if raw:
                raise ValueError(f"filter {text!r}: 'exists' takes no value")
            return cls(property=m["prop"], op="exists")
        if not raw:
            raise ValueError(f"filter {text!r}: operator {op!r} needs a value")
        value = _parse_value(raw, text)
        if op == "in" and not isinstance(value, list):
            raise ValueError(f"filter {text!r}: 'in' needs a list, e.g. ['a', 'b']")
        if op in (">", ">=", "<", "<=") and not isinstance(value, int | float):
            raise ValueError(f"filter {text!r}: {op!r} needs a number")
        return cls.model_validate({"property": m["prop"], "op": op, "value": value})

    def text(self) -> str:
        """The string form written in journey files."""
        if self.op == "exists":
            return f"{self.property} exists"
        return f"{self.property} {self.op} {json.dumps(self.value, ensure_ascii=False)}"

    def matches(self, properties: dict[str, Any], context: dict[str, Any] | None = None) -> bool:
        """Whether an event with these properties (and context) satisfies the filter."""
        found, actual = _lookup(self.property, properties, context or {})
        if self.op == "exists":
            return found and actual is not None
        if not found:
            return self.op == "!="
        v = self.value
        if self.op == "=":
            return _same(actual, v)
        if self.op == "!=":
            return not _same(actual, v)
        if self.op == "in":
            return any(_same(actual, item) for item in v)
        if self.op == "contains":
            return isinstance(actual, str | list) and str(v) in actual
        if self.op == "starts_with":
            return isinstance(actual, str) and actual.startswith(str(v))
        if not isinstance(actual, int | float) or isinstance(actual, bool):
            return False
        compared = {">": actual > v, ">=": actual >= v, "<": actual < v, "<=": actual <= v}
        return bool(compared[self.op])


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1 (as Python's True == 1 would have it).
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _parse_value(raw: str, text: str) -> Any:
    candidates = [raw]
    if raw.startswith("'") or "'" in raw:
        candidates.append(re.sub(r"'([^']*)'", lambda m: json.dumps(m[1]), raw))
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise ValueError(f"filter {text!r}: value {raw!r} is not a quoted string, number, bool or list")


def lookup_property(
    path: str, properties: dict[str, Any], context: dict[str, Any]
) -> tuple[bool, Any]:
    """(found, value) of a property path (``plan``, ``context.campaign.name``) of an event."""
    return _lookup(path, properties, context)


def _lookup(path: str, properties: dict[str, Any], context: dict[str, Any]) -> tuple[bool, Any]:
    parts = path.split(".")
    node: Any = properties
    if parts[0] == "context":
        node, parts = context, parts[1:]
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _filter_from_text(value: Any) -> Any:
    # Parsed per item, not per list, so an error names the bad filter's index and every bad
    # filter of a matcher is reported rather than only the first.
    return PropertyFilter.parse(value) if isinstance(value, str) else value


FilterText = Annotated[PropertyFilter, BeforeValidator(_filter_from_text)]


class Matcher(Strict):
    """How a touchpoint is recognised in event data: an event name plus property filters."""

    event: str = Field(min_length=1)
    type: EventType | None = None
    channel: Channel | None = None
    where: list[FilterText] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _dump(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data["where"] = [f.text() for f in self.where]
        return data

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether an event row (``type``, ``event``, ``channel``, ``properties``, ``context``)
        is an occurrence of this touchpoint."""
        if event.get("event") != self.event:
            return False
        if self.type is not None and event.get("type") != self.type:
            return False
        if self.channel is not None and event.get("channel") != self.channel:
            return False
        props, ctx = event.get("properties") or {}, event.get("context") or {}
        return all(f.matches(props, ctx) for f in self.where)


class Touchpoint(Strict):
    """A moment where the customer meets the company, on one channel."""

    id: Slug
    name: str = Field(min_length=1)
    channel: Channel
    online: bool
    owner: str | None = None
    customer_action: str | None = None
    thoughts: list[str] = Field(default_factory=list)
    emotion: Emotion = 0
    pain_points: list[str] = Field(default_factory=list)
    opportunities: list[str] = Field(default_factory=list)
    moment_of_truth: bool = False
    match: Matcher | None = None


class Stage(Strict):
    """One phase of the journey (awareness, consideration, …); names are free."""

    id: Slug
    name: str = Field(min_length=1)
    description: str | None = None
    touchpoints: list[Touchpoint] = Field(default_factory=list)


class EmpathyMap(Strict):
    says: list[str] = Field(default_factory=list)
    thinks: list[str] = Field(default_factory=list)
    does: list[str] = Field(default_factory=list)
    feels: list[str] = Field(default_factory=list)


class Persona(Strict):
    """An archetypal customer the journey is designed for."""

    id: Slug
    name: str = Field(min_length=1)
    description: str | None = None
    age_band: str | None = None
    goals: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    frustrations: list[str] = Field(default_factory=list)
    preferred_channels: list[Channel] = Field(default_factory=list)
    empathy_map: EmpathyMap = Field(default_factory=EmpathyMap)


class Goal(Strict):
    """An organisation goal the journey serves, with how it is measured."""

    id: Slug
    description: str = Field(min_length=1)
    kpi: str | None = None
    target: str | None = None


class BacklogItem(Strict):
    """A pain point or idea turned into improvement work."""

    id: Slug
    title: str = Field(min_length=1)
    touchpoint: str | None = None
    impact: Score
    effort: Score
    owner: str | None = None
    horizon: Horizon = "short"
    status: BacklogStatus = "idea"

    @property
    def priority(self) -> float:
        """Impact per unit of effort: the backlog is ordered by it."""
        return self.impact / self.effort


class Journey(Strict):
    """A designed customer journey: goals, personas, ordered stages and a backlog."""

    id: Slug
    name: str = Field(min_length=1)
    description: str | None = None
    goals: list[Goal] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)
    backlog: list[BacklogItem] = Field(default_factory=list)

    def touchpoints(self) -> list[tuple[Stage, Touchpoint]]:
        """Every touchpoint with its stage, in designed order."""
        return [(s, t) for s in self.stages for t in s.touchpoints]

    def prioritised_backlog(self) -> list[BacklogItem]:
        """Backlog items by impact per effort, highest first."""
        return sorted(self.backlog, key=lambda b: (-b.priority, b.id))
