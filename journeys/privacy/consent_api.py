"""``/api/customers/{id}/consent``: read and state a customer's consent per purpose."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import StrictBool

from journeys.api.deps import workspace_of
from journeys.privacy.consent import CustomerConsent, customer_consent, record_consent

router = APIRouter(prefix="/api/customers", tags=["privacy"])


@router.get("/{customer_id}/consent", response_model=CustomerConsent)
def get_consent(request: Request, customer_id: str) -> CustomerConsent:
    """The state of every purpose and the history of statements, by any id of the customer."""
    return customer_consent(workspace_of(request), customer_id)


@router.put("/{customer_id}/consent", response_model=CustomerConsent)
def put_consent(request: Request, customer_id: str, body: dict[str, StrictBool]) -> CustomerConsent:
    """Grant (true) or refuse (false) purposes, e.g. ``{"marketing": true, "surveys": false}``;
    an unknown purpose is refused with 422 naming it."""
    return record_consent(workspace_of(request), customer_id, body, "api")
