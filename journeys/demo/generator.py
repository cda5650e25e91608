"""Synthetic, reproducible event data for the demo journeys.

:func:`generate` turns journeys into an Arrow table in ``INCOMING_SCHEMA``: customers spread
over the journeys walk their stages across devices and channels, log in (or never do), drop
off at the hotspots, come back for repeat purchases, and do plenty the designed journey does
not contain. Everything is drawn from RNGs seeded with ``seed``, so the same arguments give a
byte-identical table, message ids included. ``docs/demo.md`` describes what the data holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from random import Random

import pyarrow as pa

from journeys.demo.domains import DOMAINS
from journeys.demo.domains.base import weighted
from journeys.demo.filler import build_filler
from journeys.demo.people import Customer, Device, new_customer
from journeys.demo.plan import compile_plan
from journeys.demo.profiles import profile_for
from journeys.demo.table import to_table
from journeys.demo.timing import DAY, EPOCH, gap, to_micros, utc_offset
from journeys.demo.walk import Sink, Walker
from journeys.maps.model import Journey, Matcher

# Fixed so that generate() without arguments is reproducible; `journeys demo` may pass now().
DEFAULT_END = datetime(2026, 10, 1)
WINDOW_DAYS = 120
SECOND_JOURNEY_SHARE = 0.03  # customers who also start a second journey afterwards
# Busier on Sunday evening and Monday, quieter on Friday and Saturday.
_WEEKDAY_FACTOR = (1.1, 1.0, 1.0, 1.0, 0.85, 0.8, 1.15)


def load_examples() -> list[Journey]:
    """The journeys shipped in ``journeys/maps/examples`` (fashion, bank-mortgage, …)."""
    from journeys.maps.loader import load_journey
    from journeys.workspace import example_journey_files

    return [load_journey(path) for path in example_journey_files()]


def generate(
    journeys: Sequence[Journey],
    customers: int = 20_000,
    seed: int = 42,
    end: datetime = DEFAULT_END,
) -> pa.Table:
    """Events of ``customers`` synthetic customers over the 120 days before ``end``."""
    end_us = to_micros(_naive_utc(end))
    return to_table(simulate(journeys, customers, seed, end_us), seed, end_us)


def simulate(journeys: Sequence[Journey], customers: int, seed: int, end_us: int) -> Sink:
    """Walk every customer through their journey; the rows come out in walk order."""
    rng, sink = Random(seed), Sink()
    if not journeys:
        return sink
    matchers = [tp.match for j in journeys for _, tp in j.touchpoints() if tp.match is not None]
    offset = utc_offset(EPOCH + timedelta(microseconds=end_us - WINDOW_DAYS * DAY // 2))
    walkers = [_walker(j, matchers, sink, rng, end_us, offset) for j in journeys]
    journey_cum = list(accumulate(w.profile.weight for w in walkers))
    day_cum = _arrival_days(end_us)
    window_start = end_us - WINDOW_DAYS * DAY
    people: list[tuple[Customer, Walker]] = []
    for index in range(customers):
        walker = walkers[weighted(rng, journey_cum)]
        personas = walker.journey.personas
        persona = personas[int(rng.random() * len(personas))] if personas else None
        c = new_customer(rng, index, persona, walker.domain, walker.profile.login_share)
        day = weighted(rng, day_cum)
        walker.walk(c, window_start + day * DAY)
        if len(walkers) > 1 and rng.random() < SECOND_JOURNEY_SHARE:
            other = walkers[
                (walkers.index(walker) + 1 + int(rng.random() * (len(walkers) - 1))) % len(walkers)
            ]
            other.walk(c, c.t + gap(rng, 14.0))
        people.append((c, walker))
    _shared_devices(people, rng, end_us, customers)
    return sink


def _walker(
    journey: Journey, matchers: list[Matcher], sink: Sink, rng: Random, end_us: int, offset: int
) -> Walker:
    profile = profile_for(journey)
    domain = DOMAINS.get(profile.domain, DOMAINS["generic"])
    return Walker(
        journey=journey,
        profile=profile,
        domain=domain,
        stages=compile_plan(journey, profile, domain),
        filler=build_filler(domain, matchers),
        reserved=frozenset(m.event for m in matchers),
        sink=sink,
        rng=rng,
        end=end_us,
        offset=offset,
    )


def _arrival_days(end_us: int) -> list[float]:
    """Cumulative weights of the day a customer starts: weekday pattern, slowly growing."""
    first_day = end_us // DAY - WINDOW_DAYS
    weights = [
        (1 + 0.003 * d) * _WEEKDAY_FACTOR[(first_day + d + 3) % 7] for d in range(WINDOW_DAYS)
    ]
    return list(accumulate(weights))


def _shared_devices(
    people: list[tuple[Customer, Walker]], rng: Random, end_us: int, customers: int
) -> None:
    """A couple of family laptops: a second customer logs in on an identified browser."""
    candidates: list[tuple[Customer, Walker, Device, int]] = [
        (c, w, d, t) for c, w in people for d, t in c.identified if d.kind != "app"
    ]
    if len(candidates) < 2:
        return
    wanted = max(2, customers // 2500)
    for _ in range(20 * wanted):
        owner, _, device, since = candidates[int(rng.random() * len(candidates))]
        other, walker, _, other_since = candidates[int(rng.random() * len(candidates))]
        t = max(since, other_since) + gap(rng, 5.0)
        if other is owner or t >= end_us:
            continue
        walker.shared_login(other, device, t)
        wanted -= 1
        if not wanted:
            return


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
