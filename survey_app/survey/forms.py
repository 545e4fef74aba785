"""Page forms generated from the instrument: one read-only table maps item types to WTForms fields.

`FIELDS` is the only place that knows item types. Each entry builds the field for an item, lists
the raw values its control can send (anything else is a tampered request), turns validated data
into stored values (missing codes included) and stored values back into form data. `page_form`
assembles the FlaskForm of one page from the table; no form is written per item, and templates
render every field with the one macro in ``templates/macros.html``.

The values a submission may carry are checked once, by `tampering`, before a form reads it: a
value no control offers is a crafted request (400, nothing saved), not an answer for the person
to correct, so choice fields skip WTForms' own second pass over their choices (``validate_choice``).

Examples
--------
>>> form = page_form(items, ins)  # doctest: +SKIP
>>> form.validate() and store(items, ins, form)  # doctest: +SKIP
{'inf_1': 6, 'inf_2': -3, ...}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from instrument import Instrument
from instrument.schema import Item

from ..flow import Value, missing

REQUIRED = "Please answer this question."
DONT_KNOW_LABEL = "Don't know / not applicable"
SELECT_OVER = 8
"""Choice items with more options than this are a drop-down list rather than radio buttons."""
HONEYPOT = "website"
"""A field people never see (hidden by CSS, skipped by keyboard and screen readers); bots fill it."""
CONTROL_FIELDS = ("csrf_token", HONEYPOT, "nav")
NAVIGATION = ("next", "back")
COUNTRIES = Path(__file__).parent.parent / "countries.tsv"
CHOICE_TYPES = ("likert", "choice", "multi", "country")
"""Item types answered by choosing among the instrument's own options, never by typing."""


