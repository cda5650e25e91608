"""Surveys as code: the model of a survey file (``surveys/<id>.yaml`` in a workspace).

A survey asks one score question, attached to one touchpoint of a journey: NPS (0–10),
CSAT (1–5), CES (1–7) or NPS+ (the NPS score, a root cause from a pick-list and a free
comment). Texts come in Dutch and English; what a file leaves out comes from the defaults in
``texts.yaml`` next to this module.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from ruamel.yaml import YAML

from journeys.analytics.common import parse_duration
from journeys.errors import InvalidInput
from journeys.maps.model import Matcher, Slug, Strict

SurveyKind = Literal["nps", "csat", "ces", "nps_plus"]
KINDS: tuple[str, ...] = SurveyKind.__args__  # type: ignore[attr-defined]
Language = Literal["en", "nl"]
LANGUAGES: tuple[str, ...] = Language.__args__  # type: ignore[attr-defined]

# The answer scale of each kind, inclusive.
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "nps_plus": (0, 10),
}


def span(text: str) -> timedelta:
    """A duration written like ``2h`` or ``30d``; ``0s`` (no wait) is allowed here."""
    if re.fullmatch(r"\s*0+(\.0+)?\s*[a-z]*\s*", text.lower()):
        return timedelta(0)
    return parse_duration(text)


def _duration(text: str) -> str:
    try:
        span(text)
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return text


Duration = Annotated[str, AfterValidator(_duration)]


class SurveyTexts(Strict):
    """What the customer reads, in one language; anything left out takes the default text."""

    title: str | None = None
    question: str | None = None
    low: str | None = None  # label under the lowest score
    high: str | None = None  # label under the highest score
    root_cause: str | None = None  # the pick-list question of NPS+
    comment: str | None = None  # the prompt of the free comment
    submit: str | None = None
    thanks: str | None = None


class RootCause(Strict):
    """One entry of an NPS+ pick-list, with its label per language."""

    id: Slug
    en: str = Field(min_length=1)
    nl: str = Field(min_length=1)


class Trigger(Strict):
    """Invite a customer when an event happens (matched like a touchpoint), after a delay."""

    match: Matcher
    delay: Duration = "0s"


class Fatigue(Strict):
    """How often a customer may be asked: not the same survey twice within ``same_survey``,
    and at most ``max_surveys`` invitations of any survey within ``period``."""

    same_survey: Duration = "90d"
    max_surveys: int = Field(default=3, ge=1, le=100)
    period: Duration = "30d"


class Survey(Strict):
    """A survey attached to a journey's touchpoint."""

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    kind: SurveyKind
    journey: Slug
    touchpoint: Slug
    active: bool = True
    languages: list[Language] = Field(default_factory=lambda: ["en", "nl"], min_length=1)  # type: ignore[arg-type]
    texts: dict[Language, SurveyTexts] = Field(default_factory=dict)
    root_causes: list[RootCause] = Field(default_factory=list)
    comment: bool | None = None  # ask for a free comment; NPS+ always does
    comment_max_chars: int = Field(default=2000, ge=1, le=20000)
    link_valid_for: Duration = "14d"
    trigger: Trigger | None = None
    fatigue: Fatigue = Fatigue()

    @property
    def scale(self) -> tuple[int, int]:
        """The lowest and highest score."""
        return SCALES[self.kind]

    @property
    def asks_comment(self) -> bool:
        """Whether the form has a free comment."""
        return self.kind == "nps_plus" or bool(self.comment)

    @property
    def link_lifetime(self) -> timedelta:
        """How long an invitation link stays valid."""
        return span(self.link_valid_for)

    def text(self, language: str) -> SurveyTexts:
        """The texts in a language: the file's own, else the default of the kind."""
        lang = language if language in self.languages else self.languages[0]
        own = self.texts.get(lang)
        merged = default_texts(self.kind, lang).model_dump()
        if own is not None:
            merged.update({k: v for k, v in own.model_dump().items() if v is not None})
        return SurveyTexts.model_validate(merged)

    def root_cause_label(self, cause_id: str, language: str) -> str:
        """A pick-list entry's label in a language."""
        for cause in self.root_causes:
            if cause.id == cause_id:
                return cause.nl if language == "nl" else cause.en
        return cause_id


@cache
def _defaults() -> dict[str, dict[str, dict[str, str]]]:
    text = (resources.files("journeys.feedback.surveys") / "texts.yaml").read_text("utf-8")
    data: dict[str, dict[str, dict[str, str]]] = YAML(typ="safe").load(text)
    return data


def default_texts(kind: str, language: str) -> SurveyTexts:
    """The shipped texts of a kind in a language (common texts, then the kind's own)."""
    data = _defaults()
    merged = {**data["common"][language], **data[kind][language]}
    return SurveyTexts.model_validate(merged)
