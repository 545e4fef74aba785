"""Reports: every number read back from HTML, LaTeX and Word equals the result's own."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest

import analysis
import reports
from reports import apa, latex
from reports.tables import build

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def result() -> analysis.FitResult:
    return analysis.fit(analysis.simulate(300, seed=4), estimator="MLR")


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    reports.render(result, out, formats=("html", "tex", "docx"))
    return out


class _Cells(HTMLParser):
    """Table cells of an HTML page, table by table (stdlib parser: no extra dependency)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def read_html(folder: Path) -> list[list[list[str]]]:
    parser = _Cells()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    return [rows[1:] for rows in parser.tables]  # without the header row


def read_tex(folder: Path) -> list[list[list[str]]]:
    unescape = {v: k for k, v in latex.ESCAPES.items()}
    pattern = re.compile("|".join(re.escape(code) for code in sorted(unescape, key=len, reverse=True)))
    tables = []
    for path in sorted(folder.glob("table*.tex"), key=lambda p: int(p.stem[5:])):
        text = path.read_text(encoding="utf-8")
        body = text.split("\\midrule\n")[-1].removeprefix("\\endhead\n").split("\n\\bottomrule")[0]
        rows = [line.removesuffix(r" \\").split(" & ") for line in body.splitlines()]
        tables.append([[pattern.sub(lambda m: unescape[m.group(0)], cell) for cell in row] for row in rows])
    return tables


def read_docx(folder: Path) -> list[list[list[str]]]:
    document = docx.Document(folder / "report.docx")
    return [[[cell.text for cell in row.cells] for row in table.rows[1:]] for table in document.tables]


READERS = {"html": read_html, "tex": read_tex, "docx": read_docx}


def number(cell: str) -> float:
    """The first number in a cell, as printed (``.93`` -> 0.93; stars and daggers ignored)."""
    return float(re.search(r"-?\d*\.?\d+", cell).group(0))


def table(tables, result, title) -> list[list[str]]:
    titles = [t.title for t in build(result)]
    return tables[titles.index(title)]


@pytest.mark.parametrize("fmt", READERS)
def test_reliability_numbers_are_the_results(fmt, folder, result):
    rows = table(READERS[fmt](folder), result, "Reliability and convergent validity")
    rel = result.reliability
    assert len(rows) == len(rel)
    for row, (_, expected) in zip(rows, rel.iterrows(), strict=True):
        assert number(row[1]) == pytest.approx(round(expected.alpha, 2))
        lower, upper = re.findall(r"-?\d*\.\d+", row[2])
        assert (float(lower), float(upper)) == pytest.approx(
            (round(expected.alpha_ci_lower, 2), round(expected.alpha_ci_upper, 2))
        )
        for cell, column in zip(row[3:], ("omega", "cr", "ave"), strict=True):
            assert number(cell) == pytest.approx(round(expected[column], 2)), column


@pytest.mark.parametrize("fmt", READERS)
def test_item_statistics_are_the_results(fmt, folder, result):
    rows = table(READERS[fmt](folder), result, "Item statistics")
    stats = result.item_stats
    assert [row[1] for row in rows] == list(stats.index)
    loadings = pd.concat(result.loadings(standardized=True).values())
    book = result.instrument.codebook()
    wording = dict(zip(book.variable, book.wording, strict=True))
    for row in rows:
        item = row[1]
        assert number(row[3]) == pytest.approx(round(stats.loc[item, "mean"], 2))
        assert number(row[4]) == pytest.approx(round(stats.loc[item, "sd"], 2))
        assert number(row[5]) == pytest.approx(round(loadings[item], 2))
        assert row[2] == wording[item]  # the exact wording respondents saw


@pytest.mark.parametrize("fmt", READERS)
def test_fit_indices_are_the_results(fmt, folder, result):
    rows = {row[0]: row[1] for row in table(READERS[fmt](folder), result, "Model fit")}
    fi = result.fit_indices
    assert number(rows["χ²"]) == pytest.approx(round(fi.chisq, 2))
    for label, key in (("CFI", "cfi"), ("TLI", "tli"), ("SRMR", "srmr"), ("Robust CFI", "cfi_robust")):
        assert number(rows[label]) == pytest.approx(round(fi[key], 3)), label
    rmsea = [float(v) for v in re.findall(r"-?\d*\.\d+", rows["RMSEA [90% CI]"])]
    assert rmsea == pytest.approx([round(fi[k], 3) for k in ("rmsea", "rmsea_ci_lower", "rmsea_ci_upper")])


@pytest.mark.parametrize("fmt", READERS)
def test_paths_are_the_results(fmt, folder, result):
    rows = table(READERS[fmt](folder), result, "Structural paths and indirect effects")
    est = result.estimates[result.estimates.op.isin(["~", ":="])]
    assert len(rows) == len(est)
    for row, (_, expected) in zip(rows, est.iterrows(), strict=True):
        assert number(row[1]) == pytest.approx(round(expected.est, 2))
        assert number(row[2]) == pytest.approx(round(expected.se, 2))
        assert number(row[3]) == pytest.approx(round(expected.std_all, 2))
        assert row[3].count("*") == len(apa.stars(expected.pvalue))
        assert row[5] == apa.p_value(expected.pvalue)


def test_html_is_self_contained(folder):
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page
    assert not re.search(r"(src|href)=['\"]?https?:", page)


def test_apa_formatting():
    assert (apa.bounded(0.9312), apa.bounded(-0.25), apa.bounded(1.0)) == (".93", "-.25", "1.00")
    assert (apa.p_value(0.0004), apa.p_value(0.0312), apa.p_value(float("nan"))) == ("< .001", ".031", "")
    assert (apa.number(-0.001), apa.stars(0.004), apa.p_text(0.2)) == ("0.00", "**", "p = .200")


def test_pure_cfa_with_a_warning_still_renders(tmp_path):
    rng = np.random.default_rng(1)
    cor = np.array([[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]])
    data = pd.DataFrame(rng.multivariate_normal(np.zeros(3), cor, 400), columns=["a", "b", "c"])
    with pytest.warns(analysis.ImproperSolutionWarning):
        heywood = analysis.fit(data, "f =~ a + b + c")
    files = reports.render(heywood, tmp_path, formats=("html", "docx", "tex"))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.index("Warning: improper solution") < page.index("Table 1")
    assert not (tmp_path / "path_diagram.svg").exists() and len(files) > 3
    assert "Warning: improper solution" in docx.Document(tmp_path / "report.docx").paragraphs[1].text


def test_unknown_format_is_refused(result, tmp_path):
    with pytest.raises(ValueError, match="unknown report format 'rtf'"):
        reports.render(result, tmp_path, formats=("rtf",))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_pdf_renders_to_png_pages(result, tmp_path):
    reports.render(result, tmp_path, formats=("pdf",))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) >= 3


def test_report_command_and_result_method(tmp_path, capsys, result):
    from survey_app.cli import main

    data = tmp_path / "data.csv"
    analysis.simulate(200, seed=2).to_csv(data, index=False)
    assert main(["report", str(data), "--out", str(tmp_path / "cli"), "--format", "html", "tex"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert (tmp_path / "cli" / "table1.tex").exists() and (tmp_path / "cli" / "path_diagram.svg").exists()
    files = result.report(tmp_path / "method", formats=("docx",))
    assert files[-1].name == "report.docx"
