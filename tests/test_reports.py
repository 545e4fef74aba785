"""Reports: every number read back from HTML, LaTeX and Word equals the result's own; the files open and compile."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from conftest import contract_frame
from docx.oxml.ns import qn
from sqlalchemy import update

import analysis
import reports
from reports import apa, latex, methods, sample, screenshots
from reports.tables import build, construct_label
from survey_app import responses
from survey_app.cli import main
from survey_app.export import with_quality
from survey_app.models import Respondent

DATA = Path(__file__).parent / "data"
SIMULATED = "Simulated data, not real responses"


@pytest.fixture(scope="module")
def result() -> analysis.FitResult:
    return analysis.fit(analysis.simulate(300, seed=4), estimator="MLR")


def rendered(result: analysis.FitResult, factory: pytest.TempPathFactory, name: str) -> Path:
    """A fresh folder holding the HTML, LaTeX and Word report of `result`."""
    out = factory.mktemp(name)
    reports.render(result, out, formats=("html", "tex", "docx"))
    return out


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory) -> Path:
    return rendered(result, tmp_path_factory, "report")


@pytest.fixture(scope="module")
def survey_result(ins) -> analysis.FitResult:
    """FIML on a survey export frame: completes, partials and a screen-out, quality flags, half of it simulated.

    The data record an older instrument version, as after a wording fix between fieldwork and analysis.
    """
    frame = with_quality(contract_frame(ins), ins).assign(instrument_version="0.9.0", instrument_hash="0123456789ab")
    frame.loc[:59, "simulated"] = True
    return analysis.fit(analysis.load(frame, include_simulated=True), missing="fiml")


@pytest.fixture(scope="module")
def survey_folder(survey_result, tmp_path_factory) -> Path:
    return rendered(survey_result, tmp_path_factory, "survey_report")


@pytest.fixture(scope="module")
def pdf_text(result, tmp_path_factory) -> list[str]:
    """The PDF report of `result` as text (``pdftotext -layout``), page by page."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    out = tmp_path_factory.mktemp("pdf")
    reports.render(result, out, formats=("pdf",))
    text = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], check=True, capture_output=True)
    return text.stdout.decode("utf-8").split("\f")[:-1]


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
    outcomes = list(dict.fromkeys(est.lhs[est.op == "~"]))
    paths, r2 = rows[: len(est)], rows[len(est) :]
    assert [row[0] for row in r2] == [f"R² {construct_label(result, name)}" for name in outcomes]
    assert [number(row[3]) for row in r2] == pytest.approx([round(result.r2[name], 2) for name in outcomes])
    for row, (_, expected) in zip(paths, est.iterrows(), strict=True):
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


@pytest.mark.slow
def test_pdf_repeats_the_item_table_header_on_every_page(pdf_text, result):
    items = list(result.item_stats.index)
    assert len(items) >= 50
    start = next(k for k, page in enumerate(pdf_text) if "Item statistics" in page)
    table = [pdf_text[start].split("Item statistics", 1)[1], *pdf_text[start + 1 :]]  # the summary may name items
    end = next(k for k, page in enumerate(table) if "Note. M = mean" in page)  # the note names items too
    table = [*table[:end], table[end].split("Note. M = mean", 1)[0]]
    pages = [page for page in table if any(re.search(rf"\b{item}\b", page) for item in items[1:])]
    assert len(pages) > 1  # the item table breaks across pages
    for page in pages:
        assert re.search(r"Construct\s+Item\s+Wording\s+M\s+SD\s+λ\s+r_drop", page), page[:500]


