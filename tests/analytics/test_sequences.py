"""The customer sequences kept in memory answer funnels and the directly-follows graph as the
SQL plans do, and follow the log: appended events, identity links and merges, erasure."""

from __future__ import annotations

import html
import random
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from journeys.analytics import sequences
from journeys.analytics.common import Engine
from journeys.analytics.dfg import DfgQuery
from journeys.analytics.dfg.runner import run_dfg
from journeys.analytics.funnels import FunnelQuery, funnel
from journeys.events.identity import merges, unmerge
from journeys.privacy.erase import erase_customer
from journeys.workspace import Workspace

from factories import alias, identify, send, track

SHOP = """\
id: shop
name: Shop
stages:
  - id: find
    name: Find
    touchpoints:
      - {id: a-web, name: A on the web, channel: web, online: true, match: {event: a, channel: web}}
      - {id: a-any, name: A elsewhere, channel: app, online: true, match: {event: a}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: b, name: B, channel: web, online: true, match: {event: b, type: track}}
      - {id: c, name: C, channel: app, online: true, match: {event: c, channel: app}}
"""
FILTERED = """\
id: filtered
name: Filtered
stages:
  - id: only
    name: Only
    touchpoints:
      - {id: a, name: A, channel: web, online: true, match: {event: a}}
      - {id: b-x, name: B of plan x, channel: web, online: true,
         match: {event: b, where: ["plan = 'x'"]}}
"""
FUNNELS: list[dict[str, Any]] = [
    {"steps": ["a", "b", "c"], "window": "2h"},
    {"steps": ["a", "b", "c"], "window": "40m", "order": "strict"},
    {"steps": ["a", "c", "b"], "window": "3h", "order": "any"},
    {"steps": ["a", "b", "c"], "window": "2h", "exclude": ["d between 1 and 2"]},
    {"steps": ["b", "a", "b"], "window": "1h", "order": "strict", "exclude": ["c between 2 and 3"]},
    {"steps": ["a", "b"], "window": "1d", "date_from": "2026-03-02", "date_to": "2026-03-02"},
    {"steps": ["a", "never", "b"], "window": "1d"},
    {"steps": ["touchpoint shop/a-web", "touchpoint shop/b", "c"], "window": "2h"},
    {"steps": ["touchpoint shop/a-any", "touchpoint shop/c"], "window": "1h", "order": "strict"},
    {"steps": ["a", "b"], "window": "3h", "exclude": ["touchpoint shop/c between 1 and 2"]},
]


def random_log(ws: Workspace, seed: int, people: int = 30) -> None:
    """Visitors on devices, some of whom log in (linking the device) and some merged by an
    alias, events at random minutes with ties, sent out of time order; and two journeys."""
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    (ws.journeys_dir / "filtered.yaml").write_text(FILTERED)
    rng = random.Random(seed)
    messages = []
    for p in range(people):
        device = {"anonymousId": f"dev-{seed}-{p}"}
        user = {"userId": f"user-{seed}-{p}", **device}
        for _ in range(rng.randint(1, 12)):
            who = rng.choice([device, user, {"userId": f"user-{seed}-{p}"}])
            minute = rng.choice([0, 5, 5, 30, 61, 90, 200, 1500, 1500, 3000]) + rng.randint(0, 3)
            channel = rng.choice([{"channel": "web"}, {"channel": "app"}, {}])
            messages.append(track(who, rng.choice("aabbccd"), minute, **channel))
        if rng.random() < 0.5:
            login = identify(f"user-{seed}-{p}", rng.randint(0, 100), anon=device["anonymousId"])
            messages.append(login)
        if p and rng.random() < 0.2:
            messages.append(alias(f"user-{seed}-{p - 1}", f"user-{seed}-{p}", 50, f"al-{seed}-{p}"))
    rng.shuffle(messages)
    send(ws.events, *messages)


def answers(ws: Workspace, engine: Engine) -> tuple[list[Any], list[Any]]:
    funnels = [
        [(s.customers, s.avg_seconds_to_convert, s.median_seconds_to_convert) for s in result.steps]
        for result in (funnel(ws, FunnelQuery.build(**f), engine) for f in FUNNELS)
    ]
    con = ws.events.fresh_reader()
    day = date(2026, 3, 3)
    shop = ws.journey("shop")
    graphs = [
        run_dfg(con, q, journey, engine=engine).model_dump()
        for q, journey in (
            (DfgQuery(), None),
            (DfgQuery(from_date=day, to_date=day), None),
            (DfgQuery(journey="shop"), shop),
            (DfgQuery(journey="shop", from_date=day, to_date=day), shop),
        )
    ]
    return funnels, graphs


