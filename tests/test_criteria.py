"""Reports tell the truth: failed checks marked in every format and listed in the summary; fit worded from cutoffs."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pandas as pd
import pytest

import analysis
import reports
from reports import apa, criteria, methods
from reports.tables import build

DATA = Path(__file__).parent / "data"
FORMATS = ("html", "pdf", "tex", "docx")


@pytest.fixture(scope="module")
def poldem() -> analysis.FitResult:
    """Political Democracy (lavaan's example): dem60 and dem65 correlate .97, above both square roots of AVE."""
    model = (DATA / "poldem.lavaan").read_text(encoding="utf-8")
    return analysis.fit(pd.read_csv(DATA / "political_democracy.csv"), model)


@pytest.fixture(scope="module")
def poldem_folder(poldem, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("poldem")
    formats = FORMATS if shutil.which("pdftotext") else tuple(f for f in FORMATS if f != "pdf")
    reports.render(poldem, out, formats=formats)
    return out


@pytest.fixture(scope="module")
def hs_one_factor() -> analysis.FitResult:
    """Holzinger-Swineford's nine tests on one factor: CFI .68, a poor fit."""
    return analysis.fit(pd.read_csv(DATA / "hs1939.csv"), "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9")


def text_of(folder: Path, fmt: str) -> str:
    if fmt == "html":  # the text a reader sees: no tags (numbers sit in spans that keep them on one line)
        return html.unescape(re.sub(r"<[^>]+>", "", (folder / "report.html").read_text(encoding="utf-8")))
    if fmt == "tex":
        return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("table*.tex")))
    if fmt == "pdf":
        if shutil.which("pdftotext") is None:
            pytest.skip("poppler-utils (pdftotext) is not installed")
        done = subprocess.run(["pdftotext", str(folder / "report.pdf"), "-"], check=True, capture_output=True)
        return done.stdout.decode("utf-8")
    document = docx.Document(folder / "report.docx")
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_fornell_larcker_failure_is_marked_in_the_table(poldem):
    table = next(t for t in build(poldem) if t.title.endswith("Fornell-Larcker criterion"))
    cells = table.frame().set_index("Construct")
    assert cells.loc["3. dem65", "2"] == ".97" + criteria.MARK  # r = .968 > sqrt(AVE) .770 and .799
    assert cells.loc["3. dem65", "1"] == ".58" and cells.loc["2. dem60", "1"] == ".45"  # passing cells unmarked
    assert f"{criteria.MARK} the correlation reaches the square root of the AVE" in table.note


@pytest.mark.parametrize("fmt", FORMATS)
def test_failures_are_marked_and_summarised_in_every_format(fmt, poldem_folder):
    text = text_of(poldem_folder, fmt)
    mark = r"\textdagger{}" if fmt == "tex" else criteria.MARK
    assert f".97{mark}" in text
    assert "the criterion fails" in text.replace("\n", " ")
    if fmt != "tex":  # a LaTeX table is one float on its own, without the report's summary
        flat = " ".join(text.split())
        assert criteria.SUMMARY in flat
        assert (
            "Fornell-Larcker: dem60 and dem65 correlate .97, above the square root of the AVE of dem60 (.77) and "
            "dem65 (.80)" in flat
        )
        assert "HTMT of dem60 and dem65 is .98, above .90" in flat


def test_low_reliability_and_ave_are_marked_and_listed():
    demo = analysis.fit(analysis.simulate(500, seed=1))
    table = next(t for t in build(demo) if t.title == "Reliability and convergent validity").frame()
    low = demo.reliability.ave < 0.50
    assert low.any()
    for (construct, failing), ave in zip(low.items(), table["AVE"], strict=True):
        assert ave.endswith(criteria.MARK) == failing, construct
    assert not any(cell.endswith(criteria.MARK) for cell in table["α"])  # alphas are all above .70
    listed = criteria.failures(demo)
    assert sum(line.startswith("AVE of") for line in listed) == low.sum()
    assert "below its threshold" in next(t for t in build(demo) if t.title.startswith("Reliability")).note


def test_low_alpha_omega_and_cr_are_marked_and_listed():
    res = analysis.fit(pd.read_csv(DATA / "hs1939.csv"), (DATA / "hs.lavaan").read_text(encoding="utf-8"))
    table = next(t for t in build(res) if t.title == "Reliability and convergent validity").frame()
    rows = table.set_index("Construct")
    assert rows.loc["visual", ["α", "ω", "CR", "AVE"]].tolist() == [".63†", ".61†", ".63†", ".37†"]
    assert rows.loc["textual", ["α", "ω", "CR", "AVE"]].tolist() == [".88", ".89", ".89", ".72"]
    assert criteria.failures(res)[:3] == [
        "Model fit is poor: TLI and RMSEA miss the cutoffs for acceptable fit",  # TLI .896, RMSEA .092
        "Cronbach's α of visual is .63, below .70",
        "ω of visual is .61, below .70",
    ]


