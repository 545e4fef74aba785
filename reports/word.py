"""The report as a Word document with real, editable Word tables (python-docx)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from .tables import Table


def write_docx(path: Path, title: str, tables: list[Table], *, warnings=(), figures=(), paragraphs=()) -> Path:
    """Write the report to `path`; `figures` are (caption, PNG path) pairs.

    Header rows repeat on every page, so long item tables stay readable.

    Examples
    --------
    >>> write_docx(Path("out/report.docx"), "Social IMP study", build(res))  # doctest: +SKIP
    """
    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_heading(title, level=1)
    for warning in warnings:
        doc.add_paragraph().add_run(f"Warning: {warning}").bold = True
    for text in paragraphs:
        doc.add_paragraph(text)
    for table in tables:
        _add_table(doc, table)
    for number, (caption, png) in enumerate(figures, start=1):
        doc.add_paragraph().add_run(f"Figure {number}").bold = True
        doc.add_paragraph().add_run(caption).italic = True
        doc.add_picture(str(png), width=doc.sections[0].page_width - doc.sections[0].left_margin * 2)
    doc.save(path)
    return path


def _add_table(doc, table: Table) -> None:
    doc.add_paragraph().add_run(table.label).bold = True
    doc.add_paragraph().add_run(table.title).italic = True
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = text
    _repeat_header(grid.rows[0])
    for row, values in zip(grid.rows[1:], table.rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    if table.note:
        note = doc.add_paragraph()
        note.add_run("Note. ").italic = True
        note.add_run(table.note)


def _repeat_header(row) -> None:
    """Mark a row as a header row Word repeats at the top of each page (w:tblHeader)."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)
