"""One synthetic customer walking one journey, as a stream of events.

The customer goes through the stages in order. In each stage they use some touchpoints
(chosen by the profile's visit chances, their persona's preferred channels and their tracks),
and after each touchpoint they may leave for good (the profile's drop-off chance). Some loop
back a stage, some start over for a repeat purchase. Around the touchpoints they browse,
search and scroll like real visitors, anonymously until they log in on a device.

Designed events are written as rows. Browsing between them is written as *blocks* ("n filler
events on this device between t and t + span"), which the generator expands with numpy:
most events are filler, and expanding them one by one in Python would be the slow part.
"""

from __future__ import annotations

from random import Random

from journeys.demo.domains import Domain, State
from journeys.demo.domains.base import weighted
from journeys.demo.filler import Filler, Template, dumps
from journeys.demo.people import Customer, Device, new_device
from journeys.demo.plan import OFFLINE_CONTEXT, StagePlan, TouchpointPlan
from journeys.demo.profiles import Profile
from journeys.demo.timing import (
    CLICK_MIN,
    HOUR,
    HOURS_BY_CHANNEL,
    MESSAGING,
    ONLINE,
    SECOND,
    click_gap,
    gap,
    start_at,
)
from journeys.maps.model import Journey

# (timestamp, clock skew, type, event, anonymous_id, user_id, channel, properties, context,
#  traits, previous_id, group_id) — the order of INCOMING_SCHEMA minus ids and the second clock.
Row = tuple[
    int,
    int,
    str,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
]
# (start, span, count, pool, anonymous_id, user_id, clock skew, context)
Block = tuple[int, int, int, int, str, str | None, int, str]

MAX_DEVICES = 3
MAX_CYCLES = 6
FILLER_MEAN = 6.5  # mean filler events before and after a touchpoint in a session
CLICK_MEAN_SECONDS = 35.0
_OFFLINE_CHANNELS = ("phone", "store", "in_person", "video")
_COMPANIES = (
    "Studio Noord",
    "Bakkerij de Zon",
    "Praktijk Oost",
    "Kantoor aan de Gracht",
    "Fysio Centrum",
    "Atelier Vijf",
)


