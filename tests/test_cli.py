"""The `socialimp` command line, run in-process through its main()."""

from __future__ import annotations

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


def test_demo_writes_its_files_and_prints_alphas(tmp_path, capsys):
    assert main(["demo", "--n", "120", "--seed", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Long-term relationship" in printed and "alpha" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codebook.md", "data.csv", "model.lavaan", "reliability.csv"]


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n")
    assert main(["instrument", "validate", "--instrument", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("socialimp instrument: error: instrument file") and "Traceback" not in err
    assert main(["simulate", "--n", "0", "--out", str(tmp_path / "x.csv")]) == 2
    assert "n must be a positive whole number" in capsys.readouterr().err
