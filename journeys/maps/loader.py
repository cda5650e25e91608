"""Load journey files: YAML → :class:`Journey`, with every problem located by line and column.

The file is read with ruamel.yaml in round-trip mode, so every mapping and sequence keeps
the line and column of its keys and items. The plain data is validated by the Pydantic model,
then by the cross-file rules of ``rules.py``. Each Pydantic error and each rule finding becomes
a :class:`ValidationIssue` with a stable ``code`` (listed in ``ERROR_CODES``) and the position
of the YAML node it is about.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from journeys.errors import InvalidInput, JourneyFileInvalid
from journeys.maps.model import CHANNELS, Journey
from journeys.maps.rules import RULES, Finding, Loc, field_path, run_rules

LOADER_CODES: tuple[str, ...] = (
    "file_unreadable",
    "yaml_syntax",
    "not_a_mapping",
    "unknown_field",
    "missing_field",
    "wrong_type",
    "empty_value",
    "unknown_channel",
    "invalid_value",
    "out_of_range",
    "invalid_id",
    "matcher_unparseable",
)
ERROR_CODES: tuple[str, ...] = (*LOADER_CODES, *(rule.code for rule in RULES))
DOCUMENT = "<document>"  # the ``field`` of an issue about the file as a whole

_CHANNEL_FIELDS = {"channel", "preferred_channels"}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_EXPECTED = {
    "int": "a whole number",
    "bool": "true or false",
    "string": "text",
    "float": "a number",
    "list": "a list",
    "dict": "a mapping (key: value lines)",
    "model": "a mapping (key: value lines)",
}


class ValidationIssue(BaseModel):
    """One problem in a journey file, printed as ``file:line:column: code: field: message``."""

    file: str
    line: int
    column: int
    field: str
    code: str
    message: str

    def text(self) -> str:
        """The one-line form the CLI prints."""
        return f"{self.file}:{self.line}:{self.column}: {self.code}: {self.field}: {self.message}"


# -- public API -----------------------------------------------------------------------------


def load_journey(path: Path) -> Journey:
    """Load and validate one journey file; raise JourneyFileInvalid naming every problem."""
    return _accept(_check_file(path))


def load_journey_text(text: str, name: str = "<string>") -> Journey:
    """Load and validate journey YAML held in a string; ``name`` stands for the file."""
    return _accept(_check_text(text, name))


def load_journeys(folder: Path) -> list[Journey]:
    """Every ``*.yaml`` journey in a folder, by file name; any invalid file raises."""
    checked = [_check_file(p) for p in sorted(folder.glob("*.yaml"))]
    _check_journey_ids(checked)
    return [_accept(c) for c in checked]


def validate_files(paths: Iterable[Path]) -> list[ValidationIssue]:
    """Every issue of every file, in file then line order; never raises for bad content."""
    checked = [_check_file(p) for p in paths]
    _check_journey_ids(checked)
    return [issue for c in checked for issue in c.issues]


# -- checking -------------------------------------------------------------------------------


M = TypeVar("M", bound=BaseModel)


@dataclass
class Checked(Generic[M]):
    """A YAML file checked against a model: the model when valid, and every issue located."""

    file: str
    value: M | None
    issues: list[ValidationIssue]
    locator: _Locator | None = None

    @property
    def journey(self) -> M | None:
        return self.value

    def accept(
        self, what: str = "journey file", error: type[InvalidInput] = JourneyFileInvalid
    ) -> M:
        """The value, or ``error`` naming the first issue (all of them in its details)."""
        if self.value is not None and not self.issues:
            return self.value
        first, more = self.issues[0], len(self.issues) - 1
        suffix = f" (and {more} more issue{'s' if more > 1 else ''})" if more else ""
        raise error(
            f"invalid {what} {first.text()}{suffix}",
            details=[issue.model_dump() for issue in self.issues],
        )


_Checked = Checked[Journey]


def _accept(checked: _Checked) -> Journey:
    return checked.accept()


def _check_file(path: Path) -> _Checked:
    return check_file(path, Journey, run_rules)


def check_file(
    path: Path, model: type[M], rules: Callable[[M], list[Finding]] | None = None
) -> Checked[M]:
    """Read and check one YAML file against ``model`` (then its ``rules``); never raises."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        issue = _issue(
            str(path), 1, 1, DOCUMENT, "file_unreadable", f"cannot read the file: {reason}"
        )
        return Checked(str(path), None, [issue])
    return check_text(text, str(path), model, rules)


def _check_text(text: str, name: str) -> _Checked:
    return check_text(text, name, Journey, run_rules)


