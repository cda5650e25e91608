"""Survey pages: the hosted form customers answer (``/s/<token>``), the survey list and editor,
and the response feed.

The hosted form is the customer's page: no staff navigation, Dutch or English, usable on a
phone, and its errors (an expired or altered link, a score off the scale) are told in the
customer's language on the same page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.api.deps import workspace_of
from journeys.errors import (
    AnswerInvalid,
    Conflict,
    InvalidInput,
    JourneysError,
    LinkExpired,
    LinkInvalid,
    NotFound,
    PayloadTooLarge,
)
from journeys.feedback.surveys import answers, files
from journeys.feedback.surveys.model import LANGUAGES, Survey
from journeys.feedback.surveys.tables import ResponseRow
from journeys.web.routes import _page, templates

router = APIRouter(include_in_schema=False)
PAGE = 50

# What the customer reads when a link cannot be answered, per language.
LINK_PROBLEMS = {
    "link_expired": {
        "en": "This survey link has expired. Thank you for your interest all the same.",
        "nl": "Deze enquêtelink is verlopen. Toch bedankt voor uw interesse.",
    },
    "link_invalid": {
        "en": "This survey link is not valid. Please use the link exactly as you received it.",
        "nl": "Deze enquêtelink is niet geldig. Gebruik de link precies zoals u die ontving.",
    },
    "not_found": {
        "en": "This survey no longer exists.",
        "nl": "Deze enquête bestaat niet meer.",
    },
    "conflict": {
        "en": "This survey is closed.",
        "nl": "Deze enquête is gesloten.",
    },
}
# The form's own problems, in the customer's language (the API keeps the English message).
FORM_PROBLEMS = {
    "score": {"en": "Please choose a score.", "nl": "Kies een score."},
    "root_cause": {"en": "Please choose the main reason.", "nl": "Kies de belangrijkste reden."},
    "comment": {
        "en": "Your comment is too long: please keep it under {limit} characters.",
        "nl": "Uw opmerking is te lang: houd het onder de {limit} tekens.",
    },
}
ALREADY = {
    "en": "You have already answered this survey. Thank you!",
    "nl": "U heeft deze enquête al ingevuld. Dank u wel!",
}


# -- the hosted form ----------------------------------------------------------------------------


@router.get("/s/{token}", response_class=HTMLResponse, name="survey_form")
def survey_form(
    request: Request, token: str, lang: str | None = None, embed: bool = False
) -> Response:
    """The survey a link invites to, in the customer's language."""
    ws = workspace_of(request)
    try:
        survey, _, answered = answers.open_link(ws, token)
    except (LinkExpired, LinkInvalid, NotFound, Conflict, AnswerInvalid) as exc:
        return _link_problem(request, exc, _language(request, lang, None), embed)
    language = _language(request, lang, survey)
    if answered is not None:
        return _form(request, survey, token, language, embed, done=ALREADY[language])
    return _form(request, survey, token, language, embed)


@router.post("/s/{token}", response_class=HTMLResponse)
def submit_form(
    request: Request,
    token: str,
    score: str = Form(""),
    root_cause: str = Form(""),
    comment: str = Form(""),
    lang: str = Form("en"),
    embed: bool = Form(False),
) -> Response:
    """Store the customer's answer and thank them; a problem shows on the form itself."""
    ws = workspace_of(request)
    language = lang if lang in LANGUAGES else "en"
    values = {"score": score, "root_cause": root_cause, "comment": comment}
    try:
        survey, _, _ = answers.open_link(ws, token)
    except (LinkExpired, LinkInvalid, NotFound, Conflict, AnswerInvalid) as exc:
        return _link_problem(request, exc, language, embed)
    try:
        answer = answers.Answer(
            score=_score(score), root_cause=root_cause, comment=comment, language=language
        )
        result = answers.answer_link(ws, token, answer)
    except (AnswerInvalid, PayloadTooLarge) as exc:
        return _form(request, survey, token, language, embed, error=exc, values=values)
    except Conflict as exc:
        return _link_problem(request, exc, language, embed)
    thanks = ALREADY[language] if result.duplicate else survey.text(language).thanks
    return _form(request, survey, token, language, embed, done=thanks)


