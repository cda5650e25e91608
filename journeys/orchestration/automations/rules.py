"""Rules an automation must follow beyond its model, each with a stable code.

``RULE_CODES`` lists them; a test asserts which rule refused a file. Rules that name journeys
and stages get the workspace's journeys as an argument, so a file can be checked before saving.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from journeys.maps.model import Journey
from journeys.maps.rules import Finding, Loc, duplicates
from journeys.orchestration.automations.model import EXIT, Automation, Condition
from journeys.orchestration.automations.schedule import clock_time, once_moment
from journeys.privacy import consent

Rule = Callable[[Automation, dict[str, Journey]], list[Finding]]

RULE_CODES = (
    "duplicate_id",
    "trigger_kind",
    "condition_kind",
    "step_kind",
    "wait_kind",
    "wait_timeout",
    "unknown_step",
    "goto_backwards",
    "split_shares",
    "unknown_stage",
    "template_syntax",
    "unknown_timezone",
    "unknown_segment",
    "schedule_at",
    "schedule_weekday",
    "score_bounds",
    "unknown_action",
    "unknown_purpose",
)


def check_trigger(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """A trigger is exactly one of its kinds."""
    kinds = a.trigger.kinds()
    if len(kinds) == 1:
        return []
    got = ", ".join(kinds) or "none"
    message = (
        "a trigger is exactly one of event, survey_answered, stage_entered, inactive_days, "
        f"segment_entered, schedule, score_above (this one has {got})"
    )
    return [Finding("trigger_kind", ("trigger",), message)]


def check_conditions(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """Every condition (entry and branch) is exactly one of trait, consent, did, score; a
    score condition gives a bound."""
    found = []
    for loc, c in _all_conditions(a):
        if len(c.kinds()) != 1:
            got = ", ".join(c.kinds()) or "none"
            message = (
                f"a condition is exactly one of trait, consent, did, score (this one has {got})"
            )
            found.append(Finding("condition_kind", loc, message))
        elif c.score is not None and c.score.above is None and c.score.below is None:
            message = "a score condition needs above, below or both"
            found.append(Finding("score_bounds", (*loc, "score"), message))
        elif (
            c.score is not None
            and c.score.above is not None
            and c.score.below is not None
            and c.score.above >= c.score.below
        ):
            message = f"above {c.score.above:g} and below {c.score.below:g}: no score is both"
            found.append(Finding("score_bounds", (*loc, "score"), message))
    return found


def check_steps(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """Step ids are unique, each step has one kind, waits are complete."""
    found = duplicates("step", ((s.id, ("steps", i)) for i, s in enumerate(a.steps)))
    for i, s in enumerate(a.steps):
        if len(s.kinds()) != 1:
            got = ", ".join(s.kinds()) or "none"
            message = (
                "a step is exactly one of wait, branch, split, webhook, email, create_ticket, "
                f"add_points, set_trait, set_next_best_action (step {s.id!r} has {got})"
            )
            found.append(Finding("step_kind", ("steps", i), message))
        w = s.wait
        if w is None:
            continue
        if len(w.kinds()) != 1:
            message = "a wait is exactly one of duration, until, event"
            found.append(Finding("wait_kind", ("steps", i, "wait"), message))
        elif w.event is not None and w.timeout is None:
            message = "a wait for an event needs a timeout, or a customer could wait forever"
            found.append(Finding("wait_timeout", ("steps", i, "wait", "event"), message))
        elif w.event is None and (w.timeout or w.on_event or w.on_timeout):
            message = "timeout, on_event and on_timeout only go with a wait for an event"
            found.append(Finding("wait_kind", ("steps", i, "wait"), message))
    return found


def check_targets(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """A goto names a later step (no loops) or exit."""
    index = {s.id: i for i, s in enumerate(a.steps)}
    found = []
    for i, loc, target in _targets(a):
        if target == EXIT:
            continue
        if target not in index:
            known = ", ".join(index) or "none"
            message = f"no step {target!r} (the steps are: {known}; or {EXIT})"
            found.append(Finding("unknown_step", loc, message))
        elif index[target] <= i:
            message = f"{target!r} does not come after this step; a goto only moves forward"
            found.append(Finding("goto_backwards", loc, message))
    return found


def check_splits(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """The shares of a split's variants add up to 100."""
    found = []
    for i, s in enumerate(a.steps):
        if s.split is not None and sum(v.share for v in s.split.variants) != 100:
            total = sum(v.share for v in s.split.variants)
            message = f"the variants' shares add up to {total}, not 100"
            found.append(Finding("split_shares", ("steps", i, "split", "variants"), message))
    return found


