"""Word reports: "Table Grid" tables, APA 7 rules, Word captions, the path diagram at its natural size."""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from docx.shared import Inches

import analysis
import reports
from reports import diagram

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def poldem() -> analysis.FitResult:
    model = (DATA / "poldem.lavaan").read_text(encoding="utf-8")
    return analysis.fit(pd.read_csv(DATA / "political_democracy.csv"), model)


@pytest.fixture(scope="module", params=["apa", "grid"])
def document(request, poldem, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"word_{request.param}")
    reports.render(poldem, out, formats=("docx",), style=request.param)
    return request.param, docx.Document(out / "report.docx"), out


def borders(element, tag: str) -> dict[str, str]:
    """Edge -> w:val of the w:tblBorders / w:tcBorders under `element` (empty when there are none)."""
    found = element.find(qn(tag))
    return {} if found is None else {edge.tag.split("}")[1]: edge.get(qn("w:val")) for edge in found}


def test_tables_use_table_grid_and_the_style_decides_the_rules(document):
    style, doc, _ = document
    for table in doc.tables:
        assert table.style.name == "Table Grid"
        own = borders(table._tbl.tblPr, "w:tblBorders")
        header = [borders(cell._tc.get_or_add_tcPr(), "w:tcBorders") for cell in table.rows[0].cells]
        if style == "grid":  # every border of the style: vertical lines too
            assert own == {} and all(h == {} for h in header)
        else:  # APA 7: top rule, a rule below the header, bottom rule; nothing vertical, nothing between rows
            assert own == {"top": "single", "left": "nil", "bottom": "single", "right": "nil", "insideH": "nil",
                           "insideV": "nil"}  # fmt: skip
            assert all(h == {"bottom": "single"} for h in header)


def test_captions_are_word_captions(document):
    _, doc, _ = document
    captions = [p for p in doc.paragraphs if p.style.name == "Caption"]
    expected = [f"Table {k}" for k in range(1, len(doc.tables) + 1)] + ["Figure 1"]
    assert [p.text.split("\n")[0] for p in captions] == expected
    first = captions[0]
    assert first.text == "Table 1\nSample and estimation"
    label_runs = [r for r in first.runs if r.text.strip() and r.text != "Sample and estimation"]
    assert all(r.bold for r in label_runs) and [r.italic for r in first.runs if r.text == "Sample and estimation"] == [
        True
    ]
    instructions = [node.text for node in first._p.iter(qn("w:instrText"))]
    assert instructions == [" SEQ Table \\* ARABIC "]  # Word numbers it and lists it in a table of tables


def test_path_diagram_is_placed_at_its_natural_size_at_300_dpi(document):
    _, doc, out = document
    png = (out / "path_diagram.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    (shape,) = doc.inline_shapes
    assert abs(shape.width - Inches(width / diagram.PNG_DPI)) < Inches(0.01)
    assert abs(shape.width / shape.height - width / height) < 0.01  # not stretched
    section = doc.sections[0]
    assert shape.width < section.page_width - section.left_margin - section.right_margin


def test_an_unknown_table_style_is_refused(poldem, tmp_path):
    with pytest.raises(ValueError, match="unknown table style 'booktabs'; choose from apa, grid"):
        reports.render(poldem, tmp_path, formats=("docx",), style="booktabs")