def refreshed(ws: Workspace) -> str:
    return sequences.last_refresh[str(ws.events.path)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sequences_answer_as_the_sql_on_random_logs(ws: Workspace, seed: int) -> None:
    random_log(ws, seed)
    expected = answers(ws, "sql")
    assert answers(ws, "kernel") == expected
    assert refreshed(ws) == "kept"  # the second and later questions read nothing anew
    funnels, graphs = expected
    assert all(g["edges"] for g in graphs) and graphs[2]["unmapped"]
    assert all(any(c for c, _, _ in f) for f in funnels if f != funnels[6])


def test_the_sequences_follow_appended_events_and_identity_changes(ws: Workspace) -> None:
    random_log(ws, 7)
    answers(ws, "kernel")
    send(
        ws.events,
        track({"anonymousId": "late-device"}, "a", 10),
        track({"anonymousId": "late-device"}, "b", 20),
        track({"userId": "user-7-0"}, "c", 30),
    )
    assert answers(ws, "kernel") == answers(ws, "sql")
    assert refreshed(ws) == "kept"
    before = answers(ws, "sql")
    # A login links the late device to user-7-0: its a and b join that customer's c.
    send(ws.events, identify("user-7-0", 40, anon="late-device"))
    after = answers(ws, "kernel")
    assert after == answers(ws, "sql") and after != before
    send(ws.events, track({"userId": "user-7-1"}, "a", 45))
    funnel(ws, FunnelQuery.build(steps=["a", "b"]), "kernel")
    assert refreshed(ws) == "appended"


def test_an_erasure_reads_the_log_anew(ws: Workspace) -> None:
    random_log(ws, 11)
    answers(ws, "kernel")
    erase_customer(ws, "user-11-3", "request")
    assert str(ws.events.path) not in sequences.last_refresh  # dropped from memory at once
    funnel(ws, FunnelQuery.build(steps=["a", "b"]), "kernel")
    assert refreshed(ws) == "read"
    assert answers(ws, "kernel") == answers(ws, "sql")


def test_queries_the_sequences_cannot_answer_take_the_other_paths(ws: Workspace) -> None:
    random_log(ws, 13)
    sequences.forget()
    for options in (
        {"steps": ["a", "b"], "breakdown": "plan"},
        {"steps": ["a where plan = 'x'", "b"]},
        {"steps": ["a", "touchpoint filtered/b-x"]},
        {"steps": ["a", "b"], "dropped_at": 2},
    ):
        got = funnel(ws, FunnelQuery.build(**options), "kernel")
        assert got.model_dump() == funnel(ws, FunnelQuery.build(**options), "sql").model_dump()
    con, filtered = ws.events.fresh_reader(), ws.journey("filtered")
    graph = run_dfg(con, DfgQuery(journey="filtered"), filtered, engine="kernel")
    assert graph == run_dfg(con, DfgQuery(journey="filtered"), filtered, engine="sql")
    assert str(ws.events.path) not in sequences.last_refresh  # none of them read the sequences


def test_a_new_log_at_the_same_path_is_never_taken_for_the_old(tmp_path: Path) -> None:
    # Two logs alike in every count (events, seq, identities) but not in their events.
    answers_by_log = []
    for event in ("a", "b"):
        ws = Workspace.init(tmp_path / "ws")
        send(ws.events, track({"userId": "u1"}, event, 0), track({"userId": "u1"}, "c", 5))
        result = funnel(ws, FunnelQuery.build(steps=["a", "c"]), "kernel")
        answers_by_log.append([s.customers for s in result.steps])
        ws.close()
        shutil.rmtree(tmp_path / "ws")
    assert answers_by_log == [[1, 1], [0, 0]]


def test_the_server_s_refresh_keeps_the_sequences_current(ws: Workspace) -> None:
    random_log(ws, 17)
    assert sequences.keep(ws) is None  # under a million events the analyses use SQL
    assert sequences.keep(ws, least=1) == "read"
    send(ws.events, track({"userId": "user-17-2"}, "b", 4000))
    assert sequences.keep(ws, least=1) == "appended"
    assert sequences.keep(ws, least=1) == "kept"
    funnel(ws, FunnelQuery.build(steps=["a", "b"]), "kernel")
    assert refreshed(ws) == "kept"  # the question found them current


def test_past_the_size_limit_nothing_is_kept_and_the_answers_stay(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    random_log(ws, 19)
    expected = answers(ws, "sql")
    monkeypatch.setenv("JOURNEYS_SEQUENCES_MAX_EVENTS", "10")
    assert answers(ws, "kernel") == expected
    assert refreshed(ws) == "too many events"
    assert sequences.keep(ws, least=1) is None


def test_combinations_coded_by_hash_or_by_their_strings_agree(ws: Workspace) -> None:
    # The strings are the way out when two combinations share a 64-bit hash.
    random_log(ws, 23)
    con = ws.events.fresh_reader()
    for after in (0, 40):
        rows = sequences._fetch(con, after)
        assert rows is not None
        by_hash = sequences._combos(con, rows, after)
        seq = rows.column("seq").to_numpy()
        by_strings = sequences.combos_from_strings(con, after, seq[::-1].copy())
        by_strings = (by_strings[0][::-1], by_strings[1])  # any order of rows is matched
        assert len(by_hash[1]) == len(set(by_hash[1])) > 3
        assert [by_hash[1][c] for c in by_hash[0]] == [by_strings[1][c] for c in by_strings[0]]


def test_the_analyse_page_says_what_is_kept(ws: Workspace, api: httpx.Client) -> None:
    random_log(ws, 29)
    page = html.unescape(api.get("/analyse").text)
    assert "Analyses run on DuckDB, on the workspace's event log." in page
    assert sequences.keep(ws, least=1) == "read"
    con = ws.events.fresh_reader()
    found = con.execute(
        "SELECT count(DISTINCT customer_id), count(*) FROM stitched_events"
    ).fetchone()
    assert found is not None
    customers, events = found
    page = html.unescape(api.get("/analyse").text)
    assert f"(customer sequences of {customers:,} customers and {events:,} events kept in " in page


def test_an_unmerge_only_regroups_the_kept_rows(ws: Workspace) -> None:
    random_log(ws, 31)
    merged = answers(ws, "kernel")
    found = merges(ws.events.reader())
    assert found, "the log has an alias to undo"
    for merge in found:
        unmerge(ws.events, merge.merge_id, "two people")
    funnel(ws, FunnelQuery.build(steps=["a", "b"]), "kernel")
    assert refreshed(ws) == "regrouped"  # no event changed: the log is not read again
    apart = answers(ws, "kernel")
    assert apart == answers(ws, "sql") and apart != merged
