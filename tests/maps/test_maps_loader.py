"""The loader: every issue code, with the line, column and field it points at."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.errors import JourneyFileInvalid
from journeys.maps.loader import (
    ERROR_CODES,
    LOADER_CODES,
    ValidationIssue,
    load_journey,
    load_journey_text,
    load_journeys,
    validate_files,
)
from journeys.maps.rules import RULES

from journey_texts import mortgage

IssuesOf = Callable[[str], list[ValidationIssue]]

HEAD = "id: j\nname: J\nstages:\n  - id: s\n    name: S\n"
TOUCHPOINT = HEAD + "    touchpoints:\n      - id: t\n        name: T\n"

# (yaml text, code, line, column, field): one small bad file per issue code.
CASES = [
    (HEAD + "    colour: red\n", "unknown_field", 6, 5, "stages[0].colour"),
    ("id: j\nname: J\n1: x\nstages: [{id: s, name: S}]\n", "unknown_field", 3, 1, "1"),
    (
        TOUCHPOINT + "        online: true\n",
        "missing_field",
        7,
        9,
        "stages[0].touchpoints[0].channel",
    ),
    ("name: J\nstages: [{id: s, name: S}]\n", "missing_field", 1, 1, "id"),
    (
        TOUCHPOINT + "        channel: web\n        online: true\n        emotion: high\n",
        "wrong_type",
        11,
        18,
        "stages[0].touchpoints[0].emotion",
    ),
    ("id: j\nname: [J]\nstages: [{id: s, name: S}]\n", "wrong_type", 2, 7, "name"),
    (
        TOUCHPOINT + "        channel: fax\n        online: true\n",
        "unknown_channel",
        9,
        18,
        "stages[0].touchpoints[0].channel",
    ),
    (
        HEAD + "personas:\n  - id: p\n    name: P\n    preferred_channels: [web, telex]\n",
        "unknown_channel",
        9,
        31,
        "personas[0].preferred_channels[1]",
    ),
    (
        HEAD + "backlog:\n  - id: b\n    title: B\n    impact: 1\n    effort: 1\n"
        "    horizon: someday\n",
        "invalid_value",
        11,
        14,
        "backlog[0].horizon",
    ),
    (
        TOUCHPOINT + "        channel: web\n        online: true\n        emotion: 3\n",
        "out_of_range",
        11,
        18,
        "stages[0].touchpoints[0].emotion",
    ),
    (
        HEAD + "backlog:\n  - id: b\n    title: B\n    impact: 9\n    effort: 1\n",
        "out_of_range",
        9,
        13,
        "backlog[0].impact",
    ),
    (
        "id: j\nname: J\nstages:\n  - id: Stage One\n    name: S\n",
        "invalid_id",
        4,
        9,
        "stages[0].id",
    ),
    (
        TOUCHPOINT + "        channel: web\n        online: true\n        match:\n"
        "          event: page\n          where:\n            - path = '/a'\n"
        "            - path ~ '/mortgage'\n",
        "matcher_unparseable",
        15,
        15,
        "stages[0].touchpoints[0].match.where[1]",
    ),
    (HEAD.replace("name: S", "name: ''"), "empty_value", 5, 11, "stages[0].name"),
    ("id: j\nname: J\nstages: []\n", "empty_value", 3, 9, "stages"),
    ("id: j\nname:\nstages: [{id: s, name: S}]\n", "empty_value", 2, 1, "name"),
    ("id: j\nname: J\n  stages: []\n", "yaml_syntax", 3, 9, "<document>"),
    ("id: j\nid: k\nname: J\n", "yaml_syntax", 2, 1, "<document>"),
    ("- id: j\n- name: J\n", "not_a_mapping", 1, 1, "<document>"),
    ("", "not_a_mapping", 1, 1, "<document>"),
]


@pytest.mark.parametrize(("text", "code", "line", "column", "field"), CASES)
def test_issue_code_line_column_and_field(
    issues_of: IssuesOf, text: str, code: str, line: int, column: int, field: str
) -> None:
    issues = issues_of(text)
    assert [(i.code, i.line, i.column, i.field) for i in issues] == [(code, line, column, field)]
    assert issues[0].file.endswith("journey.yaml")
    assert issues[0].message


def test_every_loader_code_has_a_case() -> None:
    covered = {case[1] for case in CASES} | {"file_unreadable"}
    assert covered == set(LOADER_CODES)
    assert set(ERROR_CODES) == set(LOADER_CODES) | {rule.code for rule in RULES}
    assert len(ERROR_CODES) == len(set(ERROR_CODES))


def test_minimal_file_loads(write: Callable[..., Path], minimal: str) -> None:
    journey = load_journey(write(minimal))
    assert journey.id == "mortgage"
    assert [t.id for _, t in journey.touchpoints()] == ["calculator"]
    assert validate_files([write(minimal)]) == []


def test_messages_name_the_bad_value_and_what_is_allowed(issues_of: IssuesOf, minimal: str) -> None:
    text = minimal.replace("channel: web", "channel: wbe").replace("online: true", "onlin: true")
    by_code = {i.code: i.message for i in issues_of(text)}
    assert "'wbe'" in by_code["unknown_channel"]
    assert "did you mean 'web'?" in by_code["unknown_channel"]
    assert "in_person" in by_code["unknown_channel"]
    assert "did you mean 'online'?" in by_code["unknown_field"]
    assert "the touchpoint has no 'online'" in by_code["missing_field"]


def test_a_file_with_several_errors_reports_all_of_them(issues_of: IssuesOf) -> None:
    text = mortgage(journey_id="Mortgage Journey", touchpoint="Calculator", channel="fax")
    text += textwrap.dedent(
        """\
                emotion: 7
                match:
                  event: page
                  where: ["path ?? 1", "a in 3"]
        backlog:
          - id: b
            title: Faster
            impact: 3
            horizon: soon
        """
    )
    issues = issues_of(text)
    assert [(i.code, i.line, i.field) for i in issues] == [
        ("invalid_id", 1, "id"),
        ("unknown_channel", 9, "stages[0].touchpoints[0].channel"),
        ("out_of_range", 11, "stages[0].touchpoints[0].emotion"),
        ("matcher_unparseable", 14, "stages[0].touchpoints[0].match.where[0]"),
        ("matcher_unparseable", 14, "stages[0].touchpoints[0].match.where[1]"),
        ("missing_field", 16, "backlog[0].effort"),
        ("invalid_value", 19, "backlog[0].horizon"),
    ]
    assert "'in' needs a list" in issues[4].message


def test_load_journey_raises_naming_file_first_issue_and_count(
    write: Callable[..., Path], minimal: str
) -> None:
    path = write(minimal.replace("channel: web", "channel: fax").replace("Mortgage\n", "''\n"))
    with pytest.raises(JourneyFileInvalid) as caught:
        load_journey(path)
    error = caught.value
    assert error.status == 422 and error.code == "journey_invalid"
    assert error.message.startswith(f"invalid journey file {path}:2:7: empty_value: name: ")
    assert error.message.endswith("(and 1 more issue)")
    assert [d["code"] for d in error.details] == ["empty_value", "unknown_channel"]
    assert set(error.details[0]) == {"file", "line", "column", "field", "code", "message"}


def test_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"id: \xff\xfe\n")
    issues = validate_files([tmp_path / "missing.yaml", binary, tmp_path])
    assert [(i.code, i.line, i.column, i.field) for i in issues] == [
        ("file_unreadable", 1, 1, "<document>"),
    ] * 3
    with pytest.raises(JourneyFileInvalid, match="file_unreadable"):
        load_journey(tmp_path / "missing.yaml")


def test_yaml_syntax_error_keeps_the_parser_position(issues_of: IssuesOf) -> None:
    (issue,) = issues_of("id: j\nname: J\nstages: [{id: s, name: S}\n")
    assert (issue.code, issue.line) == ("yaml_syntax", 4)
    assert "expected ',' or ']'" in issue.message
    (issue,) = issues_of("id: j\nname: \x01\n")
    assert (issue.code, issue.line, issue.column) == ("yaml_syntax", 2, 7)


def test_validate_files_reports_every_file_without_raising(
    write: Callable[..., Path], minimal: str
) -> None:
    good = write(minimal, "good.yaml")
    bad = write(minimal.replace("online: true", "online: sometimes"), "bad.yaml")
    worse = write("[1, 2]", "worse.yaml")
    issues = validate_files([good, bad, worse])
    assert [(Path(i.file).name, i.code) for i in issues] == [
        ("bad.yaml", "wrong_type"),
        ("worse.yaml", "not_a_mapping"),
    ]
    assert issues[0].text() == (
        f"{bad}:10:17: wrong_type: stages[0].touchpoints[0].online: "
        "online must be true or false, but it is the text 'sometimes'"
    )


def test_two_files_may_not_share_a_journey_id(write: Callable[..., Path], minimal: str) -> None:
    first, second = write(minimal, "a.yaml"), write(minimal, "b.yaml")
    (issue,) = validate_files([first, second])
    assert (Path(issue.file).name, issue.code, issue.line, issue.field) == (
        "b.yaml",
        "duplicate_id",
        1,
        "id",
    )
    with pytest.raises(JourneyFileInvalid, match="duplicate_id"):
        load_journeys(first.parent)


def test_load_journeys_reads_every_yaml_file_of_a_folder(
    write: Callable[..., Path], minimal: str
) -> None:
    write(minimal.replace("id: mortgage", "id: b-journey"), "b.yaml")
    write(minimal.replace("id: mortgage", "id: a-journey"), "a.yaml")
    write("not: a journey", "notes.txt")
    folder = write(minimal, "c.yaml").parent
    assert [j.id for j in load_journeys(folder)] == ["a-journey", "b-journey", "mortgage"]


def test_load_journey_text_names_the_source(minimal: str) -> None:
    with pytest.raises(JourneyFileInvalid, match=r"^invalid journey file inline:1:1: "):
        load_journey_text("- 1", name="inline")
    assert load_journey_text(minimal).name == "Mortgage"


def test_anchors_and_merge_keys_are_read(issues_of: IssuesOf, minimal: str) -> None:
    text = minimal + (
        "      - &base\n        id: app\n        name: App\n        channel: app\n"
        "        online: true\n      - <<: *base\n        id: app-2\n        channel: fax\n"
    )
    (issue,) = issues_of(text)
    assert (issue.code, issue.line, issue.field) == (
        "unknown_channel",
        18,
        "stages[0].touchpoints[2].channel",
    )
