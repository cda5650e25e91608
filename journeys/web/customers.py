"""Customer pages: the list by recent activity, search by any id, and the 360° profile."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.events.profiles import customer_profile, recent_customers
from journeys.web.routes import _page, _workspace

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/customers", response_class=HTMLResponse)
def customers_page(request: Request, q: str | None = None, page: int = Query(1, ge=1)) -> Response:
    """The customer list; a search by any id goes straight to that customer."""
    if q and q.strip():
        return RedirectResponse(f"/customers/{quote(q.strip(), safe='')}", status_code=303)
    con = _workspace(request).events.reader()
    found = recent_customers(con, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return _page(
        request,
        "customers.html",
        "customers",
        customers=found[:PAGE],
        page=page,
        more=len(found) > PAGE,
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, customer_id: str, page: int = Query(1, ge=1)) -> Response:
    """One customer: identities, traits, channels and the cross-channel timeline."""
    con = _workspace(request).events.reader()
    profile = customer_profile(con, customer_id, limit=PAGE + 1, offset=(page - 1) * PAGE)
    more = len(profile.timeline) > PAGE
    profile.timeline = profile.timeline[:PAGE]
    return _page(
        request,
        "customer.html",
        "customers",
        p=profile,
        page=page,
        more=more,
        looked_up=customer_id,
    )
