"""When demo events happen: microsecond clocks, time-of-day patterns and opening hours.

Times are integers (microseconds since 1970-01-01, naive UTC) because the generator handles
a million of them; they become an Arrow timestamp column at the end.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from random import Random
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH = datetime(1970, 1, 1)


def to_micros(moment: datetime) -> int:
    """A naive-UTC datetime as microseconds since the epoch."""
    return (moment - EPOCH) // timedelta(microseconds=1)


class Hours:
    """A time-of-day pattern: relative activity per hour and the weekdays it applies to."""

    def __init__(
        self, weights: tuple[float, ...], open_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    ) -> None:
        self.weights = weights
        self.open_days = open_days  # Monday = 0
        self._cum = tuple(accumulate(weights))

    def hour(self, rng: Random) -> int:
        """A random hour of the day drawn from the pattern."""
        return bisect.bisect_right(self._cum, rng.random() * self._cum[-1])

    def is_open(self, t: int) -> bool:
        """Whether ``t`` falls on an open day in an hour with activity."""
        return weekday(t) in self.open_days and self.weights[(t % DAY) // HOUR] > 0


# People browse at lunch and in the evening; phones and branches keep office hours.
ONLINE = Hours(
    (
        1,
        0.5,
        0.3,
        0.2,
        0.2,
        0.4,
        1.2,
        2.5,
        3.5,
        4,
        4,
        4.5,
        5.5,
        5,
        4.5,
        4.5,
        4.5,
        5,
        5.5,
        7,
        8.5,
        8.5,
        6.5,
        3.5,
    )
)
PHONE = Hours(
    (0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 5, 5, 7, 7, 5, 5, 4, 2, 1, 1, 0, 0, 0, 0),
    open_days=(0, 1, 2, 3, 4, 5),
)
STORE = Hours(
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 5, 5, 5, 5, 4, 3, 2, 0, 0, 0, 0),
    open_days=(0, 1, 2, 3, 4, 5, 6),
)
VISIT = Hours(
    (0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 4, 2, 4, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0),
    open_days=(0, 1, 2, 3, 4, 5),
)
VIDEO = Hours(
    (0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4, 4, 1, 0, 0),
    open_days=(0, 1, 2, 3, 4),
)
MESSAGING = Hours((0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 4, 3, 3, 3, 3, 3, 3, 3, 4, 4, 3, 2, 1, 0))

HOURS_BY_CHANNEL: dict[str, Hours] = {
    "phone": PHONE,
    "store": STORE,
    "in_person": VISIT,
    "video": VIDEO,
    "email": MESSAGING,
    "sms": MESSAGING,
    "mail": MESSAGING,
}


def weekday(t: int) -> int:
    """Monday = 0 … Sunday = 6; 1970-01-01 was a Thursday."""
    return (t // DAY + 3) % 7


def start_at(
    rng: Random, earliest: int, hours: Hours, *, soon: bool = False, offset: int = 0
) -> int:
    """The start of a session no earlier than ``earliest``, at a plausible time of day.

    ``hours`` is in local time, ``offset`` microseconds ahead of UTC. With ``soon`` the session
    starts right at ``earliest`` when that moment is plausible (a click in an e-mail that just
    arrived); otherwise a time of day is drawn from ``hours``.
    """
    local = earliest + offset
    if soon and hours.is_open(local):
        return earliest
    day = local // DAY
    for _ in range(14):
        if (day + 3) % 7 in hours.open_days:
            t = day * DAY + hours.hour(rng) * HOUR + int(rng.random() * HOUR)
            if t >= local:
                return t - offset
        day += 1
    return earliest


def utc_offset(moment: datetime, zone: str = "Europe/Amsterdam") -> int:
    """Microseconds the demo's home time zone is ahead of UTC at a naive-UTC moment."""
    try:
        tz = ZoneInfo(zone)
    except ZoneInfoNotFoundError:  # no tz database on this machine: assume winter time
        return HOUR
    delta = moment.replace(tzinfo=UTC).astimezone(tz).utcoffset()
    return (delta or timedelta()) // timedelta(microseconds=1)


def gap(rng: Random, mean_days: float) -> int:
    """A waiting time with the given mean, exponentially distributed (many short, few long)."""
    return int(rng.expovariate(1.0 / max(mean_days, 0.001)) * DAY)


CLICK_MIN = 2 * SECOND
CLICK_RATE = 1 / 35  # per second: a mean of 35 s between clicks on top of CLICK_MIN


def click_gap(rng: Random) -> int:
    """Time between two events of one session: seconds to a couple of minutes."""
    return CLICK_MIN + int(rng.expovariate(CLICK_RATE) * SECOND)
