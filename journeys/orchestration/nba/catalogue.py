"""The actions catalogue as code: the model of ``<workspace>/actions.yaml``.

An action is something the company can offer or do for a customer on some channels: a
mortgage advice call, a cart reminder, "fix the open ticket first". Whether it fits a customer
is decided by its ``eligible`` conditions (all must hold) and its ``exclude`` conditions (any
one rules it out); how well it fits by its ``priority`` plus weighted evidence (``weights``).
See docs/next-best-action.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from journeys.analytics.common import parse_duration
from journeys.errors import InvalidInput
from journeys.maps.model import Channel, FilterText, Matcher, Slug, Strict


def _duration(text: str) -> str:
    try:
        parse_duration(text)
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return text


Duration = Annotated[str, AfterValidator(_duration)]


class Interest(Strict):
    """Recent behaviour: events matching ``match`` within ``within`` of now.

    ``not_followed_by`` turns it into "started but not finished": an event that a later event
    matching one of these matchers completed does not count (a cart that was ordered).
    """

    label: str | None = Field(default=None, description="how a reason names it")
    match: Matcher
    within: Duration = "30d"
    min_count: int = Field(default=1, ge=1, le=1000)
    not_followed_by: list[Matcher] = Field(default_factory=list)

    @property
    def window(self) -> timedelta:
        """``within`` as a duration."""
        return parse_duration(self.within)

    @property
    def name(self) -> str:
        """The words a reason uses for it."""
        return self.label or self.match.event.replace("_", " ")


class StageCondition(Strict):
    """The customer's current stage in a journey is one of ``stages`` (any stage if empty)."""

    journey: Slug
    stages: list[Slug] = Field(default_factory=list)


class ScoreCondition(Strict):
    """The customer's stored score from a prediction model is above and/or below a value."""

    model: str = Field(min_length=1, max_length=80, description="a prediction model's name")
    above: float | None = Field(default=None, ge=0, le=1)
    below: float | None = Field(default=None, ge=0, le=1)

    def holds(self, score: float | None) -> bool:
        """Whether a score passes (not scored never does)."""
        if score is None:
            return False
        return (self.above is None or score > self.above) and (
            self.below is None or score < self.below
        )

    def text(self, score: float) -> str:
        """``churn score 0.82 (above 0.7)``."""
        parts = [f"above {self.above:g}"] if self.above is not None else []
        parts += [f"below {self.below:g}"] if self.below is not None else []
        return f"{self.model} score {score:.2f} ({' and '.join(parts)})"


class Conditions(Strict):
    """Conditions on a customer's context; how they combine depends on where they are used."""

    journeys: list[StageCondition] = Field(default_factory=list)
    interests: list[Interest] = Field(default_factory=list)
    traits: list[FilterText] = Field(default_factory=list)
    open_tickets: bool | None = None
    known: bool | None = Field(default=None, description="true: identified customers only")
    scores: list[ScoreCondition] = Field(default_factory=list)


class Weights(Strict):
    """How evidence adds to an action's score on top of its priority."""

    stage: float = Field(default=10, ge=0, le=1000)
    interest: float = Field(default=5, ge=0, le=1000)
    recency: float = Field(default=20, ge=0, le=1000)
    tickets: float = Field(default=0, ge=0, le=1000)
    scores: dict[str, Annotated[float, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, description="model → weight × the customer's score from it"
    )
    half_life: Duration = "3d"

    @property
    def half_life_hours(self) -> float:
        """The recency half-life in hours."""
        return parse_duration(self.half_life).total_seconds() / 3600


class Action(Strict):
    """One offer or message, with when it fits and how it ranks."""

    id: Slug
    title: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=2000)
    channels: list[Channel] = Field(min_length=1)
    priority: float = Field(default=0, ge=0, le=1000)
    consent: str | None = Field(default=None, description="the purpose the customer agreed to")
    eligible: Conditions = Field(default_factory=Conditions)
    exclude: Conditions = Field(default_factory=Conditions)
    weights: Weights = Field(default_factory=Weights)


class Catalogue(Strict):
    """Every action of a workspace, and where consent statements are read from."""

    consent_events: list[str] = Field(
        default_factory=lambda: ["cookie_consent_given", "consent_updated"],
        description="events whose boolean properties state consent per purpose",
    )
    actions: list[Action] = Field(default_factory=list)

    def uses_scores(self) -> bool:
        """Whether ranking needs the customer's prediction scores."""
        return any(a.eligible.scores or a.exclude.scores or a.weights.scores for a in self.actions)

    def matchers(self) -> list[Matcher]:
        """Every matcher the catalogue uses, to know which events a context must read."""
        found: list[Matcher] = []
        for action in self.actions:
            for conditions in (action.eligible, action.exclude):
                for interest in conditions.interests:
                    found.append(interest.match)
                    found.extend(interest.not_followed_by)
        return found
