"""How demo customers behave on each journey: visit and drop-off chances per touchpoint.

The journey file says what the company designed; a profile says what synthetic customers do
with it. Each touchpoint gets a :class:`Step`: how likely a customer in that stage uses it,
how likely they leave the journey right after it (drop-off hotspots are simply high values),
how often it repeats, whether it is only reachable through another touchpoint, and an optional
*track*. Tracks are alternatives within a stage written
``family:option`` (``buy:online`` / ``buy:store``): a customer picks one option per family and
keeps it in later stages, so a store buyer does not track a parcel.

Journeys without a profile get :data:`DEFAULT`, which still produces a plausible funnel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from journeys.maps.model import Journey


@dataclass(frozen=True)
class Step:
    """How customers use one touchpoint."""

    visit: float = 0.7
    drop: float = 0.06
    track: str | None = None
    repeat: int = 1
    # Only reachable through another touchpoint of the same stage (a form behind an e-mail link).
    requires: str | None = None


@dataclass(frozen=True)
class Profile:
    """How customers walk one journey."""

    domain: str = "generic"
    weight: float = 1.0
    steps: Mapping[str, Step] = field(default_factory=dict)
    track_weights: Mapping[str, float] = field(default_factory=dict)
    login_stage: int = 1
    login_share: float = 0.65
    crm_first_share: float = 0.03
    loop_chance: float = 0.1
    skip_chance: float = 0.03
    stage_gap_days: float = 3.0
    stage_gaps: Mapping[str, float] = field(default_factory=dict)
    repeat_from: str | None = None
    repeat_chance: float = 0.0
    repeat_gap_days: float = 30.0
    group_share: float = 0.0

    def step(self, touchpoint_id: str) -> Step:
        """The behaviour at a touchpoint, the default when the profile does not name it."""
        return self.steps.get(touchpoint_id, _DEFAULT_STEP)


_DEFAULT_STEP = Step()
DEFAULT = Profile()

FASHION = Profile(
    domain="fashion",
    weight=0.5,
    steps={
        "instagram-ad": Step(visit=1.0, drop=0.55, track="entry:social"),
        "newsletter": Step(visit=1.0, drop=0.3, track="entry:email"),
        "lookbook": Step(visit=1.0, drop=0.35, track="entry:web"),
        "product-page": Step(visit=1.0, drop=0.25, repeat=5),
        "size-guide": Step(visit=0.45, drop=0.45),
        "wishlist": Step(visit=0.25, drop=0.05),
        "store-visit": Step(visit=0.15, drop=0.1),
        "add-to-cart": Step(visit=1.0, drop=0.2, track="buy:online", repeat=3),
        "checkout-delivery": Step(visit=1.0, drop=0.5, track="buy:online"),
        "order-placed": Step(visit=1.0, drop=0.02, track="buy:online"),
        "fitting-room": Step(visit=1.0, drop=0.3, track="buy:store"),
        "store-purchase": Step(visit=1.0, drop=0.03, track="buy:store"),
        "order-confirmation-email": Step(visit=0.95, drop=0.02),
        "delivery-tracking": Step(visit=0.75, drop=0.02, track="buy:online", repeat=3),
        "returns": Step(visit=0.22, drop=0.25),
        "service-chat": Step(visit=0.1, drop=0.15),
        "review-request": Step(visit=0.6, drop=0.1),
        "review-written": Step(visit=0.5, drop=0.02, requires="review-request"),
        "loyalty-app": Step(visit=0.35, drop=0.02, repeat=2),
    },
    track_weights={
        "entry:social": 0.45,
        "entry:email": 0.2,
        "entry:web": 0.35,
        "buy:online": 0.75,
        "buy:store": 0.25,
    },
    login_stage=2,
    login_share=0.6,
    stage_gap_days=2.5,
    stage_gaps={"service": 0.1, "loyalty": 6.0},
    repeat_from="consideration",
    repeat_chance=0.4,
    repeat_gap_days=21.0,
)

MORTGAGE = Profile(
    domain="mortgage",
    weight=0.2,
    steps={
        "first-home-ad": Step(visit=1.0, drop=0.45, track="entry:social"),
        "mortgage-landing": Step(visit=1.0, drop=0.3, track="entry:web"),
        "buyer-guide": Step(visit=0.4, drop=0.1),
        "rates-page": Step(visit=0.85, drop=0.1, repeat=3),
        "calculator": Step(visit=0.9, drop=0.12, repeat=4),
        "eligibility-check": Step(visit=0.75, drop=0.55),
        "mortgage-chat": Step(visit=0.12, drop=0.1),
        "advice-call": Step(visit=1.0, drop=0.35, track="advice:phone"),
        "appointment-booking": Step(visit=1.0, drop=0.08, track="advice:branch"),
        "branch-appointment": Step(visit=1.0, drop=0.12, track="advice:branch"),
        "video-advice": Step(visit=1.0, drop=0.15, track="advice:video"),
        "application-submitted": Step(visit=1.0, drop=0.05),
        "document-upload": Step(visit=0.95, drop=0.35, repeat=3),
        "valuation": Step(visit=0.9, drop=0.08),
        "mortgage-offer": Step(visit=1.0, drop=0.05),
        "offer-signed": Step(visit=0.9, drop=0.02),
        "notary-completion": Step(visit=0.95, drop=0.01),
        "welcome-email": Step(visit=0.9, drop=0.0),
        "mortgage-app": Step(visit=0.5, drop=0.0, repeat=3),
        "aftercare-call": Step(visit=0.2, drop=0.0),
    },
    track_weights={
        "entry:social": 0.35,
        "entry:web": 0.65,
        "advice:phone": 0.5,
        "advice:branch": 0.35,
        "advice:video": 0.15,
    },
    login_stage=1,
    login_share=0.7,
    crm_first_share=0.08,
    loop_chance=0.15,
    stage_gap_days=7.0,
    stage_gaps={"research": 2.0, "closing": 12.0},
)

CLEANING = Profile(
    domain="cleaning",
    weight=0.3,
    steps={
        "search-ad": Step(visit=0.7, drop=0.4),
        "pricing-page": Step(visit=0.8, drop=0.15),
        "reviews-page": Step(visit=0.4, drop=0.05),
        "postcode-check": Step(visit=1.0, drop=0.25, track="book:web"),
        "slot-picker": Step(visit=1.0, drop=0.45, track="book:web", repeat=2),
        "online-booking": Step(visit=1.0, drop=0.02, track="book:web"),
        "phone-booking": Step(visit=1.0, drop=0.15, track="book:phone"),
        "booking-confirmation": Step(visit=0.9, drop=0.02),
        "reminder-sms": Step(visit=0.95, drop=0.01),
        "reschedule": Step(visit=0.12, drop=0.1),
        "cleaner-arrives": Step(visit=1.0, drop=0.02),
        "cleaning-done": Step(visit=1.0, drop=0.03),
        "how-did-it-go-email": Step(visit=0.85, drop=0.35),
        "feedback-given": Step(visit=0.4, drop=0.02, requires="how-did-it-go-email"),
        "complaint-call": Step(visit=0.07, drop=0.4),
        "rebook-app": Step(visit=0.6, drop=0.05),
        "subscription": Step(visit=0.25, drop=0.0),
        "referral": Step(visit=0.12, drop=0.0),
    },
    track_weights={"book:web": 0.7, "book:phone": 0.3},
    login_stage=1,
    login_share=0.65,
    crm_first_share=0.05,
    stage_gap_days=3.0,
    stage_gaps={"book": 1.0, "visit": 1.0, "follow-up": 0.08, "rebook": 1.5},
    repeat_from="prepare",
    repeat_chance=0.55,
    repeat_gap_days=10.0,
    group_share=0.05,
)

PROFILES: dict[str, Profile] = {
    "fashion": FASHION,
    "bank-mortgage": MORTGAGE,
    "home-cleaning": CLEANING,
}


def profile_for(journey: Journey) -> Profile:
    """The behaviour profile of a journey; the default one for journeys the demo does not know."""
    return PROFILES.get(journey.id, DEFAULT)