def check_text(
    text: str, name: str, model: type[M], rules: Callable[[M], list[Finding]] | None = None
) -> Checked[M]:
    """Check YAML text against ``model`` (then its ``rules``); ``name`` stands for the file."""
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as e:
        return Checked(name, None, [_syntax_issue(e, text, name)])
    except (RecursionError, ValueError) as e:  # nested past the parser's depth, huge numbers
        issue = _issue(name, 1, 1, DOCUMENT, "yaml_syntax", f"the file cannot be read: {e}")
        return Checked(name, None, [issue])
    if not isinstance(root, CommentedMap):
        what = "empty" if root is None else _describe(_plain(root))
        fields = ", ".join(f"{f}:" for f in list(model.model_fields)[:3])
        message = f"the file must be a mapping ({fields} …), but it is {what}"
        return Checked(name, None, [_issue(name, 1, 1, DOCUMENT, "not_a_mapping", message)])
    locator = _Locator(root)
    try:
        value = model.model_validate(_plain(root))
    except ValidationError as e:
        issues = [_issue_from_error(err, locator, name, model) for err in e.errors()]
        return Checked(name, None, _sorted(issues), locator)
    issues = []
    for finding in rules(value) if rules else []:
        line, column = locator.find(finding.loc)
        path = field_path(finding.loc)
        issues.append(_issue(name, line, column, path, finding.code, finding.message))
    return Checked(name, value, _sorted(issues), locator)


def _check_journey_ids(checked: Sequence[_Checked]) -> None:
    # Journeys are looked up by id across a folder, so two files may not share one.
    seen: dict[str, str] = {}
    for c in checked:
        if c.journey is None or c.locator is None:
            continue
        if c.journey.id in seen:
            line, column = c.locator.find(("id",))
            message = f"journey id {c.journey.id!r} is already used by {seen[c.journey.id]}"
            c.issues.append(_issue(c.file, line, column, "id", "duplicate_id", message))
        else:
            seen[c.journey.id] = c.file


