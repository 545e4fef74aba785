"""PLS model syntax -> a `Spec`: constructs, their items and modes, and the structural paths.

lavaan-style, as csem and seminr's ``lavaan2seminr`` read it: ``C =~ x1 + x2`` a reflective construct
(mode A; a common factor under PLSc), ``C <~ x1 + x2`` a formative one (mode B, regression weights),
``Y ~ X + Z`` structural paths, ``Y ~ X + M + X:M`` an interaction term (two-stage). A variable on a
``~`` line that no ``=~``/``<~`` line defines is a single-item construct measured by the column of
that name. Comments start with ``#``; a line ending in ``+`` or an operator continues on the next.
Anything else (``~~``, ``:=``, labels, fixed values) names its line and column in a `ModelSyntaxError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ModelError
from ..syntax import ModelSyntaxError

OPERATORS = ("=~", "<~", "~")  # "=~" and "<~" before "~"
NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*$")
CONTINUES = re.compile(r"(\+|=~|<~|~)\s*$")


@dataclass(frozen=True)
class Spec:
    """A PLS path model: constructs in order, each one's items and mode ("A" or "B"), paths (source, target),
    and interaction terms (iv, moderator, name)."""

    constructs: tuple[str, ...]
    items: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]
    interactions: tuple[tuple[str, str, str], ...] = ()

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every item, block by block (each item once)."""
        return tuple(item for c in self.constructs for item in self.items[c])

    def antecedents(self, target: str) -> list[str]:
        return [s for s, t in self.paths if t == target]

    @property
    def endogenous(self) -> list[str]:
        return list(dict.fromkeys(t for _, t in self.paths))

    @property
    def measured(self) -> tuple[str, ...]:
        """The items read from the data: every indicator but the interaction terms' score products."""
        terms = {name for *_, name in self.interactions}
        return tuple(item for item in self.indicators if item not in terms)

    def main_effects(self) -> Spec:
        """The first stage of the two-stage interaction approach: the model without its interaction terms."""
        terms = {name for *_, name in self.interactions}
        constructs = tuple(c for c in self.constructs if c not in terms)
        return Spec(constructs, {c: self.items[c] for c in constructs}, {c: self.modes[c] for c in constructs},
                    tuple(p for p in self.paths if p[0] not in terms))  # fmt: skip

    def without_path(self, source: str, target: str) -> Spec:
        """The model without ``target ~ source``; constructs left without any path are dropped (seminr)."""
        paths = tuple(p for p in self.paths if p != (source, target))
        kept = {c for p in paths for c in p}
        constructs = tuple(c for c in self.constructs if c in kept)
        return Spec(constructs, {c: self.items[c] for c in constructs}, {c: self.modes[c] for c in constructs}, paths,
                    tuple(i for i in self.interactions if i[2] in kept))  # fmt: skip


def parse(text: str) -> Spec:
    """Read PLS model syntax.

    Examples
    --------
    >>> spec = parse("Image =~ IMAG1 + IMAG2\\nValue <~ PERV1 + PERV2\\nValue ~ Image")
    >>> spec.constructs, spec.modes["Value"], spec.paths
    (('Image', 'Value'), 'B', (('Image', 'Value'),))
    """
    if not isinstance(text, str):
        raise TypeError(f"model must be PLS model syntax as a string, not {type(text).__name__}")
    items: dict[str, tuple[str, ...]] = {}
    modes: dict[str, str] = {}
    paths: list[tuple[str, str]] = []
    interactions: list[tuple[str, str, str]] = []
    for statement, line in _statements(text):
        op, lhs, terms = _split(statement, line)
        if op in ("=~", "<~"):
            if lhs in items:
                raise ModelSyntaxError(f"construct '{lhs}' is defined twice", statement, line, 0)
            items[lhs] = tuple(name for name, _ in terms)
            modes[lhs] = "A" if op == "=~" else "B"
            continue
        for term, column in terms:
            if ":" in term:
                iv, moderator = _interaction(term, statement, line, column)
                interactions.append((iv, moderator, term))
            if (term, lhs) in paths:
                raise ModelSyntaxError(f"path '{lhs} ~ {term}' is given twice", statement, line, column)
            paths.append((term, lhs))
    if not paths:
        raise ModelError("a PLS model needs structural paths: give at least one 'Y ~ X' line")
    return _spec(items, modes, paths, interactions)


