"""TidyNest, the demo home-cleaning company: services, visits and event properties."""

from __future__ import annotations

from random import Random
from typing import Any

from journeys.demo.domains.base import COMMON_EXTRAS, Domain, Extra, State, digits, pick

HOURLY = 29.50
SERVICES = ("regular", "regular", "regular", "deep_clean", "move_out", "windows")
HOME_SIZES = ("studio", "apartment", "apartment", "terraced", "terraced", "detached")
CLEANERS = ("Fatima", "Joanna", "Marco", "Ilse", "Dewi", "Anna", "Samir", "Kasia")
CITIES = ("Amersfoort", "Haarlem", "Groningen", "Utrecht", "Leiden", "Zwolle", "Delft")


def _home(rng: Random, state: State) -> dict[str, Any]:
    if "postcode" not in state:
        letters = "".join(pick(rng, "ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
        state["postcode"] = f"{1000 + int(rng.random() * 8999)} {letters}"
        state["home_size"] = pick(rng, HOME_SIZES)
        state["service"] = pick(rng, SERVICES)
    return {"postcode": state["postcode"], "home_size": state["home_size"]}


def _hours(state: State) -> float:
    base = {"studio": 2.0, "apartment": 3.0, "terraced": 3.5, "detached": 4.5}
    return base[state["home_size"]] + (2.0 if state["service"] in ("deep_clean", "move_out") else 0)


def _postcode(rng: Random, state: State) -> dict[str, Any]:
    props = _home(rng, state)
    return {
        **props,
        "in_area": rng.random() < 0.9,
        "service": state["service"],
        "price_estimate": round(_hours(state) * HOURLY, 2),
        "currency": "EUR",
    }


def _slots(rng: Random, state: State) -> dict[str, Any]:
    # The first free slot is often far away: the pain point of the slot picker.
    days = min(21, int(rng.expovariate(1 / 6)))
    return {
        **_home(rng, state),
        "days_to_first_slot": days,
        "slots_shown": 3 + days % 5,
        "saturday_available": rng.random() < 0.15,
    }


def _booking(rng: Random, state: State) -> dict[str, Any]:
    _home(rng, state)
    booking_id = f"BK-{digits(rng, 7)}"
    repeat = "booking_id" in state
    state["booking_id"] = booking_id
    hours = _hours(state)
    return {
        "booking_id": booking_id,
        "service": state["service"],
        "hours": hours,
        "price": round(hours * HOURLY, 2),
        "currency": "EUR",
        "repeat": repeat,
        "booked_via": "web",
    }


def _cleaner(state: State, rng: Random) -> str:
    name: str = state.setdefault("cleaner", pick(rng, CLEANERS))
    return name


def _email(rng: Random, state: State) -> dict[str, Any]:
    return {**COMMON_EXTRAS["email_opened"](rng, state), "booking_id": state.get("booking_id")}


def _sms(rng: Random, state: State) -> dict[str, Any]:
    return {
        **COMMON_EXTRAS["sms_delivered"](rng, state),
        "cleaner": _cleaner(state, rng),
        "window": pick(rng, ("08:00-10:00", "09:00-11:00", "13:00-15:00")),
    }


def _rescheduled(rng: Random, state: State) -> dict[str, Any]:
    return {
        "booking_id": state.get("booking_id"),
        "days_moved": 1 + int(rng.random() * 6),
        "fee": 0.0 if rng.random() < 0.8 else 15.0,
    }


def _checked_in(rng: Random, state: State) -> dict[str, Any]:
    # About one in eight visits starts late; the feedback later remembers it.
    late = 0 if rng.random() < 0.87 else 10 + int(rng.expovariate(1 / 15))
    state["late"] = late
    state["visit_id"] = f"V-{digits(rng, 8)}"
    return {
        "visit_id": state["visit_id"],
        "cleaner": _cleaner(state, rng),
        "minutes_late": late,
        "booking_id": state.get("booking_id"),
    }


def _done(rng: Random, state: State) -> dict[str, Any]:
    _home(rng, state)
    minutes = int(_hours(state) * 60 + rng.gauss(0, 15))
    return {
        "visit_id": state.get("visit_id"),
        "duration_minutes": max(30, minutes),
        "rooms": 2 + int(rng.random() * 5),
        "photo_report": rng.random() < 0.3,
    }


def _feedback(rng: Random, state: State) -> dict[str, Any]:
    late = int(state.get("late", 0))
    score = pick(rng, (10, 9, 9, 8, 8, 7, 6)) if late == 0 else pick(rng, (8, 6, 5, 4, 3))
    return {
        "score": score,
        "visit_id": state.get("visit_id"),
        "cleaner": _cleaner(state, rng),
        "comment": rng.random() < 0.4,
    }


def _rebook(rng: Random, state: State) -> dict[str, Any]:
    props = _booking(rng, state)
    props.update(booked_via="app", repeat=True, same_cleaner=rng.random() < 0.8)
    return props


def _subscription(rng: Random, state: State) -> dict[str, Any]:
    _home(rng, state)
    return {
        "frequency": pick(rng, ("weekly", "biweekly", "biweekly", "monthly")),
        "hours": _hours(state),
        "price_per_visit": round(_hours(state) * HOURLY * 0.92, 2),
        "currency": "EUR",
    }


def _referral(rng: Random, state: State) -> dict[str, Any]:
    code = "TIDY-" + "".join(pick(rng, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
    return {"referral_code": code, "via": pick(rng, ("whatsapp", "whatsapp", "email", "link"))}


def _landing(rng: Random, state: State) -> dict[str, Any]:
    city = pick(rng, CITIES)
    return {
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_term": f"cleaner {city.lower()}",
        "city": city,
    }


def _traits(rng: Random, persona: str | None) -> dict[str, Any]:
    return {
        "home_type": pick(rng, HOME_SIZES),
        "household_size": 1 + int(rng.random() * 4),
        "has_pets": rng.random() < 0.35,
        "key_safe": rng.random() < 0.2,
    }


EXTRAS: dict[str, Extra] = {
    **COMMON_EXTRAS,
    "landing": _landing,
    "postcode_checked": _postcode,
    "timeslots_viewed": _slots,
    "booking_confirmed": lambda rng, state: (
        _rebook(rng, state) if "booking_id" in state else _booking(rng, state)
    ),
    "email_opened": _email,
    "email_clicked": _email,
    "sms_delivered": _sms,
    "booking_rescheduled": _rescheduled,
    "cleaner_checked_in": _checked_in,
    "cleaning_completed": _done,
    "feedback_submitted": _feedback,
    "subscription_started": _subscription,
    "referral_sent": _referral,
}

CLEANING = Domain(
    brand="TidyNest",
    host="https://www.tidynest.example",
    pages=(
        ("home", "/", "TidyNest — a clean home without the hassle"),
        ("services", "/services/windows", "Window cleaning"),
        ("services", "/services/deep-clean", "Deep clean"),
        ("services", "/services/move-out", "Move-out clean"),
        ("help_article", "/help/what-to-prepare", "What to prepare"),
        ("help_article", "/help/insurance", "Are you insured?"),
        ("help_article", "/help/cancel", "Cancel or change a visit"),
        ("blog", "/blog/spring-cleaning-checklist", "Spring-cleaning checklist"),
        ("jobs", "/jobs", "Work as a cleaner"),
        ("about", "/about", "About TidyNest"),
    ),
    searches=("oven", "windows", "price per hour", "cancel", "insurance", "pets", "keys"),
    screens=(
        ("bookings", {}),
        ("messages", {}),
        ("cleaner_profile", {}),
        ("invoices", {}),
        ("account", {}),
    ),
    chat_topics=("invoice", "general", "keys", "cancel_visit"),
    words=(
        "utrecht",
        "amersfoort",
        "haarlem",
        "groningen",
        "leiden",
        "zwolle",
        "move-out",
        "regular",
        "deep-clean",
    ),
    extras=EXTRAS,
    traits=_traits,
)