class CheckboxesField(SelectMultipleField):
    """Several options, each a checkbox (WTForms renders SelectMultipleField as a list box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@dataclass(frozen=True)
class FieldKind:
    """How one item type becomes a form field and a stored value."""

    build: Callable[[Item, Instrument], Field]
    allowed: Callable[[Item, Instrument], set[str] | None]
    """Raw values the control can send; None where the person types (range errors are theirs to fix)."""
    store: Callable[[Item, Instrument, object], dict[str, Value]]
    restore: Callable[[Item, Instrument, Mapping[str, Value]], object]
    multiple: bool = False


def _validators(item: Item, *more) -> list:
    return [InputRequired(message=REQUIRED) if item.required else Optional(), *more]


def _common(item: Item) -> dict:
    return {"label": item.text, "description": item.help or "", "name": item.id}


def _scale_choices(item: Item, ins: Instrument) -> list[SelectChoice]:
    choices = [SelectChoice(code, label) for code, label in ins.scales[item.scale].values.items()]
    if item.dont_know:
        choices.append(SelectChoice(ins.missing_codes["dont_know"], DONT_KNOW_LABEL))
    return choices


def _int_or_none(raw: object) -> int | None:
    return None if raw in ("", None) else int(raw)


def _scale_field(item: Item, ins: Instrument) -> Field:
    choices = _scale_choices(item, ins)
    if len(choices) > SELECT_OVER:
        return SelectField(choices=[SelectChoice("", "Please choose"), *choices], coerce=_int_or_none,
                           validators=_validators(item), validate_choice=False, **_common(item))  # fmt: skip
    layout = "scale" if item.type == "likert" else "list"
    return RadioField(choices=choices, coerce=int, validators=_validators(item), render_kw={"data-layout": layout},
                      validate_choice=False, **_common(item))  # fmt: skip


def _scale_allowed(item: Item, ins: Instrument) -> set[str]:
    return {str(choice.value) for choice in _scale_choices(item, ins)} | {""}


def _single(item: Item, ins: Instrument, data: object) -> dict[str, Value]:
    if data in (None, ""):
        return missing(ins, item, "skipped")
    return {item.id: data}


def _restore_single(item: Item, ins: Instrument, stored: Mapping[str, Value]) -> object:
    value = stored.get(item.id)
    if isinstance(value, int) and value < 0 and value != ins.missing_codes["dont_know"]:
        return None
    return value


def _checkboxes(item: Item, ins: Instrument) -> Field:
    choices = [SelectChoice(option.id, option.text) for option in item.options]
    return CheckboxesField(choices=choices, validators=_validators(item), validate_choice=False, **_common(item))


def _store_checkboxes(item: Item, ins: Instrument, data: object) -> dict[str, Value]:
    # Nothing ticked on a "tick all that apply" list is indistinguishable from not answering: skipped.
    if not data:
        return missing(ins, item, "skipped")
    return {name: int(option.id in data) for name, option in zip(item.variables, item.options, strict=True)}


def _restore_checkboxes(item: Item, ins: Instrument, stored: Mapping[str, Value]) -> list[str]:
    return [o.id for name, o in zip(item.variables, item.options, strict=True) if stored.get(name) == 1]


def _integer(item: Item, ins: Instrument) -> Field:
    message = f"Please enter a whole number from {item.min} to {item.max}."
    unit = {"data-unit": item.unit} if item.unit else {}
    return IntegerField(
        validators=_validators(item, NumberRange(min=item.min, max=item.max, message=message)),
        render_kw={"min": item.min, "max": item.max, "inputmode": "numeric", **unit},
        **_common(item),
    )


def _text(item: Item, ins: Instrument) -> Field:
    limit = [Length(max=item.max_length, message=f"Please keep your answer under {item.max_length} characters.")]
    return TextAreaField(
        validators=_validators(item, *(limit if item.max_length else ())),
        render_kw={"rows": 6, **({"maxlength": item.max_length} if item.max_length else {})},
        **_common(item),
    )


def _store_text(item: Item, ins: Instrument, data: object) -> dict[str, Value]:
    # Stored verbatim, markup included; templates escape it when it is shown again.
    return {item.id: data or ""}


def _restore_text(item: Item, ins: Instrument, stored: Mapping[str, Value]) -> str:
    return stored.get(item.id) or ""


@cache
def countries() -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 code and English name of every country, sorted by name."""
    lines = COUNTRIES.read_text(encoding="utf-8").splitlines()
    pairs = [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]
    return tuple(sorted(pairs, key=lambda pair: pair[1]))


def _country(item: Item, ins: Instrument) -> Field:
    choices = [SelectChoice("", "Please choose"), *(SelectChoice(code, name) for code, name in countries())]
    return SelectField(choices=choices, validators=_validators(item), validate_choice=False, **_common(item))


def _country_allowed(item: Item, ins: Instrument) -> set[str]:
    return {code for code, _ in countries()} | {""}


FIELDS: Mapping[str, FieldKind] = MappingProxyType(
    {
        "likert": FieldKind(_scale_field, _scale_allowed, _single, _restore_single),
        "choice": FieldKind(_scale_field, _scale_allowed, _single, _restore_single),
        "multi": FieldKind(
            _checkboxes, lambda item, ins: {o.id for o in item.options}, _store_checkboxes, _restore_checkboxes, True
        ),
        "integer": FieldKind(_integer, lambda item, ins: None, _single, _restore_single),
        "text": FieldKind(_text, lambda item, ins: None, _store_text, _restore_text),
        "country": FieldKind(_country, _country_allowed, _store_text, _restore_text),
    }
)
"""Item type -> how it is asked and stored; read-only, the one table of its kind."""


class PageForm(FlaskForm):
    """The base of every page form: the honeypot; items are added by `page_form`.

    The app's `CSRFProtect` checks the token of every POST before a view runs, and the page
    template renders it with ``csrf_token()``; the form itself neither makes nor checks one.
    """

    class Meta:
        csrf = False

    website = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})


