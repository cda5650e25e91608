"""Northbank, the demo bank: mortgage amounts, branches and event properties."""

from __future__ import annotations

from random import Random
from typing import Any

from journeys.demo.domains.base import COMMON_EXTRAS, Domain, Extra, State, digits, pick

BRANCHES = (
    ("BR-101", "Amsterdam Zuid"),
    ("BR-104", "Utrecht Centrum"),
    ("BR-112", "Rotterdam Kralingen"),
    ("BR-118", "Den Haag Centrum"),
    ("BR-125", "Amersfoort"),
    ("BR-131", "Eindhoven"),
    ("BR-140", "Groningen"),
)
RATES = {10: 3.72, 20: 3.98, 30: 4.11}


def _loan(rng: Random, state: State) -> dict[str, Any]:
    # One house per customer: every event about the loan tells the same story.
    if "property_value" not in state:
        value = round(rng.lognormvariate(12.85, 0.3), -3)
        state["property_value"] = value
        state["loan_amount"] = round(value * rng.uniform(0.75, 1.0), -3)
        state["term_years"] = pick(rng, (30, 30, 30, 20, 10))
    return {
        "loan_amount": state["loan_amount"],
        "property_value": state["property_value"],
        "term_years": state["term_years"],
        "currency": "EUR",
    }


def _calculated(rng: Random, state: State) -> dict[str, Any]:
    props = _loan(rng, state)
    # People try several incomes and terms; the property value stays.
    props["term_years"] = pick(rng, (10, 20, 30, 30))
    props["loan_amount"] = round(props["loan_amount"] * rng.uniform(0.85, 1.1), -3)
    rate = RATES[props["term_years"]]
    months, r = 12 * props["term_years"], rate / 1200
    monthly = props["loan_amount"] * r / (1 - (1 + r) ** -months)
    income = round(props["loan_amount"] / rng.uniform(4.0, 5.2), -2)
    return {
        **props,
        "interest_rate": rate,
        "monthly_payment": round(monthly, 2),
        "gross_income": income,
        "nhg": props["loan_amount"] <= 450_000,
    }


def _eligibility(rng: Random, state: State) -> dict[str, Any]:
    employment = pick(rng, ("permanent", "permanent", "temporary", "self_employed"))
    state["employment"] = employment
    return {"product": "mortgage", "employment_type": employment, "applicants": pick(rng, (1, 2))}


def _branch(rng: Random, state: State) -> dict[str, Any]:
    branch_id, name = BRANCHES[state.setdefault("branch", int(rng.random() * len(BRANCHES)))]
    return {"branch_id": branch_id, "branch_name": name}


def _booked(rng: Random, state: State) -> dict[str, Any]:
    return {
        **_branch(rng, state),
        "topic": "mortgage",
        "appointment_type": "mortgage_advice",
        "days_ahead": 2 + int(rng.expovariate(1 / 6)),
    }


def _attended(rng: Random, state: State) -> dict[str, Any]:
    return {
        **_branch(rng, state),
        "appointment_type": "mortgage_advice",
        "adviser_id": f"adv-{digits(rng, 3)}",
        "duration_minutes": pick(rng, (45, 60, 60, 90)),
    }


def _call(rng: Random, state: State) -> dict[str, Any]:
    props = COMMON_EXTRAS["call_started"](rng, state)
    props["queue"] = "advice"
    return props


def _video(rng: Random, state: State) -> dict[str, Any]:
    return {"adviser_id": f"adv-{digits(rng, 3)}", "platform": "teams", "participants": 2}


def _application(rng: Random, state: State) -> dict[str, Any]:
    state.setdefault("application_id", f"MA-{digits(rng, 7)}")
    return {
        **_loan(rng, state),
        "application_id": state["application_id"],
        "nhg": state["loan_amount"] <= 450_000,
        "interest_rate": RATES[state["term_years"]],
    }


def _documents(rng: Random, state: State) -> dict[str, Any]:
    doc = pick(rng, ("payslip", "employer_statement", "bank_statement", "purchase_contract"))
    return {
        "application_id": state.get("application_id", f"MA-{digits(rng, 7)}"),
        "document_type": doc,
        "files": 1 + int(rng.random() * 3),
        "accepted": rng.random() < 0.7,
    }


