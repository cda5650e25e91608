"""KPIs from the feedback events: NPS with its margin, CSAT, CES, sentiment and the ticket KPIs,
per grouping and grain, against figures worked out by hand.

The scenario (journey *shop*, T0 = Monday 2 March 2026, ISO week 10):

| who | answers (survey kind, score, place) | week |
|---|---|---|
| ann | nps 10 at checkout (comment +0.8), csat 5 at search, ces 2 at checkout | W10 |
| bob | nps_plus 9 at checkout, csat 4 at search, ces 5 at checkout | W10 |
| cy | nps 7 at checkout, csat 2 at search | W10 |
| dee | nps 3 at checkout (comment −0.6, negative), csat 1 and ces 6 at checkout | W11 |
| eve | nps 0 at product (comment −0.9, negative) | W11 |
| fay | nps 6 at product (comment +0.1, neutral) | W11 |

Tickets: T-1 dee/checkout (contacted after 1 h, in SLA, resolved at first contact), T-2
eve/product (contacted after 6 h, SLA 4 h: missed, escalated, resolved later), T-3 fay/product
(never contacted, SLA passed), T-4 cy/checkout (contacted after 30 min, SLA far ahead).
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.analytics.kpis import KpiQuery, kpi_query, kpis
from journeys.analytics.kpis.measures import nps
from journeys.analytics.segments import SegmentDefinition, parse_condition, save
from journeys.errors import InvalidInput, JourneyNotFound, NotFound
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, D, H, M, journeys_for

SHOP = """\
id: shop
name: Shop
stages:
  - id: find
    name: Find
    touchpoints:
      - {id: search, name: Search, channel: web, online: true, match: {event: searched}}
  - id: choose
    name: Choose
    touchpoints:
      - {id: product, name: Product page, channel: web, online: true, match: {event: viewed}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: checkout, name: Checkout, channel: web, online: true, match: {event: checkout}}
"""

STAGE_OF = {"search": "find", "product": "choose", "checkout": "buy"}
W11 = T0 + 7 * D


def answer(
    kind: str, score: int, touchpoint: str, when: datetime, **extra: Any
) -> tuple[str, datetime, dict[str, Any]]:
    """A ``survey_answered`` event as docs/feedback/events.md writes it."""
    properties = {
        "response_id": f"r-{kind}-{touchpoint}-{when:%d%H%M}-{score}",
        "survey": f"{kind}-{touchpoint}",
        "survey_kind": kind,
        "score": score,
        "journey": "shop",
        "stage": STAGE_OF.get(touchpoint),
        "touchpoint": touchpoint,
        "root_cause": None,
        "comment": None,
        "sentiment": None,
        "sentiment_label": None,
        "topics": [],
        **extra,
    }
    return ("survey_answered", when, properties)


def said(sentiment: float, label: str) -> dict[str, Any]:
    """A comment's text-analytics properties."""
    return {"comment": "…", "sentiment": sentiment, "sentiment_label": label}


def ticket(
    step: str, number: int, touchpoint: str, when: datetime, due: str, **extra: Any
) -> tuple[str, datetime, dict[str, Any]]:
    """A ticket event: what every ticket event carries, and the step's own properties."""
    properties = {
        "ticket_id": f"T-{number}",
        "priority": "normal",
        "team": "service",
        "journey": "shop",
        "stage": STAGE_OF.get(touchpoint),
        "touchpoint": touchpoint,
        "sla_due_at": due,
        **extra,
    }
    return (step, when, properties)


def iso(moment: datetime, offset: str = "Z") -> str:
    """``moment`` (UTC) in ISO 8601 with ``offset`` ('Z', '+02:00') or none ('')."""
    if offset == "+02:00":
        return (moment + 2 * H).isoformat() + offset
    return moment.isoformat() + offset


