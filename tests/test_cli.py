"""The `socialimp` command line, run in-process through its main()."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pandas as pd
import pyreadstat
import pytest

import analysis
from instrument import codebook
from survey_app.cli import main


def test_instrument_codebook_csv(tmp_path, ins):
    out = tmp_path / "codebook.csv"
    assert main(["instrument", "codebook", "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text() == codebook.render(ins.codebook(), "csv")


def test_instrument_codebook_md_to_stdout(capsys):
    assert main(["instrument", "codebook"]) == 0
    assert capsys.readouterr().out.startswith("| variable | item |")


def test_instrument_lavaan_and_validate(capsys, ins):
    assert main(["instrument", "lavaan", "--model", "one_factor"]) == 0
    assert capsys.readouterr().out == ins.to_lavaan("one_factor")
    assert main(["instrument", "validate"]) == 0
    assert "11 constructs, 14 hypotheses" in capsys.readouterr().out


def test_simulate_writes_csv(tmp_path, ins):
    out = tmp_path / "data.csv"
    assert main(["simulate", "--n", "40", "--seed", "1", "--out", str(out), "--missing", "0.1"]) == 0
    data = pd.read_csv(out)
    assert data.shape == (40, len(ins.variables) + 1)
    assert data["inf_1"].isna().any()


def test_demo_writes_its_files_and_prints_fit_reliability_and_hypotheses(tmp_path, capsys):
    assert main(["demo", "--n", "300", "--seed", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Long-term relationship" in printed and "omega" in printed and "CFI" in printed and "H7" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["codebook.md", "data.csv", "model.lavaan", *TABLES, "hypotheses.csv", "summary.txt"]
    )


HS_DATA = str(Path(__file__).parent / "data" / "hs1939.csv")
HS_MODEL = str(Path(__file__).parent / "data" / "hs.lavaan")
PD_DATA = str(Path(__file__).parent / "data" / "political_democracy.csv")
PD_MODEL = str(Path(__file__).parent / "data" / "poldem.lavaan")
TABLES = ["estimates.csv", "fit_indices.csv", "reliability.csv", "item_stats.csv", "htmt.csv", "fornell_larcker.csv",
          *(f"{name}.csv" for name in ("r2", "modindices") if hasattr(analysis.FitResult, name))]  # fmt: skip
"""What `fit --out` writes for a model with two or more factors (r2 and modindices once the result has them)."""


def text(page: str) -> str:
    """What a reader of an HTML report sees, cells apart: ``Observations analysed 156``."""
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?span[^>]*>", "", page)).split())


def test_fit_command_on_a_data_file_with_a_model_file(tmp_path, capsys):
    assert main(["fit", HS_DATA, "--model", HS_MODEL, "--out", str(tmp_path / "out")]) == 0
    assert "85.306" in capsys.readouterr().out
    estimates = pd.read_csv(tmp_path / "out" / "estimates.csv")
    assert len(estimates) == 24 and list(estimates.columns[:3]) == ["lhs", "op", "rhs"]


def test_fit_command_with_bootstrap(capsys):
    args = ["fit", HS_DATA, "--model", HS_MODEL, "--bootstrap", "20", "--seed", "1", "--n-jobs", "1"]
    assert main(args) == 0
    assert "bootstrap, 20 draws (0 failed)" in capsys.readouterr().out


def test_fit_command_with_mlr(capsys):
    assert main(["fit", HS_DATA, "--model", HS_MODEL, "--estimator", "MLR"]) == 0
    assert "Scaled chi-square (Yuan-Bentler)        87.132" in capsys.readouterr().out


def test_fit_command_with_ordered_items(tmp_path, capsys):
    data = str(Path(__file__).parent / "data" / "hs_ordinal.csv")
    args = ["fit", data, "--model", HS_MODEL, "--estimator", "WLSMV", "--ordered", "--out", str(tmp_path / "out")]
    assert main(args) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "Scaled-shifted chi-square" in x)
    assert line.split()[-1] == "69.146"  # lavaan: 69.1457
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    # no modindices.csv: not computed for ordinal items
    assert written == ["estimates.csv", "fit_indices.csv", "fornell_larcker.csv", "htmt.csv", "item_stats.csv",
                       "r2.csv", "reliability.csv", "summary.txt"]  # fmt: skip


def test_fit_command_with_named_ordered_items(capsys):
    data = str(Path(__file__).parent / "data" / "hs_ordinal.csv")
    items = [f"x{k}" for k in range(1, 9)]
    assert main(["fit", data, "--model", HS_MODEL, "--estimator", "WLSMV", "--ordered", *items]) == 0
    out = capsys.readouterr().out  # x9 continuous beside the ordinal items: polyserial correlations, as lavaan
    assert "Scaled-shifted chi-square" in out and "x8|t1" in out.replace(" ", "")


def test_fit_command_reports_model_errors_in_one_clear_message(tmp_path, capsys):
    model = tmp_path / "bad.lavaan"
    model.write_text("visual =~ x1 + x2 + x99\n")
    assert main(["fit", HS_DATA, "--model", str(model)]) == 2
    assert (
        capsys.readouterr().err
        == "socialimp fit: error: column 'x99' (model line 1) is not in the data; did you mean 'x9'?\n"
    )


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n")
    assert main(["instrument", "validate", "--instrument", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("socialimp instrument: error: instrument file") and "Traceback" not in err
    assert main(["simulate", "--n", "0", "--out", str(tmp_path / "x.csv")]) == 2
    assert "n must be a positive whole number" in capsys.readouterr().err


def test_fit_command_with_groups(capsys):
    assert main(["fit", HS_DATA, "--model", HS_MODEL, "--group", "school", "--group-equal", "loadings"]) == 0
    printed = capsys.readouterr().out
    assert "Group 1 school = Pasteur: n = 156" in printed and "124.044" in printed  # lavaan's metric chi-square


def test_invariance_command(tmp_path, capsys):
    out = tmp_path / "invariance.csv"
    assert main(["invariance", HS_DATA, "--model", HS_MODEL, "--group", "school", "--out", str(out)]) == 0
    assert "not invariant" in capsys.readouterr().out
    assert list(pd.read_csv(out, index_col=0).index) == ["configural", "metric", "scalar"]


def test_invariance_command_with_ordered_items(capsys):
    data = str(Path(__file__).parent / "data" / "hs_ordinal.csv")
    assert main(["invariance", data, "--model", HS_MODEL, "--group", "school", "--ordered"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[1:]] == ["configural", "thresholds", "metric"]
    assert "2.892" in printed[2]  # lavTestLRT's scaled-shifted difference: 2.8917


def test_fit_command_reads_a_survey_database_and_chooses_respondents(tmp_path, capsys, ins, survey_db):
    url = survey_db(300, seed=1, real=1)
    model = tmp_path / "inf.lavaan"
    model.write_text("inf =~ " + " + ".join(ins.construct_items["inf"]))
    assert main(["fit", url, "--model", str(model)]) == 2
    assert "holds 1 real and 300 simulated respondents" in capsys.readouterr().err
    assert main(["fit", url, "--model", str(model), "--simulated", "include"]) == 0
    assert "Rows dropped (listwise)                      1" in capsys.readouterr().out  # the real one answered nothing


def test_fit_without_a_model_on_other_data_says_what_the_bundled_model_needs(capsys, ins):
    assert main(["fit", HS_DATA]) == 2
    err = capsys.readouterr().err
    assert err.startswith("socialimp fit: error: no --model given, so the bundled model of social_imp 1.0.0 was "
                          "tried; it needs the columns smu_micro, smu_sns")  # fmt: skip
    assert "none of them is in the data, whose columns are id, sex, school, x1" in err
    assert err.rstrip().endswith("and pass --model FILE")
    partial = analysis.simulate(60, seed=1).drop(columns=["inf_2", "ltr_5"])
    path = Path(HS_DATA).parent.parent / "partial.csv"
    try:
        partial.to_csv(path, index=False)
        assert main(["report", str(path), "--out", str(path.parent / "unused")]) == 2
    finally:
        path.unlink()
    assert "2 of them are not in the data: inf_2, ltr_5." in capsys.readouterr().err


def test_fit_out_writes_every_table_for_any_model(tmp_path, capsys):
    args = ["fit", PD_DATA, "--model", PD_MODEL, "--hypothesis", "H1=dem65 ~ dem60 > 0", "--out", str(tmp_path)]
    assert main(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*TABLES, "hypotheses.csv", "summary.txt"])
    validity = pd.read_csv(tmp_path / "fornell_larcker.csv", index_col=0)
    assert validity.loc["dem65", "dem60"] == pytest.approx(0.968, abs=1e-3)
    hypotheses = pd.read_csv(tmp_path / "hypotheses.csv")
    assert hypotheses.loc[0, ["hypothesis", "decision"]].tolist() == ["H1", "supported"]
    assert "socialimp SEM" in capsys.readouterr().out


def test_a_malformed_hypothesis_option_is_refused(capsys):
    assert main(["fit", PD_DATA, "--model", PD_MODEL, "--hypothesis", "dem65 ~ dem60"]) == 2
    assert capsys.readouterr().err == (
        "socialimp fit: error: --hypothesis 'dem65 ~ dem60': write ID=STATEMENT, e.g. --hypothesis 'H1=extra ~ agree'\n"
    )


def test_report_takes_bootstrap_seed_hypotheses_and_table_style(tmp_path, capsys):
    args = ["report", PD_DATA, "--model", PD_MODEL, "--bootstrap", "30", "--seed", "3", "--n-jobs", "1",
            "--hypothesis", "H1=ind := g1*b2", "--format", "html", "docx", "--table-style", "grid", "--out",
            str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Bootstrap draws (failed) 30 (0)" in text(page) and "percentile bootstrap, 30 draws" in text(page)
    assert "H1: ind := g1*b2" in page
    document = docx.Document(tmp_path / "report.docx")
    assert document.tables[0]._tbl.tblPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblBorders") is None  # fmt: skip
    again = tmp_path / "again"
    assert main([*args[:-1], str(again)]) == 0
    assert (again / "report.html").read_text(encoding="utf-8") == page  # the seed makes the draws the same


def test_report_with_group_writes_one_report_per_group(tmp_path, capsys):
    assert main(["report", HS_DATA, "--model", HS_MODEL, "--group", "school", "--format", "html", "--out",
                 str(tmp_path)]) == 0  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Grant-White", "Pasteur"]
    page = (tmp_path / "Pasteur" / "report.html").read_text(encoding="utf-8")
    assert "<h1>Structural equation model: school = Pasteur</h1>" in page
    assert "Observations analysed 156" in text(page)
    assert main(["report", HS_DATA, "--model", HS_MODEL, "--group", "schools", "--out", str(tmp_path)]) == 2
    assert "group column 'schools' is not in the data" in capsys.readouterr().err


def test_report_of_a_sav_file_takes_its_variable_labels_as_wordings(tmp_path, capsys):
    sav = tmp_path / "hs.sav"
    pyreadstat.write_sav(pd.read_csv(HS_DATA), sav, column_labels={"x7": "Speeded addition"})
    assert main(["report", str(sav), "--model", HS_MODEL, "--format", "html", "--out", str(tmp_path / "out")]) == 0
    assert "x7 Speeded addition" in text((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))


def test_fit_out_and_report_of_a_model_without_factors(tmp_path, capsys):
    """A path model on observed variables: no scales, so no reliability or item tables, and no crash."""
    model = tmp_path / "paths.lavaan"
    model.write_text("x1 ~ x2 + x3\nx4 ~ x1\n")
    assert main(["fit", HS_DATA, "--model", str(model), "--out", str(tmp_path / "fit")]) == 0
    written = sorted(p.name for p in (tmp_path / "fit").iterdir())
    assert written == ["estimates.csv", "fit_indices.csv", "modindices.csv", "r2.csv", "summary.txt"]
    assert "Reliability" not in (tmp_path / "fit" / "summary.txt").read_text()
    assert main(["report", HS_DATA, "--model", str(model), "--out", str(tmp_path / "report"), "--format", "html"]) == 0
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Item statistics" not in page and "Cronbach" not in page and "R² x4" in page
