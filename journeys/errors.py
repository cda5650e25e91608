"""The one exception tree of Journeys.

Every error carries an HTTP status and a stable ``code``. The API renders it as
``{"error": {"code", "message", "details"}}``, the web UI as an error page and the CLI as
one readable line with a non-zero exit.

    JourneysError (500, internal)
    ├── InvalidInput (422, invalid_input)
    │   ├── JourneyFileInvalid (422, journey_invalid)      details: list of issues
    │   ├── ImportFailed (422, import_failed)               a file that cannot be read
    │   ├── EventRejected (422, event_invalid)             details: per-item errors
    │   ├── SurveyFileInvalid (422, survey_invalid)        details: list of issues
    │   ├── AnswerInvalid (422, answer_invalid)            a score out of range, …
    │   ├── TaxonomyInvalid (422, taxonomy_invalid)        details: list of issues
    │   ├── LoyaltyFileInvalid (422, loyalty_invalid)      details: list of issues
    │   ├── ReferralInvalid (422, referral_invalid)        e.g. a code used by its owner
    │   ├── ActionsFileInvalid (422, actions_invalid)      details: list of issues
    │   └── MalformedJson (400, malformed_json)            a body that is not JSON
    ├── PayloadTooLarge (413, payload_too_large)
    ├── Unauthorized (401, unauthorized)                   missing or unknown write key
    ├── LinkInvalid (403, link_invalid)                    a survey link that was not signed by us
    ├── LinkExpired (410, link_expired)                    a survey link past its validity
    ├── NotEntitled (403, not_entitled)                    a member below a reward's tier
    ├── NotFound (404, not_found)
    │   ├── CustomerNotFound (404, customer_not_found)
    │   ├── JourneyNotFound (404, journey_not_found)
    │   ├── SurveyNotFound (404, survey_not_found)
    │   ├── MergeNotFound (404, merge_not_found)
    │   ├── MemberNotFound (404, member_not_found)         not in the loyalty programme
    │   └── RewardNotFound (404, reward_not_found)         also an unknown gated content id
    ├── Conflict (409, conflict)
    │   ├── WorkspaceExists (409, workspace_exists)
    │   ├── InsufficientPoints (409, insufficient_points)  a debit larger than the balance
    │   └── IdempotencyConflict (409, idempotency_conflict) a key reused for another entry
    ├── StoreUnavailable (503, store_unavailable)          the event log is locked or closed
    └── QueryTimeout (504, query_timeout)                  an analysis ran past its time limit
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import ValidationError


class JourneysError(Exception):
    """Base of every error Journeys reports to a user."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The API's error shape."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(JourneysError):
    status = 422
    code = "invalid_input"

    @classmethod
    def from_validation(cls, exc: ValidationError, what: str) -> InvalidInput:
        """A pydantic error as InvalidInput whose details name each field (``steps.1``);
        ``what`` is what was not valid (``the funnel``)."""
        details = [
            {
                "field": ".".join(str(p) for p in e["loc"]) or "input",
                "message": e["msg"].removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        wrong = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return cls(f"{what} is not valid: {wrong}", details=details)


class JourneyFileInvalid(InvalidInput):
    code = "journey_invalid"


class ImportFailed(InvalidInput):
    code = "import_failed"


class EventRejected(InvalidInput):
    code = "event_invalid"


class SurveyFileInvalid(InvalidInput):
    code = "survey_invalid"


class AnswerInvalid(InvalidInput):
    code = "answer_invalid"


class TaxonomyInvalid(InvalidInput):
    code = "taxonomy_invalid"


class LoyaltyFileInvalid(InvalidInput):
    code = "loyalty_invalid"


class ReferralInvalid(InvalidInput):
    code = "referral_invalid"


class ActionsFileInvalid(InvalidInput):
    code = "actions_invalid"


class MalformedJson(InvalidInput):
    status = 400
    code = "malformed_json"


class PayloadTooLarge(JourneysError):
    status = 413
    code = "payload_too_large"


class Unauthorized(JourneysError):
    status = 401
    code = "unauthorized"


class LinkInvalid(JourneysError):
    status = 403
    code = "link_invalid"


class LinkExpired(JourneysError):
    status = 410
    code = "link_expired"


class NotEntitled(JourneysError):
    status = 403
    code = "not_entitled"


class NotFound(JourneysError):
    status = 404
    code = "not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class JourneyNotFound(NotFound):
    code = "journey_not_found"


class SurveyNotFound(NotFound):
    code = "survey_not_found"


class MergeNotFound(NotFound):
    code = "merge_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class RewardNotFound(NotFound):
    code = "reward_not_found"


class Conflict(JourneysError):
    status = 409
    code = "conflict"


class WorkspaceExists(Conflict):
    code = "workspace_exists"


class InsufficientPoints(Conflict):
    code = "insufficient_points"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class StoreUnavailable(JourneysError):
    status = 503
    code = "store_unavailable"


class QueryTimeout(JourneysError):
    status = 504
    code = "query_timeout"


class EngineUnavailable(JourneysError):
    """The analytics engine cannot be reached (Spark does not start, Java is missing…)."""

    status = 503
    code = "engine_unavailable"
