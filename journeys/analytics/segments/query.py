"""Segments: saved filters over traits and behaviour, usable in every analysis.

    trait plan = 'pro'                              the customer's latest trait
    did purchase at least 2 times in 30d            behaviour in the D days before the as-of time
    did purchase where price > 100                  any time, at least once
    did not open_app in 14d                         no such event in the window
    score churn > 0.7                               the model's stored score (prediction)

A segment holds one or more conditions, joined by ``all`` (every one holds) or ``any``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from journeys.analytics.common import Step, fail, parse_duration
from journeys.errors import InvalidInput
from journeys.maps.model import PropertyFilter

_DID = re.compile(
    r"^did(?P<not>\s+not)?\s+(?P<step>.+?)"
    r"(?:\s+at\s+least\s+(?P<n>\d+)\s+times?)?"
    # A window looks like a number and a word (7d, 2 weeks), so `where x in [...]` stays a filter.
    r"(?:\s+in\s+(?P<within>\d+(?:\.\d+)?\s*[a-z]+))?\s*$"
)
_SCORE = re.compile(r"^score\s+(?P<model>[^\s<>=]+)\s*(?P<op>>=|<=|>|<)\s*(?P<value>\S+)\s*$")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")  # as the prediction package names models
ScoreOp = Literal[">", ">=", "<", "<="]


class TraitCondition(BaseModel):
    """The customer's latest value of a trait satisfies a filter (``trait plan = 'pro'``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["trait"] = "trait"
    filter: PropertyFilter

    def text(self) -> str:
        """The text form."""
        return f"trait {self.filter.text()}"


class BehaviourCondition(BaseModel):
    """The customer did a step at least N times (or not at all) within a window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["did"] = "did"
    step: Step
    at_least: int = Field(default=1, ge=1, le=1_000_000_000)
    within: str | None = None  # a duration (30d); None: any time
    negated: bool = False

    def window(self) -> timedelta | None:
        """The window as a timedelta."""
        return parse_duration(self.within, what="window") if self.within else None

    def text(self) -> str:
        """The text form."""
        parts = ["did not" if self.negated else "did", self.step.text()]
        if self.at_least > 1:
            parts.append(f"at least {self.at_least} times")
        if self.within:
            parts.append(f"in {self.within}")
        return " ".join(parts)


class ScoreCondition(BaseModel):
    """The customer's stored score from a prediction model compares to a value (0–1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["score"] = "score"
    model: str = Field(pattern=_MODEL_NAME.pattern)
    op: ScoreOp
    value: float = Field(ge=0, le=1)

    def text(self) -> str:
        """The text form."""
        return f"score {self.model} {self.op} {self.value:g}"


AnyCondition = TraitCondition | BehaviourCondition | ScoreCondition
Condition = Annotated[AnyCondition, Field(discriminator="kind")]


class SegmentDefinition(BaseModel):
    """A saved segment: a name, what it is for, and its conditions."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)
    description: str | None = None
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(min_length=1)


def parse_condition(text: str) -> AnyCondition:
    """Parse a condition's text form; InvalidInput naming the problem."""
    raw = text.strip()
    details = {"field": "conditions", "value": text}
    if raw.startswith("score "):
        return parse_score(raw)
    if raw.startswith("trait "):
        try:
            return TraitCondition(filter=PropertyFilter.parse(raw.removeprefix("trait ")))
        except ValueError as exc:
            raise InvalidInput(f"condition {text!r}: {exc}", details=details) from exc
    m = _DID.match(raw)
    if not m:
        raise InvalidInput(
            f"cannot read the condition {text!r}: write 'trait <trait> <op> <value>', "
            "'did [not] <event> [where …] [at least N times] [in 30d]' or "
            "'score <model> > 0.7'",
            details=details,
        )
    if m["not"] and m["n"]:
        raise InvalidInput(f"condition {text!r}: 'did not' takes no count", details=details)
    within = m["within"]
    if within is not None:
        parse_duration(within, what="window")  # refused here, with the field named
    condition = BehaviourCondition(
        step=Step.parse(m["step"]),
        at_least=int(m["n"] or 1),
        within=within,
        negated=bool(m["not"]),
    )
    if condition.at_least < 1:
        raise InvalidInput(f"condition {text!r}: the count must be at least 1", details=details)
    return condition


def parse_score(text: str) -> ScoreCondition:
    """``score MODEL OP VALUE`` (``score_condition_invalid``, ``score_value_invalid``)."""
    m = _SCORE.match(text.strip())
    if not m or not _MODEL_NAME.match(m["model"]):
        fail(
            "score_condition_invalid",
            "conditions",
            f"cannot read the condition {text!r}: write 'score <model> <op> <value>' with a "
            "model name, one of >, >=, <, <= and a score between 0 and 1 ('score churn > 0.7')",
            text,
        )
    try:
        value = float(m["value"])
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        fail(
            "score_value_invalid",
            "value",
            f"condition {text!r}: a score is a number between 0 and 1, not {m['value']!r}",
            text,
        )
    return ScoreCondition(model=m["model"], op=m["op"], value=value)  # type: ignore[arg-type]