def page_form(items: list[Item], ins: Instrument, **kwargs) -> PageForm:
    """The form of one page, a field per item from `FIELDS`; keyword arguments go to FlaskForm.

    Fields are attributes ``item_<id>`` (so an item id can never shadow a form method) named
    ``<id>`` in HTML. Pass ``formdata=None, data=restore(...)`` to show stored answers. The form's
    class is made once per instrument and set of items; the page shows its fields in the order of
    `items` (see `field_of`), whatever order the class holds them in.
    """
    key = (ins.content_hash, frozenset(item.id for item in items))
    if key not in _FORM_CLASSES:
        fields = {f"item_{item.id}": FIELDS[item.type].build(item, ins) for item in items}
        _FORM_CLASSES[key] = type("GeneratedPageForm", (PageForm,), fields)
    return _FORM_CLASSES[key](**kwargs)


_FORM_CLASSES: dict[tuple[str, frozenset[str]], type[PageForm]] = {}
"""Page form classes by instrument content and item ids: a few per page (routing hides items), never per respondent."""


def field_of(form: PageForm, item: Item) -> Field:
    return getattr(form, f"item_{item.id}")


def restore(items: list[Item], ins: Instrument, stored: Mapping[str, Value]) -> dict[str, object]:
    """Stored answers as form data for `page_form(..., data=...)` (missing codes show as unanswered)."""
    return {f"item_{item.id}": FIELDS[item.type].restore(item, ins, stored) for item in items}


def store(items: list[Item], ins: Instrument, form: PageForm, *, answered_only: bool = False) -> dict[str, Value]:
    """The page's validated answers as stored values; `answered_only` leaves out unanswered and invalid items."""
    values: dict[str, Value] = {}
    for item in items:
        field = field_of(form, item)
        if answered_only and (field.errors or field.data in (None, "", [])):
            continue
        values.update(FIELDS[item.type].store(item, ins, field.data))
    return values


def tampering(items: list[Item], ins: Instrument, formdata) -> str | None:
    """Why a submission could not have come from the page's own controls, or None if it could.

    Unknown field names, several values for a single-answer item and values a control cannot
    send (a scale code not on the scale, an option not offered) all mean a crafted request.
    """
    expected = {item.id: item for item in items}
    for name in formdata:
        if name in CONTROL_FIELDS:
            if len(formdata.getlist(name)) > 1:
                return f"field '{name}' was sent more than once"
            continue
        item = expected.get(name)
        if item is None:
            return f"'{name}' is not a question on this page"
        kind = FIELDS[item.type]
        values = formdata.getlist(name)
        if len(values) > 1 and not kind.multiple:
            return f"question '{name}' takes one answer and was sent {len(values)}"
        allowed = _allowed(item, ins)
        bad = [value for value in values if allowed is not None and value not in allowed]
        if bad:
            return f"{bad[0]!r} is not an answer question '{name}' offers"
    if formdata.get("nav", "next") not in NAVIGATION:
        return f"'{formdata.get('nav')}' is not a way to leave the page; use next or back"
    return None


def _allowed(item: Item, ins: Instrument) -> frozenset[str] | None:
    key = (ins.content_hash, item.id)
    if key not in _ALLOWED:
        allowed = FIELDS[item.type].allowed(item, ins)
        _ALLOWED[key] = None if allowed is None else frozenset(allowed)
    return _ALLOWED[key]


_ALLOWED: dict[tuple[str, str], frozenset[str] | None] = {}
"""Each item's sendable values by instrument content and item id, worked out once per process."""


class CodeForm(FlaskForm):
    """A resume code typed in to continue a response."""

    code = StringField(
        "Resume code",
        validators=[InputRequired(message="Please enter the resume code you were given.")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ErasureForm(FlaskForm):
    """A receipt or resume code and a confirmation: the respondent's own erasure request, finished or not."""

    code = StringField(
        "Receipt code or resume code",
        validators=[InputRequired(message="Please enter the receipt code from the last page, or your resume code.")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    confirm = BooleanField(
        "Delete all my answers to this survey. This cannot be undone.",
        validators=[InputRequired(message="Please tick the box to confirm the deletion.")],
    )