def _spec(items: dict, modes: dict, paths: list, interactions: list) -> Spec:
    terms = {name for *_, name in interactions}
    in_paths = list(dict.fromkeys(c for p in paths for c in p if c not in terms))
    for iv, moderator, name in interactions:
        missing = [c for c in (iv, moderator) if c not in in_paths]
        if missing:
            target = next(t for s, t in paths if s == name)
            raise ModelError(f"the interaction term '{name}' needs the main effect of '{missing[0]}' as well: "
                             f"add '{missing[0]}' to the '{target} ~' line")  # fmt: skip
    for c, members in items.items():
        nested = [m for m in members if m in items]
        if nested:
            raise ModelError(f"construct '{c}' is measured by construct '{nested[0]}': higher-order constructs are not "
                             "supported by analysis.pls yet; estimate the lower-order scores first")  # fmt: skip
    unused = [c for c in items if c not in in_paths]
    if unused:
        raise ModelError(f"construct '{unused[0]}' is in no structural path; PLS estimates only connected constructs")
    constructs = [c for c in items] + [c for c in in_paths if c not in items]
    for c in constructs:
        if c not in items:
            items[c], modes[c] = (c,), "A"  # a single-item construct
    seen: dict[str, str] = {}
    for c in constructs:
        for item in items[c]:
            if item in seen:
                raise ModelError(f"item '{item}' measures both '{seen[item]}' and '{c}'; give each item one construct")
            seen[item] = c
    for *_, name in interactions:
        items[name], modes[name] = (name,), "A"
    constructs += [name for *_, name in interactions]
    spec = Spec(tuple(constructs), items, modes, tuple(paths), tuple(interactions))
    _check_recursive(spec)
    return spec


def _statements(text: str):
    """(statement, first line number) pairs; comments dropped, continued lines joined."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not buffer:
            start = number
        buffer = f"{buffer} {line}".strip()
        if CONTINUES.search(buffer):
            continue
        yield buffer, start
        buffer = ""
    if buffer:
        yield buffer, start


def _split(statement: str, line: int) -> tuple[str, str, list[tuple[str, int]]]:
    for bad in ("~~", ":=", "==", "*"):
        if bad in statement:
            at = statement.index(bad)
            raise ModelSyntaxError(f"'{bad}' is not part of a PLS model (use =~, <~ and ~ only)", statement, line, at)
    found = [(statement.find(op), op) for op in OPERATORS if op in statement]
    if not found:
        raise ModelSyntaxError("expected '=~', '<~' or '~'", statement, line, 0)
    at, op = min(found)
    lhs = statement[:at].strip()
    if not NAME.match(lhs):
        raise ModelSyntaxError(f"'{lhs}' is not a construct name", statement, line, 0)
    terms, position = [], at + len(op)
    for part in statement[at + len(op) :].split("+"):
        name = part.strip()
        column = position + len(part) - len(part.lstrip())
        if not name or not all(NAME.match(piece) for piece in name.split(":")):
            raise ModelSyntaxError(f"'{name}' is not a variable name", statement, line, column)
        if ":" in name and op != "~":
            raise ModelSyntaxError("an interaction term belongs on a '~' line", statement, line, column)
        if name in [t for t, _ in terms]:
            raise ModelSyntaxError(f"'{name}' is given twice", statement, line, column)
        terms.append((name, column))
        position += len(part) + 1
    return op, lhs, terms


def _interaction(term: str, statement: str, line: int, column: int) -> tuple[str, str]:
    parts = term.split(":")
    if len(parts) != 2 or parts[0] == parts[1]:
        raise ModelSyntaxError("an interaction term joins two different constructs, as X:M", statement, line, column)
    return parts[0], parts[1]


def _check_recursive(spec: Spec) -> None:
    """PLS estimates recursive models only: a ModelError naming a construct on a feedback loop."""
    remaining = {c: set(spec.antecedents(c)) for c in spec.constructs}
    while remaining:
        ready = [c for c, before in remaining.items() if not before]
        if not ready:
            loop = sorted(remaining)[0]
            raise ModelError(f"the structural model has a feedback loop through '{loop}'; PLS needs a recursive model")
        for c in ready:
            del remaining[c]
        for before in remaining.values():
            before.difference_update(ready)
