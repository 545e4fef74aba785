"""The report as one self-contained HTML file: inline CSS and SVG, no scripts, no network requests."""

from __future__ import annotations

import re
from html import escape

from .criteria import NO_FAILURES, SUMMARY
from .tables import Table

CSS = """
body { font-family: "Times New Roman", Times, serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #111; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.warning { border: 2px solid #b00; background: #fee; padding: .5rem 1rem; font-weight: bold; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }
caption { text-align: left; caption-side: top; padding-bottom: .4rem; }
caption .label { font-weight: bold; display: block; } caption .title { font-style: italic; }
thead th { border-top: 2px solid #111; border-bottom: 1px solid #111; padding: .25rem .6rem; text-align: center; }
tbody td { padding: .2rem .6rem; text-align: center; vertical-align: top; white-space: nowrap; }
tbody td:first-child, thead th:first-child { text-align: left; }
tbody tr:last-child td { border-bottom: 2px solid #111; }
table.wide { width: 100%; }
td.text, th.text { text-align: left; white-space: normal; width: 55%; }
tbody td:first-child { white-space: normal; min-width: 7rem; }
.num { white-space: nowrap; }
p.note { font-size: .88rem; margin-top: .2rem; }
ul.checks li { margin: .2rem 0; }
figure { margin: 1.5rem 0; } figure svg { max-width: 100%; height: auto; }
@page { size: A4; margin: 2cm 1.8cm; }
@media print { body { max-width: none; margin: 0; padding: 0; } thead { display: table-header-group; }
               tr { break-inside: avoid; } }
"""
TEXT = 40  # characters: a column holding a longer cell is a text column, wrapped and given the width
NUMBER = re.compile(r"(?:[A-Za-zχΔ²()0-9]+ ?[=<>≤≥] ?)?[-−]?\d*\.?\d+(?:[,;]? [-−]?\d*\.\d+)*")
"""A number in running text with what binds to it (``p = .019``, ``Δχ²(3) = 12.30``), never broken across lines."""


def table_html(table: Table) -> str:
    """One APA table: bold label, italic title, header row, body, note.

    Columns holding long text wrap and take the table's spare width; numbers never break.
    """
    text = [any(len(row[k]) > TEXT for row in table.rows) for k in range(len(table.columns))]
    kinds = [" class='text'" if wide else "" for wide in text]
    head = "".join(f"<th scope='col'{kind}>{escape(c)}</th>" for c, kind in zip(table.columns, kinds, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{kind}>{_cell(cell, wide)}</td>" for cell, kind, wide in zip(row, kinds, text,
                                                                                           strict=True)) + "</tr>"
        for row in table.rows
    )  # fmt: skip
    note = f"<p class='note'><em>Note.</em> {_cell(table.note, True)}</p>" if table.note else ""
    return (
        f"<table id='table-{table.number}'{' class=wide' if any(text) else ''}><caption><span class='label'>"
        f"{table.label}</span><span class='title'>{escape(table.title)}</span></caption><thead><tr>{head}</tr>"
        f"</thead><tbody>{body}</tbody></table>{note}"
    )


def _cell(text: str, wrapped: bool) -> str:
    """Escaped text; in wrapped text every number is kept on one line with what binds to it."""
    if not wrapped:
        return escape(text)
    parts, last = [], 0
    for match in NUMBER.finditer(text):
        parts += [escape(text[last : match.start()]), f"<span class='num'>{escape(match.group())}</span>"]
        last = match.end()
    return "".join(parts) + escape(text[last:])


def document(title: str, tables: list[Table], *, warnings=(), figures=(), paragraphs=(), checks=None) -> str:
    """The whole report page; `figures` are (caption, inline SVG) pairs, `paragraphs` plain text.

    `checks`: the failed checks the summary lists (`reports.criteria.failures`); None: no summary.

    Examples
    --------
    >>> page = document("Social IMP study", build(res), figures=[("Path diagram", svg)])  # doctest: +SKIP
    """
    parts = [f"<h1>{escape(title)}</h1>"]
    parts += [f"<p class='warning'>Warning: {escape(w)}</p>" for w in warnings]
    if checks is not None:
        parts.append(f"<h2>{SUMMARY}</h2>")
        items = "".join(f"<li>{_cell(check, True)}</li>" for check in checks)
        parts.append(f"<ul class='checks'>{items}</ul>" if checks else f"<p>{NO_FAILURES}</p>")
    parts += [f"<p>{_cell(text, True)}</p>" for text in paragraphs]
    parts += [table_html(t) for t in tables]
    for number, (caption, svg) in enumerate(figures, start=1):
        parts.append(f"<figure id='figure-{number}'><figcaption><strong>Figure {number}</strong><br>"
                     f"<em>{escape(caption)}</em></figcaption>{svg}</figure>")  # fmt: skip
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