def test_a_model_passing_every_check_says_so(tmp_path):
    res = analysis.fit(pd.read_csv(DATA / "hs1939.csv"), (DATA / "hs.lavaan").read_text(encoding="utf-8"))
    assert all(not line.startswith(("Fornell", "HTMT")) for line in criteria.failures(res))
    fine = analysis.fit(analysis.simulate(300, seed=2), "inf =~ inf_1 + inf_2 + inf_3 + inf_4 + inf_5")
    assert criteria.failures(fine) == []
    reports.render(fine, tmp_path, formats=("html",))
    assert criteria.NO_FAILURES in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("indices", "level", "missed"),
    [
        ({"cfi": 0.97, "tli": 0.96, "rmsea": 0.04, "srmr": 0.03}, "good", []),
        ({"cfi": 0.93, "tli": 0.96, "rmsea": 0.07, "srmr": 0.05}, "acceptable", ["CFI", "RMSEA"]),
        ({"cfi": 0.93, "tli": 0.88, "rmsea": 0.07, "srmr": 0.12}, "poor", ["TLI", "SRMR"]),
    ],
)
def test_verdict_against_hu_and_bentler(indices, level, missed):
    assert criteria.verdict(pd.Series(indices)) == (level, missed)


def test_robust_indices_decide_under_mlr():
    fi = pd.Series({"cfi": 0.90, "tli": 0.90, "rmsea": 0.09, "srmr": 0.05, "chisq_scaled": 1.0, "cfi_robust": 0.96,
                    "tli_robust": 0.96, "rmsea_robust": 0.05})  # fmt: skip
    assert criteria.verdict(fi) == ("good", [])


def test_scaled_indices_decide_for_ordinal_items():
    """WLSMV: lavaan 0.6 gives scaled indices but no robust ones; the DWLS ones would flatter the fit."""
    fi = pd.Series({"cfi": 0.99, "tli": 0.99, "rmsea": 0.03, "srmr": 0.05, "chisq_scaled": 1.0, "cfi_scaled": 0.93,
                    "tli_scaled": 0.92, "rmsea_scaled": 0.07})  # fmt: skip
    assert criteria.reported_kind(fi) == "_scaled"
    assert criteria.verdict(fi) == ("acceptable", ["CFI", "TLI", "RMSEA"])


def test_cutoffs_are_configurable_and_checked(poldem):
    strict = criteria.Cutoffs.of({"rmsea": 0.02, "source": "a strict reviewer"})
    assert criteria.verdict(poldem.fit_indices, strict) == ("acceptable", ["RMSEA"])
    text = methods.paragraph(poldem, strict)
    assert "By the cutoffs of a strict reviewer for good fit (CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .02, SRMR ≤ .08" in text
    assert "the model fit the data acceptably but not well" in text and "RMSEA misses the cutoff for good fit" in text
    fit_table = next(t for t in build(poldem, strict) if t.title == "Model fit")
    assert ["RMSEA [90% CI]", ".028 [.000, .087]", "≤ .02"] in fit_table.rows
    assert "after a strict reviewer" in fit_table.note and "the fit is acceptable" in fit_table.note
    with pytest.raises(ValueError, match="unknown cutoff 'cfl'; choose from cfi, tli"):
        criteria.Cutoffs.of({"cfl": 0.9})
    with pytest.raises(ValueError, match=r"cutoffs must be a reports\.Cutoffs or a dict, not float"):
        reports.render(poldem, "unused", cutoffs=0.95)


def test_methods_paragraph_words_good_and_poor_fit(poldem, hs_one_factor):
    good = methods.paragraph(poldem)
    assert "By the cutoffs of Hu and Bentler (1999) for good fit (CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08" in good
    assert "the model fit the data well: χ²(38) = 40.18, p = .374, CFI = .997" in good
    poor = methods.paragraph(hs_one_factor)
    assert "the model fit the data poorly" in poor and "The model fit the data with" not in poor
    assert "CFI, TLI, RMSEA and SRMR miss the cutoffs for acceptable fit" in poor


def test_poor_fit_names_the_largest_modification_indices(hs_one_factor):
    top = hs_one_factor.modindices().iloc[0]
    text = methods.paragraph(hs_one_factor)
    assert f"The largest modification indices were for {top.lhs} {top.op} {top.rhs} (MI = {top.mi:.2f}" in text


@pytest.fixture(scope="module")
def bfi_paths():
    model = ("agree =~ A1 + A2 + A3 + A4 + A5\nneuro =~ N1 + N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5\n"
             "extra ~ agree + neuro")  # fmt: skip
    return analysis.fit(Path(__file__).parent / "data" / "bfi.csv", model)


def test_large_correlation_residuals_are_flagged(bfi_paths):
    residuals = bfi_paths.residuals("cor")
    large = criteria.large_residuals(bfi_paths)
    expected = {(a, b) for a in residuals.index for b in residuals.columns if a != b and abs(residuals.loc[a, b]) > 0.1}
    assert {(a, b) for a, b, _ in large} | {(b, a) for a, b, _ in large} == expected and len(large) == 16
    assert large[0][:2] == ("E2", "N4") and large[0][2] == pytest.approx(residuals.loc["E2", "N4"])
    fit_table = next(t for t in build(bfi_paths) if t.title == "Model fit")
    assert "16 correlation residuals exceed .10 in absolute value (largest E2–N4, .25)" in fit_table.note
    assert any(f.startswith("16 correlation residuals above .10") for f in criteria.failures(bfi_paths))


def test_paths_table_gives_each_outcomes_r2(bfi_paths):
    paths = next(t for t in build(bfi_paths) if t.title.startswith("Structural paths"))
    assert paths.rows[-1] == ["R² extra", "", "", apa.bounded(bfi_paths.r2["extra"]), "", ""]
    assert 'lavInspect(fit, "r2")' in paths.note
