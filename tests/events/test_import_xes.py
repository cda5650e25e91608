"""XES import: the shared logs against pm4py's reader, and the importer test fixtures."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from journeys.errors import ImportFailed
from journeys.events.importing import ImportSummary, import_file
from journeys.store.eventlog import EventLog

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "event_logs"
FIXTURES = DATA / "xes_importer_tests"
NOW = datetime(2024, 5, 1, 12, 0)


def run(log: EventLog, path: Path, tmp_path: Path) -> ImportSummary:
    return import_file(log, path, received_at=NOW, rejects=tmp_path / f"{path.name}.rejects.jsonl")


def pm4py_log(path: Path) -> Any:
    # pm4py is AGPL: tests and benchmarks only. It warns about optional speedups on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        return pm4py.read_xes(str(path))


# -- the shared logs --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["receipt.xes", "running-example.xes", "helpdesk.xes.gz"])
def test_shared_logs_have_pm4pys_events_and_traces(
    log: EventLog, tmp_path: Path, name: str
) -> None:
    summary = run(log, DATA / name, tmp_path)
    reference = pm4py_log(DATA / name)
    events, cases = log.reader().execute(
        "SELECT count(*), count(DISTINCT user_id) FROM events"
    ).fetchone() or (0, 0)
    assert (summary.read, summary.stored, summary.refused) == (len(reference), len(reference), 0)
    assert (events, cases) == (len(reference), reference["case:concept:name"].nunique())


@pytest.mark.slow
def test_receipt_directly_follows_counts_equal_pm4pys(log: EventLog, tmp_path: Path) -> None:
    # Same cases, activities and order within each case, or the counts would differ.
    run(log, DATA / "receipt.xes", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        expected, _, _ = pm4py.discover_dfg(pm4py_log(DATA / "receipt.xes"))
    rows = (
        log.reader()
        .execute(
            """
        SELECT a, b, count(*) FROM (
            SELECT event AS a, lead(event) OVER (PARTITION BY user_id ORDER BY timestamp, seq) AS b
            FROM events
        ) WHERE b IS NOT NULL GROUP BY a, b
        """
        )
        .fetchall()
    )
    assert {(a, b): n for a, b, n in rows} == dict(expected)


def test_receipt_maps_case_channel_and_attributes(log: EventLog, tmp_path: Path) -> None:
    run(log, DATA / "receipt.xes", tmp_path)
    row = (
        log.reader()
        .execute(
            """
        SELECT user_id, event, channel, timestamp, properties->>'lifecycle:transition',
               properties->>'org:resource', properties->>'case:department'
        FROM events WHERE user_id = 'case-10011' ORDER BY timestamp, seq LIMIT 1
        """
        )
        .fetchone()
    )
    # 2011-10-11T13:45:40.276+02:00 in the file, stored as naive UTC.
    assert row == (
        "case-10011",
        "Confirmation of receipt",
        "internet",
        datetime(2011, 10, 11, 11, 45, 40, 276000),
        "complete",
        "Resource21",
        "General",
    )
    channels = dict(
        log.reader()
        .execute("SELECT channel, count(DISTINCT user_id) FROM events GROUP BY 1")
        .fetchall()
    )
    # The traces' channel attributes, counted with grep (1,434 traces).
    assert channels == {"internet": 1250, "desk": 109, "post": 53, "e-mail": 21, "intern": 1}


# -- the importer test fixtures ---------------------------------------------------------------
# file: ("refused", rule, reason) or ("imports", (read, refused), reason)
EXPECTED: dict[str, tuple[str, Any, str]] = {
    "attributeEventSwapped.xes": (
        "refused",
        "xes.order",
        "a log attribute after an event: declarations come first",
    ),
    "attributeTraceSwapped.xes": ("refused", "xes.order", "a log attribute after a trace"),
    "attributeValuesSwapped.xes": (
        "refused",
        "xes.order",
        "a list's own attribute after its <values>",
    ),
    "booleanCorrectValue.xes": ("imports", (0, 0), "valid; declarations only, no traces"),
    "booleanIncorrectValue.xes": (
        "refused",
        "xes.value",
        "<float value='yes'> in the log header has no row to refuse",
    ),
    "classifierAttributeSwapped.xes": (
        "imports",
        (0, 0),
        "declaration order does not change meaning (Disco writes attributes first)",
    ),
    "classifierCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "classifierEmptyKeys.xes": (
        "refused",
        "xes.classifier",
        "a classifier with no keys classifies nothing",
    ),
    "classifierEventCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "classifierEventSwapped.xes": ("refused", "xes.order", "a classifier after an event"),
    "classifierIncorrectKey.xes": (
        "refused",
        "xes.classifier",
        "classifier key 'resource' is declared by no global",
    ),
    "classifierIncorrectScope.xes": (
        "refused",
        "xes.attributes",
        "scope='incorrect' is neither trace nor event",
    ),
    "classifierNoAttributes.xes": (
        "refused",
        "xes.attributes",
        "a classifier without name and keys (and stray text '0')",
    ),
    "classifierTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "an unknown XML attribute on <classifier>",
    ),
    "classifierTraceCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "classifierTraceSwapped.xes": ("refused", "xes.order", "a classifier after a trace"),
    "dateCorrectValue.xes": ("imports", (0, 0), "valid"),
    "dateIncorrectValue.xes": ("refused", "xes.value", "'2002-0530T09:30:10Z' is not a date-time"),
    "dateNoTZD.xes": ("imports", (0, 0), "xs:dateTime allows no zone; read as UTC"),
    "elementIncorrect.xes": ("refused", "xes.element", "<text> is not an XES element"),
    "eventCorrectAttributes.xes": (
        "imports",
        (4, 4),
        "valid XES, but no event has a timestamp or a case id: each goes to the reject file",
    ),
    "eventIdenticalAttributes.xes": (
        "refused",
        "xes.duplicate_key",
        "the same key twice in one element: which value holds?",
    ),
    "eventIncorrectType.xes": (
        "imports",
        (4, 4),
        "<int key='org:resource'> refuses that event, not the file (the others lack case and time)",
    ),
    "eventTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "<event key=… value=…>: an event takes no XML attributes",
    ),
    "extensionAttributeSwapped.xes": (
        "imports",
        (0, 0),
        "declaration order; running-example.xes does the same",
    ),
    "extensionClassifierSwapped.xes": ("imports", (0, 0), "declaration order"),
    "extensionCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "extensionEventSwapped.xes": ("refused", "xes.order", "an extension declared after an event"),
    "extensionGlobalSwapped.xes": ("imports", (0, 0), "declaration order"),
    "extensionIncorrectKey.xes": (
        "refused",
        "xes.unknown_key",
        "concept:event is not a Concept key: a typo of concept:name would lose names",
    ),
    "extensionNoAttributes.xes": (
        "refused",
        "xes.attributes",
        "an extension without name, prefix and uri",
    ),
    "extensionNotDeclared.xes": (
        "imports",
        (0, 0),
        "org:resource is a standard key; a missing declaration changes nothing we read",
    ),
    "extensionStandard.xes": ("imports", (0, 0), "valid"),
    "extensionTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "an unknown XML attribute on <extension>",
    ),
    "extensionTraceSwapped.xes": ("refused", "xes.order", "an extension declared after a trace"),
    "globalAttributeSwapped.xes": ("imports", (0, 0), "declaration order"),
    "globalClassifierSwapped.xes": (
        "refused",
        "xes.global",
        "two event-scope globals: one per scope",
    ),
    "globalEventStringCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "globalEventSwapped.xes": ("refused", "xes.order", "a global after an event"),
    "globalIncorrectScope.xes": ("refused", "xes.attributes", "scope='incorrect'"),
    "globalNoAttributes.xes": ("imports", (0, 0), "an empty global, scope defaults to event"),
    "globalStringCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "globalStringNoAttributes.xes": ("refused", "xes.attributes", "<string> without key and value"),
    "globalStringTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "an unknown XML attribute on <string>",
    ),
    "globalTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "an unknown XML attribute on <global>",
    ),
    "globalTraceStringCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "globalTraceSwapped.xes": ("refused", "xes.order", "a global after a trace"),
    "idCorrectValue.xes": ("imports", (0, 0), "valid"),
    "idIncorrectValue.xes": ("refused", "xes.value", "'No ID' is neither a UUID nor a name"),
    "intCorrectValue.xes": ("imports", (0, 0), "valid"),
    "intIncorrectValue.xes": ("refused", "xes.value", "'0.0' is not an integer"),
    "listEmptyValues.xes": ("imports", (0, 0), "an empty list is a list"),
    "listNoValues.xes": ("refused", "xes.element", "a list without its <values> element"),
    "listTwoValues.xes": ("imports", (0, 0), "valid"),
    "logCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "logNoAttributes.xes": (
        "imports",
        (0, 0),
        "a bare <log>, as Disco writes (running-example.xes)",
    ),
    "logNoNestedAttributes.xes": ("imports", (0, 0), "declaring nesting without using it is fine"),
    "logOutOfPlace.xes": ("refused", "xes.element", "a <log> inside an event"),
    "logTooManyAttributes.xes": (
        "imports",
        (0, 0),
        "openxes.version is written by OpenXES (receipt.xes)",
    ),
    "noLog.xes": ("refused", "xes.xml", "an empty file"),
    "realCorrectValue.xes": ("imports", (0, 0), "valid"),
    "realIncorrectValue.xes": ("refused", "xes.value", "'1.0.0' is not a number"),
    "stringCorrectAttributes.xes": ("imports", (0, 0), "valid"),
    "stringNestedNotDeclared.xes": (
        "refused",
        "xes.features",
        "nested attributes without xes.features='nested-attributes'",
    ),
    "stringNoAttributes.xes": ("refused", "xes.attributes", "<string> without key and value"),
    "stringNotNestedButDeclared.xes": (
        "imports",
        (0, 0),
        "declaring nesting without using it is fine",
    ),
    "stringTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "an unknown XML attribute on <string>",
    ),
    "traceCorrectAttributes.xes": ("imports", (0, 0), "valid; a trace without events"),
    "traceEventSwapped.xes": ("refused", "xes.order", "a trace after an event outside traces"),
    "traceOutOfPlace.xes": ("refused", "xes.element", "a <trace> inside an event"),
    "traceTooManyAttributes.xes": (
        "refused",
        "xes.attributes",
        "<trace key=… value=…>: a trace takes no XML attributes",
    ),
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.xes")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_importer_fixture(log: EventLog, tmp_path: Path, name: str) -> None:
    outcome, detail, _reason = EXPECTED[name]
    if outcome == "imports":
        summary = run(log, FIXTURES / name, tmp_path)
        assert (summary.read, summary.refused, summary.stored) == (*detail, 0)
        return
    with pytest.raises(ImportFailed) as failed:
        run(log, FIXTURES / name, tmp_path)
    assert failed.value.message.startswith(f"{name}: ")
    assert failed.value.details["rule"] == detail
    if name != "noLog.xes":  # an empty file has no line to name
        assert f"line {failed.value.details['line']}: " in failed.value.message
    assert not (tmp_path / f"{name}.rejects.jsonl").exists()


def test_wrong_type_refuses_only_that_event(log: EventLog, tmp_path: Path) -> None:
    rejects = tmp_path / "eventIncorrectType.xes.rejects.jsonl"
    run(log, FIXTURES / "eventIncorrectType.xes", tmp_path)
    assert "org:resource must be a <string> (org extension), not <int>" in rejects.read_text()


# -- generated logs ---------------------------------------------------------------------------
def xes(*traces: str, header: str = "") -> str:
    return (
        '<log xes.version="1849.2016" xes.features="">'
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>'
        f"{header}{''.join(traces)}</log>"
    )


def trace(case: str, *events: tuple[str, str], extra: str = "") -> str:
    body = "".join(
        f'<event><string key="concept:name" value="{a}"/><date key="time:timestamp" value="{t}"/>'
        f"{extra}</event>"
        for a, t in events
    )
    return f'<trace><string key="concept:name" value="{case}"/>{body}</trace>'


def test_a_broken_file_stores_nothing_even_after_good_traces(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "late_break.xes"
    good = [trace(f"c{i}", ("a", "2024-01-01T10:00:00Z")) for i in range(50)]
    path.write_text(xes(*good, "<trace><bogus/></trace>"))
    with pytest.raises(ImportFailed, match=r"late_break.xes: line 1: unknown element <bogus>"):
        import_file(log, path, received_at=NOW, chunk_rows=10)
    assert log.reader().execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_bad_event_values_go_to_the_reject_file(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "values.xes"
    path.write_text(
        xes(
            trace("c1", ("a", "2024-01-01T10:00:00+02:00"), ("b", "2024-13-01T10:00:00Z")),
            trace("c2", ("a", "2024-01-01T10:00:00"), extra='<int key="n" value="x"/>'),
        )
    )
    summary = import_file(log, path, received_at=NOW)
    assert (summary.read, summary.stored, summary.refused) == (3, 1, 2)
    assert summary.reject_file == tmp_path / "values.xes.rejects.jsonl"
    reasons = summary.reject_file.read_text()
    assert "'2024-13-01T10:00:00Z' is not a valid date-time" in reasons
    assert "n: 'x' is not an integer" in reasons
    stored = log.reader().execute("SELECT user_id, event, timestamp FROM events").fetchall()
    assert stored == [("c1", "a", datetime(2024, 1, 1, 8, 0))]


def test_identical_events_in_a_trace_are_kept_and_stored_once(
    log: EventLog, tmp_path: Path
) -> None:
    path = tmp_path / "twins.xes"
    same = ("scan", "2024-01-01T10:00:00Z")
    path.write_text(xes(trace("c1", same, same, same)))
    first = import_file(log, path, received_at=NOW)
    again = import_file(log, path, received_at=NOW)
    assert (first.stored, again.stored, again.duplicates) == (3, 0, 3)


def test_xes_takes_no_mapping(log: EventLog, tmp_path: Path) -> None:
    from journeys.errors import InvalidInput
    from journeys.events.importers import ColumnMapping

    with pytest.raises(InvalidInput, match="XES files map themselves"):
        import_file(
            log, DATA / "running-example.xes", received_at=NOW, mapping=ColumnMapping(event="x")
        )
