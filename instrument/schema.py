"""The shape of an instrument file, as pydantic models.

These models check types, required fields and unknown keys; the cross-references between parts
(an item's scale exists, a hypothesis names a real path, ...) are checked in `instrument.checks`.
The models are frozen: an `Instrument` is read-only once loaded.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
"""A variable-safe name: lower case, digits, underscores; 32 characters fit Stata and SPSS."""

ITEM_TYPES = ("likert", "choice", "multi", "integer", "text", "country")
TEXT_TYPES = ("text", "country")
"""Item types whose answers are text (open answers, country codes); every other type is answered with codes."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MissingCode(Strict):
    code: int = Field(lt=0)
    label: str


class MissingCodes(Strict):
    """Distinct codes that keep the meaning of a missing answer in every export."""

    not_shown: MissingCode
    skipped: MissingCode
    dont_know: MissingCode
    dropped_out: MissingCode


class Scale(Strict):
    kind: Literal["ordinal", "nominal"]
    values: dict[int, str] = Field(min_length=2)

    @property
    def codes(self) -> list[int]:
        return list(self.values)


class Construct(Strict):
    label: str
    framework: bool = False
    """One of the six variables of the Social IMP framework (the RQ2 measurement model)."""
    definition: str
    source: str


class Option(Strict):
    id: Identifier
    text: str


class ShowIf(Strict):
    """Show an item only when an earlier item's answer is at least `min`."""

    item: Identifier
    min: int


# "construct" is the natural field name; it shadows pydantic's deprecated v1 classmethod
# BaseModel.construct, which nothing here uses, and pydantic warns about that once, here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)

    class Item(Strict):
        id: Identifier
        type: Literal[ITEM_TYPES]
        text: str
        label: str | None = Field(default=None, max_length=120)
        help: str | None = None
        required: bool = False
        scale: str | None = None
        options: list[Option] | None = None
        construct: str | None = None
        reverse: bool = False
        standalone: bool = False
        check: int | None = None
        dont_know: bool = False
        show_if: ShowIf | None = None
        screen_out: list[int] | None = None
        min: int | None = None
        max: int | None = None
        unit: str | None = None
        max_length: int | None = Field(default=None, gt=0)

        @property
        def variables(self) -> list[str]:
            """The data columns this item produces: one per option for a multi-choice item."""
            if self.type == "multi":
                return [f"{self.id}_{option.id}" for option in self.options]
            return [self.id]

        @model_validator(mode="after")
        def _fields_fit_type(self) -> Item:
            needs = {
                "likert": ("scale",),
                "choice": ("scale",),
                "multi": ("options",),
                "integer": ("min", "max"),
            }.get(self.type, ())
            missing = [name for name in needs if getattr(self, name) is None]
            if missing:
                raise ValueError(f"a {self.type} item needs {' and '.join(missing)}")
            if self.type != "likert" and (self.construct or self.reverse or self.check is not None):
                raise ValueError("only likert items can belong to a construct, be reversed or be a check")
            if self.type == "integer" and self.min > self.max:
                raise ValueError(f"min {self.min} is above max {self.max}")
            return self


class Section(Strict):
    id: Identifier
    title: str
    intro: str | None = None
    randomize: bool = False
    items: list[Item] = Field(min_length=1)


class Derived(Strict):
    """A variable computed from answers: how many of `items` are at least `count_at_least`."""

    label: str
    count_at_least: int
    items: list[str] = Field(min_length=1)


class StructuralModel(Strict):
    paths: dict[str, list[str]]
    indirect: dict[Identifier, list[str]] = {}


class PathTest(Strict):
    kind: Literal["path"]
    outcome: str
    predictor: str


class IndirectTest(Strict):
    kind: Literal["indirect"]
    effect: str


class ComparisonTest(Strict):
    kind: Literal["comparison"]
    against: Literal["one_factor"]


class RegressionTest(Strict):
    kind: Literal["regression"]
    outcome: str
    predictor: str
    controls: list[str] = []


class MultigroupTest(Strict):
    kind: Literal["multigroup"]
    split: str


class CrosstabTest(Strict):
    kind: Literal["crosstab"]
    items: list[str] = Field(min_length=2)


Test = Annotated[
    PathTest | IndirectTest | ComparisonTest | RegressionTest | MultigroupTest | CrosstabTest,
    Field(discriminator="kind"),
]


class Hypothesis(Strict):
    id: str
    statement: str
    test: Test
    expect: Literal["positive", "negative", "better", "difference", "association"]


class ResearchQuestion(Strict):
    id: str
    text: str
    note: str | None = None
    hypotheses: list[Hypothesis]


class InstrumentFile(Strict):
    """The whole file."""

    id: Identifier
    title: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    language: str
    source: str
    unit_of_analysis: str
    missing_codes: MissingCodes
    scales: dict[Identifier, Scale]
    constructs: dict[Identifier, Construct]
    sections: list[Section] = Field(min_length=1)
    derived: dict[Identifier, Derived] = {}
    model: StructuralModel
    research_questions: list[ResearchQuestion]
