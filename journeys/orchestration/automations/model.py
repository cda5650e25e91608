"""The automation file: ``automations/<id>.yaml``, a journey automation as code.

An automation is a trigger (an event, a survey answer, entering a journey stage, inactivity, a
segment, a date or recurring time, a prediction score crossing a threshold),
conditions the customer must meet to enter, and steps run in order: waits, branches, random
splits and actions. Caps, quiet hours, a consent purpose, a goal, exit criteria and re-entry
rules shape who gets what and when. ``version`` is raised on every change: customers already
inside keep the version they entered with. Cross-field rules live in ``rules.py``, each with a
stable code.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SerializerFunctionWrapHandler, model_serializer

from journeys.analytics.common import parse_duration
from journeys.errors import InvalidInput
from journeys.maps.model import FilterText, Matcher, Slug, Strict

ACTION_KINDS = (
    "webhook",
    "email",
    "create_ticket",
    "add_points",
    "set_trait",
    "set_next_best_action",
)
FLOW_KINDS = ("wait", "branch", "split")
STEP_KINDS = (*FLOW_KINDS, *ACTION_KINDS)
ActionKind = Literal[
    "webhook", "email", "create_ticket", "add_points", "set_trait", "set_next_best_action"
]
EXIT = "exit"  # a goto target that ends the automation for the customer


def _duration(text: str) -> str:
    try:
        parse_duration(text)
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return text


Duration = Annotated[str, AfterValidator(_duration)]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Target = Annotated[str, Field(min_length=1, max_length=80, description="a later step id or exit")]
# A schedule's ``at``: a moment (YYYY-MM-DDTHH:MM) once, or a clock time (HH:MM) with
# ``every``; which one, and whether it is a real date and time, is the rule ``schedule_at``.
ScheduleAt = Annotated[str, Field(min_length=1, max_length=16)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ModelName = Annotated[str, Field(min_length=1, max_length=80, description="a prediction model")]


class SurveyAnswered(Strict):
    """An answer to a survey (the ``survey_answered`` event), optionally within a score range."""

    survey: str | None = Field(default=None, description="the survey id; any survey if absent")
    min_score: int | None = Field(default=None, ge=0, le=10)
    max_score: int | None = Field(default=None, ge=0, le=10)

    def matcher(self) -> Matcher:
        """The same trigger written as an event matcher."""
        where: list[Any] = []
        if self.survey is not None:
            where.append(f"survey = {json.dumps(self.survey)}")
        if self.min_score is not None:
            where.append(f"score >= {self.min_score}")
        if self.max_score is not None:
            where.append(f"score <= {self.max_score}")
        return Matcher.model_validate({"event": "survey_answered", "where": where})


class Schedule(Strict):
    """A date/time trigger: once at a local moment, or every day or week at a local time.

    Everyone matching the conditions enters at each occurrence (only the members of
    ``segment`` then, when given); the engine fires each occurrence once.
    """

    at: ScheduleAt = Field(description="YYYY-MM-DDTHH:MM once; HH:MM with every")
    every: Literal["day", "week"] | None = Field(default=None, description="repeat (else once)")
    weekday: Weekday | None = Field(default=None, description="with every: week, the day")
    timezone: str = Field(default="UTC", description="the IANA zone the times are read in")
    segment: str | None = Field(default=None, max_length=80, description="only its members")


class ScoreAbove(Strict):
    """A customer's stored score from a prediction model rises above a threshold."""

    model: ModelName
    threshold: float = Field(ge=0, le=1)


class ScoreTest(Strict):
    """The customer's stored score from a model is above and/or below a value."""

    model: ModelName
    above: float | None = Field(default=None, ge=0, le=1)
    below: float | None = Field(default=None, ge=0, le=1)

    def holds(self, score: float | None) -> bool:
        """Whether a score (None: not scored, which never holds) passes the test."""
        if score is None:
            return False
        return (self.above is None or score > self.above) and (
            self.below is None or score < self.below
        )

    def text(self) -> str:
        """``churn score above 0.7``."""
        parts = [f"above {self.above:g}"] if self.above is not None else []
        parts += [f"below {self.below:g}"] if self.below is not None else []
        return f"{self.model} score {' and '.join(parts)}"


class Trigger(Strict):
    """What lets a customer in: exactly one of the fields."""

    event: Matcher | None = Field(default=None, description="an event with property filters")
    survey_answered: SurveyAnswered | None = None
    stage_entered: str | None = Field(
        default=None, description="JOURNEY/STAGE: an event that is a touchpoint of that stage"
    )
    inactive_days: int | None = Field(
        default=None, ge=1, le=3650, description="no event of the customer for this many days"
    )
    segment_entered: str | None = Field(
        default=None, max_length=80, description="a saved segment the customer becomes part of"
    )
    schedule: Schedule | None = Field(default=None, description="a date or a recurring time")
    score_above: ScoreAbove | None = Field(
        default=None, description="the stored score of a model crosses a threshold"
    )

    def kinds(self) -> list[str]:
        """The trigger kinds that are set (a valid trigger has exactly one)."""
        return [k for k in Trigger.model_fields if getattr(self, k) is not None]


class Condition(Strict):
    """One thing the customer must satisfy: exactly one of trait, consent, did or score."""

    trait: FilterText | None = Field(
        default=None, description="a filter on the profile's traits, e.g. plan = 'gold'"
    )
    consent: str | None = Field(default=None, description="the purpose they must consent to")
    did: Matcher | None = Field(default=None, description="an event they did")
    at_least: int = Field(default=1, ge=0, description="with did: at least this many times")
    at_most: int | None = Field(default=None, ge=0, description="with did: at most this many")
    within: Duration | None = Field(default=None, description="with did: in this span before")
    score: ScoreTest | None = Field(default=None, description="the stored score of a model")

    def kinds(self) -> list[str]:
        """The condition kinds that are set (a valid condition has exactly one)."""
        return [k for k in ("trait", "consent", "did", "score") if getattr(self, k) is not None]