def feedback_people() -> dict[str, list[tuple[str, datetime, dict[str, Any]]]]:
    """The answers and tickets of the module docstring."""
    t1, t2, t3, t4 = T0 + H, W11, W11 + H, T0 + 8 * D
    return {
        "ann": [
            answer("nps", 10, "checkout", T0, **said(0.8, "positive")),
            answer("csat", 5, "search", T0 + M),
            answer("ces", 2, "checkout", T0 + 2 * M),
            ("checkout", T0 - H, {}),
        ],
        "bob": [
            answer("nps_plus", 9, "checkout", T0 + D),
            answer("csat", 4, "search", T0 + D),
            answer("ces", 5, "checkout", T0 + D),
        ],
        "cy": [
            answer("nps", 7, "checkout", T0 + 2 * D),
            answer("csat", 2, "search", T0 + 2 * D),
            ticket("ticket_opened", 4, "checkout", t4, iso(T0 + 30 * D), reason="api"),
            ticket(
                "ticket_contacted", 4, "checkout", t4 + 30 * M, iso(T0 + 30 * D),
                response_seconds=1800,
            ),
        ],
        "dee": [
            ("checkout", T0, {}),
            answer("nps", 3, "checkout", W11 - H, **said(-0.6, "negative")),
            answer("csat", 1, "checkout", W11 - H),
            answer("ces", 6, "checkout", W11 - H),
            ticket("ticket_opened", 1, "checkout", t1, iso(t1 + 4 * H), reason="detractor"),
            ticket(
                "ticket_contacted", 1, "checkout", t1 + H, iso(t1 + 4 * H), response_seconds=3600
            ),
            ticket(
                "ticket_resolved", 1, "checkout", t1 + 2 * H, iso(t1 + 4 * H),
                contacts=1, first_contact_resolution=True,
            ),
            ticket("ticket_closed", 1, "checkout", t1 + 3 * H, iso(t1 + 4 * H), root_cause="x"),
        ],
        "eve": [
            answer("nps", 0, "product", W11, **said(-0.9, "negative")),
            # The SLA written with an offset: 4 h after opening in UTC is 6 h on the wall clock.
            ticket("ticket_opened", 2, "product", t2, iso(t2 + 4 * H, "+02:00")),
            ticket(
                "ticket_escalated", 2, "product", t2 + 4 * H, iso(t2 + 4 * H, "+02:00"), level=1
            ),
            ticket("ticket_contacted", 2, "product", t2 + 6 * H, iso(t2 + 4 * H, "+02:00")),
            ticket(
                "ticket_resolved", 2, "product", t2 + 8 * H, iso(t2 + 4 * H, "+02:00"),
                contacts=2, first_contact_resolution=False,
            ),
        ],
        "fay": [
            answer("nps", 6, "product", W11 + D, **said(0.1, "neutral")),
            ticket("ticket_opened", 3, "product", t3, iso(t3 + 4 * H, "")),
        ],
    }  # fmt: skip


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    journeys_for(ws, feedback_people())
    send(
        ws.events,
        identify("ann", 0, persona="bargain-hunter"),
        identify("bob", 0, segment="bargain-hunter"),  # no persona trait: its segment trait
        identify("cy", 0, persona="loyal"),
        identify("cy", 5, persona="bargain-hunter"),  # the latest counts
    )
    return ws


def groups(result: Any) -> dict[str | None, Any]:
    return {g.key: g for g in result.groups}


# -- the formulas ------------------------------------------------------------------------------
def test_the_nps_formula_and_its_margin_by_hand() -> None:
    # 5 promoters, 3 passives, 2 detractors: p = 0.5, d = 0.2; NPS = 30;
    # var = 0.5 + 0.2 − 0.3² = 0.61; MoE = 1.96 · sqrt(0.61 / 10) = 0.48408 → 48.41 points.
    score = nps(5, 3, 2)
    assert (score.responses, score.score) == (10, pytest.approx(30.0))
    assert score.margin_of_error == pytest.approx(48.408, abs=1e-3)
    assert (score.low, score.high) == (
        pytest.approx(-18.408, abs=1e-3),
        pytest.approx(78.408, abs=1e-3),
    )
    everyone = nps(4, 0, 0)  # no spread: the normal approximation gives no margin
    assert (everyone.score, everyone.margin_of_error, everyone.high) == (100.0, 0.0, 100.0)
    assert nps(0, 0, 0).score is None and nps(0, 0, 0).margin_of_error is None
    wide = nps(0, 0, 1)
    assert (wide.score, wide.low) == (-100.0, -100.0)


