"""The report as one self-contained HTML file: inline CSS and SVG, no scripts, no network requests."""

from __future__ import annotations

from html import escape

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
td.text { text-align: left; white-space: normal; }
p.note { font-size: .88rem; margin-top: .2rem; }
figure { margin: 1.5rem 0; } figure svg { max-width: 100%; height: auto; }
@media print { thead { display: table-header-group; } tr { break-inside: avoid; } }
"""


def table_html(table: Table) -> str:
    """One APA table: bold label, italic title, header row, body, note."""
    head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td{_kind(cell)}>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    note = f"<p class='note'><em>Note.</em> {escape(table.note)}</p>" if table.note else ""
    return (
        f"<table id='table-{table.number}'><caption><span class='label'>{table.label}</span>"
        f"<span class='title'>{escape(table.title)}</span></caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}"
    )


def _kind(cell: str) -> str:
    return " class='text'" if len(cell) > 40 else ""


def document(title: str, tables: list[Table], *, warnings=(), figures=(), paragraphs=()) -> str:
    """The whole report page; `figures` are (caption, inline SVG) pairs, `paragraphs` plain text.

    Examples
    --------
    >>> page = document("Social IMP study", build(res), figures=[("Path diagram", svg)])  # doctest: +SKIP
    """
    parts = [f"<h1>{escape(title)}</h1>"]
    parts += [f"<p class='warning'>Warning: {escape(w)}</p>" for w in warnings]
    parts += [f"<p>{escape(text)}</p>" for text in paragraphs]
    parts += [table_html(t) for t in tables]
    for number, (caption, svg) in enumerate(figures, start=1):
        parts.append(f"<figure id='figure-{number}'><figcaption><strong>Figure {number}</strong><br>"
                     f"<em>{escape(caption)}</em></figcaption>{svg}</figure>")  # fmt: skip
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
