"""The cross-file rules: each refuses its own kind of file, at the right line and field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from journeys.maps.loader import ValidationIssue
from journeys.maps.model import Journey
from journeys.maps.rules import RULES, Finding, run_rules

from journey_texts import MINIMAL, mortgage

IssuesOf = Callable[[str], list[ValidationIssue]]

TWO_STAGES = (
    mortgage(touchpoint="Calculator")
    + """\
        match:
          event: page
          where: ["path starts_with '/mortgage'", "context.campaign exists"]
  - id: apply
    name: Apply
    touchpoints:
      - id: {second_id}
        name: Application
        channel: app
        online: true
        match:
          event: page
          where: {second_where}
"""
)

BACKLOG_WITH_A_TYPO = MINIMAL + (
    "backlog:\n  - id: ok\n    title: Fine\n    touchpoint: calculator\n    impact: 2\n"
    "    effort: 1\n  - id: typo\n    title: Typo\n    touchpoint: calculater\n"
    "    impact: 2\n    effort: 1\n"
)


def _two_stages(second_id: str = "form", where: str = "[\"path = '/apply'\"]") -> str:
    return TWO_STAGES.format(second_id=second_id, second_where=where)


def test_registry_codes_are_unique_and_named() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == ["duplicate_id", "unknown_reference", "duplicate_matcher"]
    assert all(rule.summary and rule.check.__doc__ for rule in RULES)


def test_a_valid_file_passes_every_rule(issues_of: IssuesOf) -> None:
    assert issues_of(_two_stages()) == []


# (yaml text, (code, line, column, field), what the message names): one bad file per rule.
@pytest.mark.parametrize(
    ("text", "expected", "named"),
    [
        (
            _two_stages(second_id="calculator"),
            ("duplicate_id", 17, 13, "stages[1].touchpoints[0].id"),
            ["'calculator'", "stages[0].touchpoints[0]"],
        ),
        (
            BACKLOG_WITH_A_TYPO,
            ("unknown_reference", 19, 17, "backlog[1].touchpoint"),
            ["'calculater'", "did you mean 'calculator'?"],
        ),
        (
            _two_stages(where='["context.campaign exists", "path starts_with \'/mortgage\'"]'),
            ("duplicate_matcher", 22, 11, "stages[1].touchpoints[0].match"),
            ["'form'", "'calculator'"],
        ),
    ],
    ids=[
        "touchpoint_ids_are_unique_across_stages",
        "backlog_must_name_an_existing_touchpoint",
        "identical_matchers_are_ambiguous_whatever_the_filter_order",
    ],
)
def test_a_rule_points_at_the_line_column_and_field(
    issues_of: IssuesOf, text: str, expected: tuple[str, int, int, str], named: list[str]
) -> None:
    (issue,) = issues_of(text)
    assert (issue.code, issue.line, issue.column, issue.field) == expected
    for name in named:
        assert name in issue.message


@pytest.mark.parametrize(
    ("section", "item", "field"),
    [
        ("goals", "  - {id: grow, description: Grow}\n", "goals[1].id"),
        ("personas", "  - {id: pia, name: Pia}\n", "personas[1].id"),
        ("backlog", "  - {id: b, title: B, impact: 1, effort: 1}\n", "backlog[1].id"),
    ],
)
def test_ids_are_unique_per_kind(
    issues_of: IssuesOf, minimal: str, section: str, item: str, field: str
) -> None:
    (issue,) = issues_of(minimal + f"{section}:\n" + item * 2)
    assert (issue.code, issue.line, issue.field) == ("duplicate_id", 13, field)


def test_duplicate_stage_id_and_shared_ids_across_kinds(issues_of: IssuesOf, minimal: str) -> None:
    # A stage and a touchpoint may share an id: they are different kinds of thing.
    text = minimal + "  - id: explore\n    name: Again\n  - id: calculator\n    name: Calc\n"
    (issue,) = issues_of(text)
    assert (issue.code, issue.line, issue.field) == ("duplicate_id", 11, "stages[1].id")


def test_matchers_differing_in_a_filter_are_fine(issues_of: IssuesOf) -> None:
    where = '["context.campaign exists", "path starts_with \'/mortgages\'"]'
    assert issues_of(_two_stages(where=where)) == []


def test_each_bad_file_is_refused_by_exactly_one_named_rule(
    issues_of: IssuesOf, minimal: str
) -> None:
    bad = {
        "duplicate_id": _two_stages(second_id="calculator"),
        "unknown_reference": minimal
        + "backlog: [{id: b, title: B, touchpoint: nowhere, impact: 1, effort: 1}]\n",
        "duplicate_matcher": _two_stages(
            where='["path starts_with \'/mortgage\'", "context.campaign exists"]'
        ),
    }
    for code, text in bad.items():
        assert {i.code for i in issues_of(text)} == {code}


def test_rules_work_on_journeys_that_never_were_yaml() -> None:
    journey = Journey.model_validate(
        {
            "id": "j",
            "name": "J",
            "stages": [{"id": "s", "name": "S"}, {"id": "s", "name": "T"}],
            "backlog": [{"id": "b", "title": "B", "touchpoint": "x", "impact": 1, "effort": 1}],
        }
    )
    assert [(f.code, f.loc) for f in run_rules(journey)] == [
        ("duplicate_id", ("stages", 1, "id")),
        ("unknown_reference", ("backlog", 0, "touchpoint")),
    ]
    assert all(isinstance(f, Finding) for f in run_rules(journey, RULES[:1]))


def test_rules_run_only_once_the_model_validates(issues_of: IssuesOf) -> None:
    # Rules read a validated Journey; a file the model refuses gets only the model's issues.
    issues = issues_of(_two_stages(second_id="calculator").replace("channel: app", "channel: x"))
    assert [i.code for i in issues] == ["unknown_channel"]
