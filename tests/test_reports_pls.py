"""reports.render() of a PLS estimate, reports.pls's tables and paragraph, and `socialimp pls`."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import docx
import pandas as pd

import analysis
import reports
from reports import pls as pls_report
from survey_app.cli import main

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "pls_reference.json").read_text())
MOBI = pd.read_csv(DATA / "pls_mobi.csv")


@cache
def result(name: str = "mobi_formative", bootstrap: int = 100):
    model = REFERENCE[name]["model"]
    return analysis.pls(MOBI, model, bootstrap=bootstrap, seed=1, executor=ThreadPoolExecutor(2))


def titles(res) -> list[str]:
    return [t.title for t in pls_report.build(res)]


def test_tables_as_smartpls_prints_them():
    assert titles(result()) == [
        "Sample and estimation", "Outer loadings and weights", "Reliability and convergent validity",
        "Discriminant validity: HTMT", "HTMT inference", "Discriminant validity: Fornell-Larcker criterion",
        "Collinearity of the structural model", "Structural paths", "Specific indirect effects",
        "Explained variance and predictive relevance", "PLSpredict", "Model fit",
    ]  # fmt: skip


def test_path_table_cells_come_from_the_result():
    res = result()
    table = next(t for t in pls_report.build(res) if t.title == "Structural paths").frame()
    first = res.paths.iloc[0]
    assert table.columns.tolist() == ["Path", "β", "SE", "t", "p", "95% CI (percentile)", "95% CI (BCa)", "f²"]
    assert table.iloc[0, 0] == f"{first.rhs} → {first.lhs}"
    assert table.iloc[0, 1].startswith(f"{first.est:.3f}")
    assert table.iloc[0, 5] == f"[{first.ci_lower:.2f}, {first.ci_upper:.2f}]"
    outer = next(t for t in pls_report.build(res) if t.title == "Outer loadings and weights").frame()
    assert (outer["95% CI"] != "").sum() == (res.outer["mode"] == "B").sum()


def test_without_bootstrap_no_intervals_and_interactions_no_prediction():
    plain = result(bootstrap=0)
    assert "HTMT inference" not in titles(plain)
    paths = next(t for t in pls_report.build(plain) if t.title == "Structural paths").frame()
    assert (paths.SE == "").all() and "No bootstrap" in pls_report.build(plain)[7].note
    moderated = result("mobi_interaction", bootstrap=0)
    assert "PLSpredict" not in titles(moderated)
    r2 = next(t for t in pls_report.build(moderated) if t.title.startswith("Explained")).frame()
    assert (r2["Q²"] == "").all()


def test_higher_order_model_no_prediction_and_dimensions_in_the_diagram():
    model = REFERENCE["corp_rep_higher_order"]
    res = analysis.pls(pd.read_csv(DATA / model["data"]), model["model"], na_values=model["na_values"])
    assert "PLSpredict" not in titles(res)
    source = pls_report.path_diagram(res).source
    loading = res.outer.set_index(["construct", "item"]).loading["REP", "COMP"]
    assert f"COMP -> REP [label={loading:.2f} dir=back style=dotted]" in source
    assert "PERF -> IMAGE [label=0.69 dir=forward style=dotted]" in source


def test_render_writes_every_format_with_the_methods_text(tmp_path):
    files = reports.render(result(), tmp_path, formats=("html", "tex", "docx"))
    names = {f.name for f in files}
    assert {"report.html", "report.docx", "path_diagram.svg", "table1.tex", "table12.tex"} <= names
    page = re.sub(r"<span class='num'>|</span>", "", (tmp_path / "report.html").read_text())  # numbers kept whole
    assert "PLS-SEM (path weighting, 100 bootstrap draws)" in page and "<h1>PLS path model</h1>" in page
    assert "R² = .59" in (tmp_path / "path_diagram.svg").read_text()
    assert len(docx.Document(tmp_path / "report.docx").tables) == 12


def test_paragraph_names_the_algorithm_and_the_hypotheses():
    res = analysis.pls(analysis.simulate(300, seed=3), bootstrap=100, seed=1, executor=ThreadPoolExecutor(2))
    text = pls_report.paragraph(res)
    assert "on N = 300 respondents; missing answers were handled by mean replacement: 0 missing answers" in text
    assert "PLS-SEM (path weighting, 100 bootstrap draws)" in text and "Of the 10 hypotheses PLS tests" in text
    assert "Hypotheses" in titles(res)


def test_groups_add_micom_and_mga_tables():
    frame = MOBI.assign(g=["a", "b"] * 125)
    res = analysis.pls(frame, REFERENCE["mobi_formative"]["model"], group="g", bootstrap=50, permutations=30, seed=1,
                       executor=ThreadPoolExecutor(2))  # fmt: skip
    tables = {t.title: t for t in pls_report.build(res)}
    mga = tables["Multigroup analysis (PLS-MGA)"].frame()
    assert mga.columns.tolist()[1:3] == ["β a", "β b"] and len(mga) == len(res.paths)
    assert mga.iloc[0, 3] == f"{res.mga['diff'].iloc[0]:.3f}"
    assert len(tables["Measurement invariance of composites (MICOM)"].frame()) == len(res.spec.constructs)


def test_cli_pls_writes_the_tables_and_the_report(tmp_path, capsys):
    model = tmp_path / "model.pls"
    model.write_text(REFERENCE["mobi_formative"]["model"])
    out = tmp_path / "out"
    argv = ["pls", str(DATA / "pls_mobi.csv"), "--model", str(model), "--bootstrap", "50", "--seed", "1",
            "--out", str(out), "--format", "html"]  # fmt: skip
    assert main(argv) == 0
    assert "PLS-SEM (path weighting, 50 bootstrap draws)" in capsys.readouterr().out
    paths = pd.read_csv(out / "paths.csv")
    expected = analysis.pls(MOBI, model.read_text(), bootstrap=50, seed=1, executor=ThreadPoolExecutor(1)).paths
    pd.testing.assert_frame_equal(paths, expected, check_dtype=False)
    assert (out / "report.html").exists() and (out / "summary.txt").exists()


def test_result_report_is_render(tmp_path):
    files = result().report(tmp_path, formats=("html",))
    assert [f.name for f in files if f.suffix == ".html"] == ["report.html"]
    assert "PLS path model" in (tmp_path / "report.html").read_text()
