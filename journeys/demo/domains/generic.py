"""The domain used for journeys the demo does not know: a plain company website."""

from __future__ import annotations

from journeys.demo.domains.base import COMMON_EXTRAS, Domain

GENERIC = Domain(
    brand="Example Company",
    host="https://www.company.example",
    pages=(
        ("home", "/", "Home"),
        ("about", "/about", "About us"),
        ("help_article", "/help/faq", "Frequently asked questions"),
        ("help_article", "/help/contact", "Contact"),
        ("blog", "/blog/news", "News"),
        ("jobs", "/jobs", "Careers"),
    ),
    searches=("contact", "opening hours", "prices", "login"),
    screens=(("home", {}), ("account", {}), ("messages", {})),
    chat_topics=("general", "other"),
    words=("overview", "details", "start", "info"),
    extras=dict(COMMON_EXTRAS),
)