# -- the survey KPIs ---------------------------------------------------------------------------
def test_overall_nps_csat_ces_and_sentiment(shop: Workspace) -> None:
    result = kpis(shop, KpiQuery())
    f = result.overall.feedback
    assert f.answers == 13
    # 10, 9 promoters; 7 passive; 3, 0, 6 detractors: NPS = 100 · (2 − 3) / 6 = −16.67;
    # var = 5/6 − (1/6)² = 0.80556; MoE = 196 · sqrt(0.80556 / 6) = 71.82.
    assert (f.nps.responses, f.nps.promoters, f.nps.passives, f.nps.detractors) == (6, 2, 1, 3)
    assert f.nps.score == pytest.approx(-16.6667, abs=1e-4)
    assert f.nps.margin_of_error == pytest.approx(71.8172, abs=1e-3)
    # csat 5, 4 satisfied of 5, 4, 2, 1: 50 %.
    assert (f.csat.responses, f.csat.satisfied, f.csat.score) == (4, 2, 50.0)
    # ces 2, 5, 6: mean 13 / 3.
    assert (f.ces.responses, f.ces.mean) == (3, pytest.approx(13 / 3))
    # comments +0.8, −0.6, −0.9, +0.1: mean −0.15, two negative.
    s = f.sentiment
    assert (s.comments, s.negative, s.negative_share) == (4, 2, 0.5)
    assert s.mean == pytest.approx(-0.15)
    assert result.groups == [] and result.trend == [] and result.periods == []


def test_per_touchpoint_and_per_stage(shop: Workspace) -> None:
    by_tp = groups(kpis(shop, KpiQuery(by="touchpoint")))
    assert list(by_tp) == ["shop/search", "shop/product", "shop/checkout"]  # designed order
    checkout = by_tp["shop/checkout"]
    assert checkout.label == "Shop › Checkout"
    # 10, 9, 7, 3: NPS = 100 · (2 − 1) / 4 = 25; var = 0.75 − 0.25² = 0.6875;
    # MoE = 196 · sqrt(0.6875 / 4) = 81.26.
    assert checkout.feedback.nps.score == pytest.approx(25.0)
    assert checkout.feedback.nps.margin_of_error == pytest.approx(81.2573, abs=1e-3)
    assert (checkout.feedback.csat.score, checkout.feedback.ces.mean) == (
        0.0,
        pytest.approx(13 / 3),
    )
    product = by_tp["shop/product"].feedback
    # 0 and 6: all detractors, NPS −100 and, with no spread, no margin.
    assert (product.nps.score, product.nps.margin_of_error) == (-100.0, 0.0)
    assert product.sentiment.mean == pytest.approx(-0.4)  # (−0.9 + 0.1) / 2
    search = by_tp["shop/search"].feedback
    assert search.csat.score == pytest.approx(200 / 3) and search.nps.score is None
    by_stage = groups(kpis(shop, KpiQuery(by="stage")))
    assert list(by_stage) == ["shop/find", "shop/choose", "shop/buy"]
    assert by_stage["shop/buy"].feedback.nps.score == pytest.approx(25.0)
    assert by_stage["shop/buy"].label == "Shop › Buy"


