"""The compiled analyses stitch customers on hashes in memory: the same customer as the
``stitched_events`` view gives every event, through links, merges and unknown ids."""

from __future__ import annotations

import numpy as np

from journeys.analytics.kernels import stitched_hashes
from journeys.workspace import Workspace

from factories import alias, identify, send, track


def test_hash_stitching_equals_the_view_for_every_event(ws: Workspace) -> None:
    send(
        ws.events,
        track({"anonymousId": "dev-a"}, "page_viewed", 0),  # later linked to ann
        identify("ann", 1, anon="dev-a", email="ann@example.com"),
        track({"userId": "ann", "anonymousId": "dev-b"}, "order_completed", 2),
        track({"anonymousId": "dev-b"}, "page_viewed", 3),  # dev-b linked through ann
        track({"anonymousId": "dev-c"}, "page_viewed", 4),  # never linked
        identify("bob", 5, email="ann@example.com"),  # the same e-mail as ann's
        track({"userId": "bob"}, "page_viewed", 6),
        track({"userId": "carl"}, "page_viewed", 7),  # a user id with no identify
        alias("dev-d", "dora", 8, "alias-dora"),
        track({"anonymousId": "dev-d"}, "page_viewed", 9),
    )
    con = ws.events.fresh_reader()
    view = con.execute("SELECT hash(customer_id) FROM stitched_events ORDER BY seq").fetchnumpy()
    rows = con.execute(
        "SELECT hash(user_id) AS hu, hash(anonymous_id) AS ha, user_id IS NULL AS n "
        "FROM events ORDER BY seq"
    ).fetchnumpy()
    ours = stitched_hashes(con, rows["hu"], rows["ha"], rows["n"])
    expected = np.asarray(next(iter(view.values())), np.uint64)
    assert ours.tolist() == expected.tolist()
    customers = con.execute("SELECT count(DISTINCT customer_id) FROM stitched_events").fetchone()
    assert customers is not None and len(set(ours.tolist())) == customers[0]
