"""The shape of a demo domain and the makers shared by all of them."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

# Per customer and journey: what they looked at, their cart, their loan… so that the
# properties of successive events tell one consistent story.
State = dict[str, Any]
Extra = Callable[[Random, State], dict[str, Any]]
TraitMaker = Callable[[Random, str | None], dict[str, Any]]


@dataclass(frozen=True)
class Domain:
    """Everything the generator needs to know about one kind of business."""

    brand: str
    host: str
    # (page name, path, title) of pages no touchpoint is designed for.
    pages: Sequence[tuple[str, str, str]]
    searches: Sequence[str]
    # (screen name, properties) of app screens besides the designed ones.
    screens: Sequence[tuple[str, Mapping[str, Any]]]
    # Topics of support chats that are not part of the designed journey.
    chat_topics: Sequence[str]
    # Words used to complete ``starts_with`` filters (``/lookbook/`` + word).
    words: Sequence[str]
    extras: Mapping[str, Extra] = field(default_factory=dict)
    traits: TraitMaker | None = None


def pick(rng: Random, items: Sequence[Any]) -> Any:
    """One item, chosen with the generator's RNG."""
    return items[int(rng.random() * len(items))]


def weighted(rng: Random, cum_weights: Sequence[float]) -> int:
    """The index of an item drawn by cumulative weights (a cheaper ``rng.choices``)."""
    return bisect.bisect_right(cum_weights, rng.random() * cum_weights[-1])


def digits(rng: Random, n: int) -> str:
    """``n`` random digits as text, keeping leading zeros."""
    return str(int(rng.random() * 10**n)).zfill(n)


def email_extra(rng: Random, state: State) -> dict[str, Any]:
    """What an e-mail service provider reports on an open or click."""
    return {"email_id": f"em-{digits(rng, 9)}", "mailbox_provider": pick(rng, _MAILBOXES)}


def sms_extra(rng: Random, state: State) -> dict[str, Any]:
    """What an SMS gateway reports on delivery."""
    return {"message_id_provider": f"sms-{digits(rng, 10)}", "segments": 1}


def call_extra(rng: Random, state: State) -> dict[str, Any]:
    """A call as the telephony platform logs it; waits are long-tailed."""
    wait = int(rng.expovariate(1 / 240)) + 5
    state["last_wait"] = wait
    return {"call_id": f"call-{digits(rng, 9)}", "wait_seconds": wait, "ivr_path": "1-2"}


def chat_extra(rng: Random, state: State) -> dict[str, Any]:
    """A chat conversation as the chat tool logs it."""
    return {"conversation_id": f"chat-{digits(rng, 8)}", "started_by": "customer"}


COMMON_EXTRAS: dict[str, Extra] = {
    "email_opened": email_extra,
    "email_clicked": email_extra,
    "sms_delivered": sms_extra,
    "call_started": call_extra,
    "chat_started": chat_extra,
}

_MAILBOXES = ("gmail", "outlook", "icloud", "ziggo", "kpnmail", "yahoo")
