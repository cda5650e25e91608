"""Rich renderings of domain objects for the CLI."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from journeys.events.profiles import CustomerProfile


def print_profile(console: Console, p: CustomerProfile) -> None:
    """A customer's profile: ids, traits, channels and the newest timeline events."""
    kind = "known customer" if p.known else "anonymous visitor"
    console.print(
        f"[bold]{p.customer_id}[/bold] ({kind}), {p.event_count} events, "
        f"first seen {p.first_seen:%Y-%m-%d %H:%M}, last seen {p.last_seen:%Y-%m-%d %H:%M}",
        highlight=False,
    )
    ids = Table("id type", "values", title="Identities", title_justify="left")
    ids.add_row("user ids", ", ".join(p.user_ids))
    ids.add_row("anonymous ids", ", ".join(p.anonymous_ids))
    for id_type, values in p.external_ids.items():
        ids.add_row(id_type, ", ".join(values))
    console.print(ids)
    if p.traits:
        traits = Table("trait", "value", title="Traits", title_justify="left")
        for name, value in p.traits.items():
            traits.add_row(name, json.dumps(value, ensure_ascii=False))
        console.print(traits)
    channels = Table("channel", "events", "last seen", title="Channels", title_justify="left")
    for c in p.channels:
        channels.add_row(c.channel, str(c.events), f"{c.last_seen:%Y-%m-%d %H:%M}")
    console.print(channels)
    timeline = Table(
        "when",
        "channel",
        "type",
        "event",
        "properties",
        title="Timeline (newest first)",
        title_justify="left",
    )
    for e in p.timeline:
        props = json.dumps(e.properties, ensure_ascii=False)
        timeline.add_row(
            f"{e.timestamp:%Y-%m-%d %H:%M}",
            e.channel or "",
            e.type,
            e.event,
            props[:60] + ("…" if len(props) > 60 else ""),
        )
    console.print(timeline)
    for conflict in p.conflicts:
        console.print(
            f"[yellow]conflict[/yellow]: anonymous id {conflict.anonymous_id} stays with "
            f"{conflict.linked_user}; also claimed by {conflict.claimed_by}",
            highlight=False,
        )
