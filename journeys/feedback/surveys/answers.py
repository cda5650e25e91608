"""Invitations and answers: the life of a survey response.

An answer is checked against its survey (the score on the scale, the root cause from the
pick-list, the comment within its size), its comment analysed (language, sentiment, type,
topics), stored once in the operational store, recorded as a ``survey_answered`` event in the
event log (docs/feedback/events.md), and, when it comes from an unhappy customer, handed to
the closed loop, which opens a ticket with the touchpoint's owner team.

Once per link, once per idempotency key: a second submit returns the first answer.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journeys.errors import AnswerInvalid, Conflict, PayloadTooLarge
from journeys.events.profiles import resolve_customer
from journeys.events.recording import Recorded, record
from journeys.feedback.surveys.files import get_survey
from journeys.feedback.surveys.links import LinkClaims, make_token, read_token
from journeys.feedback.surveys.model import Survey
from journeys.feedback.surveys.tables import InvitationRow, ResponseRow
from journeys.workspace import Workspace

log = logging.getLogger(__name__)

Band = Literal["detractor", "passive", "promoter", "dissatisfied", "neutral", "satisfied"]


class Answer(BaseModel):
    """What a customer answers: the score, and for NPS+ the root cause and a comment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int
    root_cause: str | None = None
    comment: str | None = None
    language: str | None = Field(None, description="The language the form was shown in.")

    @field_validator("comment", "root_cause")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class Response(BaseModel):
    """A stored answer with what the text analysis found in its comment."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    survey_id: str
    kind: str
    customer_id: str
    invitation_id: str | None
    score: int
    root_cause: str | None
    comment: str | None
    language: str | None
    sentiment: float | None
    sentiment_label: str | None
    comment_kind: str | None
    topics: list[str]
    channel: str
    journey: str
    stage: str | None
    touchpoint: str
    submitted_at: datetime
    ticket_id: str | None

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @property
    def band(self) -> Band:
        """Promoter/passive/detractor for NPS; satisfied/neutral/dissatisfied otherwise."""
        return score_band(self.kind, self.score)


class Submitted(BaseModel):
    """The outcome of a submit: the response, and whether it had been stored before."""

    response: Response
    duplicate: bool


class Invitation(BaseModel):
    """A customer invited to answer a survey, with the link's token."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    survey_id: str
    customer_id: str
    known: bool
    created_at: datetime
    due_at: datetime
    expires_at: datetime
    trigger_seq: int | None
    status: str
    skip_reason: str | None
    answered_at: datetime | None
    token: str | None = None


def score_band(kind: str, score: int) -> Band:
    """Where a score falls: NPS 0–6 detractor, 7–8 passive, 9–10 promoter; CSAT 1–2
    dissatisfied, 4–5 satisfied; CES (1 very easy … 7 very hard) 5–7 dissatisfied, 1–3
    satisfied."""
    if kind in ("nps", "nps_plus"):
        return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    if kind == "csat":
        return "dissatisfied" if score <= 2 else "neutral" if score == 3 else "satisfied"
    return "dissatisfied" if score >= 5 else "neutral" if score == 4 else "satisfied"


# -- invitations ------------------------------------------------------------------------------


def invite(
    ws: Workspace, survey_id: str, customer: str, *, due_at: datetime | None = None
) -> Invitation:
    """An invitation with its link for a customer (by any of their ids), valid from now."""
    survey = get_survey(ws, survey_id)
    _active(survey)
    customer_id, known = resolve_customer(ws.events.fresh_reader(), customer)
    now = ws.clock.now()
    row = InvitationRow(
        id=uuid.uuid4().hex[:16],
        survey_id=survey.id,
        customer_id=customer_id,
        known=known,
        created_at=now,
        due_at=due_at or now,
        expires_at=(due_at or now) + survey.link_lifetime,
        trigger_seq=None,
        status="scheduled",
    )
    with Session(ws.operational.engine) as session, session.begin():
        session.add(row)
        session.flush()
        invitation = Invitation.model_validate(row)
    return with_token(ws, invitation)