def test_per_journey_and_per_persona(shop: Workspace) -> None:
    by_journey = groups(kpis(shop, KpiQuery(by="journey")))
    assert list(by_journey) == ["shop"] and by_journey["shop"].label == "Shop"
    assert by_journey["shop"].feedback.answers == 13
    by_persona = groups(kpis(shop, KpiQuery(by="persona")))
    # ann (persona), bob (segment trait) and cy (her latest persona): 10, 9, 7.
    assert list(by_persona) == ["bargain-hunter", None]
    hunters = by_persona["bargain-hunter"].feedback.nps
    assert (hunters.responses, hunters.score) == (3, pytest.approx(200 / 3))
    rest = by_persona[None]
    assert rest.label == "(no persona)" and rest.feedback.nps.score == -100.0
    assert rest.tickets.tickets == 3  # dee, eve and fay's; cy's is a bargain hunter's


def test_per_segment_and_within_a_segment(shop: Workspace) -> None:
    save(
        shop.operational,
        SegmentDefinition(name="buyers", conditions=[parse_condition("did checkout")]),
    )
    save(
        shop.operational,
        SegmentDefinition(name="complainers", conditions=[parse_condition("did ticket_opened")]),
    )
    by_segment = groups(kpis(shop, KpiQuery(by="segment")))
    assert list(by_segment) == ["buyers", "complainers"]
    # buyers: ann (10) and dee (3); complainers: cy (7), dee (3), eve (0), fay (6).
    assert by_segment["buyers"].feedback.nps.score == pytest.approx(0.0)
    assert by_segment["complainers"].feedback.nps.score == pytest.approx(-75.0)
    assert by_segment["complainers"].tickets.tickets == 4
    within = kpis(shop, KpiQuery(segment="buyers"))
    assert within.overall.feedback.answers == 6  # ann's three and dee's three
    assert within.overall.feedback.nps.score == pytest.approx(0.0)
    assert within.overall.tickets.tickets == 1  # dee's


def test_a_journey_and_dates_narrow_the_answers(shop: Workspace) -> None:
    week10 = kpis(shop, KpiQuery(date_from=date(2026, 3, 2), date_to=date(2026, 3, 8)))
    assert week10.overall.feedback.nps.score == pytest.approx(200 / 3)  # 10, 9, 7
    assert week10.overall.tickets.tickets == 1  # T-1; T-4 is opened on day 8
    other = kpis(shop, KpiQuery(journey="shop", by="journey"))
    assert other.overall.feedback.answers == 13
    with pytest.raises(JourneyNotFound):
        kpis(shop, KpiQuery(journey="nope"))


# -- trends ------------------------------------------------------------------------------------
def test_a_weekly_trend_overall_and_per_touchpoint(shop: Workspace) -> None:
    result = kpis(shop, KpiQuery(by="touchpoint", grain="week"))
    assert result.periods == ["2026-W10", "2026-W11"]
    overall = result.trend[0]
    assert overall.key == "all"
    w10, w11 = overall.points
    assert w10.period == datetime(2026, 3, 2) and w10.feedback.nps.score == pytest.approx(200 / 3)
    assert w11.feedback.nps.score == pytest.approx(-100.0)  # 3, 0, 6
    assert [p.tickets.tickets for p in overall.points] == [1, 3]
    series = {s.key: s for s in result.trend[1:]}
    search = [p.feedback.csat.score for p in series["shop/search"].points]
    assert search == [pytest.approx(200 / 3), None]  # no csat answer there in W11
    checkout = [p.feedback.nps.score for p in series["shop/checkout"].points]
    assert checkout == [pytest.approx(200 / 3), -100.0]


def test_daily_and_monthly_grains_cover_the_whole_range(shop: Workspace) -> None:
    daily = kpis(shop, KpiQuery(grain="day", date_from=date(2026, 3, 1), date_to=date(2026, 3, 4)))
    assert daily.periods == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    points = daily.trend[0].points
    assert [p.feedback.answers for p in points] == [0, 3, 3, 2]
    assert points[0].feedback.nps.score is None  # an empty day is no data, not a zero
    monthly = kpis(shop, KpiQuery(grain="month"))
    assert monthly.periods == ["2026-03"]
    assert monthly.trend[0].points[0].feedback.answers == 13


