"""What a funnel question is: the steps, the window, the order mode, exclusions, breakdown.

The same model is the HTTP API's JSON body, what the CLI builds from its options and what the
Python API takes. Steps and exclusions may be given in their text form::

    FunnelQuery(steps=["view", "purchase where price > 100"], window="7d",
                exclude=["support_call between 1 and 2"])
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from journeys.analytics.common import Step, parse_duration
from journeys.errors import InvalidInput

Order = Literal["ordered", "strict", "any"]
ORDERS: tuple[str, ...] = ("ordered", "strict", "any")
_BETWEEN = re.compile(r"^(?P<step>.+?)\s+between\s+(?P<a>\d+)\s+and\s+(?P<b>\d+)\s*$")


class Exclusion(BaseModel):
    """An event that must not happen between two steps: ``support_call between 1 and 2``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Step
    from_step: int = Field(ge=1, description="Exclude when it happens after this step …")
    to_step: int = Field(ge=2, description="… and before this one (1-based).")

    @classmethod
    def parse(cls, text: str) -> Exclusion:
        """Parse ``EVENT [where …] between I and J``; raise ValueError naming what is wrong."""
        m = _BETWEEN.match(text.strip())
        if not m:
            raise ValueError(
                f"cannot read the exclusion {text!r}: write it as 'EVENT between I and J', "
                "e.g. 'support_call between 1 and 2'"
            )
        return cls(step=_step(m["step"]), from_step=int(m["a"]), to_step=int(m["b"]))

    def text(self) -> str:
        """The text form (parse(text()) gives the same exclusion)."""
        return f"{self.step.text()} between {self.from_step} and {self.to_step}"


def _step_of(value: Any) -> Any:
    return _step(value) if isinstance(value, str) else value


def _exclusion_of(value: Any) -> Any:
    return Exclusion.parse(value) if isinstance(value, str) else value


# Each item parsed on its own, so an error names its position (``steps.1``).
StepText = Annotated[Step, BeforeValidator(_step_of)]
ExclusionText = Annotated[Exclusion, BeforeValidator(_exclusion_of)]


class FunnelQuery(BaseModel):
    """A funnel: how many customers go through the steps in order within the window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: list[StepText] = Field(min_length=1, description="Events or touchpoints, in order.")
    window: str = Field(default="7d", description="Conversion window from the step-1 event.")
    order: Order = "ordered"
    exclude: list[ExclusionText] = Field(default_factory=list)
    breakdown: str | None = Field(default=None, description="Property of the step-1 event.")
    top: int = Field(default=5, ge=1, le=50, description="Breakdown values shown; rest: other.")
    date_from: date | None = Field(default=None, description="First day a step 1 may happen.")
    date_to: date | None = Field(default=None, description="Last day a step 1 may happen.")
    dropped_at: int | None = Field(default=None, description="List who dropped at this step.")
    limit: int = Field(default=50, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)
    segment: str | None = Field(default=None, description="Only the customers of this segment.")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        try:
            parse_duration(value, what="window")
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("breakdown")
    @classmethod
    def _breakdown(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*", value):
            raise ValueError(f"{value!r} is not a property path such as plan or context.campaign")
        return value

    @classmethod
    def build(cls, **fields: Any) -> FunnelQuery:
        """Validate fields into a query; InvalidInput naming the fields that are wrong."""
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise InvalidInput.from_validation(exc, "the funnel") from None

    def window_delta(self) -> timedelta:
        """The conversion window."""
        return parse_duration(self.window, what="window")

    def start_bound(self) -> datetime | None:
        """The first instant a step-1 event may have (start of ``date_from``)."""
        return datetime.combine(self.date_from, time()) if self.date_from else None

    def end_bound(self) -> datetime | None:
        """The instant a step-1 event must be before (the end of ``date_to``)."""
        return datetime.combine(self.date_to, time()) + timedelta(days=1) if self.date_to else None

    def labels(self) -> list[str]:
        """How the steps are shown: their label, else their text."""
        return [s.label or s.text() for s in self.steps]


def _step(text: str) -> Step:
    try:
        return Step.parse(text)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
