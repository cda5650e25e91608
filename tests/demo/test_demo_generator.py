"""The demo generator: reproducible, the right shape, and behaving like real customers."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pyarrow as pa
import pytest

from journeys.demo.generator import WINDOW_DAYS, generate
from journeys.demo.walk import Sink
from journeys.maps.model import Journey
from journeys.store.schema import INCOMING_SCHEMA

from demo_events import Events, as_event

OFFLINE = {"phone", "store", "in_person", "video"}


# -- shape and reproducibility ----------------------------------------------------------------


def test_schema_is_the_incoming_schema(small: Events) -> None:
    assert small.table.schema.equals(INCOMING_SCHEMA)


def test_same_seed_gives_the_same_table_byte_for_byte(examples: list[Journey]) -> None:
    a = generate(examples, customers=120, seed=7)
    b = generate(examples, customers=120, seed=7)
    assert a.equals(b)
    assert _ipc_bytes(a) == _ipc_bytes(b)


def test_another_seed_gives_other_data(examples: list[Journey]) -> None:
    a = generate(examples, customers=120, seed=7)
    b = generate(examples, customers=120, seed=8)
    assert not a.equals(b)
    assert not set(a.column("message_id").to_pylist()) & set(b.column("message_id").to_pylist())


def test_message_ids_are_unique(large: Events) -> None:
    ids = large.table.column("message_id").to_pylist()
    assert len(set(ids)) == len(ids)


def test_size_scales_with_customers(examples: list[Journey]) -> None:
    few = generate(examples, customers=100, seed=3).num_rows
    many = generate(examples, customers=400, seed=3).num_rows
    assert 3.0 < many / few < 5.3
    assert 35 < many / 400 < 70  # about 50 events per customer


def test_no_customers_or_journeys_give_an_empty_table(examples: list[Journey]) -> None:
    assert generate(examples, customers=0).num_rows == 0
    empty = generate([], customers=10)
    assert empty.num_rows == 0 and empty.schema.equals(INCOMING_SCHEMA)


def test_timestamps_lie_in_the_window_before_end(examples: list[Journey]) -> None:
    end = datetime(2026, 3, 1)
    table = generate(examples, customers=150, seed=5, end=end)
    stamps = table.column("timestamp").to_pylist()
    assert min(stamps) >= end - timedelta(days=WINDOW_DAYS)
    assert max(stamps) < end
    assert stamps == sorted(stamps)


def test_offline_contacts_happen_in_opening_hours(large: Events) -> None:
    # Opening hours are local (Europe/Amsterdam, UTC+2 in the default summer window).
    hours = Counter(
        (r["timestamp"] + timedelta(hours=2)).hour
        for r in large.rows
        if r["channel"] in ("phone", "store")
    )
    assert hours and min(hours) >= 8 and max(hours) <= 21


# -- touchpoints --------------------------------------------------------------------------------


def test_every_touchpoint_event_satisfies_its_matcher(
    examples: list[Journey], large_sink: Sink
) -> None:
    touchpoints = {(j.id, tp.id): tp for j in examples for _, tp in j.touchpoints()}
    seen = set()
    for row_index, journey_id, tp_id in large_sink.tags:
        row = large_sink.rows[row_index]
        event = {
            "type": row[2],
            "event": row[3],
            "channel": row[6],
            "properties": json.loads(row[7] or "{}"),
            "context": json.loads(row[8] or "{}"),
        }
        matcher = touchpoints[(journey_id, tp_id)].match
        assert matcher is not None and matcher.matches(event), (tp_id, event)
        seen.add((journey_id, tp_id))
    assert set(touchpoints) == seen


def test_every_touchpoint_is_reached_in_the_table(examples: list[Journey], large: Events) -> None:
    by_event = defaultdict(list)
    for r in large.rows:
        by_event[r["event"]].append(r)
    unreached = [
        (j.id, tp.id)
        for j in examples
        for _, tp in j.touchpoints()
        if tp.match is not None
        and not any(tp.match.matches(as_event(r)) for r in by_event[tp.match.event])
    ]
    assert unreached == []


def test_most_events_match_no_designed_touchpoint(examples: list[Journey], small: Events) -> None:
    by_event = defaultdict(list)
    for j in examples:
        for _, tp in j.touchpoints():
            if tp.match is not None:
                by_event[tp.match.event].append(tp.match)
    unmatched = [
        r
        for r in small.rows
        if not any(m.matches(as_event(r)) for m in by_event.get(r["event"], []))
    ]
    assert len(unmatched) > len(small.rows) / 2
    names = {r["event"] for r in unmatched}
    assert {"site_searched", "page_scrolled", "app_opened", "help_article"} <= names


def test_a_generic_journey_works_with_every_operator() -> None:
    journey = Journey.model_validate(
        {
            "id": "generic",
            "name": "Generic",
            "stages": [
                {
                    "id": "one",
                    "name": "One",
                    "touchpoints": [
                        {
                            "id": "a",
                            "name": "A",
                            "channel": "web",
                            "online": True,
                            "match": {
                                "event": "thing_done",
                                "where": [
                                    "plan.name = 'gold'",
                                    "amount > 10",
                                    "score <= 3",
                                    "ratio < 0.5",
                                    "tier in ['x', 'y']",
                                    "code starts_with 'Q-'",
                                    "note contains 'ok'",
                                    "ref exists",
                                    "kind != 'bad'",
                                    "context.campaign.source = 'mail'",
                                ],
                            },
                        },
                        {
                            "id": "b",
                            "name": "B",
                            "channel": "phone",
                            "online": False,
                            "match": {"event": "call_made", "channel": "phone"},
                        },
                    ],
                },
                {
                    "id": "two",
                    "name": "Two",
                    "touchpoints": [
                        {
                            "id": "c",
                            "name": "C",
                            "channel": "app",
                            "online": True,
                            "match": {"event": "opened", "type": "screen"},
                        },
                    ],
                },
            ],
        }
    )
    table = generate([journey], customers=150, seed=1)
    rows = [as_event(r) for r in table.to_pylist()]
    for _, tp in journey.touchpoints():
        assert tp.match is not None
        hits = [r for r in rows if r["event"] == tp.match.event]
        assert hits and all(tp.match.matches(r) for r in hits), tp.id


# -- behaviour ------------------------------------------------------------------------------


def test_anonymous_browsing_comes_before_login(small: Events) -> None:
    first_seen: dict[str, datetime] = {}
    identified_at: dict[str, datetime] = {}
    for r in small.rows:
        anon = r["anonymous_id"]
        if anon is None:
            continue
        first_seen.setdefault(anon, r["timestamp"])
        if r["type"] == "identify":
            identified_at.setdefault(anon, r["timestamp"])
        elif anon not in identified_at:
            assert r["user_id"] is None  # before the login the device is anonymous
    before = [a for a, t in identified_at.items() if first_seen[a] < t]
    assert len(before) > 10
    never = set(first_seen) - set(identified_at)
    assert len(never) > len(identified_at) / 4  # plenty of visitors never log in


def test_some_customers_use_several_devices(small: Events) -> None:
    devices: dict[str, set[str]] = defaultdict(set)
    for r in small.rows:
        if r["type"] == "identify" and r["anonymous_id"]:
            devices[r["user_id"]].add(r["anonymous_id"])
    assert sum(1 for d in devices.values() if len(d) > 1) >= 5


def test_customers_switch_between_online_and_offline_channels(small: Events) -> None:
    switchers = 0
    for events in small.by_customer().values():
        channels = [r["channel"] for r in events]
        online = [i for i, c in enumerate(channels) if c in ("web", "app")]
        offline = [i for i, c in enumerate(channels) if c in OFFLINE]
        switchers += bool(online and offline and online[0] < offline[-1])
    assert switchers >= 10
    offline_rows = [r for r in small.rows if r["channel"] in OFFLINE]
    assert offline_rows and all(r["user_id"] and not r["anonymous_id"] for r in offline_rows)


def test_stage_reach_falls_from_stage_to_stage(examples: list[Journey], large: Events) -> None:
    keys = large.resolved()
    for journey in examples:
        by_event = defaultdict(list)
        for stage, tp in journey.touchpoints():
            if tp.match is not None:
                by_event[tp.match.event].append((stage.id, tp.match))
        reach: dict[str, set[str]] = defaultdict(set)
        for i, r in enumerate(large.rows):
            candidates = by_event.get(r["event"])
            if candidates:
                event = as_event(r)
                for stage_id, matcher in candidates:
                    if matcher.matches(event):
                        reach[stage_id].add(keys[i])
        counts = [len(reach[s.id]) for s in journey.stages]
        rises = sum(1 for a, b in pairwise(counts) if b > a)
        assert rises <= 1, (journey.id, counts)
        assert counts[0] > 3 * counts[-1] > 0, (journey.id, counts)


def test_drop_off_concentrates_at_the_hotspots(large_sink: Sink) -> None:
    # Share of visitors of a touchpoint who never reach a later touchpoint of the journey is
    # what the pain-point finder ranks; here: the designed hotspots are used far more than
    # the touchpoints after them.
    used = Counter((j, tp) for _, j, tp in large_sink.tags)
    assert used[("bank-mortgage", "eligibility-check")] > 2 * used[("bank-mortgage", "advice-call")]
    assert used[("fashion", "checkout-delivery")] > 1.5 * used[("fashion", "order-placed")]
    assert used[("home-cleaning", "slot-picker")] > 2 * used[("home-cleaning", "online-booking")]


def test_aliases_and_shared_devices_exist(large: Events) -> None:
    aliases = [r for r in large.rows if r["type"] == "alias"]
    assert aliases and all(r["previous_id"].startswith("CRM-") for r in aliases)
    # The CRM id was used on its own before the alias linked it to the web login.
    crm_ids = {r["previous_id"] for r in aliases}
    assert any(r["user_id"] in crm_ids and r["type"] != "alias" for r in large.rows)
    users_per_device: dict[str, set[str]] = defaultdict(set)
    for r in large.rows:
        if r["type"] == "identify" and r["anonymous_id"]:
            users_per_device[r["anonymous_id"]].add(r["user_id"])
    assert sum(1 for u in users_per_device.values() if len(u) > 1) >= 2


def test_repeat_purchases_and_rebookings_happen(large: Events) -> None:
    orders = Counter(
        k
        for k, r in zip(large.resolved().values(), large.rows, strict=True)
        if r["event"] in ("order_completed", "pos_transaction")
    )
    assert any(n > 1 for n in orders.values())
    rebooked = [
        r
        for r in large.rows
        if r["event"] == "booking_confirmed" and json.loads(r["properties"])["repeat"]
    ]
    assert rebooked


def test_identify_carries_the_traits(small: Events) -> None:
    identifies = [r for r in small.rows if r["type"] == "identify"]
    assert identifies
    emails: dict[str, str] = {}
    for r in identifies:
        traits = json.loads(r["traits"])
        assert {"name", "email", "phone", "crm_id", "city", "segment"} <= traits.keys()
        emails.setdefault(traits["email"], traits["crm_id"])
        assert emails[traits["email"]] == traits["crm_id"]  # one e-mail address per person


@pytest.mark.parametrize("column", ["properties", "context"])
def test_json_columns_are_valid_json(small: Events, column: str) -> None:
    for value in small.table.column(column).to_pylist():
        if value is not None:
            assert isinstance(json.loads(value), dict)


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())