class Wait(Strict):
    """Wait a duration, until a clock time, or until an event (with a timeout)."""

    duration: Duration | None = None
    until: ClockTime | None = Field(
        default=None, description="the next HH:MM in the customer's time zone"
    )
    event: Matcher | None = None
    timeout: Duration | None = Field(default=None, description="with event: give up after this")
    on_event: Target | None = Field(default=None, description="with event: go here (else next)")
    on_timeout: Target | None = Field(default=None, description="with event: go here on timeout")

    def kinds(self) -> list[str]:
        """What is waited for (a valid wait has exactly one)."""
        return [k for k in ("duration", "until", "event") if getattr(self, k) is not None]


class Branch(Strict):
    """Go one way when every condition holds, the other way otherwise."""

    conditions: list[Condition] = Field(min_length=1)
    then: Target | None = Field(default=None, description="when all hold (else the next step)")
    otherwise: Target | None = Field(default=None, description="when one fails (else next)")


class Variant(Strict):
    """One arm of a random split."""

    name: Slug
    share: int = Field(ge=0, le=100, description="percent of the customers not held out")
    goto: Target | None = Field(default=None, description="where this arm goes (else next)")


class Split(Strict):
    """A/B split by a stable hash of the customer id; the holdout leaves and is counted."""

    variants: list[Variant] = Field(min_length=1)
    holdout: int = Field(default=0, ge=0, le=100, description="percent held out of everything")


class Webhook(Strict):
    """An HTTP POST of a JSON body, signed with HMAC-SHA256 (``X-Journeys-Signature``)."""

    url: str = Field(pattern=r"^https?://", max_length=2000)
    payload: dict[str, Any] = Field(
        default_factory=dict, description="extra fields; strings are templates"
    )


class Email(Strict):
    """An e-mail through the SMTP server (settings smtp_*); Jinja2 templates with the profile."""

    to: str = Field(default="{{ traits.email }}", max_length=500)
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)


class CreateTicket(Strict):
    """A ticket in the closed loop for the customer."""

    summary: str = Field(min_length=1, max_length=2000)
    priority: Literal["high", "normal", "low"] | None = None
    team: str | None = Field(default=None, max_length=120)


class AddPoints(Strict):
    """Loyalty points for the customer (enrolling them in the programme if needed)."""

    points: int = Field(ge=1, le=1_000_000)
    reason: str = Field(default="automation", max_length=200)


class SetTrait(Strict):
    """Set a profile trait (recorded as an identify event on the customer)."""

    trait: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: Any


class SetNextBestAction(Strict):
    """Pin an action of the catalogue (``actions.yaml``) as the customer's next best action."""

    action: Slug = Field(description="an action id of the catalogue")
    days: int = Field(default=7, ge=1, le=365, description="how long the pin lasts")
    reason: str = Field(default="", max_length=500, description="shown with it; a template")


class Step(Strict):
    """One step: an id and exactly one of the step kinds."""

    id: Slug
    wait: Wait | None = None
    branch: Branch | None = None
    split: Split | None = None
    webhook: Webhook | None = None
    email: Email | None = None
    create_ticket: CreateTicket | None = None
    add_points: AddPoints | None = None
    set_trait: SetTrait | None = None
    set_next_best_action: SetNextBestAction | None = None

    def kinds(self) -> list[str]:
        """The kinds that are set (a valid step has exactly one)."""
        return [k for k in STEP_KINDS if getattr(self, k) is not None]

    @property
    def kind(self) -> str:
        """The step's kind."""
        return self.kinds()[0]


class Cap(Strict):
    """At most ``max`` actions of a kind per customer per period, over every automation."""

    action: ActionKind
    max: int = Field(ge=1, le=10_000)
    per: Duration


class QuietHours(Strict):
    """Messages (webhook, e-mail) due in these hours wait until they end, in local time."""

    start: ClockTime
    end: ClockTime
    timezone: str = Field(default="UTC", description="when the customer has no time zone trait")
    timezone_trait: str = Field(default="timezone", description="the trait with an IANA zone")


class Reentry(Strict):
    """Whether a customer who was inside may enter again, and how long after entering."""

    allowed: bool = False
    after: Duration | None = Field(default=None, description="at least this long after entry")


class Automation(Strict):
    """A journey automation: trigger, conditions, steps, and the rules around them."""

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1, description="raise it on every change")
    description: str = ""
    active: bool = True
    trigger: Trigger
    conditions: list[Condition] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    goal: Matcher | None = Field(default=None, description="reaching it exits as a conversion")
    exit: list[Matcher] = Field(default_factory=list, description="events that exit")
    reentry: Reentry = Field(default_factory=Reentry)
    caps: list[Cap] = Field(default_factory=list)
    quiet_hours: QuietHours | None = None
    secret_env: str | None = Field(
        default=None, description="environment variable with the webhook signing secret"
    )
    purpose: str | None = Field(
        default=None,
        max_length=80,
        description="the consent purpose its actions serve: none is sent without that consent",
    )

    @model_serializer(mode="wrap")
    def _without_unset_purpose(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave ``purpose`` out when absent, so the canonical JSON of a definition stored
        before the field existed is still equal to the same file's."""
        data: dict[str, Any] = handler(self)
        if self.purpose is None:
            data.pop("purpose", None)
        return data

    def step_index(self, step_id: str) -> int:
        """The position of a step (len(steps) for ``exit``)."""
        if step_id == EXIT:
            return len(self.steps)
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)