def _score(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise AnswerInvalid("no score was chosen", details={"field": "score"}) from None


def _form(
    request: Request,
    survey: Survey,
    token: str,
    language: str,
    embed: bool,
    *,
    done: str | None = None,
    error: JourneysError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    low, high = survey.scale
    context: dict[str, Any] = {
        "survey": survey,
        "t": survey.text(language),
        "lang": language,
        "token": token,
        "embed": embed,
        "scores": list(range(low, high + 1)),
        "causes": [(c.id, survey.root_cause_label(c.id, language)) for c in survey.root_causes],
        "done": done,
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
        "values": values or {},
    }
    status = error.status if error else 200
    field = context["error_field"]
    if field in FORM_PROBLEMS:
        limit = f"{survey.comment_max_chars:,}"
        context["error"] = FORM_PROBLEMS[field][language].format(limit=limit)
    return templates.TemplateResponse(request, "surveys/form.html", context, status_code=status)


def _link_problem(request: Request, exc: JourneysError, language: str, embed: bool) -> Response:
    code = (
        exc.code
        if exc.code in LINK_PROBLEMS
        else ("not_found" if exc.status == 404 else "link_invalid")
    )
    context = {
        "lang": language,
        "message": LINK_PROBLEMS[code][language],
        "code": exc.code,
        "embed": embed,
    }
    return templates.TemplateResponse(
        request, "surveys/form_problem.html", context, status_code=exc.status
    )


def _language(request: Request, asked: str | None, survey: Survey | None) -> str:
    """The form's language: asked for, else the browser's first offered one, else the first."""
    offered = survey.languages if survey else list(LANGUAGES)
    if asked in offered:
        return str(asked)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in offered:
            return code
    return offered[0]


# -- staff pages --------------------------------------------------------------------------------


@router.get("/surveys", response_class=HTMLResponse)
def surveys_page(request: Request) -> Response:
    """Every survey with its number of answers and its average score."""
    ws = workspace_of(request)
    surveys = files.load_surveys(ws)
    with Session(ws.operational.engine) as session:
        rows = session.execute(
            select(ResponseRow.survey_id, func.count(), func.avg(ResponseRow.score)).group_by(
                ResponseRow.survey_id
            )
        ).all()
    figures = {r[0]: (r[1], r[2]) for r in rows}
    return _page(request, "surveys/list.html", "feedback", surveys=surveys, figures=figures)


NEW_SURVEY = """\
id: new-survey
name: A new survey
kind: nps
journey: {journey}
touchpoint: {touchpoint}
"""


@router.get("/surveys/new", response_class=HTMLResponse)
def new_survey_page(request: Request) -> Response:
    """The editor with a starting text for a new survey."""
    ws = workspace_of(request)
    journey = next(iter(ws.journeys()), None)
    tp = next((t for s in journey.stages for t in s.touchpoints), None) if journey else None
    text = NEW_SURVEY.format(
        journey=journey.id if journey else "my-journey", touchpoint=tp.id if tp else "my-touchpoint"
    )
    return _editor(request, None, text)


@router.post("/surveys/new", response_class=HTMLResponse)
def create_survey(request: Request, text: str = Form(...)) -> Response:
    """Save a new survey file; its problems show in the editor."""
    return _save(request, None, text)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey_page(request: Request, survey_id: str) -> Response:
    """One survey: its file in the editor, a link maker, the snippet and its latest answers."""
    ws = workspace_of(request)
    files.get_survey(ws, survey_id)
    return _editor(request, survey_id, files.survey_text(ws, survey_id))


@router.post("/surveys/{survey_id}", response_class=HTMLResponse)
def update_survey(request: Request, survey_id: str, text: str = Form(...)) -> Response:
    """Save an edited survey file; its problems show in the editor."""
    files.get_survey(workspace_of(request), survey_id)
    return _save(request, survey_id, text)


@router.post("/surveys/{survey_id}/link", response_class=HTMLResponse)
def make_link(request: Request, survey_id: str, customer_id: str = Form(...)) -> Response:
    """Make an invitation link for one customer (to send by hand or to test the form)."""
    ws = workspace_of(request)
    try:
        invitation = answers.invite(ws, survey_id, customer_id.strip())
    except (NotFound, Conflict) as exc:
        return _editor(request, survey_id, files.survey_text(ws, survey_id), link_error=exc.message)
    url = str(request.url_for("survey_form", token=invitation.token))
    return _editor(request, survey_id, files.survey_text(ws, survey_id), link=url)


def _save(request: Request, survey_id: str | None, text: str) -> Response:
    ws = workspace_of(request)
    try:
        survey = files.save_survey_text(ws, text, replaces=survey_id)
    except InvalidInput as exc:
        return _editor(request, survey_id, text, problem=exc, status_code=422)
    return RedirectResponse(f"/surveys/{survey.id}?saved=1", status_code=303)


def _editor(
    request: Request,
    survey_id: str | None,
    text: str,
    *,
    problem: InvalidInput | None = None,
    status_code: int = 200,
    link: str | None = None,
    link_error: str | None = None,
) -> Response:
    ws = workspace_of(request)
    survey = files.get_survey(ws, survey_id) if survey_id else None
    recent = answers.list_responses(ws, survey=survey_id, limit=10).responses if survey_id else []
    issues = problem.details if problem and isinstance(problem.details, list) else []
    return _page(
        request,
        "surveys/editor.html",
        "feedback",
        status_code=status_code,
        survey=survey,
        survey_id=survey_id,
        text=text,
        problem=problem.message if problem else None,
        issues=[i for i in issues if isinstance(i, dict)],
        saved=request.query_params.get("saved") == "1",
        link=link,
        link_error=link_error,
        recent=recent,
        base_url=str(request.base_url).rstrip("/"),
    )


# -- the response feed --------------------------------------------------------------------------


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(
    request: Request,
    survey: str | None = None,
    label: str | None = Query(None, pattern="^(|negative|neutral|positive)$"),
    band: str | None = Query(None, pattern="^(|detractor|passive|promoter)$"),
    topic: str | None = None,
    q: str | None = None,
    page: int = Query(1, ge=1, le=10_000_000),
) -> Response:
    """Every answer, newest first, with its sentiment, type and topics; filterable."""
    ws = workspace_of(request)
    found = answers.list_responses(
        ws,
        survey=survey or None,
        label=label or None,
        band=band or None,
        topic=topic or None,
        text=q or None,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    return _page(
        request,
        "surveys/feed.html",
        "feedback",
        found=found,
        surveys=files.load_surveys(ws),
        filters={"survey": survey, "label": label, "band": band, "topic": topic, "q": q},
        page=page,
        more=page * PAGE < found.total,
    )
