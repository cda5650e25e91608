"""The loyalty programme as code: the model of ``loyalty/program.yaml`` in a workspace.

One file describes the whole programme: how customers join, the earning rules (each an event
matched like a touchpoint, with fixed points or points per currency unit, and an optional cap
per period), when points expire, the referral scheme, the tiers over a rolling window with
their benefits, the rewards catalogue and the members-only content and offers.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from journeys.analytics.common import parse_duration
from journeys.errors import InvalidInput
from journeys.maps.model import Matcher, Slug, Strict

RuleKind = Literal["purchase", "share", "review", "survey", "event"]
RULE_KINDS: tuple[str, ...] = RuleKind.__args__  # type: ignore[attr-defined]
_MONTHS = re.compile(r"^\s*(\d+)\s*(months?|mo)\s*$")


def add_period(start: datetime, text: str) -> datetime:
    """``start`` plus a period written ``12 months`` (calendar months) or ``30d``, ``4w``…"""
    m = _MONTHS.match(text.lower())
    if m is None:
        return start + parse_duration(text, what="period")
    months = start.month - 1 + int(m[1])
    year, month = start.year + months // 12, months % 12 + 1
    # The 31st plus one month is the last day of the next month, not an error.
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


def sub_period(end: datetime, text: str) -> datetime:
    """``end`` minus a period (the start of a rolling window)."""
    m = _MONTHS.match(text.lower())
    if m is None:
        return end - parse_duration(text, what="period")
    months = end.year * 12 + end.month - 1 - int(m[1])
    year, month = months // 12, months % 12 + 1
    return end.replace(year=year, month=month, day=min(end.day, monthrange(year, month)[1]))


def _period(text: str) -> str:
    if _MONTHS.match(text.lower()) is None:
        try:
            parse_duration(text, what="period")
        except InvalidInput as exc:
            raise ValueError(exc.message.replace("30s, 15m, 2h, 7d", "30d, 12 months")) from exc
    elif int(_MONTHS.match(text.lower())[1]) == 0:  # type: ignore[index]
        raise ValueError(f"the period must be positive, not {text!r}")
    return text


Period = Annotated[str, AfterValidator(_period)]


class Cap(Strict):
    """At most ``points`` from one rule per customer within ``period`` (counted at event time)."""

    points: int = Field(ge=1, le=1_000_000_000)
    period: Period = "30d"


class EarningRule(Strict):
    """Points for an event: fixed ``points``, or ``points_per_unit`` of a numeric property."""

    id: Slug
    name: str | None = None
    kind: RuleKind = "event"
    match: Matcher
    points: int | None = Field(default=None, ge=1, le=1_000_000_000)
    points_per_unit: float | None = Field(default=None, gt=0)
    amount_property: str | None = Field(default=None, min_length=1, max_length=200)
    cap: Cap | None = None


class Referrals(Strict):
    """A friend who arrives with a member's code (an event with ``code_property``) earns
    ``friend_points`` on signing up; the member earns ``referrer_points`` when the friend
    converts. Both are matched on the friend's stitched events, so a friend who came as an
    anonymous visitor and signs up days later still counts."""

    code_property: str = Field(default="referral_code", min_length=1, max_length=200)
    signup: Matcher
    conversion: Matcher
    friend_points: int = Field(default=0, ge=0, le=1_000_000_000)
    referrer_points: int = Field(default=0, ge=0, le=1_000_000_000)


class Tier(Strict):
    """A level reached with ``threshold`` points earned within the tiers' window."""

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    threshold: int = Field(ge=0, le=1_000_000_000)
    benefits: list[str] = Field(default_factory=list)


class Tiers(Strict):
    """Tier levels, lowest first; the first must start at 0 points."""

    window: Period = "365d"
    levels: list[Tier] = Field(min_length=1)


class Reward(Strict):
    """What points buy; a ``tier`` makes it members-only for that tier and above."""

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    points: int = Field(ge=1, le=1_000_000_000)
    description: str | None = None
    tier: Slug | None = None


class Content(Strict):
    """Members-only content or an offer, shown only to members of ``tier`` and above."""

    id: Slug
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["content", "offer"] = "content"
    tier: Slug | None = None
    summary: str | None = None
    body: str = ""


class Program(Strict):
    """The loyalty programme of a workspace."""

    name: str = Field(min_length=1, max_length=200)
    points_name: str = Field(default="points", min_length=1, max_length=40)
    enrol_on: list[Matcher] = Field(default_factory=list)
    expire_after: Period | None = "12 months"
    active_days: int = Field(default=90, ge=1, le=3650)
    rules: list[EarningRule] = Field(default_factory=list)
    referrals: Referrals | None = None
    tiers: Tiers | None = None
    rewards: list[Reward] = Field(default_factory=list)
    content: list[Content] = Field(default_factory=list)

    def rule(self, rule_id: str) -> EarningRule | None:
        """An earning rule by id."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def tier_rank(self, tier_id: str | None) -> int:
        """The position of a tier (0 the lowest); -1 for none or an unknown id."""
        levels = self.tiers.levels if self.tiers else []
        return next((i for i, t in enumerate(levels) if t.id == tier_id), -1)

    def qualifies(self, member_tier: str | None, needed: str | None) -> bool:
        """Whether a member of ``member_tier`` may see something gated at ``needed``."""
        return needed is None or self.tier_rank(member_tier) >= self.tier_rank(needed) >= 0

    def purchase_matcher(self) -> Matcher | None:
        """What counts as a purchase: the first purchase rule's event, else the conversion."""
        for r in self.rules:
            if r.kind == "purchase":
                return r.match
        return self.referrals.conversion if self.referrals else None


def window_start(program: Program, now: datetime) -> datetime:
    """The start of the tiers' rolling window ending ``now``."""
    return sub_period(now, program.tiers.window if program.tiers else "365d")


def expiry_of(program: Program, earned_at: datetime) -> datetime | None:
    """When points earned at ``earned_at`` expire (None: never)."""
    return add_period(earned_at, program.expire_after) if program.expire_after else None
