"""Earning from the event log: rules, caps, enrolment, tiers as events, referrals."""

from __future__ import annotations

import json

from journeys.clock import FixedClock
from journeys.loyalty import members, referrals
from journeys.loyalty.earning import run_earning
from journeys.workspace import Workspace

from factories import identify, send, track
from scenarios import T0, D, H, journeys_for


def tier_events(ws: Workspace, customer: str) -> list[dict[str, object]]:
    rows = (
        ws.events.fresh_reader()
        .execute(
            "SELECT properties FROM events WHERE event = 'loyalty_tier_changed' AND user_id = ? "
            "ORDER BY seq",
            [customer],
        )
        .fetchall()
    )
    return [json.loads(r[0]) for r in rows]


def test_purchases_reviews_and_surveys_earn_for_members_only(
    lws: Workspace, clock: FixedClock
) -> None:
    journeys_for(lws, {
        "ann": [("loyalty_joined", T0), ("order_completed", T0 + H, {"revenue": 120.75}),
                ("survey_answered", T0 + 2 * H, {"score": 9}),
                ("review_submitted", T0 + 3 * H)],
        "bob": [("order_completed", T0 + H, {"revenue": 500})],  # never joined
        "anon:dev-1": [("loyalty_joined", T0), ("review_submitted", T0 + H)],  # not known
    })  # fmt: skip
    clock.advance(D)
    result = run_earning(lws)
    assert (result.enrolled, result.earned_entries, result.points_earned) == (1, 3, 155)
    ledger = {e.rule: e.points for e in members.ledger_entries(lws, "ann")}
    assert ledger == {"purchase": 120, "survey": 10, "review": 25}
    assert [m.customer_id for m in members.list_members(lws).items] == ["ann"]


def test_running_again_pays_nothing_twice(lws: Workspace, clock: FixedClock) -> None:
    journeys_for(
        lws, {"ann": [("loyalty_joined", T0), ("order_completed", T0 + H, {"revenue": 80})]}
    )
    clock.advance(D)
    first = run_earning(lws)
    again = run_earning(lws)
    assert first.points_earned == 80 and again.points_earned == 0
    assert members.get_member(lws, "ann").balance == 80


def test_a_cap_per_period_cuts_earnings(lws: Workspace, clock: FixedClock) -> None:
    reviews = [("review_submitted", T0 + n * H) for n in range(1, 6)]  # 5 × 25, cap 100/30d
    later = [("review_submitted", T0 + 31 * D)]  # a new period
    journeys_for(lws, {"ann": [("loyalty_joined", T0), *reviews, *later]})
    clock.advance(40 * D)
    result = run_earning(lws)
    assert result.points_earned == 125 and result.capped == 1
    assert members.get_member(lws, "ann").balance == 125


def test_rules_with_filters_match_like_touchpoints(lws: Workspace, clock: FixedClock) -> None:
    text = (lws.root / "loyalty" / "program.yaml").read_text()
    text = text.replace(
        "      event: product_shared\n",
        "      event: product_shared\n"
        "      where:\n        - \"network in ['instagram', 'tiktok']\"\n",
    )
    (lws.root / "loyalty" / "program.yaml").write_text(text)
    journeys_for(lws, {"ann": [
        ("loyalty_joined", T0), ("product_shared", T0 + H, {"network": "instagram"}),
        ("product_shared", T0 + 2 * H, {"network": "email"}),
    ]})  # fmt: skip
    clock.advance(D)
    assert run_earning(lws).points_earned == 5


def test_tiers_go_up_and_down_as_events(lws: Workspace, clock: FixedClock) -> None:
    journeys_for(
        lws, {"ann": [("loyalty_joined", T0), ("order_completed", T0 + H, {"revenue": 600})]}
    )
    clock.advance(D)
    run_earning(lws)
    assert members.get_member(lws, "ann").tier == "silver"
    clock.advance(365 * D)  # the window rolls past the order: back to bronze
    result = run_earning(lws)
    assert result.tier_changes == 1 and result.expired_entries == 1
    events = tier_events(lws, "ann")
    assert [(e["from"], e["to"], e["direction"]) for e in events] == [
        (None, "silver", "up"),
        ("silver", "bronze", "down"),
    ]


def test_an_anonymous_friend_who_signs_up_days_later_counts(
    lws: Workspace, clock: FixedClock
) -> None:
    journeys_for(lws, {"ann": [("loyalty_joined", T0)]})
    clock.advance(H)
    run_earning(lws)
    code = members.get_member(lws, "ann").referral_code
    minute = 60 * 24
    send(lws.events, track({"anonymousId": "dev-7"}, "page_viewed", minute, referral_code=code))
    clock.advance(2 * D)
    run_earning(lws)
    assert referrals.list_referrals(lws)[0].status == "claimed"
    send(
        lws.events,
        identify("fay", 5 * minute, anon="dev-7"),
        track({"userId": "fay"}, "signed_up", 5 * minute),
    )
    clock.advance(5 * D)
    assert run_earning(lws).referrals == 1
    assert members.get_member(lws, "fay").balance == 100  # the friend's points
    send(lws.events, track({"userId": "fay"}, "order_completed", 6 * minute, revenue=40))
    clock.advance(D)
    run_earning(lws)
    made = referrals.list_referrals(lws)[0]
    assert (made.status, made.friend_id, made.referrer_id) == ("converted", "fay", "ann")
    assert members.get_member(lws, "ann").balance == 250
    assert members.get_member(lws, "fay").balance == 140


def test_a_code_used_by_its_owner_earns_nothing(lws: Workspace, clock: FixedClock) -> None:
    journeys_for(lws, {"ann": [("loyalty_joined", T0)]})
    clock.advance(H)
    run_earning(lws)
    code = members.get_member(lws, "ann").referral_code
    # Ann on another device: anonymous at first, then she logs in.
    send(
        lws.events,
        track({"anonymousId": "tablet"}, "page_viewed", 120, referral_code=code),
        identify("ann", 130, anon="tablet"),
        track({"userId": "ann"}, "signed_up", 131),
        track({"userId": "ann"}, "order_completed", 140, revenue=10),
    )
    clock.advance(D)
    run_earning(lws)
    made = referrals.list_referrals(lws)[0]
    assert made.status == "refused" and made.note == "the code was used by the member it belongs to"
    assert members.get_member(lws, "ann").balance == 10  # the order, no referral points
