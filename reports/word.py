"""The report as a Word document with real, editable Word tables (python-docx).

Tables use Word's "Table Grid" style; ``style="apa"`` (the default) keeps only APA 7's three horizontal
rules (above the header, below it, below the last row), ``style="grid"`` keeps every border. Captions
are Word captions (style "Caption" with a ``SEQ`` field, so Word's list of tables finds them): the
label in bold, the title in italic on the next line.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, RGBColor

from .criteria import NO_FAILURES, SUMMARY
from .diagram import PNG_DPI
from .tables import Table

STYLES = ("apa", "grid")
RULE = {"apa": "8", "header": "4"}  # w:sz in eighths of a point: 1 pt outer rules, 1/2 pt below the header
# Elements of w:tblPr that come after w:tblBorders in the schema's order (a border inserted later is invalid).
AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def write_docx(path: Path, title: str, tables: list[Table], *, warnings=(), figures=(), paragraphs=(), checks=None,
               style: str = "apa") -> Path:  # fmt: skip
    """Write the report to `path`; `figures` are (caption, PNG path) pairs, `checks` the summary's failed checks.

    Header rows repeat on every page, so long item tables stay readable.

    Examples
    --------
    >>> write_docx(Path("out/report.docx"), "Social IMP study", build(res), style="grid")  # doctest: +SKIP
    """
    if style not in STYLES:
        raise ValueError(f"unknown table style {style!r}; choose from {', '.join(STYLES)}")
    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(11)
    caption = doc.styles["Caption"].font
    caption.size, caption.italic, caption.bold, caption.color.rgb = Pt(11), False, False, RGBColor(0, 0, 0)
    doc.add_heading(title, level=1)
    for warning in warnings:
        doc.add_paragraph().add_run(f"Warning: {warning}").bold = True
    if checks is not None:
        doc.add_heading(SUMMARY, level=2)
        for check in checks:
            doc.add_paragraph(check, style="List Bullet")
        if not checks:
            doc.add_paragraph(NO_FAILURES)
    for text in paragraphs:
        doc.add_paragraph(text)
    for table in tables:
        _add_table(doc, table, style)
    for number, (text, png) in enumerate(figures, start=1):
        _caption(doc, "Figure", number, text)
        doc.add_picture(str(png), width=_natural_width(doc, png))
    doc.save(path)
    return path


def _caption(doc, kind: str, number: int, title: str) -> None:
    """A Word caption: bold ``Table 3`` (its number a ``SEQ`` field), the italic title on the next line."""
    paragraph = doc.add_paragraph(style="Caption")
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run(f"{kind} ").bold = True
    # A complex field (begin, instruction, separate, result, end): its result is a plain run, so readers that
    # ignore fields still see the number.
    _field_char(paragraph, "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = f" SEQ {kind} \\* ARABIC "
    paragraph.add_run()._r.append(instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(str(number)).bold = True
    _field_char(paragraph, "end")
    paragraph.add_run().add_break()
    paragraph.add_run(title).italic = True


def _field_char(paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(char)


def _natural_width(doc, png: Path) -> Emu:
    """The PNG's width at `PNG_DPI`, or the text width when it is wider: never stretched."""
    header = png.read_bytes()[16:20]  # IHDR width, big-endian
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    return Emu(min(Inches(int.from_bytes(header, "big") / PNG_DPI), text_width))


def _add_table(doc, table: Table, style: str) -> None:
    _caption(doc, "Table", table.number, table.title)
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = text
    _repeat_header(grid.rows[0])
    for row, values in zip(grid.rows[1:], table.rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    if style == "apa":
        _apa_rules(grid)
    if table.note:
        note = doc.add_paragraph()
        note.add_run("Note. ").italic = True
        note.add_run(table.note)


def _repeat_header(row) -> None:
    """Mark a row as a header row Word repeats at the top of each page (w:tblHeader)."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _apa_rules(grid) -> None:
    """APA 7: a rule above the header, one below it and one below the last row; no vertical lines."""
    properties = grid._tbl.tblPr
    borders = _borders("w:tblBorders", top=RULE["apa"], left=None, bottom=RULE["apa"], right=None, insideH=None,
                       insideV=None)  # fmt: skip
    later = next((child for child in properties if child.tag in {qn(tag) for tag in AFTER_BORDERS}), None)
    if later is None:
        properties.append(borders)
    else:
        later.addprevious(borders)
    for cell in grid.rows[0].cells:
        cell._tc.get_or_add_tcPr().append(_borders("w:tcBorders", bottom=RULE["header"]))


def _borders(tag: str, **edges: str | None) -> OxmlElement:
    """A border element: each edge a single black rule of the given size, or none (None); edges in schema order."""
    element = OxmlElement(tag)
    for edge, size in edges.items():
        line = OxmlElement(f"w:{edge}")
        if size is None:
            line.set(qn("w:val"), "nil")
        else:
            for key, value in (("val", "single"), ("sz", size), ("space", "0"), ("color", "000000")):
                line.set(qn(f"w:{key}"), value)
        element.append(line)
    return element
