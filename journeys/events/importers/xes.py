"""XES event logs (IEEE 1849-2016, and the XES 1.0 files OpenXES and Disco write).

A case (trace ``concept:name``) becomes the user id, an event's ``concept:name`` the event
name and ``time:timestamp`` the timestamp. The other event attributes become properties as
they are (``lifecycle:transition``, ``org:resource``…), trace attributes too with a ``case:``
prefix, and an attribute named ``channel`` (event first, then trace) fills the channel,
lower-cased. List values become JSON arrays; meta-attributes nested in an attribute are
checked and dropped.

The file is streamed with lxml ``iterparse`` (elements are cleared as they are used), checked
against the standard, and refused with the line and a stable rule code when it breaks it. An
event whose own data cannot be used (an unreadable value, a standard attribute of the wrong
type, no case, activity or timestamp) goes to the reject file instead. Rows wait in an Arrow
file on disk until the whole file has passed, so a refused file stores nothing. Tolerated,
because real tools write them: a ``<log>`` without ``xes.version`` (Disco/Nitro), the
``openxes.version`` attribute (OpenXES), declarations in any order before the first trace,
standard keys used without declaring their extension, and dates without a zone (read as UTC).
"""

from __future__ import annotations

import json
import shlex
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from journeys.errors import ImportFailed, InvalidInput
from journeys.events.importers.base import (
    EMPTY,
    Chunk,
    ReadContext,
    SpillFile,
    failure,
    open_binary,
)
from journeys.events.importers.ids import Occurrences, content_id, epoch_us
from journeys.events.importers.rejects import RejectWriter
from journeys.events.importers.xes_values import (
    ATTRIBUTES,
    SCALARS,
    STANDARD_EXTENSIONS,
    Attribute,
    json_value,
    parse_value,
)
from journeys.events.messages import MAX_ID_LENGTH

_HEADER = ("extension", "global", "classifier", *ATTRIBUTES)
# Which elements may appear inside which (IEEE 1849-2016); attributes nest only as meta-data.
_CHILDREN: dict[str, tuple[str, ...]] = {
    "log": (*_HEADER, "trace", "event"),
    "global": ATTRIBUTES,
    "trace": (*ATTRIBUTES, "event"),
    "event": ATTRIBUTES,
    "list": (*ATTRIBUTES, "values"),
    "values": ATTRIBUTES,
    "container": ATTRIBUTES,
    **{tag: ATTRIBUTES for tag in SCALARS},
    "extension": (),
    "classifier": (),
}
# (required, optional) XML attributes per element.
_XML_ATTRIBUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "log": (frozenset(), frozenset({"xes.version", "xes.features", "openxes.version"})),
    "extension": (frozenset({"name", "prefix", "uri"}), frozenset()),
    "global": (frozenset(), frozenset({"scope"})),
    "classifier": (frozenset({"name", "keys"}), frozenset({"scope"})),
    "trace": (frozenset(), frozenset()),
    "event": (frozenset(), frozenset()),
    "values": (frozenset(), frozenset()),
    "list": (frozenset({"key"}), frozenset()),
    "container": (frozenset({"key"}), frozenset()),
    **{tag: (frozenset({"key", "value"}), frozenset()) for tag in SCALARS},
}
_SCOPES = ("trace", "event")


def read_xes(ctx: ReadContext) -> Iterator[Chunk]:
    """Events from an XES file (``.xes`` or gzip-compressed ``.xes.gz``)."""
    if ctx.mapping is not None:
        raise InvalidInput("XES files map themselves (case → user, activity → event); drop --map")
    with tempfile.TemporaryDirectory(prefix="journeys-xes-") as folder:
        spill = SpillFile(Path(folder) / "rows.arrow")
        _Parser(ctx.path, ctx.rejects, spill.add).parse()
        spill.close()
        total = spill.count + ctx.rejects.count
        yield from spill.chunks(ctx.chunk_rows, total)
        yield Chunk(EMPTY, ctx.rejects.count, total)


@dataclass(slots=True)
class _Frame:
    """An open element, with what its children told it so far."""

    tag: str
    line: int
    key: str | None = None  # attribute elements
    attribute: Attribute | None = None  # scalar attributes, read at their start
    attrs: dict[str, Attribute] = field(default_factory=dict)  # child attributes by key
    lines: dict[str, int] = field(default_factory=dict)  # where each child key was
    items: list[Any] = field(default_factory=list)  # list values
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, reason) for rows
    body: bool = False  # trace: an event began; list: its values began


