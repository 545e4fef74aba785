"""Cross-reference checks on a schema-valid instrument file.

Each check yields `Finding`s located by their path in the file (`("sections", 5, "items", 3)`),
which the loader turns into line numbers. Errors refuse the file; warnings are kept on the
`Instrument` for the researcher to read.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from .schema import InstrumentFile, Item

Loc = tuple[str | int, ...]


class Finding(NamedTuple):
    loc: Loc
    place: str
    message: str


def item_locations(spec: InstrumentFile) -> dict[str, tuple[Loc, Item]]:
    """Map each item id to its path in the file and its definition (first one wins)."""
    found: dict[str, tuple[Loc, Item]] = {}
    for s, section in enumerate(spec.sections):
        for i, item in enumerate(section.items):
            found.setdefault(item.id, (("sections", s, "items", i), item))
    return found


def path_label(outcome: str, predictor: str) -> str:
    """The lavaan label of the structural path `outcome ~ predictor`."""
    return f"{outcome}_{predictor}"


def errors(spec: InstrumentFile) -> list[Finding]:
    """Every cross-reference error in `spec`, in file order."""
    items = item_locations(spec)
    return [
        *_duplicates(spec),
        *_item_references(spec, items),
        *_empty_constructs(spec, items),
        *_model_references(spec),
        *_hypothesis_references(spec, items),
        *_derived_references(spec, items),
        *_name_clashes(spec, items),
    ]


def warnings(spec: InstrumentFile) -> list[Finding]:
    """Things that load but deserve a researcher's second look."""
    items = item_locations(spec)
    members = Counter(item.construct for _, item in items.values() if item.construct)
    found = [
        Finding(("constructs", c), f"construct '{c}'", f"has only {n} items; 3 or more identify a factor")
        for c, n in members.items()
        if n < 3
    ]
    predictors = {p for preds in spec.model.paths.values() for p in preds}
    reversed_in = {item.construct for _, item in items.values() if item.reverse}
    for outcome in spec.model.paths:
        if outcome not in predictors and outcome not in reversed_in:
            found.append(
                Finding(
                    ("constructs", outcome),
                    f"construct '{outcome}'",
                    "is an outcome with no reverse-keyed item; acquiescence cannot be detected",
                )
            )
    return found


def _duplicates(spec: InstrumentFile) -> Iterator[Finding]:
    seen: dict[str, Loc] = {}
    for s, section in enumerate(spec.sections):
        for i, item in enumerate(section.items):
            loc = ("sections", s, "items", i)
            if item.id in seen:
                yield Finding(loc, f"item '{item.id}'", "duplicate item id; item ids must be unique")
            seen.setdefault(item.id, loc)
            counts = Counter(option.id for option in item.options or ())
            for option, n in counts.items():
                if n > 1:
                    yield Finding(loc, f"item '{item.id}'", f"option id '{option}' is used {n} times")
    for kind, entries in (
        ("section", [("sections", n, s.id) for n, s in enumerate(spec.sections)]),
        ("research question", [("research_questions", n, q.id) for n, q in enumerate(spec.research_questions)]),
        (
            "hypothesis",
            [
                ("research_questions", n, "hypotheses", k, h.id)
                for n, q in enumerate(spec.research_questions)
                for k, h in enumerate(q.hypotheses)
            ],
        ),
    ):
        counts = Counter(entry[-1] for entry in entries)
        for entry in entries:
            if counts[entry[-1]] > 1:
                yield Finding(entry[:-1], f"{kind} '{entry[-1]}'", f"duplicate {kind} id")


def _item_references(spec: InstrumentFile, items: dict[str, tuple[Loc, Item]]) -> Iterator[Finding]:
    order = list(items)
    for loc, item in items.values():
        place = f"item '{item.id}'"
        scale = spec.scales.get(item.scale) if item.scale else None
        if item.scale and scale is None:
            yield Finding(loc, place, f"unknown scale '{item.scale}'; defined scales: {', '.join(spec.scales)}")
        if item.type == "likert" and scale is not None and scale.kind != "ordinal":
            yield Finding(loc, place, f"likert item on scale '{item.scale}', which is not ordinal")
        for name, values in (("check", [item.check]), ("screen_out", item.screen_out)):
            bad = [v for v in values or () if v is not None and scale is not None and v not in scale.values]
            if bad:
                yield Finding(loc, place, f"{name} value {bad[0]} is not on scale '{item.scale}'")
        if item.construct and item.construct not in spec.constructs:
            yield Finding(loc, place, f"unknown construct '{item.construct}'; defined: {', '.join(spec.constructs)}")
        roles = [flag for flag, on in (("construct", item.construct), ("standalone", item.standalone),
                                       ("check", item.check is not None)) if on]  # fmt: skip
        if item.type == "likert" and not roles:
            yield Finding(
                loc, place, "likert item in no construct; give it a construct, or mark it standalone or a check"
            )
        if len(roles) > 1:
            yield Finding(loc, place, f"an item is one of construct, standalone or check, not {' and '.join(roles)}")
        if item.reverse and not item.construct:
            yield Finding(loc, place, "reverse keying applies only to items of a construct")
        if item.show_if:
            yield from _show_if(item, place, loc, items, order)


