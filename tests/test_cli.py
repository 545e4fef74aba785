"""The `socialimp` command line, run in-process through its main()."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
        ["codebook.md", "data.csv", "model.lavaan", "estimates.csv", "fit_indices.csv", "reliability.csv",
         "item_stats.csv", "htmt.csv", "hypotheses.csv", "summary.txt"]
    )  # fmt: skip


HS_DATA = str(Path(__file__).parent / "data" / "hs1939.csv")
HS_MODEL = str(Path(__file__).parent / "data" / "hs.lavaan")


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
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["estimates.csv", "fit_indices.csv", "summary.txt"]


def test_fit_command_with_named_ordered_items(capsys):
    data = str(Path(__file__).parent / "data" / "hs_ordinal.csv")
    items = [f"x{k}" for k in range(1, 9)]
    assert main(["fit", data, "--model", HS_MODEL, "--estimator", "WLSMV", "--ordered", *items]) == 2
    assert "'x9' is a continuous variable beside ordinal ones" in capsys.readouterr().err


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
