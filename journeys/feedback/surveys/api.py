"""Survey routes of the HTTP API: surveys as data, invitations with links, answers, responses.

Thin: parse, call the surveys domain, shape the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from journeys.api.deps import workspace_of
from journeys.feedback.surveys import answers, files, triggers
from journeys.feedback.surveys.model import Survey
from journeys.maps.model import Channel

router = APIRouter(prefix="/api/surveys", tags=["surveys"])


class InvitationRequest(BaseModel):
    """Whom to invite: any id of the customer."""

    customer_id: str = Field(min_length=1, max_length=200)


class InvitationOut(answers.Invitation):
    """An invitation with the address of its hosted form."""

    url: str | None = None


class DirectAnswer(answers.Answer):
    """An answer sent by another system on the customer's behalf."""

    customer_id: str = Field(min_length=1, max_length=200)
    channel: Channel = "web"


class LinkAnswer(answers.Answer):
    """An answer given through a survey link (the embeddable snippet posts this)."""

    token: str = Field(min_length=1, max_length=400)


@router.get("", response_model=list[Survey])
def list_surveys(request: Request) -> list[Survey]:
    """Every survey of the workspace (the files in ``surveys/``)."""
    return files.load_surveys(workspace_of(request))


@router.post("", response_model=Survey, status_code=201)
def create_survey(request: Request, survey: Survey) -> Survey:
    """Add a survey; it is written to ``surveys/<id>.yaml`` after the file checks."""
    return files.save_survey(workspace_of(request), survey)


@router.get("/invitations", response_model=list[InvitationOut])
def list_invitations(
    request: Request,
    survey: str | None = None,
    customer: str | None = None,
    status: str | None = Query(None, pattern="^(scheduled|skipped|answered)$"),
    due: bool = Query(False, description="Only those to send now: scheduled, due, not expired."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> list[InvitationOut]:
    """Invitations with their links, oldest due first."""
    found = answers.list_invitations(
        workspace_of(request),
        survey=survey,
        customer=customer,
        status=status,
        due=due,
        limit=limit,
        offset=offset,
    )
    return [_with_url(request, i) for i in found]


@router.post("/dispatch", response_model=triggers.DispatchResult)
async def dispatch(request: Request) -> triggers.DispatchResult:
    """Turn new trigger events into invitations now (the server also does it every few seconds)."""
    return await run_in_threadpool(triggers.dispatch, workspace_of(request))


@router.get("/responses", response_model=answers.ResponsePage)
def list_responses(
    request: Request,
    survey: str | None = None,
    label: str | None = Query(None, pattern="^(negative|neutral|positive)$"),
    band: str | None = Query(None, pattern="^(detractor|passive|promoter)$"),
    topic: str | None = None,
    customer: str | None = None,
    q: str | None = Query(None, description="Words in the comment."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> answers.ResponsePage:
    """Responses, newest first, with their sentiment, type and topics."""
    return answers.list_responses(
        workspace_of(request),
        survey=survey,
        label=label,
        band=band,
        topic=topic,
        customer=customer,
        text=q,
        limit=limit,
        offset=offset,
    )


@router.post("/answers", response_model=answers.Submitted)
async def answer_by_link(
    request: Request, response: Response, body: LinkAnswer
) -> answers.Submitted:
    """Answer through a survey link's token (what the hosted form and the snippet do)."""
    answer = answers.Answer.model_validate(body.model_dump(exclude={"token"}))
    result = await run_in_threadpool(answers.answer_link, workspace_of(request), body.token, answer)
    response.status_code = 200 if result.duplicate else 201
    return result


@router.get("/{survey_id}", response_model=Survey)
def get_survey(request: Request, survey_id: str) -> Survey:
    """One survey."""
    return files.get_survey(workspace_of(request), survey_id)


@router.put("/{survey_id}", response_model=Survey)
def replace_survey(request: Request, survey_id: str, survey: Survey) -> Survey:
    """Replace a survey (its id may change); written to its file after the file checks."""
    ws = workspace_of(request)
    files.get_survey(ws, survey_id)
    return files.save_survey(ws, survey, replaces=survey_id)


@router.post("/{survey_id}/invitations", response_model=InvitationOut, status_code=201)
async def invite(request: Request, survey_id: str, body: InvitationRequest) -> InvitationOut:
    """Invite a customer now: the answer has the link to send (valid for the survey's span)."""
    invitation = await run_in_threadpool(
        answers.invite, workspace_of(request), survey_id, body.customer_id
    )
    return _with_url(request, invitation)


@router.post("/{survey_id}/responses", response_model=answers.Submitted)
async def answer_directly(
    request: Request,
    response: Response,
    survey_id: str,
    body: Annotated[DirectAnswer, Body()],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> answers.Submitted:
    """Store an answer for a customer; with an ``Idempotency-Key`` a resend is stored once."""
    answer = answers.Answer.model_validate(body.model_dump(exclude={"customer_id", "channel"}))
    result = await run_in_threadpool(
        answers.answer_direct,
        workspace_of(request),
        survey_id,
        body.customer_id,
        answer,
        body.channel,
        idempotency_key,
    )
    response.status_code = 200 if result.duplicate else 201
    return result


def _with_url(request: Request, invitation: answers.Invitation) -> InvitationOut:
    url = str(request.url_for("survey_form", token=invitation.token)) if invitation.token else None
    return InvitationOut(**invitation.model_dump(), url=url)
