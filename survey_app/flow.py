"""The respondent's path through the instrument: pages, item order, routing and screen-outs.

Pure functions of the instrument and the answers stored so far; no Flask, no database. One page
is one section of the instrument.

Examples
--------
>>> import instrument
>>> from survey_app import flow
>>> ins = instrument.load()
>>> order = flow.display_order(ins, seed=7)
>>> sorted(order["exchange"]) == sorted(i.id for i in ins.sections[5].items)
True
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from instrument import Instrument
from instrument.schema import TEXT_TYPES, Item, Section

Value = int | str
"""A stored answer: a scale code, a count, a missing code, or text."""


def section(ins: Instrument, section_id: str) -> Section | None:
    """The section with this id, or None."""
    return next((s for s in ins.sections if s.id == section_id), None)


def position(ins: Instrument, section_id: str) -> int:
    """The 0-based page number of a section."""
    return [s.id for s in ins.sections].index(section_id)


def display_order(ins: Instrument, seed: int) -> dict[str, list[str]]:
    """Item ids in the order shown, for every section the instrument randomizes.

    Items are shuffled within their construct: each construct's items trade places among the
    positions the construct holds, so constructs stay in blocks and items outside any construct
    (attention checks, standalone items) keep their place. The same seed gives the same order.

    Examples
    --------
    >>> display_order(instrument.load(), seed=7)["cooperation"][:5]
    ['coo_5', 'coo_3', 'coo_1', 'coo_2', 'coo_4']
    """
    orders = {}
    for sec in ins.sections:
        if not sec.randomize:
            continue
        rng = random.Random(f"{seed}:{sec.id}")
        ids = [item.id for item in sec.items]
        for construct in dict.fromkeys(item.construct for item in sec.items if item.construct):
            places = [k for k, item in enumerate(sec.items) if item.construct == construct]
            shuffled = rng.sample([ids[k] for k in places], len(places))
            for place, item_id in zip(places, shuffled, strict=True):
                ids[place] = item_id
        orders[sec.id] = ids
    return orders


def ordered_items(ins: Instrument, sec: Section, order: Mapping[str, list[str]]) -> list[Item]:
    """The section's items in the respondent's display order (file order if not randomized)."""
    if sec.id not in order:
        return list(sec.items)
    return [ins.items[item_id] for item_id in order[sec.id]]


def visible(item: Item, answers: Mapping[str, Value]) -> bool:
    """Whether routing shows the item, given the answers so far (a missing code never qualifies)."""
    if item.show_if is None:
        return True
    answer = answers.get(item.show_if.item)
    return isinstance(answer, int) and answer >= 0 and answer >= item.show_if.min


def routed_on_page(item: Item, sec: Section) -> bool:
    """Whether the item's routing depends on an answer given on its own page (decided on submit)."""
    return item.show_if is not None and any(other.id == item.show_if.item for other in sec.items)


def page_items(ins: Instrument, sec: Section, order: Mapping[str, list[str]], answers: Mapping[str, Value]):
    """The items the respondent sees on a page: routing by earlier pages applied, in display order."""
    return [item for item in ordered_items(ins, sec, order) if routed_on_page(item, sec) or visible(item, answers)]


def screened_out(items: list[Item], values: Mapping[str, Value]) -> bool:
    """Whether an answer on this page ends the survey (the instrument's ``screen_out`` values)."""
    return any(item.screen_out and values.get(item.id) in item.screen_out for item in items)


def missing(ins: Instrument, item: Item, meaning: str) -> dict[str, Value]:
    """The item's data columns set to a missing meaning ("not_shown", "skipped", ...); text gets ""."""
    code = "" if item.type in TEXT_TYPES else ins.missing_codes[meaning]
    return dict.fromkeys(item.variables, code)
