"""survey_app.export: every format read back with pandas/pyreadstat gives the same values, labels and missing codes."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

import analysis
import instrument
from instrument.schema import TEXT_TYPES
from survey_app import export, quality

FORMULA = '=HYPERLINK("http://example.org","click")'
LONG = "x" * 3000  # beyond Stata's str2045: written as strL
LONE_CR = "fine thanks\r=1+1"
"""A carriage return alone inside an answer: unquoted, it ends the row in a spreadsheet and in pandas."""
INJECTIONS = {3: "+SUM(A1:A9)", 5: "-2+3", 6: "@SUM(A1)", 7: "\t=1+1", 8: "\r=1+1", 9: 'a, b\nand "c"'}
"""Row -> an open answer a spreadsheet would run as a formula (OWASP's list), or one needing quotes."""


@pytest.fixture(scope="module")
def frame(_contract_frame) -> pd.DataFrame:
    """The contract frame with open answers that look like a formula, hold a control character, or are long."""
    frame = _contract_frame.copy()
    frame.loc[0, "bld_open"] = FORMULA
    frame.loc[1, "bld_open"] = "bell\x07 and tab\tkept"
    frame.loc[4, "bld_open"] = LONG
    frame.loc[2, "bld_open"] = LONE_CR
    for row, answer in INJECTIONS.items():
        frame.loc[row, "bld_open"] = answer
    return frame


@pytest.fixture(scope="module")
def exported(frame, ins) -> pd.DataFrame:
    """What every file should hold: the frame with the quality columns."""
    return export.with_quality(frame, ins)


@pytest.fixture(scope="module")
def files(frame, ins, tmp_path_factory) -> dict[str, list]:
    """Format -> [data file, codebook], each written once for the module."""
    folder = tmp_path_factory.mktemp("exports")
    return {fmt: export.write(frame, folder / f"responses.{fmt}", instrument=ins) for fmt in export.FORMATS}


def answer_columns(ins) -> list[str]:
    return [v for item in ins.items.values() if item.type not in TEXT_TYPES for v in item.variables]


def test_writes_data_then_codebook(frame, ins, tmp_path):
    paths = export.write(frame, tmp_path / "out" / "responses.csv", instrument=ins)
    assert paths == [tmp_path / "out" / "responses.csv", tmp_path / "out" / "responses_codebook.csv"]
    assert all(p.stat().st_size > 0 for p in paths)


def test_quality_columns_are_appended(exported, frame):
    assert exported.columns.tolist() == [*frame.columns, *(f"qc_{c}" for c in quality.COLUMNS)]
    assert exported["qc_flagged"].any()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_plain_formats_round_trip(files, exported, ins, fmt):
    path, _ = files[fmt]
    read = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet}[fmt](path)
    assert read.columns.tolist() == exported.columns.tolist()
    answers = answer_columns(ins)
    np.testing.assert_array_equal(read[answers].to_numpy(), exported[answers].to_numpy())
    assert (read[answers] < 0).any().any(), "missing codes are kept as codes"
    texts = ["respondent_id", "status", "firm_country"]
    assert read[texts].fillna("").astype(str).equals(exported[texts].astype(str))
    assert read["bld_open"][0] == ("'" if fmt == "csv" else "") + FORMULA and read["bld_open"][4] == LONG
    np.testing.assert_allclose(read["duration_s"], exported["duration_s"])
    assert read["qc_flagged"].tolist() == exported["qc_flagged"].tolist()
    np.testing.assert_allclose(read["qc_mahalanobis"], exported["qc_mahalanobis"].astype(float))