class _Parser:
    """One pass over an XES file: checks it and hands each event's row to ``emit``."""

    def __init__(
        self, path: Path, rejects: RejectWriter, emit: Callable[[dict[str, Any]], None]
    ) -> None:
        self.path = path
        self.rejects = rejects
        self.emit = emit
        self.stack: list[_Frame] = []
        self.features: set[str] = set()
        self.phase = "header"  # then "traces", then "events" (events outside traces)
        self.body_line = 0
        self.extensions: dict[str, str] = {}  # declared prefix → standard extension
        self.globals: dict[str, tuple[int, set[str]]] = {}  # scope → (line, keys)
        self.classifiers: list[tuple[int, str, str, list[str]]] = []
        self.occurrences = Occurrences()
        self.root_seen = False

    def fail(self, problem: str, line: int | None, rule: str) -> ImportFailed:
        return failure(self.path, problem, line=line, rule=rule)

    # -- driving ----------------------------------------------------------------------------
    def parse(self) -> None:
        with open_binary(self.path) as raw:
            events = etree.iterparse(
                raw,
                events=("start", "end"),
                resolve_entities=False,  # no external entities: a file cannot read others
                no_network=True,
                remove_comments=True,
                remove_pis=True,
            )
            try:
                start, end = self.start, self.end
                for action, elem in events:
                    if action == "start":
                        start(elem)
                    else:
                        end(elem)
            except etree.XMLSyntaxError as exc:
                if not self.root_seen and self.path.stat().st_size == 0:
                    raise self.fail("the file is empty: no <log> element", None, "xes.xml") from exc
                if not self.root_seen:
                    problem = f"not an XML document, so no <log> element ({exc.msg})"
                    raise self.fail(problem, exc.lineno or None, "xes.xml") from exc
                raise self.fail(f"not well-formed XML: {exc.msg}", exc.lineno, "xes.xml") from exc

    def start(self, elem: etree._Element) -> None:
        tag = str(elem.tag)
        if tag[0] == "{":  # XES 1.0 files put everything in the XES namespace
            tag = tag[tag.index("}") + 1 :]
        line = elem.sourceline or 0
        if not self.stack:
            self.root_seen = True
            if tag != "log":
                raise self.fail(
                    f"the root element is <{tag}>, not <log>: not XES", line, "xes.root"
                )
        else:
            self._check_place(self.stack[-1], tag, line)
        self._check_xml_attributes(elem, tag, line)
        self._check_text_before(elem, tag, line)
        frame = _Frame(tag, line)
        if tag == "log":
            self.features = set((elem.get("xes.features") or "").split())
        elif tag in ATTRIBUTES:
            frame.key = elem.get("key")
            if tag in SCALARS:
                frame.attribute = _read(tag, elem.get("value") or "")
        elif tag == "extension":
            self._extension(elem)
        elif tag == "classifier":
            self._classifier(elem, line)
        elif tag == "global":
            self._global(elem, line)
        self.stack.append(frame)

    def end(self, elem: etree._Element) -> None:
        frame = self.stack.pop()
        if len(elem) == 0 and elem.text and elem.text.strip():
            raise self.fail(
                f"unexpected text {_short(elem.text)} in <{frame.tag}>", frame.line, "xes.text"
            )
        if frame.tag == "list" and not frame.body:
            raise self.fail(f"<list key={frame.key!r}> has no <values>", frame.line, "xes.element")
        if frame.tag in ATTRIBUTES:
            self._attach(frame)
        elif frame.tag == "values":
            self.stack[-1].items = frame.items
        elif frame.tag == "global":
            scope = elem.get("scope") or "event"
            self.globals[scope] = (frame.line, set(frame.attrs))
        elif frame.tag == "event":
            self._event(frame)
        elif frame.tag == "trace":
            self.occurrences = Occurrences()
        elif frame.tag == "log" and self.phase == "header":
            self._check_classifiers()
        if frame.tag in ("event", "trace"):
            # Free what was read: iterparse would otherwise keep the whole tree.
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del elem.getparent()[0]

    # -- structure --------------------------------------------------------------------------
    def _check_place(self, parent: _Frame, tag: str, line: int) -> None:
        if tag not in _CHILDREN:
            raise self.fail(f"unknown element <{tag}> in <{parent.tag}>", line, "xes.element")
        if tag not in _CHILDREN[parent.tag]:
            raise self.fail(f"<{tag}> cannot be inside <{parent.tag}>", line, "xes.element")
        if parent.tag == "log":
            self._check_log_order(tag, line)
        elif parent.tag == "trace":
            if tag == "event":
                parent.body = True
            elif parent.body:
                raise self.fail(
                    f"trace attribute <{tag}> after the trace's first event; attributes come first",
                    line,
                    "xes.order",
                )
        elif parent.tag == "list":
            if parent.body:
                raise self.fail(f"<{tag}> after the list's <values>", line, "xes.order")
            parent.body = tag == "values"
        nested = tag in ATTRIBUTES and parent.tag in (*SCALARS, "list")
        if nested and "nested-attributes" not in self.features:
            raise self.fail(
                f"<{tag}> nested in <{parent.tag}> but the log does not declare "
                'xes.features="nested-attributes"',
                line,
                "xes.features",
            )

    def _check_log_order(self, tag: str, line: int) -> None:
        if tag in _HEADER and self.phase != "header":
            first = "trace" if self.phase == "traces" else "event"
            raise self.fail(
                f"<{tag}> after the first <{first}> (line {self.body_line}); extensions, "
                "globals, classifiers and log attributes come before traces and events",
                line,
                "xes.order",
            )
        if tag == "trace" and self.phase == "events":
            raise self.fail(
                f"<trace> after an <event> outside any trace (line {self.body_line}); "
                "traces come first",
                line,
                "xes.order",
            )
        if tag in ("trace", "event") and self.phase != ("traces" if tag == "trace" else "events"):
            if self.phase == "header":
                self._check_classifiers()
            self.phase = "traces" if tag == "trace" else "events"
            self.body_line = line

    def _check_xml_attributes(self, elem: etree._Element, tag: str, line: int) -> None:
        attrib = elem.attrib
        if tag in SCALARS and len(attrib) == 2 and attrib.get("key") and "value" in attrib:
            return  # the common case, checked cheaply
        required, optional = _XML_ATTRIBUTES[tag]
        # Namespaced XML attributes (xsi:schemaLocation) are XML's business, not XES's.
        names = {str(n) for n in attrib if not str(n).startswith("{")}
        extra = sorted(names - required - optional)
        if extra:
            listed = ", ".join(repr(n) for n in extra)
            raise self.fail(
                f"<{tag}> does not take the XML attribute {listed}", line, "xes.attributes"
            )
        # An empty value is a value (the empty string); an empty key or name is not.
        missing = sorted(
            n for n in required if not attrib.get(n) and (n != "value" or n not in attrib)
        )
        if missing:
            listed = ", ".join(repr(n) for n in missing)
            raise self.fail(f"<{tag}> lacks the XML attribute {listed}", line, "xes.attributes")
        scope = elem.get("scope")
        if scope is not None and scope not in _SCOPES:
            raise self.fail(
                f"<{tag}> has scope={scope!r}; the scope is trace or event", line, "xes.attributes"
            )

    def _check_text_before(self, elem: etree._Element, tag: str, line: int) -> None:
        before = elem.getprevious()
        parent = elem.getparent()
        text = before.tail if before is not None else (parent.text if parent is not None else None)
        if text and text.strip():
            raise self.fail(f"unexpected text {_short(text)} before <{tag}>", line, "xes.text")

    # -- declarations -----------------------------------------------------------------------
    def _extension(self, elem: etree._Element) -> None:
        uri = elem.get("uri") or ""
        name = uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xesext").lower()
        if name in STANDARD_EXTENSIONS:
            self.extensions[elem.get("prefix") or ""] = name

    def _global(self, elem: etree._Element, line: int) -> None:
        scope = elem.get("scope") or "event"
        if scope in self.globals:
            first = self.globals[scope][0]
            raise self.fail(
                f'a second <global scope="{scope}"> (the first is on line {first}); there is '
                "one per scope",
                line,
                "xes.global",
            )
        self.globals[scope] = (line, set())

    def _classifier(self, elem: etree._Element, line: int) -> None:
        name = elem.get("name") or ""
        try:
            keys = shlex.split(elem.get("keys") or "")  # keys with spaces are single-quoted
        except ValueError as exc:
            raise self.fail(
                f"classifier {name!r} has unreadable keys ({exc})", line, "xes.classifier"
            ) from exc
        if not keys:
            raise self.fail(f"classifier {name!r} has no keys", line, "xes.classifier")
        self.classifiers.append((line, name, elem.get("scope") or "event", keys))

    def _check_classifiers(self) -> None:
        # Run once the header is complete: globals may follow the classifiers using them.
        for line, name, scope, keys in self.classifiers:
            declared = self.globals.get(scope, (0, set()))[1]
            for key in keys:
                if key not in declared:
                    raise self.fail(
                        f'classifier {name!r} uses {key!r}, which no <global scope="{scope}"> '
                        "declares",
                        line,
                        "xes.classifier",
                    )

    # -- attributes -------------------------------------------------------------------------
    def _attach(self, frame: _Frame) -> None:
        parent = self.stack[-1]
        attribute = self._value(frame)
        if parent.tag == "values":  # list items may share a key
            parent.items.append(attribute.value)
            return
        assert frame.key is not None
        if frame.key in parent.attrs:
            first = parent.lines[frame.key]
            raise self.fail(
                f"<{parent.tag}> has the key {frame.key!r} twice (also on line {first})",
                frame.line,
                "xes.duplicate_key",
            )
        self._check_key(frame.key, attribute, frame.line)
        parent.attrs[frame.key] = attribute
        parent.lines[frame.key] = frame.line

    def _value(self, frame: _Frame) -> Attribute:
        if frame.tag == "list":
            return Attribute("list", frame.items, None)
        if frame.tag == "container":
            return Attribute("container", {k: a.value for k, a in frame.attrs.items()}, None)
        assert frame.attribute is not None
        if frame.attribute.value is None:
            self._problem("bad_value", f"{frame.key}: {frame.attribute.text}", frame.line)
        return frame.attribute

    def _check_key(self, key: str, attribute: Attribute, line: int) -> None:
        prefix, colon, name = key.partition(":")
        extension = self.extensions.get(prefix) if colon else None
        if extension is not None and name not in STANDARD_EXTENSIONS[extension]:
            known = ", ".join(f"{prefix}:{k}" for k in STANDARD_EXTENSIONS[extension])
            raise self.fail(
                f"{key!r} is not an attribute of the {extension} extension (it defines {known})",
                line,
                "xes.unknown_key",
            )
        extension = extension or (prefix if colon and prefix in STANDARD_EXTENSIONS else None)
        expected = STANDARD_EXTENSIONS[extension].get(name) if extension else None
        if expected is not None and attribute.tag != expected:
            self._problem(
                "wrong_type",
                f"{key} must be a <{expected}> ({extension} extension), not <{attribute.tag}>",
                line,
            )

    def _problem(self, code: str, reason: str, line: int) -> None:
        """A data problem refuses the enclosing event (or a trace's events); else the file."""
        for frame in reversed(self.stack):
            if frame.tag in ("event", "trace"):
                frame.problems.append((code, f"line {line}: {reason}"))
                return
        raise self.fail(reason, line, "xes.value")

    # -- events -----------------------------------------------------------------------------
    def _event(self, event: _Frame) -> None:
        trace = self.stack[-1] if self.stack[-1].tag == "trace" else None
        problems = [*(trace.problems if trace else []), *event.problems, *_missing(event, trace)]
        if problems:
            self._reject(event, trace, problems)
            return
        assert trace is not None
        row = _row(event.attrs, trace.attrs, self.occurrences)
        if max(len(row["user_id"]), len(row["event"])) > MAX_ID_LENGTH:
            self._reject(event, trace, [("too_long", "the case id or activity is too long")])
            return
        self.emit(row)

    def _reject(self, event: _Frame, trace: _Frame | None, problems: list[tuple[str, str]]) -> None:
        case = trace.attrs.get("concept:name") if trace else None
        raw = {
            "case": case.text if case else None,
            "attributes": {
                k: a.text if a.text is not None else json_value(a.value)
                for k, a in event.attrs.items()
            },
        }
        reason = "; ".join(r for _, r in problems)
        self.rejects.add(code=problems[0][0], reason=reason, raw=raw, line=event.line)


