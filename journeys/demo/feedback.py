"""Demo feedback: survey answers from the demo customers, and the closed loop working on them.

After the demo events are loaded, the example surveys' triggers invite the customers who
completed a cleaning or booked one (within the fatigue rules), a seeded sample answers at
some point after the invitation, Dutch or English, with comments, and the support team
works through most of the tickets the unhappy answers open, some within SLA and some late.
Every step goes through the same functions the product uses, with the workspace's clock set
to the moment it happens, so dates, SLAs and events are as they would be live.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from journeys.clock import Clock, FixedClock
from journeys.feedback.surveys import answers, files, triggers
from journeys.feedback.surveys.answers import Answer, Invitation
from journeys.feedback.surveys.model import Survey
from journeys.feedback.tickets import StatusChange, change_status, close_ticket, list_tickets
from journeys.workspace import Workspace

# Comments per mood and language: short, like real ones, so the text analysis has work.
COMMENTS = {
    "happy": {
        "en": [
            "Great job, the house has never been this clean!",
            "Friendly cleaner, on time and very thorough.",
            "Booking was easy and the result was excellent.",
            "Very happy with the service, thank you.",
        ],
        "nl": [
            "Heel goed gedaan, het huis is brandschoon!",
            "Vriendelijke schoonmaker, op tijd en heel grondig.",
            "Makkelijk geboekt en een uitstekend resultaat.",
            "Erg tevreden over de service, dank jullie wel.",
        ],
    },
    "so-so": {
        "en": [
            "Fine overall, but the kitchen could have been cleaner.",
            "Okay, although the price is rather high.",
            "Could you offer evening slots?",
        ],
        "nl": [
            "Prima, maar de keuken had schoner gekund.",
            "Redelijk, al is de prijs aan de hoge kant.",
            "Kunnen jullie ook 's avonds slots aanbieden?",
        ],
    },
    "unhappy": {
        "en": [
            "The cleaner arrived two hours late and nobody told me.",
            "Terrible, the bathroom was still dirty and I paid full price.",
            "Rescheduling was a nightmare, I called three times.",
            "Far too expensive for what you get.",
        ],
        "nl": [
            "De schoonmaker kwam twee uur te laat en niemand liet iets weten.",
            "Slecht, de badkamer was nog steeds vies en ik betaalde de volle prijs.",
            "Verzetten was een drama, ik heb drie keer gebeld.",
            "Veel te duur voor wat je krijgt.",
        ],
    },
}
CAUSES = {"happy": "cleaner", "so-so": "price", "unhappy": "punctuality"}
ROOT_CAUSES = ["late arrival", "cleaning quality", "price", "booking system", "communication"]


def seed_feedback(
    ws: Workspace, seed: int, answers_wanted: int = 150, say: Callable[[str], None] = print
) -> int:
    """Answer a sample of the triggered invitations and work the tickets; returns the answers."""
    real_clock = ws.clock
    try:
        say("Inviting customers to the example surveys…")
        triggers.dispatch(ws)
        surveys = {s.id: s for s in files.load_surveys(ws)}
        rng = random.Random(seed)
        now = real_clock.now()
        invited = [
            i
            for i in answers.list_invitations(ws, status="scheduled", limit=1_000_000)
            if i.due_at < now - timedelta(days=1)
        ]
        sample = sorted(rng.sample(invited, min(answers_wanted, len(invited))), key=_due)
        say(f"Answering {len(sample):,} of {len(invited):,} survey invitations…")
        for invitation in sample:
            _answer(ws, rng, surveys[invitation.survey_id], invitation)
        say("Working through the tickets…")
        _work_tickets(ws, rng, now)
        return len(sample) + _win_back(ws, rng, surveys, now)
    finally:
        ws.clock = real_clock


def _due(invitation: Invitation) -> datetime:
    return invitation.due_at


def _answer(ws: Workspace, rng: random.Random, survey: Survey, invitation: Invitation) -> None:
    mood = rng.choices(["happy", "so-so", "unhappy"], weights=[50, 30, 20])[0]
    low, high = survey.scale
    if survey.kind == "ces":  # effort: low is good
        score = {
            "happy": rng.randint(1, 2),
            "so-so": rng.randint(3, 4),
            "unhappy": rng.randint(5, 7),
        }
    else:
        score = {
            "happy": rng.randint(9, 10),
            "so-so": rng.randint(7, 8),
            "unhappy": rng.randint(0, 6),
        }
    language = rng.choice(survey.languages)
    comment = (
        rng.choice(COMMENTS[mood][language]) if survey.asks_comment and rng.random() < 0.8 else None
    )
    answer = Answer(
        score=max(low, min(high, score[mood])),
        root_cause=CAUSES[mood] if survey.kind == "nps_plus" else None,
        comment=comment,
        language=language,
    )
    ws.clock = _at(invitation.due_at + timedelta(minutes=rng.randint(5, 2 * 24 * 60)))
    answers.submit(
        ws,
        survey,
        invitation.customer_id,
        answer,
        known=invitation.known,
        channel="email",
        invitation_id=invitation.id,
    )


def _work_tickets(ws: Workspace, rng: random.Random, now: datetime) -> None:
    """Most tickets are contacted (some late), resolved and closed; the newest stay open."""
    page = list_tickets(ws, limit=100_000)
    for ticket in page.items:
        opened = ticket.created_at
        contact_after = timedelta(hours=rng.choice([1, 2, 3, 6, 20, 30, 50]))
        if opened + contact_after > now or rng.random() < 0.1:
            continue  # still new: some of these are past their SLA
        ws.clock = _at(opened + contact_after)
        change_status(ws, ticket.id, StatusChange(status="contacted", note="Called the customer."))
        if rng.random() < 0.2:
            continue
        ws.clock = _at(opened + contact_after + timedelta(hours=rng.randint(1, 48)))
        change_status(ws, ticket.id, StatusChange(status="resolved", note="Sorted out."))
        if rng.random() < 0.8:
            ws.clock = _at(opened + contact_after + timedelta(hours=rng.randint(49, 96)))
            close_ticket(ws, ticket.id, root_cause=rng.choice(ROOT_CAUSES))


def _win_back(ws: Workspace, rng: random.Random, surveys: dict[str, Survey], now: datetime) -> int:
    """Some detractors whose ticket was closed answer the same survey again a month later,
    most of them happier: the closed-loop report then has customers won back."""
    answered = 0
    for ticket in list_tickets(ws, limit=100_000).items:
        response = answers.list_responses(ws, customer=ticket.customer_id, limit=1).responses
        if ticket.status != "closed" or not response or rng.random() < 0.4:
            continue
        survey = surveys[response[0].survey_id]
        later = response[0].submitted_at + timedelta(days=35)
        if survey.kind not in ("nps", "nps_plus") or later > now:
            continue
        ws.clock = _at(later)
        invitation = answers.invite(ws, survey.id, ticket.customer_id)
        language = rng.choice(survey.languages)
        score = rng.choice([6, 8, 9, 9, 10])
        mood = "happy" if score >= 9 else "so-so"
        answers.submit(
            ws,
            survey,
            invitation.customer_id,
            Answer(
                score=score,
                root_cause=CAUSES[mood] if survey.kind == "nps_plus" else None,
                comment=rng.choice(COMMENTS[mood][language]),
                language=language,
            ),
            known=invitation.known,
            channel="email",
            invitation_id=invitation.id,
        )
        answered += 1
    return answered


def _at(moment: datetime) -> Clock:
    return FixedClock(moment)
