"""Identity stitching: retroactive links, merges and unmerges, conflicts, replay equivalence."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.errors import CustomerNotFound, MergeNotFound
from journeys.events.identity import IdentityConsumer, conflicts, merges, unmerge
from journeys.events.profiles import ProfileConsumer, customer_profile, resolve_customer
from journeys.store.eventlog import EventLog

from factories import alias, identify, send, track


@pytest.fixture
def log(tmp_path: Path):
    with EventLog(tmp_path / "e.duckdb", consumers=[IdentityConsumer(), ProfileConsumer()]) as log:
        yield log


def customers(log: EventLog) -> dict[str, int]:
    """Events per stitched customer."""
    sql = "SELECT customer_id, count(*) FROM stitched_events GROUP BY 1"
    return dict(log.reader().execute(sql).fetchall())


def test_anonymous_events_belong_to_the_customer_once_identified(log: EventLog) -> None:
    send(log, track({"anonymousId": "phone-1"}, "product_viewed", 0))
    send(log, track({"anonymousId": "phone-1"}, "cart_added", 1))
    assert customers(log) == {"phone-1": 2}  # an anonymous visitor so far
    send(log, identify("alice", 5, anon="phone-1", email="alice@example.com"))
    assert customers(log) == {"alice": 3}  # earlier anonymous events are hers now


def test_one_customer_has_many_devices_and_external_ids(log: EventLog) -> None:
    send(
        log,
        track({"anonymousId": "laptop"}, "page_viewed", 0),
        track({"anonymousId": "phone"}, "page_viewed", 1),
        identify("alice", 2, anon="laptop", email="Alice@Example.com", phone="+31612345678"),
        identify("alice", 3, anon="phone", crm_id="CRM-9"),
    )
    for any_id in ("alice", "laptop", "phone", "alice@example.com", "+31612345678", "CRM-9"):
        assert resolve_customer(log.reader(), any_id) == ("alice", True)
    profile = customer_profile(log.reader(), "phone")
    assert profile.anonymous_ids == ["laptop", "phone"]
    assert profile.external_ids == {
        "crm_id": ["CRM-9"],
        "email": ["alice@example.com"],
        "phone": ["+31612345678"],
    }


def test_an_anonymous_id_is_never_moved_between_known_customers(log: EventLog) -> None:
    send(
        log,
        track({"anonymousId": "family-tablet"}, "page_viewed", 0),
        identify("alice", 1, anon="family-tablet"),
        identify("bob", 10, anon="family-tablet"),
        track({"anonymousId": "family-tablet"}, "page_viewed", 11),
    )
    assert customers(log) == {"alice": 3, "bob": 1}
    [conflict] = conflicts(log.reader())
    assert (conflict.anonymous_id, conflict.linked_user, conflict.claimed_by) == (
        "family-tablet",
        "alice",
        "bob",
    )
    assert customer_profile(log.reader(), "bob").conflicts == [conflict]


def test_alias_of_an_anonymous_id_links_it(log: EventLog) -> None:
    send(log, track({"anonymousId": "cookie-7"}, "page_viewed", 0))
    send(log, alias("cookie-7", "carol", 1, "a-1"))
    assert customers(log) == {"carol": 2}
    assert merges(log.reader()) == []


def test_merging_two_known_customers_is_recorded_and_reversible(log: EventLog) -> None:
    send(
        log,
        track({"userId": "crm-42"}, "call_started", 0, channel="phone"),
        identify("crm-42", 0, phone="+3120555"),
        track({"userId": "web-7"}, "page_viewed", 5),
        alias("crm-42", "web-7", 6, "merge-1"),
    )
    assert customers(log) == {"web-7": 4}
    assert resolve_customer(log.reader(), "+3120555") == ("web-7", True)
    [merge] = merges(log.reader())
    assert (merge.from_user, merge.into_user, merge.reverted) == ("crm-42", "web-7", False)

    undone = unmerge(log, "merge-1", reason="two different people")
    assert undone.reverted
    assert customers(log) == {"crm-42": 2, "web-7": 2}
    assert resolve_customer(log.reader(), "+3120555") == ("crm-42", True)
    # Later events keep the decision: the unmerge survives further commits and rebuilds.
    send(log, track({"userId": "crm-42"}, "call_started", 30))
    log.rebuild("identity")
    assert customers(log) == {"crm-42": 3, "web-7": 2}


def test_merges_chain_and_an_inner_unmerge_keeps_the_rest(log: EventLog) -> None:
    send(
        log,
        track({"userId": "a"}, "x", 0),
        track({"userId": "b"}, "x", 1),
        track({"userId": "c"}, "x", 2),
        alias("a", "b", 3, "m-ab"),
        alias("b", "c", 4, "m-bc"),
    )
    assert customers(log) == {"c": 5}
    unmerge(log, "m-ab")
    assert customers(log) == {"a": 1, "c": 4}


def test_unknown_merge_and_customer_are_clear_errors(log: EventLog) -> None:
    with pytest.raises(MergeNotFound, match="no merge with id 'nope'"):
        unmerge(log, "nope")
    with pytest.raises(CustomerNotFound, match="'ghost'"):
        resolve_customer(log.reader(), "ghost")


def test_traits_latest_value_wins_by_timestamp_and_history_is_kept(log: EventLog) -> None:
    send(log, identify("dave", 10, plan="pro", city="Utrecht"))
    send(log, identify("dave", 5, plan="free"))  # arrives late, but happened earlier
    profile = customer_profile(log.reader(), "dave")
    assert profile.traits == {"city": "Utrecht", "plan": "pro"}
    assert [(c.trait, c.value) for c in profile.trait_history if c.trait == "plan"] == [
        ("plan", "free"),
        ("plan", "pro"),
    ]


# --- replay equivalence ------------------------------------------------------------------
USERS = st.sampled_from(["u1", "u2", "u3", "u4"])
ANONS = st.sampled_from(["d1", "d2", "d3", "d4", "d5"])


@st.composite
def identity_messages(draw: st.DrawFn) -> list[dict]:
    messages = []
    for i in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["anon", "user", "identify", "alias_anon", "alias_user"]))
        minute = draw(st.integers(0, 100))
        if kind == "anon":
            messages.append(track({"anonymousId": draw(ANONS)}, "e", minute))
        elif kind == "user":
            messages.append(track({"userId": draw(USERS)}, "e", minute))
        elif kind == "identify":
            messages.append(identify(draw(USERS), minute, anon=draw(ANONS), email=draw(USERS)))
        elif kind == "alias_anon":
            messages.append(alias(draw(ANONS), draw(USERS), minute, f"m{i}"))
        else:
            messages.append(alias(draw(USERS), draw(USERS), minute, f"m{i}"))
    return messages


SNAPSHOT = (
    "SELECT customer_id, seq FROM stitched_events ORDER BY seq",
    "SELECT * FROM identity_links ORDER BY ALL",
    "SELECT * FROM identity_merges ORDER BY ALL",
    "SELECT * FROM identity_conflicts ORDER BY ALL",
    "SELECT * FROM external_ids ORDER BY ALL",
    "SELECT * FROM identity_users ORDER BY ALL",
    "SELECT * FROM trait_history ORDER BY ALL",
)


def snapshot(log: EventLog) -> list[list[tuple]]:
    con = log.reader()
    return [con.execute(sql).fetchall() for sql in SNAPSHOT]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(messages=identity_messages(), cuts=st.lists(st.integers(0, 25), max_size=4))
def test_incremental_stitching_equals_a_rebuild_by_replay(
    tmp_path_factory: pytest.TempPathFactory, messages: list[dict], cuts: list[int]
) -> None:
    path = tmp_path_factory.mktemp("replay") / "e.duckdb"
    with EventLog(path, consumers=[IdentityConsumer(), ProfileConsumer()]) as log:
        bounds = sorted({0, len(messages), *(c for c in cuts if c < len(messages))})
        for lo, hi in itertools.pairwise(bounds):
            send(log, *messages[lo:hi])  # the consumers run after each commit
        incremental = snapshot(log)
        log.rebuild("identity")
        log.rebuild("profiles")
        assert snapshot(log) == incremental


def test_a_conflict_keeps_the_time_of_its_first_event_whatever_the_batches(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Found by the replay property: the second claim arrives again later, stamped earlier.
    messages = [
        identify("alice", 0, anon="tablet"),
        identify("bob", 5, anon="tablet"),
        identify("bob", 1, anon="tablet"),
    ]
    snapshots = []
    for batches in ([messages], [messages[:2], messages[2:]]):
        with EventLog(
            tmp_path_factory.mktemp("c") / "e.duckdb",
            consumers=[IdentityConsumer(), ProfileConsumer()],
        ) as log:
            for batch in batches:
                send(log, *batch)
            snapshots.append(snapshot(log))
    assert snapshots[0] == snapshots[1]
    [conflict] = snapshots[0][3]
    assert conflict[4].minute == 5  # the claim at seq 2, not the earlier stamp at seq 3
