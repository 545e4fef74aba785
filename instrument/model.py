"""`Instrument`: a validated questionnaire and everything derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from . import codebook, lavaan
from .schema import Construct, Hypothesis, InstrumentFile, Item, ResearchQuestion, Scale, Section


@dataclass(frozen=True)
class Instrument:
    """A questionnaire loaded with `instrument.load()`; read-only.

    Examples
    --------
    >>> import instrument
    >>> ins = instrument.load()
    >>> ins.construct_items["inf"][:2]
    ['inf_1', 'inf_2']
    >>> print(ins.to_lavaan().splitlines()[2])  # doctest: +SKIP
    smu =~ smu_micro + smu_sns + smu_voip + smu_geo
    """

    spec: InstrumentFile
    content_hash: str
    source: str
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of `content_hash`, enough to tell versions apart in print."""
        return self.content_hash[:12]

    @property
    def scales(self) -> dict[str, Scale]:
        return self.spec.scales

    @property
    def constructs(self) -> dict[str, Construct]:
        return self.spec.constructs

    @property
    def sections(self) -> list[Section]:
        return self.spec.sections

    @property
    def research_questions(self) -> list[ResearchQuestion]:
        return self.spec.research_questions

    @property
    def missing_codes(self) -> dict[str, int]:
        """Missing-value meaning -> code, e.g. ``{"skipped": -2, ...}``."""
        return {name: code.code for name, code in self.spec.missing_codes}

    @cached_property
    def items(self) -> dict[str, Item]:
        """All items by id, in the order respondents see the sections."""
        return {item.id: item for section in self.sections for item in section.items}

    @cached_property
    def construct_items(self) -> dict[str, list[str]]:
        """Construct id -> its item ids, in file order."""
        members: dict[str, list[str]] = {c: [] for c in self.constructs}
        for item in self.items.values():
            if item.construct:
                members[item.construct].append(item.id)
        return members

    @property
    def framework_constructs(self) -> list[str]:
        """The six variables of the Social IMP framework."""
        return [c for c, construct in self.constructs.items() if construct.framework]

    @cached_property
    def reverse_keyed(self) -> list[str]:
        """Ids of reverse-keyed items: recode as ``min + max - x`` before scoring."""
        return [item.id for item in self.items.values() if item.reverse]

    @cached_property
    def attention_checks(self) -> dict[str, int]:
        """Attention-check item id -> the answer an attentive respondent gives."""
        return {item.id: item.check for item in self.items.values() if item.check is not None}

    @cached_property
    def hypotheses(self) -> list[Hypothesis]:
        return [h for q in self.research_questions for h in q.hypotheses]

    def research_question_of(self, hypothesis_id: str) -> ResearchQuestion:
        """The research question a hypothesis answers."""
        for question in self.research_questions:
            if any(h.id == hypothesis_id for h in question.hypotheses):
                return question
        raise KeyError(f"no hypothesis '{hypothesis_id}'; known: {', '.join(h.id for h in self.hypotheses)}")

    @cached_property
    def variables(self) -> list[str]:
        """Data column names of collected answers (multi-choice items give one column per option)."""
        return [name for item in self.items.values() for name in item.variables]

    def scale_of(self, item_id: str) -> Scale:
        """The response scale of an item (KeyError naming the item if it has none)."""
        item = self.items[item_id]
        if item.scale is None:
            raise KeyError(f"item '{item_id}' is a {item.type} item without a scale")
        return self.scales[item.scale]

    def derive(self, data: pd.DataFrame) -> pd.DataFrame:
        """The instrument's derived variables computed from answers, one column each.

        Examples
        --------
        >>> ins = instrument.load()
        >>> ins.derive(data)["n_platforms"]  # doctest: +SKIP
        """
        columns = {}
        for name, rule in self.spec.derived.items():
            answered = data[rule.items]
            count = (answered >= rule.count_at_least).sum(axis=1)
            columns[name] = count.where(answered.notna().all(axis=1))
        return pd.DataFrame(columns, index=data.index)

    def codebook(self) -> pd.DataFrame:
        """One row per data column: variable, label, wording, type, scale, value labels, ..."""
        return codebook.build(self)

    def to_lavaan(self, model: str = "sem") -> str:
        """The instrument's model in lavaan syntax; see `instrument.lavaan.syntax`."""
        return lavaan.syntax(self, model=model)