def text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def read_back(fmt: str, path, exported: pd.DataFrame) -> pd.DataFrame:
    """An export file as pandas (pyreadstat for SPSS and Stata) reads it, text kept as text, missing codes as codes."""
    text = text_columns(exported)
    options = {"dtype": dict.fromkeys(text, str), "keep_default_na": False,
               "na_values": {c: [""] for c in exported.columns if c not in text}}  # fmt: skip
    if fmt == "csv":
        return pd.read_csv(path, **options)
    if fmt == "xlsx":
        return pd.read_excel(path, **options)
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "sav":
        return pyreadstat.read_sav(path, user_missing=True)[0]
    data = pyreadstat.read_dta(path, user_missing=True)[0]
    letters = {"a": -1, "b": -2, "c": -3, "d": -4}
    return data.apply(lambda column: column.map(lambda v: letters.get(v, v)) if column.name not in text else column)


def cells(frame: pd.DataFrame, text: list[str]) -> pd.DataFrame:
    """Every cell comparable across formats: numbers and flags as floats, text as str ("" where missing)."""
    return pd.DataFrame({c: frame[c].astype(object).where(frame[c].notna(), "").astype(str) if c in text
                         else pd.to_numeric(frame[c].astype(object)).astype(float) for c in frame.columns})  # fmt: skip


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_every_cell_reads_back_as_written(files, exported, fmt):
    text = text_columns(exported)
    expected = cells(exported, text)
    if fmt == "csv":
        expected["bld_open"] = [("'" if answer[:1] in "=+-@\t\r" and answer else "") + answer
                                for answer in expected["bld_open"]]  # fmt: skip
    if fmt == "xlsx":
        expected["bld_open"] = expected["bld_open"].str.replace("\x07", "")  # a worksheet cannot hold it
    read = read_back(fmt, files[fmt][0], exported)
    assert len(read) == len(exported), "a row was split or lost"
    pd.testing.assert_frame_equal(cells(read, text), expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(("row", "answer"), [(0, FORMULA), *INJECTIONS.items()])
def test_csv_neutralises_answers_a_spreadsheet_would_run(files, row, answer):
    with open(files["csv"][0], newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    column = rows[0].index("bld_open")
    neutral = "'" + answer if answer[0] in "=+-@\t\r" else answer
    assert rows[row + 1][column] == neutral and len(rows) == 121


def test_csv_quotes_a_lone_carriage_return_and_keeps_the_row_whole(files, exported, ins):
    raw = files["csv"][0].read_bytes()
    assert b'"fine thanks\r=1+1"' in raw
    loaded = analysis.load(files["csv"][0], instrument=ins)
    assert len(loaded) == len(exported) and loaded["bld_open"][2] == LONE_CR


@pytest.mark.parametrize("fmt", ["sav", "dta", "parquet"])
def test_analysis_load_keeps_the_exact_text_of_binary_formats(files, ins, fmt):
    loaded = analysis.load(files[fmt][0], instrument=ins)
    assert loaded["bld_open"][0] == FORMULA and loaded["bld_open"][2] == LONE_CR
    assert [loaded["bld_open"][row] for row in INJECTIONS] == list(INJECTIONS.values())


def test_parquet_keeps_every_column_type(files, exported):
    path, _ = files["parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(path), exported)


@pytest.mark.parametrize(("row", "answer"), [(0, FORMULA), (2, LONE_CR), *INJECTIONS.items()])
def test_xlsx_text_that_looks_like_a_formula_stays_text(files, row, answer):
    path, _ = files["xlsx"]
    sheet = load_workbook(path).active
    column = [cell.value for cell in sheet[1]].index("bld_open") + 1
    cell = sheet.cell(row=row + 2, column=column)
    assert cell.value == answer and cell.data_type == "s"


def test_xlsx_drops_control_characters_a_worksheet_cannot_hold(files):
    path, _ = files["xlsx"]
    assert pd.read_excel(path)["bld_open"][1] == "bell and tab\tkept"


class TestSPSS:
    @pytest.fixture
    def sav(self, files):
        return files["sav"][0]

    def test_values_with_user_missing_codes(self, sav, exported, ins):
        data, _ = pyreadstat.read_sav(sav, user_missing=True)
        answers = answer_columns(ins)
        np.testing.assert_array_equal(data[answers].to_numpy(), exported[answers].to_numpy(float))
        assert data["bld_open"][0] == FORMULA and data["bld_open"][4] == LONG
        assert data["respondent_id"].tolist() == exported["respondent_id"].tolist()
        assert data["simulated"].tolist() == exported["simulated"].astype(int).tolist()

    def test_missing_codes_are_declared_user_missing(self, sav, exported, ins):
        _, meta = pyreadstat.read_sav(sav, user_missing=True, metadataonly=True)
        assert meta.missing_ranges["inf_1"] == [{"lo": -4.0, "hi": -1.0}]
        data, _ = pyreadstat.read_sav(sav)  # SPSS's view: user-missing values read as missing
        coded = exported["inf_1"] < 0
        assert coded.any() and data["inf_1"][coded].isna().all() and data["inf_1"][~coded].notna().all()
        assert "duration_s" not in meta.missing_ranges and "bld_open" not in meta.missing_ranges

    def test_variable_labels(self, sav, ins):
        _, meta = pyreadstat.read_sav(sav, metadataonly=True)
        book = ins.codebook().set_index("variable")
        labels = meta.column_names_to_labels
        assert labels["inf_1"] == book.loc["inf_1", "label"]
        assert labels["instrument_hash"] == export.META["instrument_hash"]
        assert labels["page_s__exchange"] == "Seconds on page: " + ins.sections[5].title
        assert labels["order__exchange"] == "Items in the order shown on page: " + ins.sections[5].title
        assert labels["qc_flagged"] == export.QC["flagged"]
        assert meta.file_label == f"{ins.title} {ins.version}"[:64]

    def test_value_labels_include_missing_codes(self, sav, ins):
        _, meta = pyreadstat.read_sav(sav, metadataonly=True)
        labels = meta.variable_value_labels
        assert labels["inf_1"][1] == "Strongly disagree" and labels["inf_1"][7] == "Strongly agree"
        assert labels["inf_1"][-1] == "Not shown (routed past)" and labels["inf_1"][-4] == "Not reached (dropped out)"
        assert labels["fin_1"][-3] == "Don't know / not applicable"
        assert labels["sig_sns_like"][1] == "Selected"
        assert labels["simulated"] == {0: "No", 1: "Yes"}

    def test_measurement_levels(self, sav):
        _, meta = pyreadstat.read_sav(sav, metadataonly=True)
        levels = meta.variable_measure
        assert levels["respondent_id"] == levels["simulated"] == levels["qc_flagged"] == "nominal"
        assert (levels["inf_1"], levels["scr_role"], levels["scr_years"], levels["duration_s"]) == (
            "ordinal", "nominal", "scale", "scale",
        )  # fmt: skip


class TestStata:
    @pytest.fixture
    def dta(self, files):
        return files["dta"][0]

    def test_missing_codes_are_labelled_extended_missing_values(self, dta, exported, ins):
        data, meta = pyreadstat.read_dta(dta, user_missing=True)
        letters = {"a": -1, "b": -2, "c": -3, "d": -4}
        answers = answer_columns(ins)
        decoded = data[answers].apply(lambda column: column.map(lambda v: letters.get(v, v))).astype(float)
        np.testing.assert_array_equal(decoded.to_numpy(), exported[answers].to_numpy(float))
        assert set(meta.missing_user_values["fin_1"]) == {"a", "b", "c"}  # the codes present
        assert all({"a", "b", "c", "d"} <= set(meta.variable_value_labels[column]) for column in answers)
        assert meta.variable_value_labels["inf_1"]["a"] == "Not shown (routed past) [-1]"
        assert meta.variable_value_labels["fin_1"]["c"] == "Don't know / not applicable [-3]"
        assert meta.variable_value_labels["inf_1"][4] == "Neither agree nor disagree"

    def test_stata_reads_missing_codes_as_missing(self, dta, exported):
        data, _ = pyreadstat.read_dta(dta)
        coded = exported["inf_1"] < 0
        assert data["inf_1"][coded].isna().all()
        np.testing.assert_array_equal(data["inf_1"][~coded], exported["inf_1"][~coded])

    def test_variable_labels_and_text(self, dta, exported, ins):
        data, meta = pyreadstat.read_dta(dta)
        assert meta.column_names_to_labels["soc_2"] == ins.codebook().set_index("variable").loc["soc_2", "label"]
        assert meta.column_names_to_labels["qc_irv"] == export.QC["irv"]
        assert data["bld_open"].tolist() == exported["bld_open"].tolist()
        np.testing.assert_allclose(data["duration_s"], exported["duration_s"])


def test_codebook_lists_every_column(files, exported):
    _, book_path = files["csv"]
    book = pd.read_csv(book_path).set_index("variable")
    assert book.index.tolist() == exported.columns.tolist()
    assert book.loc["inf_1", "value_labels"].startswith("1=Strongly disagree; 2=Disagree")
    assert book.loc["inf_1", "missing_values"] == (
        "-1=Not shown (routed past); -2=Seen but not answered; -3=Don't know / not applicable; "
        "-4=Not reached (dropped out)"
    )
    assert pd.isna(book.loc["bld_open", "missing_values"])
    assert (book.loc["status", "type"], book.loc["page_s__open", "type"], book.loc["qc_irv", "type"]) == (
        "meta", "paradata", "quality",
    )  # fmt: skip


def test_format_argument_wins_over_suffix(frame, ins, tmp_path):
    path, _ = export.write(frame, tmp_path / "responses.data", format="parquet", instrument=ins)
    assert len(pd.read_parquet(path)) == len(frame)


def test_without_quality_columns(frame, ins, tmp_path):
    path, _ = export.write(frame, tmp_path / "r.csv", instrument=ins, quality_columns=False)
    assert pd.read_csv(path).columns.tolist() == frame.columns.tolist()


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_no_respondents_yet(frame, ins, tmp_path, fmt):
    path, book = export.write(frame.iloc[:0], tmp_path / f"responses.{fmt}", instrument=ins)
    assert path.exists() and book.exists()


def test_unknown_suffix(frame, ins, tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell the format of 'responses.txt' from its suffix; name the file"):
        export.write(frame, tmp_path / "responses.txt", instrument=ins)


def test_unknown_format(frame, ins, tmp_path):
    with pytest.raises(ValueError, match=r"format must be one of csv, xlsx, sav, dta, parquet, not 'spss'"):
        export.write(frame, tmp_path / "responses.sav", format="spss", instrument=ins)


def test_unwritable_path(frame, ins, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(export.ExportError, match=r"cannot write .*taken.*; choose a writable folder and file name"):
        export.write(frame, tmp_path / "taken" / "responses.csv", instrument=ins)


def test_answers_to_another_instrument_version_are_refused(survey_frame, ins, tmp_path):
    survey_frame.loc[3, "instrument_hash"] = "0123456789ab"
    with pytest.raises(export.ExportError, match=r"instrument hash 0123456789ab, but the labels would come from"):
        export.write(survey_frame, tmp_path / "responses.sav", instrument=ins)


def test_spss_missing_range_must_not_cover_a_valid_answer(edited, survey_frame, tmp_path):
    odd = instrument.load(
        edited(("dropped_out: {code: -4", "dropped_out: {code: -9"), ("      1: Not used", "      -5: Not used"))
    )
    survey_frame["instrument_hash"] = odd.short_hash
    with pytest.raises(export.ExportError, match=r"variable 'cp_wiki' has the valid answer -5 among the missing codes"):
        export.write(survey_frame, tmp_path / "responses.sav", instrument=odd, quality_columns=False)
