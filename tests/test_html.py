"""HTML and its PDF print: sensible column widths, numbers kept whole, the item table's wording column."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

import analysis
import reports
from reports import html
from reports.tables import build

DATA = Path(__file__).parent / "data"


def pdf_pages(folder: Path, *options: str) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    done = subprocess.run(["pdftotext", *options, str(folder / "report.pdf"), "-"], check=True, capture_output=True)
    return done.stdout.decode("utf-8").split("\f")[:-1]


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> Path:
    """The PDF report of `socialimp demo`'s data: 500 simulated respondents, 60 items with long wordings."""
    out = tmp_path_factory.mktemp("demo_pdf")
    reports.render(analysis.fit(analysis.simulate(500, seed=1)), out, formats=("pdf",))
    return out


def test_item_table_of_the_demo_takes_few_pages(demo_pdf):
    pages = pdf_pages(demo_pdf, "-layout")
    first = next(k for k, page in enumerate(pages) if re.search(r"^\s*Table 2\s*$", page, re.M))
    last = next(k for k, page in enumerate(pages) if re.search(r"^\s*Table 3\s*$", page, re.M))
    assert last - first <= 4  # 60 items; a squeezed wording column made it 11 pages


def test_no_number_is_broken_across_lines(demo_pdf):
    text = "\n".join(pdf_pages(demo_pdf))
    assert "p = .487" in text  # the methods paragraph, in the order a reader reads it
    assert not re.search(r"(^|[\s=\[(])[-−]?\.\n", text, re.M), "a number broken after its decimal point"
    assert not re.search(r"[=<>≤≥]\n\s*[-−.\d]", text), "a number broken from its sign"


def test_numbers_in_text_cells_sit_in_unbreakable_spans():
    cell = html._cell("six-factor CFA: chi-square difference 12.30 on 3 df; p = .019, 90% CI [.000, .087]", True)
    assert "<span class='num'>p = .019</span>" in cell and "<span class='num'>.000, .087</span>" in cell
    assert "<span class='num'>12.30</span>" in cell


def test_item_table_without_an_instrument_has_no_empty_wording_column(tmp_path):
    res = analysis.fit(pd.read_csv(DATA / "hs1939.csv"), (DATA / "hs.lavaan").read_text(encoding="utf-8"))
    items = next(t for t in build(res) if t.title == "Item statistics")
    assert items.columns == ["Construct", "Item", "M", "SD", "λ", "r_drop"]
    wordings = {"x1": "Visual perception", "x4": "Paragraph comprehension"}
    labelled = next(t for t in build(res, labels=wordings) if t.title == "Item statistics").frame().set_index("Item")
    assert labelled.loc["x1", "Wording"] == "Visual perception" and labelled.loc["x2", "Wording"] == ""


def test_wordings_come_from_the_variable_labels_of_a_sav_file(tmp_path):
    frame = pd.read_csv(DATA / "hs1939.csv")
    sav = tmp_path / "hs.sav"
    pyreadstat.write_sav(frame, sav, column_labels={"x1": "Visual perception", "x9": "Straight and curved capitals"})
    res = analysis.fit(sav, (DATA / "hs.lavaan").read_text(encoding="utf-8"))
    reports.render(res, tmp_path / "report", formats=("html",), labels=sav)
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "<th scope='col'>Wording</th>" in page and "Straight and curved capitals" in page
    with pytest.raises(ValueError, match=r"labels must be a dict or an existing \.sav file, not 'hs\.csv'"):
        reports.render(res, tmp_path / "report", formats=("html",), labels="hs.csv")