def _show_if(item: Item, place: str, loc: Loc, items: dict, order: list[str]) -> Iterator[Finding]:
    target = item.show_if.item
    if target not in items:
        yield Finding(loc, place, f"show_if names unknown item '{target}'")
    elif order.index(target) >= order.index(item.id):
        yield Finding(loc, place, f"show_if names item '{target}', which comes after it; routing looks back only")


def _empty_constructs(spec: InstrumentFile, items: dict[str, tuple[Loc, Item]]) -> Iterator[Finding]:
    used = {item.construct for _, item in items.values()}
    for construct in spec.constructs:
        if construct not in used:
            yield Finding(("constructs", construct), f"construct '{construct}'", "has no items")


def _model_references(spec: InstrumentFile) -> Iterator[Finding]:
    for outcome, predictors in spec.model.paths.items():
        for name in [outcome, *predictors]:
            if name not in spec.constructs:
                yield Finding(("model", "paths", outcome), f"path '{outcome} ~ {name}'", f"'{name}' is not a construct")
    for effect, chain in spec.model.indirect.items():
        loc, place = ("model", "indirect", effect), f"indirect effect '{effect}'"
        if len(chain) < 3:
            yield Finding(loc, place, "needs a chain of at least three constructs (x, mediator, y)")
        for predictor, outcome in itertools.pairwise(chain):
            if predictor not in spec.model.paths.get(outcome, ()):
                yield Finding(loc, place, f"link {predictor} -> {outcome} is not a path; add it under model.paths")


def _hypothesis_references(spec: InstrumentFile, items: dict[str, tuple[Loc, Item]]) -> Iterator[Finding]:
    variables = set(items) | set(spec.derived)
    for q, question in enumerate(spec.research_questions):
        for h, hyp in enumerate(question.hypotheses):
            loc, place, test = ("research_questions", q, "hypotheses", h, "test"), f"hypothesis {hyp.id}", hyp.test
            if test.kind == "path":
                missing = [c for c in (test.outcome, test.predictor) if c not in spec.constructs]
                if missing:
                    yield Finding(loc, place, f"names missing construct '{missing[0]}'")
                elif test.predictor not in spec.model.paths.get(test.outcome, ()):
                    yield Finding(
                        loc,
                        place,
                        f"tests path {test.outcome} ~ {test.predictor}, which the model does not have; "
                        "add it under model.paths",
                    )
            elif test.kind == "indirect" and test.effect not in spec.model.indirect:
                yield Finding(loc, place, f"names unknown indirect effect '{test.effect}'")
            elif test.kind == "multigroup" and test.split not in spec.constructs:
                yield Finding(loc, place, f"names missing construct '{test.split}'")
            elif test.kind == "regression":
                for name in [test.outcome, test.predictor, *test.controls]:
                    if name not in variables:
                        yield Finding(loc, place, f"names unknown variable '{name}'")
            elif test.kind == "crosstab":
                unknown = [name for name in test.items if name not in items]
                scales = {items[name][1].scale for name in test.items if name in items}
                if unknown:
                    yield Finding(loc, place, f"names unknown item '{unknown[0]}'")
                elif len(scales) > 1:
                    yield Finding(loc, place, f"crosstab items must share one scale, not {sorted(map(str, scales))}")


def _derived_references(spec: InstrumentFile, items: dict[str, tuple[Loc, Item]]) -> Iterator[Finding]:
    for name, derived in spec.derived.items():
        for item in derived.items:
            if item not in items:
                yield Finding(("derived", name), f"derived variable '{name}'", f"names unknown item '{item}'")


def _name_clashes(spec: InstrumentFile, items: dict[str, tuple[Loc, Item]]) -> Iterator[Finding]:
    owner: dict[str, str] = {}
    names = [(var, f"item '{item.id}'", loc) for loc, item in items.values() for var in item.variables]
    names += [(name, f"derived variable '{name}'", ("derived", name)) for name in spec.derived]
    names += [(name, f"construct '{name}'", ("constructs", name)) for name in spec.constructs]
    names += [
        (path_label(outcome, p), f"path '{outcome} ~ {p}'", ("model", "paths", outcome))
        for outcome, preds in spec.model.paths.items()
        for p in preds
    ]
    names += [(name, f"indirect effect '{name}'", ("model", "indirect", name)) for name in spec.model.indirect]
    for name, place, loc in names:
        if name in owner and owner[name] != place:
            yield Finding(loc, place, f"name '{name}' is already used by {owner[name]}")
        owner.setdefault(name, place)
