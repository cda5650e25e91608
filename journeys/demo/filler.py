"""Events outside the designed journey: browsing, searching, scrolling, app opens, chats.

Real event data is mostly not touchpoints. These templates are serialised once; every one
is checked against the matchers of all journeys being generated, and a template that some
touchpoint would recognise is dropped, so filler events never count as designed touchpoints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from journeys.demo.domains import Domain
from journeys.maps.model import Matcher

# (type, event, channel, properties as JSON)
Template = tuple[str, str, str, str]


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# JSONEncoder.encode builds a new C encoder on every call, which is most of its cost for the
# small dicts of the demo; this one is built once (no circular check: the dicts are trees).
_C_ENCODE = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder is not None
    else None
)


def dumps(value: Any) -> str:
    """Compact JSON, the form every JSON column of the demo uses."""
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


@dataclass(frozen=True)
class Filler:
    """The filler events of one journey's domain, grouped by where they happen."""

    web: tuple[Template, ...]
    landing: tuple[Template, ...]
    app: tuple[Template, ...]
    app_opened: tuple[Template, ...]
    chat: tuple[Template, ...]


def build_filler(domain: Domain, matchers: Sequence[Matcher]) -> Filler:
    """Every filler template of a domain that no matcher recognises."""

    def keep(templates: list[tuple[str, str, str, dict[str, Any]]]) -> tuple[Template, ...]:
        out = []
        for kind, event, channel, props in templates:
            row = {"type": kind, "event": event, "channel": channel, "properties": props}
            if not any(m.matches(row) for m in matchers):
                out.append((kind, event, channel, dumps(props)))
        return tuple(out)

    return Filler(
        web=keep(_web(domain)),
        landing=keep(_landing(domain)),
        app=keep(_app(domain)),
        app_opened=keep(
            [("track", "app_opened", "app", {"from_background": b}) for b in (False, True)]
        ),
        chat=keep(
            [
                ("track", "chat_started", "chat", {"topic": t, "started_by": "customer"})
                for t in domain.chat_topics
            ]
        ),
    )


def _page(domain: Domain, name: str, path: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "url": domain.host + path, "title": f"{title} | {domain.brand}", **extra}


def _web(domain: Domain) -> list[tuple[str, str, str, dict[str, Any]]]:
    pages = [
        ("page", name, "web", _page(domain, name, path, title))
        for name, path, title in domain.pages
    ]
    searches = [
        ("track", "site_searched", "web", {"query": q, "results": 3 + len(q) * 2})
        for q in domain.searches
    ]
    scrolls = [("track", "page_scrolled", "web", {"depth": d}) for d in (25, 50, 75, 100)]
    # Pages weigh most, as in any clickstream; duplicates set the mix.
    return (
        pages * 3
        + searches
        + scrolls
        + [
            ("track", "cookie_consent_given", "web", {"analytics": True, "marketing": False}),
            ("track", "cookie_consent_given", "web", {"analytics": True, "marketing": True}),
        ]
    )


def _landing(domain: Domain) -> list[tuple[str, str, str, dict[str, Any]]]:
    sources = [
        {},
        {"utm_source": "google", "utm_medium": "organic"},
        {"utm_source": "google", "utm_medium": "cpc"},
        {"utm_source": "newsletter", "utm_medium": "email"},
        {"utm_source": "facebook", "utm_medium": "social"},
        {"referrer": "https://www.bing.example/"},
    ]
    name, path, title = domain.pages[0]
    return [("page", name, "web", _page(domain, name, path, title, **s)) for s in sources]


def _app(domain: Domain) -> list[tuple[str, str, str, dict[str, Any]]]:
    screens = [("screen", name, "app", dict(props)) for name, props in domain.screens]
    searches = [("track", "app_searched", "app", {"query": q}) for q in domain.searches[:4]]
    return (
        screens * 2
        + searches
        + [
            ("track", "push_notification_opened", "app", {"campaign": "weekly-update"}),
        ]
    )