# -- tickets -----------------------------------------------------------------------------------
def test_ticket_kpis_overall(shop: Workspace) -> None:
    t = kpis(shop, KpiQuery()).overall.tickets
    assert (t.tickets, t.contacted, t.escalated, t.closed) == (4, 3, 1, 1)
    # response: 3600 s (T-1, given), 6 h = 21600 s (T-2, from the timestamps), 1800 s (T-4).
    assert t.response_median_seconds == 3600 and t.response_mean_seconds == 9000
    # resolved: T-1 at first contact, T-2 not.
    assert (t.resolved, t.first_contact_resolved, t.first_contact_resolution_rate) == (2, 1, 0.5)
    # due: T-1 (met), T-2 (contacted after its SLA), T-3 (SLA passed, never contacted),
    # T-4 (contacted in time, due later): 2 of 4.
    assert (t.sla_due, t.sla_met, t.sla_attainment) == (4, 2, 0.5)


def test_ticket_kpis_per_touchpoint(shop: Workspace) -> None:
    by_tp = groups(kpis(shop, KpiQuery(by="touchpoint")))
    checkout, product = by_tp["shop/checkout"].tickets, by_tp["shop/product"].tickets
    assert (checkout.tickets, checkout.response_median_seconds, checkout.sla_attainment) == (
        2, 2700, 1.0,
    )  # fmt: skip
    assert checkout.first_contact_resolution_rate == 1.0
    assert (product.tickets, product.contacted, product.sla_due, product.sla_met) == (2, 1, 2, 0)
    assert (product.response_median_seconds, product.escalated) == (21600, 1)
    assert by_tp["shop/search"].tickets.tickets == 0


def test_a_ticket_not_yet_due_does_not_count_against_the_sla(ws: Workspace) -> None:
    opened = ticket("ticket_opened", 9, "checkout", T0, iso(T0 + 30 * D))
    journeys_for(ws, {"zoe": [opened], "yan": [("other", T0 + D)]})
    t = kpis(ws, KpiQuery()).overall.tickets
    assert (t.tickets, t.sla_due, t.sla_attainment, t.response_median_seconds) == (1, 0, None, None)


# -- arrow, validation -------------------------------------------------------------------------
def test_the_result_as_arrow(shop: Workspace) -> None:
    result = kpis(shop, KpiQuery(by="touchpoint", grain="week"))
    table = result.to_arrow()
    assert table.column("group").to_pylist() == [
        "all",
        "shop/search",
        "shop/product",
        "shop/checkout",
    ]
    assert table.column("nps").to_pylist()[3] == pytest.approx(25.0)
    assert table.column("sla_attainment").to_pylist()[0] == 0.5
    trend = result.trend_arrow()
    assert trend.num_rows == 4 * 2
    frame = trend.to_pandas()
    w11 = (frame.group == "shop/search") & (frame.period == datetime(2026, 3, 9))
    assert math.isnan(frame.loc[w11, "csat"].iloc[0])


def test_mistakes_are_named_with_their_rule(shop: Workspace) -> None:
    for args, code in [
        ({"by": "colour"}, "unknown_grouping"),
        ({"grain": "hour"}, "unknown_grain"),
        ({"date_from": "2026-13-01"}, "invalid_date"),
        ({"date_from": "2026-03-09", "date_to": "2026-03-01"}, "dates_reversed"),
    ]:
        with pytest.raises(InvalidInput) as info:
            kpi_query(**args)
        assert info.value.details["code"] == code, args
    with pytest.raises(InvalidInput) as info:
        kpis(shop, KpiQuery(grain="day", date_from=date(2024, 1, 1), date_to=date(2026, 1, 1)))
    assert info.value.details["code"] == "too_many_periods"
    with pytest.raises(NotFound, match="no segment named"):
        kpis(shop, KpiQuery(segment="nobody"))


