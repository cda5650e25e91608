"""The route policy: which permissions open each route of the web UI and the API.

A rule names a route template exactly, or a prefix of templates ending in ``*``; the most
specific rule wins (an exact template, else the longest prefix). A request that reads (GET,
HEAD) needs one of the rule's ``read`` permissions, any other needs one of its ``write``
permissions. A route no rule covers is refused to everyone, so a new route is closed until
it is given a rule; the route-table test walks every route against this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from journeys.security.roles import Permission

PUBLIC: Final = "public"  # no sign-in (checks of its own: write keys, survey link tokens)
SIGNED_IN: Final = "signed-in"  # anyone signed in

Need = tuple[Permission, ...] | str

D, A, X = Permission.DASHBOARDS, Permission.ANALYTICS, Permission.DESIGN
C, S, ADMIN = Permission.CUSTOMERS, Permission.SERVICE, Permission.ADMIN
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Rule:
    path: str
    read: Need
    write: Need = ()
    audit: bool = False  # successful changes through these routes go to the audit log

    def need(self, method: str) -> Need:
        """What a request with this method needs."""
        return self.read if method in SAFE_METHODS else self.write

    def covers(self, template: str) -> bool:
        """Whether this rule applies to a route template."""
        if self.path.endswith("*"):
            return template.startswith(self.path[:-1])
        return template == self.path


RULES: tuple[Rule, ...] = (
    # Open: the tracking API checks its write keys, a survey link carries its own token.
    Rule("/v1/*", PUBLIC, PUBLIC),
    Rule("/s/*", PUBLIC, PUBLIC),
    Rule("/api/surveys/answers", PUBLIC, PUBLIC),
    Rule("/login", PUBLIC, PUBLIC),
    Rule("/logout", SIGNED_IN, SIGNED_IN),
    Rule("/api/me", SIGNED_IN),
    # Dashboards: the overview, the journeys with their measured maps, KPIs.
    Rule("/", (D,)),
    Rule("/journeys*", (D,), (X,), audit=True),
    Rule("/api/journeys*", (D,), (X,), audit=True),
    Rule("/analyse/kpis", (D,)),
    Rule("/api/analytics/kpis*", (D,)),
    Rule("/api/analytics/overlay", (D,)),
    Rule("/api/predict/risk-by-stage", (D,)),
    # Analytics: every analysis, segments, prediction models.
    Rule("/analyse*", (A,), (A,)),
    Rule("/analyse/segments*", (A,), (A,), audit=True),
    Rule("/api/analytics/*", (A,), (A,)),
    Rule("/api/segments*", (A,), (A,), audit=True),
    Rule("/predict", (A,)),
    Rule("/api/predict/*", (A,), (A,)),
    Rule("/api/predict/customers/*", (C,)),
    Rule("/api/predict/models/{name}/explain/*", (C,)),
    # Customers' personal data: the customer and agent views, identities, next best action.
    Rule("/customers*", (C,)),
    Rule("/api/customers/*", (C,), (S,)),
    Rule("/api/identity/*", (C,), (ADMIN,), audit=True),
    Rule("/agent*", (C,)),
    Rule("/api/agent/*", (C,)),
    # Feedback and service.
    Rule("/feedback", (D, A, X)),
    Rule("/surveys*", (X, A), (X,), audit=True),
    Rule("/api/surveys*", (X, A), (X,), audit=True),
    Rule("/api/surveys/{survey_id}/responses", (X, A), (X, S)),
    Rule("/tickets*", (S,), (S,)),
    Rule("/api/tickets*", (S,), (S,)),
    Rule("/api/tickets/report", (S, D)),
    # Loyalty: the programme's rules are designed; members are served.
    Rule("/loyalty", (D, X, S)),
    Rule("/loyalty/members/*", (S,), (S,)),
    Rule("/api/loyalty/*", (S,), (S,)),
    Rule("/api/loyalty/program", (D, X, S), (X,), audit=True),
    Rule("/api/loyalty/stats", (D, A, X)),
    Rule("/api/loyalty/earn", (), (ADMIN,), audit=True),
    # Orchestration: automations are designed.
    Rule("/automations*", (X,), (X,), audit=True),
    Rule("/api/automations*", (X,), (X,), audit=True),
    # Administration.
    Rule("/admin*", (ADMIN,), (ADMIN,)),  # users and tokens record their own entries
    Rule("/api/users*", (ADMIN,), (ADMIN,)),  # records its own, more precise, entries
    Rule("/api/tokens*", (ADMIN,), (ADMIN,)),
    Rule("/api/audit*", (ADMIN,)),
    Rule("/api/gdpr/*", (ADMIN,), (ADMIN,)),  # the privacy audit records these
    Rule("/privacy*", (ADMIN,), (ADMIN,)),
)


@cache  # asked on every request, and the route templates are few
def rule_for(template: str) -> Rule | None:
    """The most specific rule for a route template, or None (then nobody may call it)."""
    exact = [r for r in RULES if r.path == template]
    if exact:
        return exact[0]
    prefixes = [r for r in RULES if r.path.endswith("*") and r.covers(template)]
    return max(prefixes, key=lambda r: len(r.path), default=None)
