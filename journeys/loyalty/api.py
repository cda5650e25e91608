"""``/api/loyalty``: the programme, members and their ledgers, redemption, referrals, figures."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from journeys.api.deps import workspace_of
from journeys.errors import NotFound
from journeys.loyalty import earning, members, referrals, service
from journeys.loyalty.contracts import (
    Catalogue,
    ContentOut,
    CreditIn,
    EarnResult,
    EnrolIn,
    LedgerEntry,
    LoyaltyStats,
    LoyaltyStatus,
    Member,
    MemberPage,
    Posted,
    RedeemIn,
    Referral,
    ReferralIn,
    ReverseIn,
)
from journeys.loyalty.files import load_program_or_none, save_program
from journeys.loyalty.model import Program
from journeys.loyalty.stats import loyalty_stats

router = APIRouter(prefix="/api/loyalty", tags=["loyalty"])


@router.get("/program", response_model=Program)
def get_program(request: Request) -> Program:
    """The programme file as a model."""
    program = load_program_or_none(workspace_of(request))
    if program is None:
        raise NotFound("the workspace has no loyalty programme (loyalty/program.yaml)")
    return program


@router.put("/program", response_model=Program)
def put_program(request: Request, program: Program) -> Program:
    """Check a programme and write it to the workspace's file."""
    return save_program(workspace_of(request), program)


@router.get("/members", response_model=MemberPage)
def list_members(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> MemberPage:
    """Members by balance, highest first."""
    return members.list_members(workspace_of(request), limit, offset)


@router.post("/members", response_model=Member, status_code=201)
def enrol(request: Request, body: EnrolIn) -> Member:
    """Enrol a customer (nothing changes for a member)."""
    ws = workspace_of(request)
    service.enrol(ws, body.customer_id)
    return members.get_member(ws, body.customer_id)


@router.get("/members/{customer_id}", response_model=Member)
def get_member(request: Request, customer_id: str) -> Member:
    """One member with balance and tier."""
    return members.get_member(workspace_of(request), customer_id)


@router.get("/members/{customer_id}/status", response_model=LoyaltyStatus)
def status(request: Request, customer_id: str) -> LoyaltyStatus:
    """A customer's place in the programme (also for customers who are not members)."""
    return members.loyalty_status(workspace_of(request), customer_id)


@router.get("/members/{customer_id}/ledger", response_model=list[LedgerEntry])
def ledger(
    request: Request, customer_id: str, limit: int = Query(200, ge=1, le=5000)
) -> list[LedgerEntry]:
    """A member's ledger, newest first."""
    return members.ledger_entries(workspace_of(request), customer_id, limit)


@router.post("/members/{customer_id}/points", response_model=Posted, status_code=201)
def credit(request: Request, customer_id: str, body: CreditIn) -> Posted:
    """Give points (``earn``) or correct a balance (``adjust``, may be negative)."""
    return service.credit_points(workspace_of(request), customer_id, body)


@router.post("/members/{customer_id}/redemptions", response_model=Posted, status_code=201)
def redeem(request: Request, customer_id: str, body: RedeemIn) -> Posted:
    """Redeem a reward; 409 ``insufficient_points`` beyond the balance."""
    return service.redeem(workspace_of(request), customer_id, body.reward_id, body.idempotency_key)


@router.post("/members/{customer_id}/reversals", response_model=Posted, status_code=201)
def reverse(request: Request, customer_id: str, body: ReverseIn) -> Posted:
    """Undo an earning (e.g. a returned purchase)."""
    ws = workspace_of(request)
    return service.reverse(ws, customer_id, body.entry_id, body.reason, body.idempotency_key)


@router.get("/members/{customer_id}/catalogue", response_model=Catalogue)
def catalogue(request: Request, customer_id: str) -> Catalogue:
    """The rewards, offers and content this member may see."""
    return members.catalogue(workspace_of(request), customer_id)


@router.get("/members/{customer_id}/content/{content_id}", response_model=ContentOut)
def content(request: Request, customer_id: str, content_id: str) -> ContentOut:
    """Members-only content; 403 ``not_entitled`` for a member below its tier."""
    return members.gated_content(workspace_of(request), customer_id, content_id)


@router.get("/referrals", response_model=list[Referral])
def list_referrals(request: Request, member: str | None = None) -> list[Referral]:
    """Referrals, newest first."""
    return referrals.list_referrals(workspace_of(request), member)


@router.post("/referrals", response_model=Referral, status_code=201)
def claim(request: Request, body: ReferralIn) -> Referral:
    """Record a friend who used a code; 422 ``referral_invalid`` for the code's own member."""
    return referrals.claim(workspace_of(request), body.code, body.friend_id)


@router.post("/earn", response_model=EarnResult)
def earn(request: Request) -> EarnResult:
    """Run the earning processor now (the server also runs it every few seconds)."""
    return earning.run_earning(workspace_of(request))


@router.get("/stats", response_model=LoyaltyStats)
def stats(request: Request) -> LoyaltyStats:
    """The programme's figures."""
    return loyalty_stats(workspace_of(request))
