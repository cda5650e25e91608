"""Who may do what: users and roles, sign-in sessions, API tokens, the route policy, and the
audit log of administrative actions.

Every HTTP route is guarded by one dependency (``http.authorise``) that reads the route's rule
from ``policy.RULES``: a route without a rule is refused, so nothing is open by accident.
"""
