"""Customer pages: the list by recent activity, search by any id, and the 360° profile."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from itertools import groupby
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.api.deps import workspace_of
from journeys.events.profiles import (
    CustomerProfile,
    TimelineEvent,
    customer_profile,
    recent_customers,
)
from journeys.loyalty import loyalty_status
from journeys.web.overview import log_counts
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/customers", response_class=HTMLResponse)
def customers_page(
    request: Request, q: str | None = None, page: int = Query(1, ge=1, le=10_000_000)
) -> Response:
    """The customer list; a search by any id goes straight to that customer."""
    if q and q.strip():
        return RedirectResponse(f"/customers/{quote(q.strip(), safe='')}", status_code=303)
    with closing(workspace_of(request).events.fresh_reader()) as con:
        found = recent_customers(con, limit=PAGE + 1, offset=(page - 1) * PAGE)
        _, total = log_counts(con)
    return _page(
        request,
        "customers.html",
        "customers",
        customers=found[:PAGE],
        total=total,
        page=page,
        more=len(found) > PAGE,
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: str, page: int = Query(1, ge=1, le=10_000_000)
) -> Response:
    """One customer: identities, traits, channels and the cross-channel timeline."""
    with closing(workspace_of(request).events.fresh_reader()) as con:
        profile = customer_profile(con, customer_id, limit=PAGE + 1, offset=(page - 1) * PAGE)
    more = len(profile.timeline) > PAGE
    profile.timeline = profile.timeline[:PAGE]
    name = display_name(profile)
    loyalty = loyalty_status(workspace_of(request), profile.customer_id)
    return _page(
        request,
        "customer.html",
        "customers",
        p=profile,
        name=name,
        initials=initials(name),
        days=by_day(profile.timeline),
        first=(page - 1) * PAGE + 1,
        page=page,
        more=more,
        looked_up=customer_id,
        loyalty=loyalty,
    )


def display_name(profile: CustomerProfile) -> str:
    """What to call a customer: the ``name`` trait, else first and last name, else the id."""
    if not profile.known:
        return "Anonymous visitor"  # their id is a device's random id, no name for a person
    traits = profile.traits
    if isinstance(traits.get("name"), str) and traits["name"].strip():
        return str(traits["name"]).strip()
    parts = [traits.get(k) for k in ("first_name", "last_name")]
    full = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return full or profile.customer_id


def initials(name: str) -> str:
    """The first letters of a name's first and last words: "Els de Boer" gives "EB"."""
    words = name.split()
    return "".join(w[0] for w in words[:1] + words[1:][-1:]).upper()


def by_day(timeline: list[TimelineEvent]) -> list[tuple[date, list[TimelineEvent]]]:
    """The timeline's events under one heading per day, keeping their newest-first order."""
    return [(day, list(events)) for day, events in groupby(timeline, lambda e: e.timestamp.date())]
