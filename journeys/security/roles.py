"""Roles fitted to how companies run journeys, and the permissions each one carries.

A permission names an area of the product, not a single route; ``policy.RULES`` maps every
route to the permissions that open it (any one of them is enough).
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    DASHBOARDS = "dashboards"  # the overview, journeys and their measured maps, KPIs
    ANALYTICS = "analytics"  # every analysis, segments, prediction models
    DESIGN = "design"  # journeys, surveys, automations, loyalty rules
    CUSTOMERS = "customers"  # personal data: the customer and agent views, next best action
    SERVICE = "service"  # tickets, points and redemptions for a customer
    ADMIN = "admin"  # users, tokens, GDPR requests, the audit log, identity repairs


class Role(StrEnum):
    GOVERNANCE = "governance"
    MANAGEMENT = "management"
    OPERATIONS = "operations"
    ANALYST = "analyst"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Reads every dashboard and KPI.
    Role.GOVERNANCE: frozenset({Permission.DASHBOARDS}),
    # Designs journeys, surveys, automations and loyalty rules, and measures them.
    Role.MANAGEMENT: frozenset({Permission.DASHBOARDS, Permission.ANALYTICS, Permission.DESIGN}),
    # Front-line agents: the customer in front of them and the tickets of their teams.
    Role.OPERATIONS: frozenset({Permission.CUSTOMERS, Permission.SERVICE}),
    # All analytics; personal data only when granted (``pii``).
    Role.ANALYST: frozenset({Permission.DASHBOARDS, Permission.ANALYTICS}),
    Role.ADMIN: frozenset(Permission),
}

ROLE_HELP: dict[Role, str] = {
    Role.GOVERNANCE: "reads every dashboard and KPI",
    Role.MANAGEMENT: "designs journeys, surveys, automations and loyalty rules; all analytics",
    Role.OPERATIONS: "the customer and agent views, and the tickets of their teams",
    Role.ANALYST: "all analytics; customers' personal data only when granted",
    Role.ADMIN: "everything, including users, tokens, GDPR requests and the audit log",
}


def permissions(role: Role, pii: bool = False) -> frozenset[Permission]:
    """What a role may do; ``pii`` opens the customers' personal data to an analyst."""
    granted = ROLE_PERMISSIONS[role]
    return granted | {Permission.CUSTOMERS} if pii else granted


def parse_role(text: str) -> Role:
    """A role from its name, or a clear error listing the roles."""
    from journeys.errors import InvalidInput

    try:
        return Role(text.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r}; choose one of {names}") from None