class Sink:
    """Where walks put their events, plus which rows are occurrences of which touchpoint."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.blocks: list[Block] = []
        self.pools: list[tuple[Template, ...]] = []
        self.tags: list[tuple[int, str, str]] = []  # (row, journey id, touchpoint id)

    def pool(self, templates: tuple[Template, ...]) -> int:
        """Register filler templates for blocks; -1 when there are none."""
        if not templates:
            return -1
        self.pools.append(templates)
        return len(self.pools) - 1


class Walker:
    """Walks customers through one journey and writes their events to a sink."""

    def __init__(
        self,
        journey: Journey,
        profile: Profile,
        domain: Domain,
        stages: tuple[StagePlan, ...],
        filler: Filler,
        reserved: frozenset[str],
        sink: Sink,
        rng: Random,
        end: int,
        offset: int = 0,
    ) -> None:
        self.journey, self.profile, self.domain, self.stages = journey, profile, domain, stages
        self.filler, self.sink, self.rng, self.end = filler, sink, rng, end
        self.offset = offset  # local time minus UTC: opening hours are local
        self.web_pool, self.app_pool = sink.pool(filler.web), sink.pool(filler.app)
        self.emit_call_ended = "call_ended" not in reserved
        ids = [s.stage.id for s in stages]
        self.repeat_index = ids.index(profile.repeat_from) if profile.repeat_from in ids else None
        self._chances: dict[tuple[int, str | None], list[float]] = {}
        self._track_cum: dict[tuple[int, str, str | None], list[float]] = {}

    # -- the journey ------------------------------------------------------------------------

    def walk(self, c: Customer, start: int) -> None:
        """Emit what ``c`` does on this journey from ``start`` until they leave or time ends."""
        rng, profile = self.rng, self.profile
        c.t, c.session = start, None
        state: State = {}
        choices: dict[str, str] = {}
        loops = 1 if rng.random() < profile.loop_chance else 0
        stage, cycles = 0, 0
        while stage < len(self.stages) and c.t < self.end:
            if not self._stage(c, self.stages[stage], state, choices):
                break
            if loops and stage > 0 and rng.random() < 0.5:
                loops, stage = loops - 1, stage - 1
                continue
            stage += 1
            if stage == len(self.stages) and self.repeat_index is not None:
                cycles += 1
                if cycles < MAX_CYCLES and rng.random() < profile.repeat_chance:
                    c.t += gap(rng, profile.repeat_gap_days)
                    stage, choices = self.repeat_index, {}
        self._linger(c)

    def _stage(self, c: Customer, sp: StagePlan, state: State, choices: dict[str, str]) -> bool:
        """Walk one stage; False when the customer leaves the journey during it."""
        rng = self.rng
        chosen = self._tracks(c, sp, choices) if sp.families else ()
        chances = self._visit_chances(sp, c)
        visits: list[TouchpointPlan] = []
        best, best_chance = None, -1.0
        for tp, chance in zip(sp.touchpoints, chances, strict=True):
            if tp.step.track is not None and tp.step.track not in chosen:
                continue
            if tp.step.requires is not None:
                after = bool(visits) and visits[-1].touchpoint.id == tp.step.requires
                if after and rng.random() < chance:
                    visits.append(tp)
                continue
            if rng.random() < chance:
                visits.append(tp)
            elif chance > best_chance:
                best, best_chance = tp, chance
        # Everyone who goes on passes through the stage somewhere, bar a few who skip it.
        if not visits and best is not None and rng.random() >= self.profile.skip_chance:
            visits.append(best)
        days = self.profile.stage_gaps.get(sp.stage.id, self.profile.stage_gap_days)
        if visits and rng.random() < 0.25:
            self._browse(c, c.t + gap(rng, days / 2))
        for i, tp in enumerate(visits):
            wait = gap(rng, days) if i == 0 else gap(rng, 0.3)
            self._touchpoint(c, sp.index, tp, state, wait, continuing=i > 0)
            if c.t >= self.end or rng.random() < tp.step.drop:
                return False
        return True

    def _visit_chances(self, sp: StagePlan, c: Customer) -> list[float]:
        persona = c.persona
        key = (sp.index, persona.id if persona else None)
        chances = self._chances.get(key)
        if chances is None:
            chances = self._chances[key] = [tp.visit_chance(persona) for tp in sp.touchpoints]
        return chances

    def _tracks(self, c: Customer, sp: StagePlan, choices: dict[str, str]) -> tuple[str, ...]:
        """The track options the customer follows in this stage (sticky per family)."""
        chosen = []
        for family, options in sp.families:
            if family not in choices:
                cum = self._track_weights(c, sp, family, options)
                choices[family] = options[weighted(self.rng, cum)][0]
            chosen.append(choices[family])
        return tuple(chosen)

    def _track_weights(
        self, c: Customer, sp: StagePlan, family: str, options: tuple[tuple[str, str], ...]
    ) -> list[float]:
        persona = c.persona
        key = (sp.index, family, persona.id if persona else None)
        cum = self._track_cum.get(key)
        if cum is None:
            prefs = persona.preferred_channels if persona else []
            weights = [
                self.profile.track_weights.get(name, 1.0)
                * ((2.0 if channel in prefs else 0.6) if prefs else 1.0)
                for name, channel in options
            ]
            cum = self._track_cum[key] = [sum(weights[: i + 1]) for i in range(len(weights))]
        return cum

    # -- touchpoints --------------------------------------------------------------------------

    def _touchpoint(
        self,
        c: Customer,
        stage: int,
        tp: TouchpointPlan,
        state: State,
        wait: int,
        continuing: bool,
    ) -> None:
        if tp.device_kinds is None:
            self._contact(c, tp, state, wait)
            return
        device = self._device(c, tp.device_kinds)
        if device is None:
            return
        rng = self.rng
        if continuing and c.session is device and rng.random() < 0.75:
            t = self._fillers(c, device, c.t, int(rng.random() * 2.5))
        else:
            t = self._open(c, device, c.t + wait, stage, landing=tp.type != "page")
        for k in range(1 + int(rng.random() * tp.step.repeat)):
            if k:
                t = self._fillers(c, device, t, 1 + int(rng.random() * 3))
            t += click_gap(rng)
            props, ctx = tp.properties(rng, state, device.context)
            user = c.user_id if device.identified else None
            row = self._append(
                t,
                device.skew,
                tp.type,
                tp.matcher.event,
                device.anonymous_id,
                user,
                tp.channel,
                props,
                ctx,
            )
            self.sink.tags.append((row, self.journey.id, tp.touchpoint.id))
        c.t = self._fillers(c, device, t, int(rng.expovariate(1 / FILLER_MEAN)))
        c.session = device

    def _contact(self, c: Customer, tp: TouchpointPlan, state: State, wait: int) -> None:
        """A touchpoint without a device: a call, a visit, an e-mail — known by user id only."""
        rng = self.rng
        hours = HOURS_BY_CHANNEL.get(tp.channel, MESSAGING)
        t = start_at(rng, c.t + wait, hours, soon=wait < 3 * HOUR, offset=self.offset)
        context = OFFLINE_CONTEXT.get(tp.channel, OFFLINE_CONTEXT["email"])
        if not c.known_offline:
            # Nobody logged in yet: the call centre or shop may file them under a bare CRM id,
            # which a later login links with an alias call.
            first_offline = tp.channel in _OFFLINE_CHANNELS and not c.identified
            if first_offline and rng.random() < self.profile.crm_first_share:
                c.offline_id = c.crm_id
            c.known_offline = True
            self._append(
                t,
                0,
                "identify",
                "identify",
                None,
                c.offline_id,
                tp.channel,
                None,
                context,
                c.traits_json,
            )
            t += SECOND
        for k in range(1 + int(rng.random() * min(tp.step.repeat, 2))):
            if k:
                t += click_gap(rng) if tp.channel != "email" else gap(rng, 1.5)
            props, ctx = tp.properties(rng, state, context)
            row = self._append(
                t, 0, tp.type, tp.matcher.event, None, c.offline_id, tp.channel, props, ctx
            )
            self.sink.tags.append((row, self.journey.id, tp.touchpoint.id))
        if tp.matcher.event == "call_started" and self.emit_call_ended:
            wait_s = int(state.get("last_wait", 60))
            talk = 90 + int(rng.expovariate(1 / 420))
            t += (wait_s + talk) * SECOND
            ended = {"talk_seconds": talk, "wait_seconds": wait_s, "resolved": rng.random() < 0.78}
            self._append(
                t, 0, "track", "call_ended", None, c.offline_id, tp.channel, dumps(ended), context
            )
        c.t, c.session = t, None
        # The next session after a personal e-mail starts from one of its links.
        c.clicked_email = tp.channel == "email"

    def _device(self, c: Customer, kinds: tuple[str, ...]) -> Device | None:
        """The device the customer uses for a channel, installing the app when needed."""
        if c.session is not None and c.session.kind in kinds:
            return c.session
        for kind in kinds:  # preferred kind first: a social ad is seen on the phone
            for d in c.devices:
                if d.kind == kind:
                    return d
        if len(c.devices) >= MAX_DEVICES:
            return None
        device = new_device(self.rng, kinds[0], self.domain.brand)
        c.devices.append(device)
        return device

    # -- sessions -----------------------------------------------------------------------------

    def _open(self, c: Customer, device: Device, earliest: int, stage: int, landing: bool) -> int:
        """Start a session on a device: app open or landing page, browsing, maybe a login."""
        rng = self.rng
        t = start_at(rng, earliest, ONLINE, soon=earliest - c.t < 2 * HOUR, offset=self.offset)
        pool = self.filler.app_opened if device.kind == "app" else self.filler.landing
        if pool and (landing or device.kind == "app"):
            self._filler(c, device, t, pool)
        before = int(rng.expovariate(1 / FILLER_MEAN))
        if not device.identified and c.clicked_email and c.known_offline:
            # A link in a personal e-mail carries a token that identifies the browser.
            t = self._login(c, device, t + click_gap(rng))
        c.clicked_email = False
        may_login = c.logs_in and stage >= self.profile.login_stage and not device.identified
        # Apps keep people logged in; on the web many stay anonymous for a session or more.
        if may_login and rng.random() < (0.95 if device.kind == "app" else 0.75):
            # Browse anonymously for a while, then log in and go on as a known customer.
            anonymous = int(rng.random() * (before + 1))
            t = self._fillers(c, device, t, anonymous)
            t = self._login(c, device, t + click_gap(rng))
            before -= anonymous
        t = self._fillers(c, device, t, before)
        if device.kind != "app" and self.filler.chat and rng.random() < 0.02:
            t += click_gap(rng)
            self._filler(c, device, t, self.filler.chat)
        return t

    def _login(self, c: Customer, device: Device, t: int) -> int:
        """Identify on a device: from now on its events carry the user id too."""
        device.identified = True
        c.identified.append((device, t))
        channel = "app" if device.kind == "app" else "web"
        self._append(
            t,
            device.skew,
            "identify",
            "identify",
            device.anonymous_id,
            c.user_id,
            channel,
            None,
            device.context,
            c.traits_json,
        )
        if c.offline_id != c.user_id:
            t += SECOND
            self._append(
                t,
                0,
                "alias",
                "alias",
                None,
                c.user_id,
                None,
                None,
                OFFLINE_CONTEXT["in_person"],
                None,
                previous_id=c.offline_id,
            )
            c.offline_id = c.user_id
        rng = self.rng
        if not c.grouped and rng.random() < self.profile.group_share:
            c.grouped = True
            t += SECOND
            company = _COMPANIES[int(rng.random() * len(_COMPANIES))]
            traits = dumps({"name": company, "employees": 3 + int(rng.random() * 25)})
            self._append(
                t,
                device.skew,
                "group",
                "group",
                device.anonymous_id,
                c.user_id,
                channel,
                None,
                device.context,
                traits,
                group_id=f"org-{rng.getrandbits(32):08x}",
            )
        return t

    def _browse(self, c: Customer, earliest: int) -> None:
        """A session of browsing only: no designed touchpoint, just looking around."""
        if earliest >= self.end or not c.devices:
            return
        rng = self.rng
        device = c.devices[int(rng.random() * len(c.devices))]
        t = start_at(rng, earliest, ONLINE, offset=self.offset)
        pool = self.filler.app_opened if device.kind == "app" else self.filler.landing
        if pool:
            self._filler(c, device, t, pool)
        c.t = self._fillers(c, device, t, 1 + int(rng.expovariate(1 / FILLER_MEAN)))
        c.session = device

    def _linger(self, c: Customer) -> None:
        """After leaving the journey some customers still drop by a few times."""
        rng = self.rng
        if rng.random() < 0.5:
            for _ in range(1 + int(rng.random() * 3)):
                self._browse(c, c.t + gap(rng, 9.0))

    def shared_login(self, other: Customer, device: Device, t: int) -> None:
        """Someone else logs in on a device another customer identified (a family laptop)."""
        self._append(
            t,
            device.skew,
            "identify",
            "identify",
            device.anonymous_id,
            other.user_id,
            "web",
            None,
            device.context,
            other.traits_json,
        )
        if self.web_pool >= 0:
            n = 2 + int(self.rng.random() * 4)
            span = n * click_gap(self.rng)
            self.sink.blocks.append(
                (
                    t,
                    span,
                    n,
                    self.web_pool,
                    device.anonymous_id,
                    other.user_id,
                    device.skew,
                    device.context,
                )
            )

    # -- rows ---------------------------------------------------------------------------------

    def _fillers(self, c: Customer, device: Device, t: int, n: int) -> int:
        """``n`` filler events on a device after ``t``, as one block; returns their end."""
        pool = self.app_pool if device.kind == "app" else self.web_pool
        if n <= 0 or pool < 0:
            return t
        # About n clicks of CLICK_MEAN_SECONDS; a uniform spread is enough and cheap.
        spread = 0.5 + self.rng.random()
        span = n * (CLICK_MIN + int(spread * CLICK_MEAN_SECONDS * SECOND))
        user = c.user_id if device.identified else None
        self.sink.blocks.append(
            (t, span, n, pool, device.anonymous_id, user, device.skew, device.context)
        )
        return t + span + CLICK_MIN

    def _filler(self, c: Customer, device: Device, t: int, pool: tuple[Template, ...]) -> None:
        kind, event, channel, props = pool[int(self.rng.random() * len(pool))]
        user = c.user_id if device.identified else None
        self._append(
            t, device.skew, kind, event, device.anonymous_id, user, channel, props, device.context
        )

    def _append(
        self,
        t: int,
        skew: int,
        kind: str,
        event: str,
        anonymous_id: str | None,
        user_id: str | None,
        channel: str | None,
        props: str | None,
        context: str | None,
        traits: str | None = None,
        previous_id: str | None = None,
        group_id: str | None = None,
    ) -> int:
        rows = self.sink.rows
        rows.append(
            (
                t,
                skew,
                kind,
                event,
                anonymous_id,
                user_id,
                channel,
                props,
                context,
                traits,
                previous_id,
                group_id,
            )
        )
        return len(rows) - 1