def _sorted(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    return sorted(issues, key=lambda i: (i.line, i.column))


def _issue(
    file: str, line: int, column: int, field: str, code: str, message: str
) -> ValidationIssue:
    return ValidationIssue(
        file=file, line=line, column=column, field=field or DOCUMENT, code=code, message=message
    )


def _syntax_issue(error: YAMLError, text: str, name: str) -> ValidationIssue:
    line, column, message = 1, 1, str(error)
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        message = str(error.problem or error.context)
        if error.problem and error.context:
            message += f" ({error.context})"
        message = message.replace("\n", " ")
    elif isinstance(error, ReaderError):
        # A reader error carries a character offset instead of a line and column.
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        message = f"character {error.character!r} is not allowed in a YAML file"
    return _issue(name, line, column, DOCUMENT, "yaml_syntax", f"YAML syntax error: {message}")


def _plain(node: Any, memo: dict[int, Any] | None = None) -> Any:
    """Round-trip nodes (CommentedMap, ScalarFloat, …) as plain Python values."""
    # Aliases share one node; converting each node once keeps "billion laughs" files cheap.
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    if isinstance(node, dict):
        out: dict[Any, Any] = memo.setdefault(id(node), {})
        out.update((_plain(k, memo), _plain(v, memo)) for k, v in node.items())
        return out
    if isinstance(node, list):
        items: list[Any] = memo.setdefault(id(node), [])
        items.extend(_plain(v, memo) for v in node)
        return items
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


# -- locating -------------------------------------------------------------------------------


class _Locator:
    """Finds the 1-based line and column of a location path in the round-trip YAML tree."""

    def __init__(self, root: CommentedMap) -> None:
        self.root = root

    def find(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at ``loc`` (of its key with ``key=True``); falls back to
        the deepest node that exists, so a missing field points at its parent mapping."""
        node: Any = self.root
        line, column = node.lc.line, node.lc.col
        for i, part in enumerate(loc):
            try:
                if isinstance(node, CommentedMap) and part in node:
                    # An empty value (``name:``) has no position of its own: ruamel gives
                    # that of the next token, often on a later line, so point at the key.
                    at_key = (key and i == len(loc) - 1) or node[part] is None
                    line, column = node.lc.key(part) if at_key else node.lc.value(part)
                elif isinstance(node, CommentedSeq) and isinstance(part, int):
                    line, column = node.lc.item(part)
                else:
                    break
                node = node[part]
            except (KeyError, IndexError):
                break  # merged keys (<<) and the like carry no position of their own
        return line + 1, column + 1


# -- Pydantic errors → issues ---------------------------------------------------------------


def _issue_from_error(
    err: ErrorDetails, locator: _Locator, file: str, root: type[BaseModel]
) -> ValidationIssue:
    loc: Loc = tuple(err["loc"])
    code = _code_for(err["type"], loc, err["input"])
    if code == "missing_field":
        line, column = locator.find(loc[:-1])
    else:
        line, column = locator.find(loc, key=code == "unknown_field")
    # A non-text key is reported by its text, not as a list index.
    shown = (*loc[:-1], str(loc[-1])) if err["type"] == "invalid_key" else loc
    message = _message(code, err, loc, root)
    return _issue(file, line, column, field_path(shown), code, message)


def _code_for(error_type: str, loc: Loc, value: Any) -> str:
    """The stable issue code of one Pydantic error type."""
    name = _field_name(loc)
    if error_type in ("extra_forbidden", "invalid_key"):
        return "unknown_field"
    if error_type == "missing":
        return "missing_field"
    if error_type == "literal_error":
        return "unknown_channel" if name in _CHANNEL_FIELDS else "invalid_value"
    if error_type in _RANGE_ERRORS:
        return "out_of_range"
    if error_type == "string_pattern_mismatch" or (
        error_type == "string_too_long" and name == "id"
    ):
        return "invalid_id"
    if error_type in ("string_too_short", "too_short"):
        return "empty_value"
    if error_type == "value_error" and "where" in loc:
        return "matcher_unparseable"
    if _expected(error_type) is not None:
        return "empty_value" if value is None else "wrong_type"
    return "invalid_value"


def _message(code: str, err: ErrorDetails, loc: Loc, root: type[BaseModel]) -> str:
    """A sentence naming the bad value and what is allowed."""
    name, value, ctx = _short_path(loc), err["input"], err.get("ctx") or {}
    if code == "unknown_field":
        return _unknown_field_message(loc, err["type"] == "invalid_key", root)
    if code == "missing_field":
        return f"the {_kind(loc[:-1], root)} has no {loc[-1]!r}, which is required"
    if code == "unknown_channel":
        close = difflib.get_close_matches(str(value), CHANNELS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown channel {_show(value)}{hint}; allowed channels: {', '.join(CHANNELS)}"
    if code == "invalid_value" and "expected" in ctx:
        return f"{name} is {_show(value)}; allowed values: {ctx['expected']}"
    if code == "out_of_range":
        return f"{name} is {_show(value)}; it must be {_bounds(loc, ctx, root)}"
    if code == "invalid_id":
        return (
            f"{_show(value)} is not a valid id: use lower-case letters, digits, '-' and '_' "
            "(no spaces), starting with a letter or digit, at most 80 characters"
        )
    if code == "matcher_unparseable":
        return str(ctx.get("error", err["msg"]))
    if code == "empty_value":
        needs = "at least one item" if isinstance(value, list) else "a value"
        needs = "at least one character" if isinstance(value, str) else needs
        return f"{name} is empty; it needs {needs}"
    if code == "wrong_type":
        expected = _expected(err["type"]) or "another type"
        if loc[-2:-1] == ("where",):
            expected = "a filter written as text, e.g. \"path starts_with '/mortgage'\""
        return f"{name} must be {expected}, but it is {_describe(value)}"
    return f"{name} is {_show(value)}: {err['msg']}"


def _unknown_field_message(loc: Loc, bad_key: bool, root: type[BaseModel]) -> str:
    model = _model_at(loc[:-1], root)
    allowed = list(model.model_fields) if model else []
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    what = f"field name {loc[-1]!r} is not text" if bad_key else f"unknown field {key!r}"
    return f"{what} in the {_kind(loc[:-1], root)}{hint}; allowed fields: {', '.join(allowed)}"


def _expected(error_type: str) -> str | None:
    head, _, tail = error_type.partition("_")
    if tail in ("type", "parsing", "from_float", "attributes_type"):
        return _EXPECTED.get(head)
    return None


def _bounds(loc: Loc, ctx: dict[str, Any], root: type[BaseModel]) -> str:
    model, name = _model_at(loc[:-1], root), loc[-1]
    limits = {k: v for k, v in ctx.items() if k in ("ge", "le", "gt", "lt")}
    if model is not None and isinstance(name, str) and name in model.model_fields:
        for meta in model.model_fields[name].metadata:
            limits.update({k: getattr(meta, k) for k in ("ge", "le") if hasattr(meta, k)})
    if "ge" in limits and "le" in limits:
        return f"between {limits['ge']} and {limits['le']}"
    words = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
    return " and ".join(f"{words[k]} {v}" for k, v in limits.items())


def _field_name(loc: Loc) -> str | None:
    return next((p for p in reversed(loc) if isinstance(p, str)), None)


def _short_path(loc: Loc) -> str:
    """The field's own name with any list index after it (``where[1]``), for messages."""
    last = max((i for i, p in enumerate(loc) if isinstance(p, str)), default=0)
    return field_path(loc[last:]) or "the journey"


def _model_at(loc: Loc, root: type[BaseModel]) -> type[BaseModel] | None:
    """The model class of the mapping at ``loc`` (``root`` at the top)."""
    model: type[BaseModel] = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        inner = _inner_model(info.annotation) if info else None
        if inner is None:
            return None
        model = inner
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    args = get_args(annotation)  # list[X], X | None, Annotated[X, …]
    if not args:
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        return annotation if is_model else None
    for arg in args:
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _kind(loc: Loc, root: type[BaseModel]) -> str:
    model = _model_at(loc, root)
    if model is None:
        return "mapping"
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _describe(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