def test_an_empty_log_has_no_figures(ws: Workspace) -> None:
    result = kpis(ws, KpiQuery(by="touchpoint", grain="week"))
    assert result.overall.feedback.answers == 0 and result.overall.feedback.nps.score is None
    assert result.groups == [] and result.periods == [] and result.as_of is None
    assert result.to_arrow().num_rows == 1


# -- invariants and a reference ----------------------------------------------------------------
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_nps_invariants(promoters: int, passives: int, detractors: int) -> None:
    s = nps(promoters, passives, detractors)
    if s.score is None:
        assert promoters + passives + detractors == 0
        return
    assert s.low is not None and s.high is not None and s.margin_of_error is not None
    assert -100 <= s.low <= s.score <= s.high <= 100
    assert s.margin_of_error >= 0
    # The same as the mean of +1 / 0 / −1 and the standard error of that mean.
    n = promoters + passives + detractors
    values = [1] * promoters + [0] * passives + [-1] * detractors
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / n
    assert s.score == pytest.approx(100 * mean, abs=1e-9)
    assert s.margin_of_error == pytest.approx(100 * 1.96 * math.sqrt(variance / n), abs=1e-6)


def test_the_sql_agrees_with_a_python_reference_on_random_answers(ws: Workspace) -> None:
    rng = random.Random(11)
    scales = {"nps": (0, 10), "nps_plus": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    people: dict[str, list[tuple[str, datetime, dict[str, Any]]]] = {}
    given_answers = []
    for i in range(300):
        kind = rng.choice(list(scales))
        score = rng.randint(*scales[kind])
        touchpoint = rng.choice(["search", "product", "checkout"])
        when = T0 + timedelta(hours=rng.randint(0, 24 * 30))
        extra = said(round(rng.uniform(-1, 1), 3), "") if rng.random() < 0.4 else {}
        event = answer(kind, score, touchpoint, when, **extra)
        people.setdefault(f"p{i % 40}", []).append(event)
        given_answers.append(event[2] | {"week": when - timedelta(days=when.weekday())})
    journeys_for(ws, people)
    result = kpis(ws, KpiQuery(by="touchpoint", grain="week"))
    for group in [result.overall, *result.groups]:
        mine = [a for a in given_answers if group.key in ("all", f"shop/{a['touchpoint']}")]
        expected = _reference(mine)
        f = group.feedback
        assert (f.answers, f.nps.responses, f.csat.responses, f.ces.responses) == expected[:4]
        assert f.nps.score == pytest.approx(expected[4])
        assert f.csat.score == pytest.approx(expected[5])
        assert f.ces.mean == pytest.approx(expected[6])
        assert f.sentiment.mean == pytest.approx(expected[7])
    weekly = [p.feedback.answers for p in result.trend[0].points]
    assert sum(weekly) == 300 and len(weekly) == len(result.periods) == 5


def _reference(answers: list[dict[str, Any]]) -> tuple[Any, ...]:
    """answers, the three response counts, NPS, CSAT, CES and sentiment, the plain way."""
    by_kind = {k: [a["score"] for a in answers if a["survey_kind"] in k] for k in _KINDS}
    promoters = sum(s >= 9 for s in by_kind[_KINDS[0]])
    detractors = sum(s <= 6 for s in by_kind[_KINDS[0]])
    n, csat, ces = (len(by_kind[k]) for k in _KINDS)
    comments = [a["sentiment"] for a in answers if a["sentiment"] is not None]
    return (
        len(answers),
        n,
        csat,
        ces,
        100 * (promoters - detractors) / n,
        100 * sum(s >= 4 for s in by_kind[_KINDS[1]]) / csat,
        sum(by_kind[_KINDS[2]]) / ces,
        sum(comments) / len(comments),
    )


_KINDS = (("nps", "nps_plus"), ("csat",), ("ces",))