def check_stage(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """``stage_entered`` names an existing journey and stage."""
    ref = a.trigger.stage_entered
    if ref is None:
        return []
    journey_id, _, stage_id = ref.partition("/")
    journey = journeys.get(journey_id)
    loc: Loc = ("trigger", "stage_entered")
    if journey is None:
        known = ", ".join(sorted(journeys)) or "none"
        return [Finding("unknown_stage", loc, f"no journey {journey_id!r} (known: {known})")]
    if stage_id not in {st.id for st in journey.stages}:
        known = ", ".join(st.id for st in journey.stages)
        message = f"journey {journey_id!r} has no stage {stage_id!r} (its stages: {known})"
        return [Finding("unknown_stage", loc, message)]
    return []


def check_templates(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """E-mail and webhook templates are valid Jinja2."""
    env = SandboxedEnvironment()
    found = []
    for i, s in enumerate(a.steps):
        texts: list[tuple[Loc, str]] = []
        if s.email is not None:
            for name in ("to", "subject", "body"):
                texts.append((("steps", i, "email", name), getattr(s.email, name)))
        if s.webhook is not None:
            for key, value in s.webhook.payload.items():
                if isinstance(value, str):
                    texts.append((("steps", i, "webhook", "payload", key), value))
        for loc, text in texts:
            try:
                env.parse(text)
            except TemplateSyntaxError as exc:
                found.append(Finding("template_syntax", loc, f"template error: {exc.message}"))
    return found


def check_timezone(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """The time zones of the quiet hours and of a schedule are known IANA zones."""
    found = []
    zones: list[tuple[Loc, str]] = []
    if a.quiet_hours is not None:
        zones.append((("quiet_hours", "timezone"), a.quiet_hours.timezone))
    if a.trigger.schedule is not None:
        zones.append((("trigger", "schedule", "timezone"), a.trigger.schedule.timezone))
    for loc, name in zones:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            message = f"unknown time zone {name!r}; write e.g. Europe/Amsterdam"
            found.append(Finding("unknown_timezone", loc, message))
    return found


def check_schedule(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """A one-off schedule is a real date and time; a recurring one a clock time, and a
    weekday exactly when it repeats weekly."""
    s = a.trigger.schedule
    if s is None:
        return []
    found = []
    at: Loc = ("trigger", "schedule", "at")
    if s.every is None and once_moment(s) is None:
        message = f"at {s.at!r} is not a date and time; without every, write e.g. 2026-12-24T09:00"
        found.append(Finding("schedule_at", at, message))
    elif s.every is not None and clock_time(s) is None:
        message = f"with every: {s.every}, at is a clock time (HH:MM, e.g. 09:00), not {s.at!r}"
        found.append(Finding("schedule_at", at, message))
    if s.every == "week" and s.weekday is None:
        message = "every: week needs a weekday (monday … sunday)"
        found.append(Finding("schedule_weekday", ("trigger", "schedule", "every"), message))
    elif s.every != "week" and s.weekday is not None:
        message = "weekday only goes with every: week"
        found.append(Finding("schedule_weekday", ("trigger", "schedule", "weekday"), message))
    return found


def check_purposes(a: Automation, journeys: dict[str, Journey]) -> list[Finding]:
    """``purpose`` and every ``consent`` condition name a consent purpose (the setting
    ``consent_purposes``)."""
    named: list[tuple[Loc, str]] = [(("purpose",), a.purpose)] if a.purpose is not None else []
    named += [((*loc, "consent"), c.consent) for loc, c in _all_conditions(a) if c.consent]
    known = consent.purposes()
    found = []
    for loc, purpose in named:
        if purpose not in known:
            message = f"no consent purpose {purpose!r} (the purposes are: {', '.join(known)})"
            found.append(Finding("unknown_purpose", loc, message))
    return found


RULES: tuple[Rule, ...] = (
    check_trigger,
    check_conditions,
    check_steps,
    check_targets,
    check_splits,
    check_stage,
    check_templates,
    check_timezone,
    check_schedule,
    check_purposes,
)


def run_rules(
    a: Automation,
    journeys: dict[str, Journey],
    segments: set[str] | None = None,
    actions: set[str] | None = None,
) -> list[Finding]:
    """Every finding of every rule; ``segments`` are the saved segments' names and
    ``actions`` the ids of the actions catalogue, when known."""
    found = [f for rule in RULES for f in rule(a, journeys)]
    if segments is not None:
        found += check_segments(a, segments)
    if actions is not None:
        found += check_actions(a, actions)
    return found


def check_segments(a: Automation, segments: set[str]) -> list[Finding]:
    """The segments a trigger names are saved segments."""
    names: list[tuple[Loc, str | None]] = [
        (("trigger", "segment_entered"), a.trigger.segment_entered)
    ]
    if a.trigger.schedule is not None:
        names.append((("trigger", "schedule", "segment"), a.trigger.schedule.segment))
    found = []
    for loc, name in names:
        if name is not None and name not in segments:
            known = ", ".join(sorted(segments)) or "none yet"
            message = f"no saved segment {name!r} (the segments are: {known})"
            found.append(Finding("unknown_segment", loc, message))
    return found


def check_actions(a: Automation, actions: set[str]) -> list[Finding]:
    """``set_next_best_action`` names an action of the catalogue (``actions.yaml``)."""
    found = []
    for i, s in enumerate(a.steps):
        pin = s.set_next_best_action
        if pin is not None and pin.action not in actions:
            known = ", ".join(sorted(actions)) or "none: the workspace has no actions.yaml"
            message = f"no action {pin.action!r} in actions.yaml (the actions are: {known})"
            found.append(
                Finding("unknown_action", ("steps", i, "set_next_best_action", "action"), message)
            )
    return found


def _all_conditions(a: Automation) -> list[tuple[Loc, Condition]]:
    found: list[tuple[Loc, Condition]] = [
        (("conditions", i), c) for i, c in enumerate(a.conditions)
    ]
    for i, s in enumerate(a.steps):
        if s.branch is not None:
            found += [
                (("steps", i, "branch", "conditions", j), c)
                for j, c in enumerate(s.branch.conditions)
            ]
    return found


def _targets(a: Automation) -> list[tuple[int, Loc, str]]:
    found: list[tuple[int, Loc, str]] = []
    for i, s in enumerate(a.steps):
        if s.wait is not None:
            for name in ("on_event", "on_timeout"):
                target = getattr(s.wait, name)
                if target is not None:
                    found.append((i, ("steps", i, "wait", name), target))
        if s.branch is not None:
            for name in ("then", "otherwise"):
                target = getattr(s.branch, name)
                if target is not None:
                    found.append((i, ("steps", i, "branch", name), target))
        if s.split is not None:
            for j, v in enumerate(s.split.variants):
                if v.goto is not None:
                    found.append((i, ("steps", i, "split", "variants", j, "goto"), v.goto))
    return found
