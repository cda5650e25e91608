"""`journeys text analyse`: comments from a file, standard input or a CSV column."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from journeys.cli import app
from journeys.errors import ImportFailed
from journeys.feedback.text import TaxonomyInvalid
from journeys.feedback.text import cli as text_cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMENTS = (
    "Snelle levering, top!\n\nThe staff were rude and unhelpful.\n"
    "Kunnen jullie ook via iDEAL betalen?\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def analyse(runner: CliRunner, tmp_path: Path, *args: str, stdin: str | None = None) -> str:
    """Run the command; fail with its output when it does not succeed."""
    result = runner.invoke(
        app, ["text", "analyse", *args, "-w", str(tmp_path / "ws")], input=stdin,
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_lines_from_standard_input_print_a_table(runner: CliRunner, tmp_path: Path) -> None:
    output = analyse(runner, tmp_path, stdin=COMMENTS)
    # The first line of each row (a narrow terminal wraps the comment column)
    rows = [line for line in output.splitlines() if re.match(r"│ \d+ ", line)]
    assert len(rows) == 3  # the blank line is no comment
    first, second, third = rows
    assert "nl" in first and "positive" in first and "praise" in first and "delivery" in first
    assert "en" in second and "negative" in second and "complaint" in second and "staff" in second
    assert "question" in third and "billing" in third
    assert "language" in output and "sentiment" in output and "topics" in output


def test_long_comments_are_cut_in_the_table(runner: CliRunner, tmp_path: Path) -> None:
    output = analyse(runner, tmp_path, stdin="Heel erg tevreden " * 20 + "\n")
    assert "…" in output and output.count("tevreden") < 20


def test_json_prints_one_object_per_line(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "comments.txt"
    file.write_text(COMMENTS, encoding="utf-8")
    output = analyse(runner, tmp_path, str(file), "--json")
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["text"] for r in records] == [
        "Snelle levering, top!",
        "The staff were rude and unhelpful.",
        "Kunnen jullie ook via iDEAL betalen?",
    ]
    assert set(records[0]) == {"text", "language", "sentiment", "label", "kind", "topics"}
    assert [r["language"] for r in records] == ["nl", "en", "nl"]
    assert [r["kind"] for r in records] == ["praise", "complaint", "question"]
    assert records[1]["sentiment"] < 0 < records[0]["sentiment"]


def test_a_csv_column_with_its_root_causes(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "answers.csv"
    file.write_text(
        "id;score;reason;comment\n"
        '1;9;price;"Goede service; snel geholpen"\n'
        "2;3;;De bezorger was onbeleefd\n"
        '3;8;Levering;"Multi-line\ncomment, fine"\n',
        encoding="utf-8",
    )
    output = analyse(
        runner, tmp_path, str(file), "--column", "comment", "--root-cause-column", "reason",
        "--json",
    )  # fmt: skip
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["root_cause"] for r in records] == ["price", None, "Levering"]
    assert records[0]["text"] == "Goede service; snel geholpen"
    assert records[0]["topics"] == ["price", "waiting-time"]
    assert records[1]["topics"] == ["staff", "delivery"]
    assert records[2]["text"] == "Multi-line\ncomment, fine" and records[2]["topics"] == [
        "delivery"
    ]


def test_a_single_column_csv_needs_no_column_option(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "texts.csv"
    file.write_text('text\n"Top service, dank je"\n"Slecht, te duur"\n', encoding="utf-8")
    records = [json.loads(x) for x in analyse(runner, tmp_path, str(file), "--json").splitlines()]
    assert [r["label"] for r in records] == ["positive", "negative"]


def test_a_csv_without_the_column_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "answers.csv"
    file.write_text("id,comment\n1,Prima\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "analyse", str(file), "--column", "opmerking"])
    assert isinstance(result.exception, ImportFailed)
    assert "no column 'opmerking'" in result.exception.message
    assert "columns: id, comment" in result.exception.message
    several = runner.invoke(app, ["text", "analyse", str(file)])
    assert isinstance(several.exception, ImportFailed)
    assert "--column" in several.exception.message


def test_a_missing_or_non_utf8_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["text", "analyse", str(tmp_path / "nope.txt")])
    assert isinstance(missing.exception, ImportFailed)
    assert "nope.txt" in missing.exception.message
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Café was dicht\n".encode("latin-1"))
    result = runner.invoke(app, ["text", "analyse", str(latin1)])
    assert isinstance(result.exception, ImportFailed)
    assert "not UTF-8" in result.exception.message and "0xe9" in result.exception.message


def test_a_taxonomy_file_can_be_given(runner: CliRunner, tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("topics:\n  - id: coffee\n    keywords: {nl: [koffie]}\n", encoding="utf-8")
    output = analyse(runner, tmp_path, "--taxonomy", str(own), "--json", stdin="Koude koffie\n")
    assert json.loads(output)["topics"] == ["coffee"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("topics:\n  - id: coffee\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "analyse", "--taxonomy", str(broken)], input="x\n")
    assert isinstance(result.exception, TaxonomyInvalid)
    assert "topics[0].keywords" in result.exception.message


def test_the_console_script_prints_one_error_line(tmp_path: Path) -> None:
    file = tmp_path / "answers.csv"
    file.write_text("id,comment\n1,Prima\n", encoding="utf-8")
    journeys = str(Path(sys.executable).parent / "journeys")
    done = subprocess.run(
        [journeys, "text", "analyse", str(file), "--column", "text"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error (import_failed): {file} has no column 'text' (columns: id, comment)"
    ]


def test_the_command_is_documented() -> None:
    text = (DOCS / "feedback" / "text-analytics.md").read_text(encoding="utf-8")
    group = typer.main.get_group(text_cli.app)
    for name in group.commands:
        assert f"`journeys text {name}" in text
