"""The loyalty loop's contracts: what the API, the CLI's ``--json``, the web UI and the Python
API exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from journeys.store.operational import RowId

EntryKind = Literal["earn", "redeem", "expire", "adjust", "reverse"]
ENTRY_KINDS: tuple[str, ...] = EntryKind.__args__  # type: ignore[attr-defined]
Key = Field(min_length=1, max_length=200, description="Sending the same key again changes nothing.")
MAX_POINTS = 1_000_000_000  # the most points one entry may give or take, as in the programme


class LedgerEntry(BaseModel):
    """One entry of a member's ledger (never changed once written)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    kind: EntryKind
    points: int = Field(description="Signed: credits are positive, debits negative.")
    reason: str
    idempotency_key: str
    rule: str | None = None
    reward: str | None = None
    reverses: int | None = None
    event_seq: int | None = None
    occurred_at: datetime
    expires_at: datetime | None = None
    created_at: datetime


class Posted(BaseModel):
    """The result of a ledger write: the entry, the balance after it, and whether the key had
    already been used for the same entry (then nothing changed)."""

    entry: LedgerEntry
    balance: int
    replayed: bool = False


class Member(BaseModel):
    """A member of the programme, with their balance and tier."""

    customer_id: str
    joined_at: datetime
    referral_code: str
    tier: str | None
    tier_name: str | None
    tier_since: datetime | None
    balance: int
    tier_points: int = Field(description="Points earned within the tiers' rolling window.")


class MemberPage(BaseModel):
    """A page of members, by balance (highest first)."""

    total: int
    offset: int
    items: list[Member]


class LoyaltyStatus(BaseModel):
    """What a customer's profile shows of the programme."""

    customer_id: str
    member: bool
    points_name: str = "points"
    balance: int = 0
    tier: str | None = None
    tier_name: str | None = None
    benefits: list[str] = Field(default_factory=list)
    next_tier: str | None = None
    points_to_next_tier: int | None = None
    expiring_points: int = Field(default=0, description="Points that expire within 30 days.")
    next_expiry: datetime | None = None
    referral_code: str | None = None


class CreditIn(BaseModel):
    """Points given to a member by hand or by another system."""

    model_config = ConfigDict(extra="forbid")

    points: int = Field(
        ge=-MAX_POINTS,
        le=MAX_POINTS,
        description="Positive to give; an adjustment may be negative.",
    )
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = Key
    kind: Literal["earn", "adjust"] = "earn"


class RedeemIn(BaseModel):
    """Redeem a reward of the catalogue."""

    model_config = ConfigDict(extra="forbid")

    reward_id: str = Field(min_length=1, max_length=80)
    idempotency_key: str = Key


class ReverseIn(BaseModel):
    """Undo an earning (e.g. a returned purchase)."""

    model_config = ConfigDict(extra="forbid")

    entry_id: RowId
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = Key


class EnrolIn(BaseModel):
    """Enrol a customer in the programme."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=200)


class ReferralIn(BaseModel):
    """A friend who used a member's referral code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    friend_id: str = Field(min_length=1, max_length=200, description="Any id of the friend.")


class Referral(BaseModel):
    """A referral: who referred whom with which code, and how far the friend got."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    referrer_id: str
    visitor_id: str
    friend_id: str | None
    status: Literal["claimed", "signed_up", "converted", "refused"]
    note: str | None
    claimed_at: datetime
    signed_up_at: datetime | None
    converted_at: datetime | None


class CatalogueItem(BaseModel):
    """A reward a member may see, and whether they can redeem it now."""

    id: str
    name: str
    points: int
    description: str | None
    tier: str | None
    members_only: bool
    affordable: bool


class ContentItem(BaseModel):
    """Members-only content or an offer a member may see (the body comes from its own call)."""

    id: str
    title: str
    kind: Literal["content", "offer"]
    tier: str | None
    summary: str | None


class Catalogue(BaseModel):
    """What one member may see: rewards and members-only content, by their tier."""

    customer_id: str
    tier: str | None
    balance: int
    rewards: list[CatalogueItem]
    content: list[ContentItem]


class ContentOut(ContentItem):
    """Gated content with its body, for a member who qualifies."""

    body: str


class EarnResult(BaseModel):
    """What one run of the earning processor did."""

    events_read: int
    earned_entries: int
    points_earned: int
    capped: int = Field(description="Earnings cut or skipped by a rule's cap.")
    enrolled: int
    referrals: int = Field(description="Referral steps taken (sign-ups and conversions).")
    expired_entries: int
    tier_changes: int
    position: int


class LoyaltyStats(BaseModel):
    """The programme's figures."""

    points_name: str
    members: int
    active_members: int
    active_days: int
    points_liability: int = Field(description="Points held by members, not yet spent or expired.")
    points_earned: int
    points_redeemed: int
    points_expired: int
    redemption_rate: float | None = Field(description="Points redeemed per point earned.")
    members_by_tier: dict[str, int]
    referrals: int
    referral_signups: int
    referral_conversions: int
    referral_conversion_rate: float | None
    member_buyers: int
    member_repeat_rate: float | None = Field(description="Members' buyers with 2+ purchases.")
    other_buyers: int
    other_repeat_rate: float | None


class StageLoyalty(BaseModel):
    """The programme among the customers who reached a journey's loyalty stage."""

    points_name: str
    reached: int = Field(description="Customers who reached the stage.")
    members: int = Field(description="…of whom are members of the programme.")
    member_share: float | None = Field(description="members / reached.")
    active_members: int = Field(description="Members who earned or spent in the active period.")
    active_days: int
    points_balance: int = Field(description="Points these members hold.")
    points_redeemed: int = Field(description="Points these members have spent.")
    members_by_tier: dict[str, int]