def with_token(ws: Workspace, invitation: Invitation) -> Invitation:
    """The invitation with its signed link token."""
    claims = LinkClaims(
        survey_id=invitation.survey_id,
        invitation_id=invitation.id,
        expires_at=invitation.expires_at,
    )
    return invitation.model_copy(update={"token": make_token(ws, claims)})


def list_invitations(
    ws: Workspace,
    *,
    survey: str | None = None,
    customer: str | None = None,
    status: str | None = None,
    due: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[Invitation]:
    """Invitations, oldest due first; ``due`` keeps the scheduled ones whose time has come
    and whose link is still valid (what a delivery channel should send now)."""
    now = ws.clock.now()
    q = select(InvitationRow)
    if survey:
        q = q.where(InvitationRow.survey_id == survey)
    if customer:
        q = q.where(InvitationRow.customer_id == customer)
    if status:
        q = q.where(InvitationRow.status == status)
    if due:
        q = q.where(
            InvitationRow.status == "scheduled",
            InvitationRow.due_at <= now,
            InvitationRow.expires_at > now,
        )
    q = q.order_by(InvitationRow.due_at, InvitationRow.id).limit(limit).offset(offset)
    with Session(ws.operational.engine) as session:
        found = [Invitation.model_validate(r) for r in session.scalars(q).all()]
    return [with_token(ws, i) if i.status == "scheduled" else i for i in found]


def open_link(ws: Workspace, token: str) -> tuple[Survey, Invitation, Response | None]:
    """The survey behind a link, its invitation, and the answer if it was given already."""
    claims = read_token(ws, token)
    survey = get_survey(ws, claims.survey_id)
    with Session(ws.operational.engine) as session:
        row = session.get(InvitationRow, claims.invitation_id)
        if row is None:
            raise AnswerInvalid("this survey link belongs to an invitation that no longer exists")
        invitation = Invitation.model_validate(row)
        answered = session.scalars(
            select(ResponseRow).where(ResponseRow.invitation_id == invitation.id)
        ).first()
        response = Response.model_validate(answered) if answered else None
    return survey, invitation, response


# -- answers ----------------------------------------------------------------------------------


def answer_link(ws: Workspace, token: str, answer: Answer, channel: str = "web") -> Submitted:
    """Store the answer given through a survey link (the hosted form or the snippet)."""
    survey, invitation, existing = open_link(ws, token)
    if existing is not None:
        return Submitted(response=existing, duplicate=True)
    return submit(
        ws,
        survey,
        invitation.customer_id,
        answer,
        known=_known(ws, invitation.customer_id),
        channel=channel,
        invitation_id=invitation.id,
    )


def answer_direct(
    ws: Workspace,
    survey_id: str,
    customer: str,
    answer: Answer,
    channel: str = "web",
    idempotency_key: str | None = None,
) -> Submitted:
    """Store an answer sent over the API for a customer (by any of their ids)."""
    survey = get_survey(ws, survey_id)
    if idempotency_key:
        found = _find(ws, ResponseRow.idempotency_key == idempotency_key)
        if found is not None:
            return Submitted(response=found, duplicate=True)
    customer_id, known = resolve_customer(ws.events.fresh_reader(), customer)
    return submit(
        ws, survey, customer_id, answer, known=known, channel=channel, key=idempotency_key
    )


def submit(
    ws: Workspace,
    survey: Survey,
    customer_id: str,
    answer: Answer,
    *,
    known: bool,
    channel: str,
    invitation_id: str | None = None,
    key: str | None = None,
) -> Submitted:
    """Check, analyse, store once, record the event, and start the closed loop."""
    _active(survey)
    check_answer(survey, answer)
    analysis = _analyse(ws, answer)
    journey = ws.journey(survey.journey)
    stage = next(
        (s.id for s in journey.stages for tp in s.touchpoints if tp.id == survey.touchpoint), None
    )
    now = ws.clock.now()
    row = ResponseRow(
        id=uuid.uuid4().hex[:16],
        survey_id=survey.id,
        kind=survey.kind,
        customer_id=customer_id,
        invitation_id=invitation_id,
        idempotency_key=key,
        score=answer.score,
        root_cause=answer.root_cause,
        comment=answer.comment,
        topics=json.dumps(analysis.get("topics", [])),
        channel=channel,
        journey=survey.journey,
        stage=stage,
        touchpoint=survey.touchpoint,
        submitted_at=now,
        **{k: v for k, v in analysis.items() if k != "topics"},
    )
    try:
        with Session(ws.operational.engine) as session, session.begin():
            session.add(row)
            if invitation_id is not None:
                invitation = session.get(InvitationRow, invitation_id)
                if invitation is not None:
                    invitation.status, invitation.answered_at = "answered", now
            session.flush()
            response = Response.model_validate(row)
    except IntegrityError:
        # The same link or key was submitted at the same moment: the first answer stands.
        clause = (
            ResponseRow.invitation_id == invitation_id
            if invitation_id
            else ResponseRow.idempotency_key == key
        )
        first = _find(ws, clause)
        if first is None:
            raise
        return Submitted(response=first, duplicate=True)
    record(ws.events, [answered_event(response, survey, known)])
    return Submitted(response=_close_the_loop(ws, response), duplicate=False)


def check_answer(survey: Survey, answer: Answer) -> None:
    """Refuse a score off the scale, an unknown root cause, or a comment too long or unasked."""
    low, high = survey.scale
    if not low <= answer.score <= high:
        raise AnswerInvalid(
            f"score {answer.score} is out of range: a {survey.kind} score is between "
            f"{low} and {high}",
            details={"field": "score", "value": answer.score, "min": low, "max": high},
        )
    causes = [c.id for c in survey.root_causes]
    if answer.root_cause is not None and answer.root_cause not in causes:
        raise AnswerInvalid(
            f"unknown root cause {answer.root_cause!r}; choose one of {', '.join(causes) or '—'}",
            details={"field": "root_cause", "value": answer.root_cause},
        )
    if survey.kind == "nps_plus" and answer.root_cause is None:
        raise AnswerInvalid(
            f"an NPS+ answer needs a root cause; choose one of {', '.join(causes)}",
            details={"field": "root_cause"},
        )
    if answer.comment is not None:
        if not survey.asks_comment:
            raise AnswerInvalid(
                f"survey {survey.id!r} asks no comment", details={"field": "comment"}
            )
        if len(answer.comment) > survey.comment_max_chars:
            raise PayloadTooLarge(
                f"the comment has {len(answer.comment):,} characters; "
                f"the limit is {survey.comment_max_chars:,}",
                details={"field": "comment", "limit": survey.comment_max_chars},
            )


def answered_event(response: Response, survey: Survey, known: bool) -> Recorded:
    """The ``survey_answered`` event of a response (the contract in docs/feedback/events.md)."""
    properties = {
        "response_id": response.id,
        "survey": response.survey_id,
        "survey_kind": response.kind,
        "score": response.score,
        "journey": response.journey,
        "stage": response.stage,
        "touchpoint": response.touchpoint,
        "root_cause": response.root_cause,
        "comment": response.comment,
        "language": response.language,
        "sentiment": response.sentiment,
        "sentiment_label": response.sentiment_label,
        "comment_kind": response.comment_kind,
        "topics": response.topics,
        "invitation_id": response.invitation_id,
    }
    return Recorded(
        message_id=f"survey-response-{response.id}",
        event="survey_answered",
        customer_id=response.customer_id,
        known=known,
        timestamp=response.submitted_at,
        properties=properties,
        channel=response.channel,
    )


# -- reading ----------------------------------------------------------------------------------


class ResponsePage(BaseModel):
    """One page of responses, newest first, with the total that match."""

    total: int
    responses: list[Response]


def list_responses(
    ws: Workspace,
    *,
    survey: str | None = None,
    label: str | None = None,
    band: str | None = None,
    topic: str | None = None,
    customer: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ResponsePage:
    """Responses matching every filter given (sentiment label, score band, topic, words)."""
    q = select(ResponseRow)
    if survey:
        q = q.where(ResponseRow.survey_id == survey)
    if label:
        q = q.where(ResponseRow.sentiment_label == label)
    if band:
        q = q.where(_band_clause(band))
    if topic:
        q = q.where(ResponseRow.topics.contains(json.dumps(topic)))
    if customer:
        q = q.where(ResponseRow.customer_id == customer)
    if text:
        q = q.where(ResponseRow.comment.icontains(text))
    with Session(ws.operational.engine) as session:
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = session.scalars(
            q.order_by(ResponseRow.submitted_at.desc(), ResponseRow.id).limit(limit).offset(offset)
        ).all()
        return ResponsePage(total=total, responses=[Response.model_validate(r) for r in rows])


def get_response(ws: Workspace, response_id: str) -> Response:
    """One response by id."""
    found = _find(ws, ResponseRow.id == response_id)
    if found is None:
        from journeys.errors import NotFound

        raise NotFound(f"no survey response with id {response_id!r}")
    return found


def _band_clause(band: str) -> Any:
    nps = ResponseRow.kind.in_(("nps", "nps_plus"))
    clauses = {
        "detractor": nps & (ResponseRow.score <= 6),
        "passive": nps & ResponseRow.score.between(7, 8),
        "promoter": nps & (ResponseRow.score >= 9),
    }
    if band not in clauses:
        raise AnswerInvalid(f"unknown band {band!r}; use detractor, passive or promoter")
    return clauses[band]


def _find(ws: Workspace, clause: Any) -> Response | None:
    with Session(ws.operational.engine) as session:
        row = session.scalars(select(ResponseRow).where(clause)).first()
        return Response.model_validate(row) if row else None


def _active(survey: Survey) -> None:
    if not survey.active:
        raise Conflict(f"survey {survey.id!r} is not active: it takes no answers")


def _known(ws: Workspace, customer_id: str) -> bool:
    return resolve_customer(ws.events.fresh_reader(), customer_id)[1]


def _analyse(ws: Workspace, answer: Answer) -> dict[str, Any]:
    """The text analysis of the comment as response columns (none without a comment)."""
    if answer.comment is None:
        return {"topics": []}
    from journeys.feedback.text import analyse_comment, taxonomy_for

    result = analyse_comment(
        answer.comment, root_cause=answer.root_cause, taxonomy=taxonomy_for(ws.root)
    )
    return {
        "language": result.language,
        "sentiment": result.sentiment,
        "sentiment_label": result.label,
        "comment_kind": result.kind,
        "topics": list(result.topics),
    }


def _close_the_loop(ws: Workspace, response: Response) -> Response:
    """Open a ticket for a detractor or a negative comment (see docs/feedback/closed-loop.md)."""
    unhappy = response.band in ("detractor", "dissatisfied")
    if not unhappy and response.sentiment_label != "negative":
        return response
    from journeys.feedback.tickets import TicketOpen, open_ticket

    reason: Literal["detractor", "negative_comment"] = (
        "detractor" if unhappy else "negative_comment"
    )
    summary = f"{response.kind.upper().replace('_', '+')} {response.score} on {response.touchpoint}"
    if response.comment:
        summary += f": {response.comment[:120]}"
    ticket = open_ticket(
        ws,
        TicketOpen(
            customer_id=response.customer_id,
            reason=reason,
            summary=summary,
            journey=response.journey,
            stage=response.stage,
            touchpoint=response.touchpoint,
            response_id=response.id,
            score=response.score,
        ),
    )
    with Session(ws.operational.engine) as session, session.begin():
        row = session.get(ResponseRow, response.id)
        if row is not None:
            row.ticket_id = ticket.id
    return response.model_copy(update={"ticket_id": ticket.id})
