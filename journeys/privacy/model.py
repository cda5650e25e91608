"""The contracts of the privacy package: an export, an erasure receipt, a retention run, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from journeys.events.profiles import CustomerProfile

Row = dict[str, Any]


class CustomerIds(BaseModel):
    """Every id one customer is known by."""

    customer_id: str
    known: bool  # False: an anonymous visitor, known by one anonymous id
    user_ids: list[str]
    anonymous_ids: list[str]
    external_ids: dict[str, list[str]]  # e-mail, phone, CRM id… (setting identity_traits)

    def all(self) -> list[str]:
        """The customer id, user ids, anonymous ids and external ids, each once."""
        values = [self.customer_id, *self.user_ids, *self.anonymous_ids]
        values += [v for vs in self.external_ids.values() for v in vs]
        return list(dict.fromkeys(values))


class CustomerExport(BaseModel):
    """Everything held about one customer, store by store."""

    exported_at: datetime
    ids: CustomerIds
    profile: CustomerProfile | None  # traits and their history; its timeline is in ``events``
    events: list[Row]  # every event of the customer, oldest first
    # Operational rows (surveys, tickets, loyalty, automations…) by table, found generically.
    operational: dict[str, list[Row]]
    # Tables of the event log's database keyed by customer id (e.g. prediction scores).
    event_store: dict[str, list[Row]]


class ErasureReceipt(BaseModel):
    """What an erasure removed, store by store; no personal data."""

    id_hash: str
    found: bool  # False when nothing of the customer was held (e.g. erased before)
    reason: str
    erased_at: datetime
    events: int
    # Rows removed per store and table, e.g. {"event_log": {"event_rows": 12}, …}.
    removed: dict[str, dict[str, int]]
    # How the bytes were removed from the database files (see docs/privacy.md).
    scrubbed: dict[str, str] = Field(default_factory=dict)


class RetentionReceipt(BaseModel):
    """What a retention run removed."""

    retention_days: int
    cutoff: datetime | None  # events before this were deleted; None: retention is off
    events: int
    removed: dict[str, dict[str, int]]


class AuditRecord(BaseModel):
    """One entry of the privacy audit: when, what, for whom (as a salted hash), and counts."""

    id: int
    at: datetime
    action: Literal["erase", "retention", "export"]
    id_hash: str | None
    reason: str | None
    counts: dict[str, dict[str, int]]


class EraseIn(BaseModel):
    """The body of an erasure request."""

    reason: str = Field(min_length=1, max_length=500)
