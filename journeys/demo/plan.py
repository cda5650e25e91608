"""A journey compiled for generation: per touchpoint, everything needed to emit its events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from random import Random
from typing import Any

from journeys.demo.domains import Domain, Extra, State
from journeys.demo.filler import dumps
from journeys.demo.profiles import Profile, Step
from journeys.demo.properties import satisfy
from journeys.maps.model import Journey, Matcher, Persona, Stage, Touchpoint

# Channels whose events come from a browser or app install and so carry an anonymous id;
# the device kinds that can produce them, preferred first.
DEVICE_KINDS: dict[str, tuple[str, ...]] = {
    "web": ("desktop", "mobile"),
    "chat": ("desktop", "mobile"),
    "social": ("mobile", "desktop"),
    "app": ("app",),
}
# What offline systems put in the context of the events they forward.
OFFLINE_CONTEXT: dict[str, str] = {
    channel: dumps({"library": {"name": library, "version": "1.0"}})
    for channel, library in {
        "phone": "contact-centre-connector",
        "store": "pos-connector",
        "in_person": "crm-activities",
        "video": "video-meetings-connector",
        "email": "esp-webhooks",
        "sms": "sms-gateway",
        "mail": "print-and-mail",
    }.items()
}


@dataclass(frozen=True)
class TouchpointPlan:
    """One touchpoint ready to be emitted: event name, type, channel and property builder."""

    stage: Stage
    touchpoint: Touchpoint
    matcher: Matcher
    step: Step
    type: str
    channel: str
    device_kinds: tuple[str, ...] | None
    extra: Extra | None
    domain: Domain
    reads_context: bool

    def visit_chance(self, persona: Persona | None) -> float:
        """How likely a customer of this persona uses the touchpoint when in its stage."""
        # Core steps (visit 1.0) happen whatever the persona likes; optional ones follow taste.
        if self.step.visit >= 1.0 or persona is None or not persona.preferred_channels:
            return self.step.visit
        liked = self.channel in persona.preferred_channels
        return min(0.98, self.step.visit * (1.25 if liked else 0.75))

    def properties(self, rng: Random, state: State, context: str) -> tuple[str, str]:
        """Properties and context (both JSON) of one occurrence; they satisfy the matcher."""
        props: dict[str, Any] = self.extra(rng, state) if self.extra else {}
        if self.type == "page":
            props.setdefault("path", "/" + self.matcher.event.replace("_", "-"))
        ctx: dict[str, Any] = {}
        has_ctx = self.reads_context
        if has_ctx:
            ctx = json.loads(context)
        satisfy(self.matcher.where, props, ctx, rng, self.domain.words)
        if self.type == "page":
            props.setdefault("url", self.domain.host + str(props["path"]))
            props.setdefault("title", f"{self.touchpoint.name} | {self.domain.brand}")
        return dumps(props), dumps(ctx) if has_ctx else context


@dataclass(frozen=True)
class StagePlan:
    """A stage with its plannable touchpoints in designed order."""

    index: int
    stage: Stage
    touchpoints: tuple[TouchpointPlan, ...]
    # Track families of the stage with their options and each option's first channel:
    # (("buy", (("buy:online", "web"), ("buy:store", "store"))), …)
    families: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


def compile_plan(journey: Journey, profile: Profile, domain: Domain) -> tuple[StagePlan, ...]:
    """Every stage with the touchpoints that have a matcher (the others cannot be measured)."""
    stages = []
    for i, stage in enumerate(journey.stages):
        plans = tuple(
            _touchpoint_plan(stage, tp, tp.match, profile, domain)
            for tp in stage.touchpoints
            if tp.match is not None
        )
        stages.append(StagePlan(i, stage, plans, _families(plans)))
    return tuple(stages)


def _families(
    plans: tuple[TouchpointPlan, ...],
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    options: dict[str, dict[str, str]] = {}
    for tp in plans:
        if tp.step.track is not None:
            family = tp.step.track.split(":", 1)[0]
            options.setdefault(family, {}).setdefault(tp.step.track, tp.channel)
    return tuple((family, tuple(opts.items())) for family, opts in options.items())


def _touchpoint_plan(
    stage: Stage, tp: Touchpoint, m: Matcher, profile: Profile, domain: Domain
) -> TouchpointPlan:
    channel = m.channel or tp.channel
    return TouchpointPlan(
        stage=stage,
        touchpoint=tp,
        matcher=m,
        step=profile.step(tp.id),
        type=m.type or "track",
        channel=channel,
        device_kinds=DEVICE_KINDS.get(channel),
        extra=domain.extras.get(m.event),
        domain=domain,
        reads_context=any(f.property.startswith("context.") for f in m.where),
    )