def test_word_tables_repeat_their_header_row(folder, result):
    document = docx.Document(folder / "report.docx")
    items = next(t for t in document.tables if t.rows[1].cells[1].text == result.item_stats.index[0])
    assert len(items.rows) > 50
    for table in document.tables:
        flags = table.rows[0]._tr.trPr.findall(qn("w:tblHeader"))
        assert [flag.get(qn("w:val")) for flag in flags] == ["true"]
        assert not table.rows[1]._tr.findall(f".//{qn('w:tblHeader')}")  # only the header row repeats


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="LaTeX is not installed (Debian: apt-get install texlive-latex-base texlive-latex-recommended)",
)
@pytest.mark.parametrize("report", ["folder", "survey_folder"])
def test_latex_tables_compile_in_a_minimal_document(report, request, tmp_path):
    tables = sorted(request.getfixturevalue(report).glob("table*.tex"), key=lambda p: int(p.stem[5:]))
    for path in tables:
        shutil.copy(path, tmp_path)
    inputs = "".join(f"\\input{{{path.stem}}}\n" for path in tables)
    document = f"\\documentclass{{article}}\n{latex.PREAMBLE}\\begin{{document}}\n{inputs}\\end{{document}}\n"
    (tmp_path / "paper.tex").write_text(document, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp_path / "paper.log").read_text(encoding="latin-1")
    assert "Missing character" not in log and "LaTeX Warning: Reference" not in log
    assert (tmp_path / "paper.pdf").stat().st_size > 10_000


@pytest.mark.browser
def test_html_report_loads_in_chromium_without_errors_or_requests(folder, result, browser):
    url = (folder / "report.html").as_uri()
    requested, problems = [], []
    page = browser.new_page()
    try:
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning")
                else None)  # fmt: skip
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(url, wait_until="networkidle")
        tables = page.locator("table").count()
        diagram = page.locator("figure svg").bounding_box()
    finally:
        page.close()
    assert problems == []
    assert [u for u in requested if u != url and not u.startswith("data:")] == []
    assert requested[0] == url
    assert tables == len(build(result)) and diagram["width"] > 300


