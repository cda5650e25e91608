"""How each channel is drawn (label, colour, icon), for the web pages and the SVG export alike.

The icons are 24×24 stroked paths, drawn with ``currentColor`` so one ``<symbol>`` serves every
colour it is used in (white on a channel badge, the channel colour on a chip).
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.maps.model import CHANNELS


@dataclass(frozen=True)
class ChannelStyle:
    """How a channel is drawn: its label, colour and a 24×24 stroked icon."""

    label: str
    colour: str
    icon: str


CHANNEL_STYLES: dict[str, ChannelStyle] = {
    "web": ChannelStyle(
        "Web",
        "#2563eb",
        '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3.5 3.5 3.5 14.5 0 18'
        'M12 3c-3.5 3.5-3.5 14.5 0 18"/>',
    ),
    "app": ChannelStyle(
        "App",
        "#7c3aed",
        '<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/>',
    ),
    "email": ChannelStyle(
        "E-mail",
        "#0891b2",
        '<rect x="3" y="5.5" width="18" height="13" rx="1.5"/><path d="M3.5 6.5 12 13l8.5-6.5"/>',
    ),
    "sms": ChannelStyle(
        "SMS", "#0d9488", '<path d="M4 5h16v11H10l-5 4v-4H4z"/><path d="M8 9.5h8M8 12.5h5"/>'
    ),
    "phone": ChannelStyle(
        "Phone",
        "#15803d",
        '<path d="M5 3.5h3.5l2 5-2.5 1.6a11 11 0 0 0 5.9 5.9l1.6-2.5 5 2V19a2 2 0 0 1-2 2'
        'A16.5 16.5 0 0 1 3 5.5a2 2 0 0 1 2-2z"/>',
    ),
    "chat": ChannelStyle(
        "Chat",
        "#a16207",
        '<path d="M3 4.5h12v8.5H8l-4 3v-3H3z"/><path d="M18 8.5h3V17h-1v3l-3.5-3H11v-1.5"/>',
    ),
    "social": ChannelStyle(
        "Social",
        "#db2777",
        '<circle cx="6" cy="12" r="2.5"/><circle cx="18" cy="6" r="2.5"/>'
        '<circle cx="18" cy="18" r="2.5"/><path d="m8.3 10.9 7.4-3.7M8.3 13.1l7.4 3.7"/>',
    ),
    "store": ChannelStyle(
        "Store",
        "#ea580c",
        '<path d="M4.5 10.5V20h15v-9.5"/><path d="M3 10.5 5 4h14l2 6.5z"/>'
        '<path d="M10 20v-5h4v5"/>',
    ),
    "in_person": ChannelStyle(
        "In person",
        "#9a3412",
        '<circle cx="12" cy="7" r="3.5"/><path d="M5 21v-1.5a7 7 0 0 1 14 0V21"/>',
    ),
    "mail": ChannelStyle(
        "Mail",
        "#475569",
        '<rect x="3" y="6" width="18" height="12" rx="1"/>'
        '<rect x="14.5" y="8.5" width="4" height="4"/><path d="M6 11h5.5M6 14.5h9"/>',
    ),
    "video": ChannelStyle(
        "Video",
        "#4f46e5",
        '<rect x="2.5" y="6.5" width="13" height="11" rx="2"/>'
        '<path d="m15.5 10.5 6-3.5v10l-6-3.5z"/>',
    ),
}
assert set(CHANNEL_STYLES) == set(CHANNELS), "every channel needs a style"


def channel_symbols() -> str:
    """Every channel icon as an SVG ``<symbol id="ch-<channel>">``, for ``<use>``."""
    return "".join(
        f'<symbol id="ch-{c}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{s.icon}</symbol>'
        for c, s in CHANNEL_STYLES.items()
    )
