"""Read an instrument file: YAML -> schema check -> cross-reference checks -> `Instrument`.

Loading is pure: it reads one file and returns an object; nothing is written, and warnings are
returned on the `Instrument` rather than printed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pydantic
import yaml

from . import checks
from .errors import InstrumentError, Problem
from .model import Instrument
from .schema import InstrumentFile

BUNDLED = Path(__file__).with_name("social_imp.yaml")


def load(path: str | Path | None = None) -> Instrument:
    """Load and validate an instrument file (default: the bundled Social IMP questionnaire).

    Parameters
    ----------
    path : str or Path, optional
        A YAML instrument file. None loads `instrument/social_imp.yaml`.

    Returns
    -------
    Instrument
        The validated questionnaire; `Instrument.warnings` lists what deserves a second look.

    Raises
    ------
    InstrumentError
        Listing every problem with its line: YAML syntax, duplicate keys or ids, unknown scales,
        items in no construct, hypotheses naming missing constructs or paths, ...

    Examples
    --------
    >>> import instrument
    >>> ins = instrument.load()
    >>> ins.version, len(ins.constructs)
    ('1.0.0', 11)
    """
    path = Path(path) if path is not None else BUNDLED
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(str(path), [Problem("file", f"cannot be read: {exc.strerror}")]) from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "<string>") -> Instrument:
    """Load an instrument from YAML text; `source` names it in error messages."""
    data, lines = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise InstrumentError(source, [Problem("top level", "must be a mapping of instrument fields", 1)])
    try:
        spec = InstrumentFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InstrumentError(source, [_schema_problem(err, lines) for err in exc.errors()]) from None
    errors = checks.errors(spec)
    if errors:
        raise InstrumentError(source, [_located(f, lines) for f in errors])
    return Instrument(
        spec=spec,
        content_hash=_content_hash(data),
        source=source,
        warnings=tuple(str(_located(f, lines)) for f in checks.warnings(spec)),
    )


def _content_hash(data: dict) -> str:
    """SHA-256 of the file's content, insensitive to comments, key order and layout."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _parse_yaml(text: str, source: str) -> tuple[object, dict[tuple[str, ...], int]]:
    """Parse YAML, refusing duplicate keys, and map each path in the document to its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InstrumentError(source, [Problem("YAML", str(getattr(exc, "problem", exc)), line)]) from None
    if root is None:
        raise InstrumentError(source, [Problem("file", "is empty")])
    lines: dict[tuple[str, ...], int] = {}
    duplicates: list[Problem] = []
    _index(root, (), lines, duplicates)
    if duplicates:
        raise InstrumentError(source, duplicates)
    return yaml.SafeLoader("").construct_document(root), lines


def _index(node: yaml.Node, path: tuple[str, ...], lines: dict, duplicates: list[Problem]) -> None:
    # PyYAML silently keeps the last of two equal keys; an instrument must not lose an item that way.
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                place = ".".join((*path, key.value))
                duplicates.append(Problem(place, f"duplicate key '{key.value}'", key.start_mark.line + 1))
            seen.add(key.value)
            _index(value, (*path, str(key.value)), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for n, value in enumerate(node.value):
            _index(value, (*path, str(n)), lines, duplicates)


def _line(loc: tuple, lines: dict) -> int | None:
    path = tuple(str(part) for part in loc)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def _place(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "top level"


def _schema_problem(error: dict, lines: dict) -> Problem:
    # pydantic adds union tags ("path", "function-after[...]") to the location; keep real keys only.
    loc = tuple(p for p in error["loc"] if isinstance(p, int) or "[" not in str(p))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
        loc = loc[:-1]
    elif error["type"] == "missing":
        message = f"missing required field '{loc[-1]}'"
        loc = loc[:-1]
    return Problem(_place(loc), message, _line(loc, lines))


def _located(finding: checks.Finding, lines: dict) -> Problem:
    return Problem(finding.place, finding.message, _line(finding.loc, lines))
