"""Synthetic customers and their devices, with the identifiers each system knows them by."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from random import Random
from typing import Any

from journeys.demo.domains import Domain
from journeys.demo.domains.base import pick
from journeys.demo.filler import dumps
from journeys.maps.model import Persona

FIRST_NAMES = (
    "Emma",
    "Sophie",
    "Julia",
    "Anna",
    "Lisa",
    "Sanne",
    "Fleur",
    "Noor",
    "Eva",
    "Lotte",
    "Fatima",
    "Yasmin",
    "Ingrid",
    "Els",
    "Maria",
    "Olivia",
    "Mila",
    "Zoë",
    "Hanna",
    "Amira",
    "Daan",
    "Sem",
    "Lucas",
    "Milan",
    "Levi",
    "Thomas",
    "Mark",
    "Karim",
    "Tim",
    "Jesse",
    "Bram",
    "Ruben",
    "Mohamed",
    "Pieter",
    "Joost",
    "Liam",
    "Noah",
    "Finn",
    "Omar",
    "Kees",
)
LAST_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "El Amrani",
    "Yilmaz",
    "Kaya",
    "Nguyen",
    "Santos",
    "Kowalski",
    "Williams",
    "Murphy",
    "Schmidt",
)
CITIES = (
    "Amsterdam",
    "Amsterdam",
    "Rotterdam",
    "Rotterdam",
    "Utrecht",
    "Utrecht",
    "Den Haag",
    "Eindhoven",
    "Groningen",
    "Haarlem",
    "Amersfoort",
    "Leiden",
    "Zwolle",
    "Nijmegen",
    "Maastricht",
    "Delft",
    "Arnhem",
    "Breda",
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")

# Per kind: device type, (OS, versions, models) choices, tracking library.
_DEVICES: dict[str, tuple[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], str]] = {
    "desktop": (
        "desktop",
        (
            ("Windows", ("10", "11"), ()),
            ("macOS", ("14.5", "15.1"), ()),
            ("Windows", ("11",), ()),
            ("Linux", ("6.8",), ()),
        ),
        "analytics.js",
    ),
    "mobile": (
        "mobile",
        (
            ("iOS", ("17.5", "18.1"), ("iPhone 15", "iPhone 13", "iPhone SE")),
            ("Android", ("14", "15"), ("Galaxy S23", "Pixel 8", "Galaxy A54")),
        ),
        "analytics.js",
    ),
    "app": (
        "mobile",
        (
            ("iOS", ("17.5", "18.1"), ("iPhone 15", "iPhone 13", "iPhone SE")),
            ("Android", ("14", "15"), ("Galaxy S23", "Pixel 8", "Galaxy A54")),
        ),
        "analytics-swift",
    ),
}
_APP_VERSIONS = ("4.2.0", "4.3.1", "4.4.0")
# Contexts differ only by a handful of choices and the IP address: the JSON of each
# combination is built once and the IP appended as text, which keeps customer creation cheap.
_CONTEXT_PREFIXES: dict[tuple[str, ...], str] = {}


@dataclass
class Device:
    """One browser or app install: an anonymous id until someone logs in on it."""

    anonymous_id: str
    kind: str  # desktop | mobile | app
    context: str  # JSON, built once: it is the same for every event of the device
    skew: int  # how far the device clock is off, in microseconds
    identified: bool = False


@dataclass
class Customer:
    """A synthetic customer: identity, traits, devices and where they are in time."""

    user_id: str
    crm_id: str
    offline_id: str  # the user id offline systems use (a bare CRM id until linked)
    traits: dict[str, Any]
    persona: Persona | None
    devices: list[Device]
    logs_in: bool
    traits_json: str = ""
    t: int = 0
    session: Device | None = None
    known_offline: bool = False
    grouped: bool = False
    clicked_email: bool = False
    identified: list[tuple[Device, int]] = field(default_factory=list)


def new_anonymous_id(rng: Random) -> str:
    """A random UUID4 from the seeded RNG, as browsers and apps create them."""
    # Formatted by hand (version nibble 4, variant 8–b): uuid.UUID is slow per customer.
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def new_device(rng: Random, kind: str, brand: str) -> Device:
    """A device of the given kind with its context (user agent, OS, app, locale)."""
    device_type, systems, library = _DEVICES[kind]
    os_name, versions, models = pick(rng, systems)
    key = (
        kind,
        brand,
        os_name,
        pick(rng, versions),
        pick(rng, models) if models else "",
        "nl-NL" if rng.random() < 0.8 else "en-GB",
        pick(rng, _APP_VERSIONS) if kind == "app" else "",
    )
    prefix = _CONTEXT_PREFIXES.get(key)
    if prefix is None:
        prefix = _CONTEXT_PREFIXES[key] = _context_prefix(key, device_type, library)
    ip = f"84.{int(rng.random() * 255)}.{int(rng.random() * 255)}.{int(rng.random() * 255)}"
    # Most device clocks are right to the second; a few are minutes off.
    skew = int(rng.gauss(0, 2) * 1_000_000)
    if rng.random() < 0.03:
        skew += int(rng.uniform(-600, 600) * 1_000_000)
    return Device(new_anonymous_id(rng), kind, f'{prefix},"ip":"{ip}"}}', skew)


def _context_prefix(key: tuple[str, ...], device_type: str, library: str) -> str:
    _, brand, os_name, version, model, locale, app_version = key
    device = {"type": device_type, "model": model} if model else {"type": device_type}
    context: dict[str, Any] = {
        "device": device,
        "os": {"name": os_name, "version": version},
        "library": {"name": library, "version": "2.4.0"},
        "locale": locale,
        "timezone": "Europe/Amsterdam",
    }
    if app_version:
        context["app"] = {"name": brand, "version": app_version}
    return dumps(context)[:-1]


def new_customer(
    rng: Random, index: int, persona: Persona | None, domain: Domain, login_share: float
) -> Customer:
    """A customer with 1–3 devices, a persona and the traits the company knows about them."""
    first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
    user_id = f"u{rng.getrandbits(40):010x}{index % 1000:03d}"
    crm_id = f"CRM-{4_000_000 + index}"
    traits = _traits(rng, index, first, last, crm_id, persona, domain)
    prefers_app = persona is not None and "app" in persona.preferred_channels
    kinds = ["mobile" if rng.random() < 0.6 else "desktop"]
    extra = pick(rng, (0, 0, 0, 1, 1, 2))
    for _ in range(extra):
        kinds.append("app" if prefers_app or rng.random() < 0.3 else "desktop")
    devices = [new_device(rng, k, domain.brand) for k in kinds]
    return Customer(
        user_id=user_id,
        crm_id=crm_id,
        offline_id=user_id,
        traits=traits,
        persona=persona,
        devices=devices,
        logs_in=rng.random() < login_share,
        traits_json=dumps(traits),
    )


def _traits(
    rng: Random,
    index: int,
    first: str,
    last: str,
    crm_id: str,
    persona: Persona | None,
    domain: Domain,
) -> dict[str, Any]:
    handle = f"{first}.{last}".replace(" ", "").lower()
    if not handle.isascii():
        handle = _ascii(handle)
    traits: dict[str, Any] = {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        # E-mail and phone are external ids for identity lookups: unique per customer.
        "email": f"{handle}{index}@{pick(rng, _EMAIL_DOMAINS)}",
        "phone": f"+316{(index * 48_271 + 20_814_559) % 10**8:08d}",
        "crm_id": crm_id,
        "city": pick(rng, CITIES),
    }
    if persona is not None:
        traits["segment"] = persona.id
        traits["age"] = _age(rng, persona.age_band)
    if domain.traits is not None:
        traits.update(domain.traits(rng, persona.id if persona else None))
    return traits


def _age(rng: Random, band: str | None) -> int:
    low, _, high = (band or "25-54").rstrip("+").partition("-")
    lo = int(low) if low.isdigit() else 25
    hi = int(high) if high.isdigit() else lo + 12
    return lo + int(rng.random() * (hi - lo + 1))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