def _valuation(rng: Random, state: State) -> dict[str, Any]:
    value = float(_loan(rng, state)["property_value"])
    return {
        "valuation_amount": round(value * rng.uniform(0.95, 1.04), -3),
        "valuer": pick(rng, ("Taxatiebureau Noord", "Van Dijk Taxaties", "Stadsmakelaars")),
        "application_id": state.get("application_id"),
    }


def _offer(rng: Random, state: State) -> dict[str, Any]:
    return {"application_id": state.get("application_id"), **_loan(rng, state)}


def _completed(rng: Random, state: State) -> dict[str, Any]:
    return {
        **_loan(rng, state),
        "deed_signed": True,
        "notary": pick(rng, ("Notariaat Centrum", "De Notarissen", "Notaris Bakker")),
    }


def _overview(rng: Random, state: State) -> dict[str, Any]:
    loan = float(_loan(rng, state)["loan_amount"])
    return {"outstanding_balance": round(loan * 0.998, 2), "overpayment_room": round(loan * 0.1)}


def _ad(rng: Random, state: State) -> dict[str, Any]:
    return {
        "utm_source": pick(rng, ("facebook", "instagram")),
        "utm_medium": "paid_social",
        "utm_campaign": "first-home",
        "ad_id": f"ad-{digits(rng, 6)}",
    }


def _traits(rng: Random, persona: str | None) -> dict[str, Any]:
    return {
        "existing_customer": rng.random() < (0.8 if persona == "moving-family" else 0.45),
        "first_time_buyer": persona == "first-time-buyers",
        "income_band": pick(rng, ("40-60k", "60-80k", "80-100k", "100k+")),
    }


EXTRAS: dict[str, Extra] = {
    **COMMON_EXTRAS,
    "ad_clicked": _ad,
    "mortgage_calculated": _calculated,
    "eligibility_check_started": _eligibility,
    "call_started": _call,
    "appointment_booked": _booked,
    "appointment_attended": _attended,
    "video_call_started": _video,
    "mortgage_application_submitted": _application,
    "documents_uploaded": _documents,
    "valuation_completed": _valuation,
    "email_opened": lambda rng, state: {
        **COMMON_EXTRAS["email_opened"](rng, state),
        **_offer(rng, state),
    },
    "offer_signed": lambda rng, state: {
        "application_id": state.get("application_id"),
        "signers": 2 if rng.random() < 0.6 else 1,
    },
    "mortgage_completed": _completed,
    "mortgage_overview": _overview,
}

MORTGAGE = Domain(
    brand="Northbank",
    host="https://www.northbank.example",
    pages=(
        ("home", "/", "Northbank — banking for the north"),
        ("current_accounts", "/current-accounts", "Current accounts"),
        ("savings", "/savings", "Savings"),
        ("credit_cards", "/credit-cards", "Credit cards"),
        ("help_article", "/help/login-problems", "Can't log in?"),
        ("help_article", "/help/contact", "Contact us"),
        ("help_article", "/help/mortgage-faq", "Mortgage questions"),
        ("branches", "/branches", "Find a branch"),
        ("login", "/login", "Log in"),
        ("insurance", "/insurance/home", "Home insurance"),
    ),
    searches=(
        "mortgage interest",
        "nhg",
        "transfer limit",
        "bridge loan",
        "iban",
        "overpay mortgage",
        "self employed mortgage",
        "opening hours",
    ),
    screens=(
        ("accounts_overview", {}),
        ("transactions", {}),
        ("payments", {}),
        ("cards", {}),
        ("savings_goals", {}),
        ("messages", {}),
    ),
    chat_topics=("card_blocked", "payments", "general", "login"),
    words=(
        "first-home",
        "costs",
        "nhg",
        "steps",
        "moving",
        "interest-only",
        "10-years",
        "20-years",
        "30-years",
        "sustainable-home",
    ),
    extras=EXTRAS,
    traits=_traits,
)
