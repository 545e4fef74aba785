"""The codebook: one row per data column, as researchers and SPSS/Stata exports need it."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .model import Instrument
    from .schema import Item

COLUMNS = [
    "variable", "item", "section", "label", "wording", "type", "scale", "value_labels",
    "construct", "construct_label", "reverse", "required", "show_if",
]  # fmt: skip
SELECTED = {1: "Selected", 0: "Not selected"}
PAGE_PREFIX = "page_s__"
"""The web survey's paradata column ``page_s__<section>`` beside the codebook variables: seconds on the page."""
ORDER_PREFIX = "order__"
"""``order__<section>``: the item ids in the order the respondent saw them, for pages the instrument randomizes."""


def build(instrument: Instrument) -> pd.DataFrame:
    """The codebook of `instrument` as a DataFrame, one row per data column.

    Multi-choice items give one 0/1 column per option (SPSS's multiple-dichotomy layout);
    derived variables close the table with type ``derived``. ``value_labels`` holds a dict
    code -> label; missing-value codes are in ``instrument.missing_codes``. ``construct_label`` names
    what the item's construct measures, so the codebook reads on its own.

    Examples
    --------
    >>> import instrument
    >>> cb = instrument.load().codebook()
    >>> cb.set_index("variable").loc["inf_1", "construct"]
    'inf'
    >>> cb.set_index("variable").loc["ltr_1", "construct_label"]
    'Long-term relationship'
    """
    rows = [
        row for section in instrument.sections for item in section.items for row in _rows(instrument, section.id, item)
    ]
    rows += [
        {
            "variable": name,
            "section": "derived",
            "label": rule.label,
            "wording": f"Count of {', '.join(rule.items)} answered {rule.count_at_least} or higher",
            "type": "derived",
            "value_labels": {},
            "reverse": False,
            "required": False,
        }
        for name, rule in instrument.spec.derived.items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"reverse": bool, "required": bool})


def _rows(instrument: Instrument, section: str, item: Item) -> list[dict]:
    base = {
        "item": item.id,
        "section": section,
        "type": item.type,
        "scale": item.scale,
        "construct": item.construct,
        "construct_label": instrument.constructs[item.construct].label if item.construct else None,
        "reverse": item.reverse,
        "required": item.required,
        "show_if": f"{item.show_if.item} >= {item.show_if.min}" if item.show_if else None,
    }
    label = item.label or textwrap.shorten(item.text, 80, placeholder="...")
    if item.type == "multi":
        return [
            {**base, "variable": name, "label": f"{label} {option.text}", "wording": f"{item.text} {option.text}",
             "value_labels": SELECTED}
            for name, option in zip(item.variables, item.options, strict=True)
        ]  # fmt: skip
    labels = dict(instrument.scales[item.scale].values) if item.scale else {}
    if item.dont_know:
        labels[instrument.missing_codes["dont_know"]] = "Don't know / not applicable"
    if item.type == "integer":
        wording = f"{item.text} [{item.min}-{item.max}{' ' + item.unit if item.unit else ''}]"
    else:
        wording = item.text
    return [{**base, "variable": item.id, "label": label, "wording": wording, "value_labels": labels}]


def render(table: pd.DataFrame, fmt: str, missing_codes: dict[str, int] | None = None) -> str:
    """Render a codebook as ``"csv"`` or ``"md"`` (Markdown), value labels as ``1=Never; 2=...``."""
    if fmt not in ("csv", "md"):
        raise ValueError(f"format must be 'csv' or 'md', not {fmt!r}")
    flat = table.assign(value_labels=table["value_labels"].map(_labels_text))
    if fmt == "csv":
        return flat.to_csv(index=False)
    text = _markdown(flat.fillna("").astype(str))
    if missing_codes:
        codes = "\n".join(f"- `{code}`: {name.replace('_', ' ')}" for name, code in missing_codes.items())
        text += f"\n\nMissing-value codes:\n\n{codes}\n"
    return text


def _markdown(table: pd.DataFrame) -> str:
    """A compact Markdown table (no column padding, pipes in text escaped)."""
    rows = [list(table.columns), ["---"] * table.shape[1], *table.to_numpy().tolist()]
    return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)


def _labels_text(labels: dict) -> str:
    return "; ".join(f"{code}={text}" for code, text in labels.items()) if labels else ""