@pytest.mark.browser
def test_screenshots_show_the_top_of_the_report_and_the_diagram(result, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    report, diagram = screenshots.screenshots(tmp_path, result=result)
    assert png_size(report) == (screenshots.VIEWPORT["width"], screenshots.VIEWPORT["height"])
    assert png_size(diagram)[0] > 600 and diagram.name == "path_diagram.png"
    assert report.stat().st_size < 300_000 and diagram.stat().st_size < 300_000  # small enough for the README


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG image, from its header."""
    head = path.read_bytes()[:24]
    assert head.startswith(b"\x89PNG\r\n\x1a\n"), path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_screenshots_say_what_they_need(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(screenshots.shutil, "which", lambda name: None)
    monkeypatch.setattr(screenshots, "CHROMIUM", str(tmp_path / "chromium"))
    assert screenshots.main([str(tmp_path / "docs")]) == 2  # at once, before fitting the demo
    assert capsys.readouterr().err == (
        f"screenshots: error: screenshots need Chromium at {tmp_path / 'chromium'} (Debian: apt-get install chromium)\n"
    )
    monkeypatch.setattr(screenshots, "CHROMIUM", sys.executable)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # as if playwright were not installed
    needs = r"need the playwright package: pip install -e '\.\[dev\]'"
    with pytest.raises(RuntimeError, match=needs), screenshots.chromium():
        pass


def test_sample_table_counts_statuses_flags_and_simulated_respondents(survey_folder, survey_result):
    raw = survey_result.raw
    used = raw.loc[survey_result.data.index]
    for fmt, read in READERS.items():
        rows = dict(table(read(survey_folder), survey_result, "Sample and estimation"))
        assert rows["Respondents in the data"] == str(len(raw)) == "120", fmt
        status = raw["status"].value_counts()
        assert rows["Completed the survey"] == str(status["complete"]) == "117"
        assert rows["Partial responses (dropped out or still answering)"] == str(status["partial"])
        assert rows["Screened out"] == str(status["screened_out"])
        assert rows["Observations analysed"] == str(survey_result.n) == str(len(used)) == "119"
        assert rows["Missing data"] == (
            "Full-information maximum likelihood (FIML): 1 row answering none of the model's variables left out"
        )  # the screened-out respondent
        for column, label in sample.QUALITY_FLAGS.items():
            count = int((used[column].astype(float) > 0).sum())
            assert rows[label] == f"{count} ({100 * count / len(used):.1f}%)", label
        assert rows["Simulated respondents (not real responses)"] == "60 (50.4%)"
        ins = survey_result.instrument
        assert rows["Instrument"] == f"{ins.id} {ins.version} (hash {ins.short_hash})"
        assert rows["Instrument recorded in the data (differs)"] == "0.9.0 (hash 0123456789ab)"
    assert int(used["qc_flagged"].sum()) > 0  # flags are counted, and the flagged respondents kept


def test_simulated_data_are_announced_in_every_format(survey_folder, survey_result):
    notice = "simulated data, not real responses: 60 of the 119 analysed respondents are simulated"
    page = (survey_folder / "report.html").read_text(encoding="utf-8")
    assert page.index(f"Warning: {notice}") < page.index("Table 1")
    assert docx.Document(survey_folder / "report.docx").paragraphs[1].text == f"Warning: {notice}"
    for path in survey_folder.glob("table*.tex"):
        assert "Note.} " + latex.escape(f"{SIMULATED}: 60 of the 119") in path.read_text(encoding="utf-8"), path.name
    assert methods.paragraph(survey_result).startswith(apa.capitalized(notice))
    assert "no respondent was excluded on that ground" in methods.paragraph(survey_result)


def test_simulated_data_are_announced_with_a_model_of_ones_own_too(tmp_path, ins):
    data = analysis.simulate(200, seed=2, instrument=ins).assign(simulated=True)
    result = analysis.fit(data, "inf =~ " + " + ".join(ins.construct_items["inf"]))
    reports.render(result, tmp_path, formats=("html",))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Warning: simulated data, not real responses: all 200 analysed" in page


def test_real_data_carry_no_simulated_notice(folder):
    assert SIMULATED.lower() not in (folder / "report.html").read_text(encoding="utf-8").lower()


def test_fiml_report_keeps_intercepts_out_of_the_path_table(survey_folder, survey_result):
    est = survey_result.estimates
    assert (est.op == "~1").sum() > 50  # FIML's mean structure
    rows = table(read_html(survey_folder), survey_result, "Structural paths and indirect effects")
    assert len([row for row in rows if not row[0].startswith("R² ")]) == est.op.isin(["~", ":="]).sum()
    assert "full-information maximum likelihood (FIML)" in methods.paragraph(survey_result)


@pytest.mark.parametrize("fmt", READERS)
def test_model_fit_table_has_the_one_factor_comparison_of_rq2(fmt, folder, result):
    rows = {row[0]: row[1:] for row in table(READERS[fmt](folder), result, "Model fit")}
    hyp = result.hypotheses.set_index("hypothesis").loc["H2a"]
    df = re.search(r"on (\d+) df", hyp.test)[1]
    assert hyp.df == int(df)  # the column and the evidence text agree
    assert rows["Six-factor CFA vs one factor (RQ2, H2a)"] == [
        f"Δχ²({df}) = {apa.number(hyp.estimate)}, {apa.p_text(hyp.pvalue)}",
        "p < .05",
    ]
    assert number(rows["Robust CFI"][0]) == pytest.approx(round(result.fit_indices.cfi_robust, 3))
    assert rows["CFI"][1] == "≥ .95" and rows["SRMR"][1] == "≤ .08"  # the cutoffs used


def test_report_command_and_result_method(tmp_path, capsys, result):
    data = tmp_path / "data.csv"
    analysis.simulate(200, seed=2).to_csv(data, index=False)
    assert main(["report", str(data), "--out", str(tmp_path / "cli"), "--format", "html", "tex"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert (tmp_path / "cli" / "table1.tex").exists() and (tmp_path / "cli" / "path_diagram.svg").exists()
    files = result.report(tmp_path / "method", formats=("docx",))
    assert files[-1].name == "report.docx"


@pytest.mark.slow
def test_report_command_reads_the_survey_database_and_asks_which_respondents(app, tmp_path, capsys):
    survey = app.extensions["socialimp"]
    with survey.sessions.begin() as session:
        responses.store_simulated(session, survey.instrument, analysis.simulate(200, seed=3), seed=3)
        session.execute(update(Respondent).where(Respondent.id <= 5).values(simulated=False))
    url, out = app.config["DATABASE_URL"], tmp_path / "report"
    assert main(["report", url, "--out", str(out), "--format", "html"]) == 2
    assert "holds 5 real and 195 simulated respondents" in capsys.readouterr().err
    assert main(["report", url, "--out", str(out), "--format", "html", "--simulated", "exclude"]) == 2
    assert "only 5 complete rows; the model" in capsys.readouterr().err  # too few real respondents for the model
    argv = ["report", url, "--out", str(out), "--format", "html", "tex", "--simulated", "include", "--missing", "fiml"]
    assert main(argv) == 0
    assert "report.html" in capsys.readouterr().out
    rows = dict(read_tex(out)[0])
    assert rows["Simulated respondents (not real responses)"] == "195 (97.5%)"
    assert rows["Missing data"].startswith("Full-information maximum likelihood (FIML): 0 rows")
    assert "Flagged by at least one careless-responding rule" in rows  # a database read carries the qc_* flags
    assert "Warning: simulated data, not real responses: 195 of the 200" in (out / "report.html").read_text("utf-8")


# Ordinal items: the instrument's model by WLSMV on simulated answers (7-point codes), the report's tables and text.
@pytest.fixture(scope="module")
def ordinal_result() -> analysis.FitResult:
    return analysis.fit(analysis.simulate(300, seed=4), estimator="WLSMV", ordered=True)


@pytest.fixture(scope="module")
def ordinal_folder(ordinal_result, tmp_path_factory) -> Path:
    return rendered(ordinal_result, tmp_path_factory, "ordinal_report")


def test_ordinal_methods_text_names_wlsmv_and_the_scaled_indices(ordinal_result):
    text = methods.paragraph(ordinal_result)
    fi = ordinal_result.fit_indices
    assert "(WLSMV, ordinal items; delta parameterization)" in text
    assert f"scaled-shifted χ²({fi.df_scaled:.0f}) = {apa.number(fi.chisq_scaled)}" in text
    assert f"scaled CFI = {apa.bounded(fi.cfi_scaled, 3)}" in text and "Ordinal alpha ranged" in text


@pytest.mark.parametrize("fmt", READERS)
def test_ordinal_fit_table_names_the_scaled_indices(fmt, ordinal_folder, ordinal_result):
    rows = {row[0]: row[1] for row in table(READERS[fmt](ordinal_folder), ordinal_result, "Model fit")}
    fi = ordinal_result.fit_indices
    assert number(rows["Scaled-shifted χ² (WLSMV)"]) == pytest.approx(round(fi.chisq_scaled, 2))
    for label, key in (("Scaled CFI", "cfi_scaled"), ("Scaled TLI", "tli_scaled"), ("SRMR", "srmr")):
        assert number(rows[label]) == pytest.approx(round(fi[key], 3)), label
    rmsea = [float(v) for v in re.findall(r"-?\d*\.\d+", rows["Scaled RMSEA [90% CI]"])]
    keys = ("rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled")
    assert rmsea == pytest.approx([round(fi[k], 3) for k in keys])
    assert "AIC" not in rows and "Robust CFI" not in rows  # no likelihood; Savalei's robust indices not computed


@pytest.mark.parametrize("fmt", READERS)
def test_ordinal_reliability_table_is_ordinal_alpha_and_omega(fmt, ordinal_folder, ordinal_result):
    rows = table(READERS[fmt](ordinal_folder), ordinal_result, "Reliability and convergent validity")
    rel = ordinal_result.reliability
    assert [number(row[1]) for row in rows] == pytest.approx(rel.alpha.round(2).tolist())
    assert [number(row[2]) for row in rows] == pytest.approx(rel.omega.round(2).tolist())
    assert next(t for t in build(ordinal_result) if t.title.startswith("Reliability")).columns[1] == "Ordinal α"


def test_ordinal_hypotheses_refit_as_ordinal_or_say_why_not(ordinal_result):
    hyp = ordinal_result.hypotheses.set_index("hypothesis")
    assert "scaled-shifted chi-square difference" in hyp.loc["H2a", "test"]  # both rivals refitted by WLSMV
    assert hyp.loc["H4", "decision"] == "not evaluated"
    assert "not supported for ordinal items yet" in hyp.loc["H4", "rule"]


@pytest.mark.slow
def test_report_command_with_ordered_items(tmp_path, capsys):
    data = tmp_path / "data.csv"
    analysis.simulate(300, seed=4).to_csv(data, index=False)
    assert main(["report", str(data), "--out", str(tmp_path / "cli"), "--format", "html", "--ordered"]) == 0
    page = (tmp_path / "cli" / "report.html").read_text(encoding="utf-8")
    assert "WLSMV, ordinal items" in page and "Scaled-shifted χ² (WLSMV)" in page
