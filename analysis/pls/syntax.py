"""PLS model syntax -> a `Spec`: constructs, their items and modes, and the structural paths.

lavaan-style, as csem and seminr's ``lavaan2seminr`` read it: ``C =~ x1 + x2`` a reflective construct
(mode A; a common factor under PLSc), ``C <~ x1 + x2`` a formative one (mode B, regression weights),
``Y ~ X + Z`` structural paths, ``Y ~ X + M + X:M`` an interaction term (two-stage), ``H =~ A + B``
(or ``<~``) with constructs ``A``, ``B`` of the model a higher-order construct (two-stage, as seminr's
``higher_composite``; its dimensions take no paths of their own). A variable on a ``~`` line that no
``=~``/``<~`` line defines is a single-item construct measured by the column of that name. Comments
start with ``#``; a line ending in ``+`` or an operator continues on the next. Anything else (``~~``,
``:=``, labels, fixed values) names its line and column in a `ModelSyntaxError`.
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
    interaction terms (iv, moderator, name), and the higher-order constructs (whose items are their dimensions,
    constructs of the model)."""

    constructs: tuple[str, ...]
    items: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]
    interactions: tuple[tuple[str, str, str], ...] = ()
    higher_order: tuple[str, ...] = ()

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every indicator column: the measured items block by block, then the constructed ones (the dimension
        scores of each higher-order construct, the product of each interaction term), each once."""
        constructed = [item for c in self.constructs if c in self._staged for item in self.items[c]]
        return self.measured + tuple(constructed)

    @property
    def _staged(self) -> set[str]:
        return set(self.higher_order) | {name for *_, name in self.interactions}

    @property
    def two_stage(self) -> bool:
        """Whether estimating the model takes a first stage (interaction terms, higher-order constructs)."""
        return bool(self._staged)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions of the higher-order constructs, construct by construct."""
        return tuple(d for h in self.higher_order for d in self.items[h])

    def antecedents(self, target: str) -> list[str]:
        return [s for s, t in self.paths if t == target]

    @property
    def endogenous(self) -> list[str]:
        return list(dict.fromkeys(t for _, t in self.paths))

    @property
    def measured(self) -> tuple[str, ...]:
        """The items read from the data, block by block (not the constructed columns of `indicators`)."""
        return tuple(item for c in self.constructs if c not in self._staged for item in self.items[c])

    def main_effects(self) -> Spec:
        """The first stage of the two-stage interaction approach: the model without its interaction terms."""
        terms = {name for *_, name in self.interactions}
        return self._subset(
            [c for c in self.constructs if c not in terms], tuple(p for p in self.paths if p[0] not in terms)
        )

    def first_order(self) -> Spec:
        """The first stage of the two-stage approach to higher-order constructs (seminr's ``expand_hoc_to_locs``):
        each one replaced by its dimensions, its paths in and out rewired to every dimension.

        Examples
        --------
        >>> parse("A =~ a1 + a2\\nB =~ b1 + b2\\nH =~ A + B\\nY =~ y1 + y2\\nY ~ H").first_order().paths
        (('A', 'Y'), ('B', 'Y'))
        """
        paths = list(self.paths)
        for hoc in self.higher_order:
            into, out = [s for s, t in paths if t == hoc], [t for s, t in paths if s == hoc]
            dimensions = self.items[hoc]
            paths = [p for p in paths if hoc not in p] + [(s, d) for s in into for d in dimensions]
            paths += [(d, t) for d in dimensions for t in out]
        return self._subset([c for c in self.constructs if c not in self.higher_order], tuple(paths))

    def second_order(self) -> Spec:
        """The second stage: each higher-order construct measured by its dimensions' first-stage scores as
        columns (named after the dimensions), the dimensions themselves left out."""
        dimensions = set(self.dimensions)
        return self._subset([c for c in self.constructs if c not in dimensions], self.paths)

    def without_path(self, source: str, target: str) -> Spec:
        """The model without ``target ~ source``; constructs left without any path are dropped (seminr), with the
        dimensions of a higher-order construct that stays."""
        paths = tuple(p for p in self.paths if p != (source, target))
        kept = {c for p in paths for c in p}
        kept |= {d for h in self.higher_order if h in kept for d in self.items[h]}
        return self._subset([c for c in self.constructs if c in kept], paths)

    def _subset(self, constructs: list[str], paths: tuple) -> Spec:
        """These constructs (items and modes as here), these paths, and the terms and higher-order constructs kept."""
        kept = set(constructs)
        return Spec(tuple(constructs), {c: self.items[c] for c in constructs}, {c: self.modes[c] for c in constructs},
                    paths, tuple(i for i in self.interactions if i[2] in kept),
                    tuple(h for h in self.higher_order if h in kept and kept.issuperset(self.items[h])))  # fmt: skip


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
    higher = _higher_order(items, in_paths, interactions)
    dimensions = {d for h in higher for d in items[h]}
    unused = [c for c in items if c not in in_paths and c not in dimensions]
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
    spec = Spec(tuple(constructs), items, modes, tuple(paths), tuple(interactions), higher)
    _check_recursive(spec)
    return spec


def _higher_order(items: dict, in_paths: list, interactions: list) -> tuple[str, ...]:
    """The constructs measured by constructs (seminr's two-stage ``higher_composite``), checked."""
    higher = []
    for c, members in items.items():
        nested = [m for m in members if m in items]
        if not nested:
            continue
        if len(nested) < len(members):
            item = next(m for m in members if m not in items)
            raise ModelError(f"construct '{c}' is measured by constructs and by item '{item}': a higher-order "
                             "construct is measured by its dimensions (constructs) only")  # fmt: skip
        for m in nested:
            if any(n in items for n in items[m]):
                raise ModelError(f"construct '{c}' is measured by '{m}', itself higher-order: analysis.pls "
                                 "estimates second-order constructs only")  # fmt: skip
            if m in in_paths:
                raise ModelError(f"'{m}' is a dimension of the higher-order construct '{c}' and in a structural "
                                 f"path: give the path to or from '{c}'")  # fmt: skip
        higher.append(c)
    if higher and interactions:
        raise ModelError(f"higher-order constructs ('{higher[0]}') and interaction terms in one model are not "
                         "supported by analysis.pls")  # fmt: skip
    return tuple(higher)


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
