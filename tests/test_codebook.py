"""The codebook and its CSV/Markdown rendering."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from instrument import codebook


def test_one_row_per_variable_plus_derived(ins):
    cb = ins.codebook()
    assert cb["variable"].tolist() == [*ins.variables, "n_platforms"]
    assert list(cb.columns)[:8] == ["variable", "item", "section", "label", "wording", "type", "scale", "value_labels"]


def test_rows_carry_wording_scale_construct_and_reverse_key(ins):
    row = ins.codebook().set_index("variable").loc["ltr_5"]
    assert row["wording"] == ins.items["ltr_5"].text
    assert row["construct"] == "ltr" and bool(row["reverse"]) is True
    assert row["value_labels"][1] == "Strongly disagree"


def test_multi_choice_options_are_dichotomies(ins):
    row = ins.codebook().set_index("variable").loc["sig_voip_video"]
    assert row["item"] == "sig_voip"
    assert row["value_labels"] == {1: "Selected", 0: "Not selected"}
    assert row["show_if"] == "smu_voip >= 2"


def test_dont_know_option_gets_its_missing_code(ins):
    labels = ins.codebook().set_index("variable").loc["fin_1", "value_labels"]
    assert labels[-3] == "Don't know / not applicable"


def test_csv_round_trip(ins):
    text = codebook.render(ins.codebook(), "csv")
    back = pd.read_csv(io.StringIO(text))
    assert back["variable"].tolist() == ins.codebook()["variable"].tolist()
    assert back.set_index("variable").loc["scr_side", "value_labels"].startswith("1=Seller side")


def test_markdown_lists_missing_codes(ins):
    text = codebook.render(ins.codebook(), "md", ins.missing_codes)
    assert text.splitlines()[0].startswith("| variable | item | section |")
    assert "- `-4`: dropped out" in text


def test_unknown_format(ins):
    with pytest.raises(ValueError, match="format must be 'csv' or 'md', not 'xlsx'"):
        codebook.render(ins.codebook(), "xlsx")


def test_construct_name_stands_beside_its_id(ins, tmp_path, capsys):
    from survey_app.cli import main
    from survey_app.export import codebook as export_codebook

    book = ins.codebook().set_index("variable")
    assert book.loc["ltr_1", ["construct", "construct_label"]].tolist() == ["ltr", "Long-term relationship"]
    assert pd.isna(book.loc["scr_years", "construct_label"])  # no construct, no name
    assert main(["instrument", "codebook", "--format", "md"]) == 0
    assert "| ltr | Long-term relationship |" in capsys.readouterr().out
    frame = pd.DataFrame({"respondent_id": ["r1"], "ltr_1": [5]})
    exported = export_codebook(frame, ins).set_index("variable")
    assert exported.loc["ltr_1", "construct_label"] == "Long-term relationship"