def _read(tag: str, text: str) -> Attribute:
    try:
        return Attribute(tag, parse_value(tag, text), text)
    except ValueError as exc:
        return Attribute(tag, None, str(exc))


def _missing(event: _Frame, trace: _Frame | None) -> Iterator[tuple[str, str]]:
    if trace is None:
        yield "missing_case", "the event is outside any trace, so it has no case id"
    elif "concept:name" not in trace.attrs:
        yield "missing_case", f"its trace (line {trace.line}) has no concept:name (case id)"
    if "concept:name" not in event.attrs:
        yield "missing_activity", "the event has no concept:name (activity)"
    if "time:timestamp" not in event.attrs:
        yield "missing_timestamp", "the event has no time:timestamp"


_OWN = ("concept:name", "time:timestamp", "channel")


def _row(
    attrs: dict[str, Attribute], case_attrs: dict[str, Attribute], occurrences: Occurrences
) -> dict[str, Any]:
    user = str(case_attrs["concept:name"].value)
    event = str(attrs["concept:name"].value)
    timestamp = attrs["time:timestamp"].value
    channel_attr = attrs.get("channel") or case_attrs.get("channel")
    channel = str(channel_attr.value).lower() if channel_attr else None
    properties = {k: json_value(a.value) for k, a in attrs.items() if k not in _OWN}
    properties.update(
        {f"case:{k}": json_value(a.value) for k, a in case_attrs.items() if k not in _OWN}
    )
    text = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
    base = content_id("track", user, None, event, str(epoch_us(timestamp)), channel, text)
    return {
        "message_id": occurrences.next_id(base),
        "type": "track",
        "event": event,
        "user_id": user,
        "channel": channel,
        "timestamp": timestamp,
        "original_timestamp": timestamp,
        "properties": text,
    }


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 20 else text[:20] + "…")
