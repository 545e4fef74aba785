"""analysis.load: every export format, a database URL and plain data files give the frame the analysis expects."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.load import load
from instrument.schema import TEXT_TYPES
from survey_app import export

FORMATS = ("csv", "xlsx", "sav", "dta", "parquet")


def answer_columns(ins) -> list[str]:
    return [v for item in ins.items.values() if item.type not in TEXT_TYPES for v in item.variables]


@pytest.fixture(scope="module")
def files(_contract_frame, ins, tmp_path_factory) -> dict[str, str]:
    """The contract frame exported in every format (Namibia's country code "NA" in row 0)."""
    frame = _contract_frame.copy()
    frame.loc[0, "firm_country"] = "NA"
    folder = tmp_path_factory.mktemp("exports")
    return {fmt: export.write(frame, folder / f"responses.{fmt}", instrument=ins)[0] for fmt in FORMATS}


@pytest.fixture(scope="module")
def from_parquet(files, ins) -> pd.DataFrame:
    return load(files["parquet"], instrument=ins)


def test_missing_codes_become_na(from_parquet, _contract_frame, ins):
    answers = answer_columns(ins)
    coded = _contract_frame[answers].lt(0).to_numpy()
    assert coded.sum() > 100
    np.testing.assert_array_equal(from_parquet[answers].isna().to_numpy(), coded)
    kept = from_parquet[answers].to_numpy(dtype=float, na_value=np.nan)[~coded]
    np.testing.assert_array_equal(kept, _contract_frame[answers].to_numpy(float)[~coded])


def test_columns_are_typed(from_parquet, ins):
    assert all(from_parquet[c].dtype == "Int64" for c in answer_columns(ins))
    assert from_parquet["bld_open"].dtype == "string" and from_parquet["respondent_id"].dtype == "string"
    assert from_parquet["simulated"].dtype == bool and from_parquet["qc_flagged"].dtype == bool
    assert from_parquet["duration_s"].dtype == float and from_parquet["seed"].dtype == "Int64"
    assert from_parquet["completed_at"].isna().sum() == 3  # not complete: "" becomes NA
    assert from_parquet["firm_country"][0] == "NA"


def test_attrs_record_source_version_and_simulated_counts(from_parquet, files, ins):
    assert from_parquet.attrs == {
        "source": str(files["parquet"]),
        "include_simulated": None,
        "instrument_version": ins.version,
        "instrument_hash": ins.short_hash,
        "n_real": 120,
        "n_simulated": 0,
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_format_loads_the_same_frame(files, from_parquet, ins, fmt):
    loaded = load(files[fmt], instrument=ins)
    pd.testing.assert_frame_equal(loaded, from_parquet, check_dtype=True, check_exact=False, rtol=1e-12)


def test_a_simulated_data_file_without_metadata(tmp_path, ins):
    data = analysis.simulate(30, seed=2, missing=0.1)
    data.to_csv(tmp_path / "sim.csv", index=False)
    loaded = load(tmp_path / "sim.csv", instrument=ins)
    pd.testing.assert_frame_equal(loaded.drop(columns="resp_id"), data.drop(columns="resp_id"))
    assert loaded["resp_id"].tolist() == data["resp_id"].tolist()
    assert loaded.attrs["n_simulated"] is None and loaded.attrs["instrument_version"] is None


def test_a_frame_is_decoded_too(_contract_frame, from_parquet, ins):
    loaded = load(_contract_frame, instrument=ins)
    answers = answer_columns(ins)
    pd.testing.assert_frame_equal(loaded[answers], from_parquet[answers])
    assert loaded.attrs["source"] == "the data frame"


class TestSimulatedRows:
    @pytest.fixture
    def mixed(self, survey_frame):
        survey_frame.loc[:29, "simulated"] = True
        return survey_frame

    def test_mixed_real_and_simulated_is_refused(self, mixed, ins):
        with pytest.raises(
            analysis.DataError,
            match=r"the data frame holds 90 real and 30 simulated respondents; read it with analysis.load\(source, "
            r"include_simulated=False\) to analyse the real ones only, or include_simulated=True",
        ):
            load(mixed, instrument=ins)

    def test_include_simulated_false_drops_them(self, mixed, ins):
        loaded = load(mixed, instrument=ins, include_simulated=False)
        assert len(loaded) == 90 and not loaded["simulated"].any()
        assert (loaded.attrs["n_real"], loaded.attrs["n_simulated"]) == (90, 30)

    def test_include_simulated_true_keeps_both(self, mixed, ins):
        loaded = load(mixed, instrument=ins, include_simulated=True)
        assert len(loaded) == 120 and loaded["simulated"].sum() == 30

    def test_a_loaded_frame_keeps_its_choice(self, mixed, ins):
        loaded = load(mixed, instrument=ins, include_simulated=True)
        assert len(load(loaded, instrument=ins)) == 120  # analysis.fit loads its data again: no second refusal
        with pytest.raises(analysis.DataError, match="holds 90 real and 30 simulated"):
            load(loaded.copy().pipe(lambda f: setattr(f, "attrs", {}) or f), instrument=ins)

    def test_all_simulated_loads_without_asking(self, survey_frame, ins):
        survey_frame["simulated"] = True
        assert load(survey_frame, instrument=ins).attrs["n_simulated"] == 120

    def test_cannot_drop_what_is_not_marked(self, ins):
        with pytest.raises(analysis.DataError, match="has no 'simulated' column, so simulated respondents cannot"):
            load(analysis.simulate(5, seed=1), instrument=ins, include_simulated=False)

    def test_bad_option(self, survey_frame, ins):
        with pytest.raises(ValueError, match="include_simulated must be True, False or None, not 'no'"):
            load(survey_frame, instrument=ins, include_simulated="no")


def test_database_url(ins, survey_db):
    url = survey_db(4, seed=1, real=1)
    with pytest.raises(analysis.DataError, match=r"survey.db holds 1 real and 4 simulated respondents"):
        load(url, instrument=ins)
    loaded = load(url, instrument=ins, include_simulated=False)
    assert len(loaded) == 1 and loaded["status"][0] == "partial"
    assert loaded[answer_columns(ins)].isna().all().all()  # nothing answered yet: every code is NA
    assert loaded.attrs["source"] == url


def test_a_database_reads_like_its_export(tmp_path, ins, survey_db):
    from survey_app import storage

    url = survey_db(40, seed=3, careless=0.1)
    exported = export.write(storage.responses_frame(url, instrument=ins), tmp_path / "responses.csv", instrument=ins)
    from_db, from_file = load(url, instrument=ins), load(exported[0], instrument=ins)
    assert "qc_flagged" in from_db.columns and from_db["qc_flagged"].any()  # the careless respondents
    pd.testing.assert_frame_equal(from_db, from_file, check_dtype=False)


@pytest.mark.slow  # a fresh interpreter importing analysis: several seconds
def test_importing_analysis_imports_no_web_framework():
    code = "import sys, analysis, analysis.load; print(sorted({'flask', 'survey_app'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_extension(tmp_path, ins):
    with pytest.raises(analysis.DataError, match=r"cannot read 'data.json': unknown file type '.json'; give a .csv"):
        load(tmp_path / "data.json", instrument=ins)


def test_missing_file(tmp_path, ins):
    with pytest.raises(analysis.DataError, match=r"data file .*nothing.sav does not exist"):
        load(tmp_path / "nothing.sav", instrument=ins)


def test_unreadable_file(tmp_path, ins):
    (tmp_path / "broken.sav").write_bytes(b"not an SPSS file")
    with pytest.raises(analysis.DataError, match=r"cannot read .*broken.sav as a SPSS file: "):
        load(tmp_path / "broken.sav", instrument=ins)


def test_missing_database_file_is_not_created(tmp_path, ins):
    with pytest.raises(analysis.DataError, match=r"database file .*typo.db does not exist \(from sqlite:///"):
        load(f"sqlite:///{tmp_path / 'typo.db'}", instrument=ins)
    assert not (tmp_path / "typo.db").exists()


def test_unreachable_database_server(ins):
    with pytest.raises(
        analysis.DataError, match=r"cannot read responses from postgresql\+psycopg://u:\*\*\*@127.0.0.1:1"
    ):
        load("postgresql+psycopg://u:secret@127.0.0.1:1/survey", instrument=ins)


def test_wrong_source_type(ins):
    with pytest.raises(analysis.DataError, match="source must be a file path, a database URL or a DataFrame, not int"):
        load(42, instrument=ins)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("inf_1", 9, r"column 'inf_1' has 9 in row 4 \(respondent R004\); its answers are one of 1, 2, 3, 4, 5, 6, 7 "
                     r"and its missing codes -1, -2, -3, -4"),
        ("sig_sns_like", 2, r"column 'sig_sns_like' has 2 in row 4 .*; its answers are 0 or 1"),
        ("scr_years", 2.5, r"column 'scr_years' has 2.5 in row 4 .*; its answers are a whole number from"),
        ("inf_1", -7, r"column 'inf_1' has -7 in row 4"),
    ],
)  # fmt: skip
def test_answer_outside_its_scale(survey_frame, ins, column, value, message):
    survey_frame[column] = survey_frame[column].astype(float)
    survey_frame.loc[4, column] = value
    with pytest.raises(analysis.DataError, match=message):
        load(survey_frame, instrument=ins)


def test_flag_that_is_not_true_or_false(survey_frame, ins):
    survey_frame["honeypot"] = survey_frame["honeypot"].astype(object)
    survey_frame.loc[2, "honeypot"] = "maybe"
    with pytest.raises(analysis.DataError, match=r"column 'honeypot' has 'maybe' in row 2; expected True or False"):
        load(survey_frame, instrument=ins)


def test_one_row_per_respondent(survey_frame, ins):
    survey_frame.loc[3, "respondent_id"] = "R001"
    with pytest.raises(analysis.DataError, match="respondent_id 'R001' occurs more than once"):
        load(survey_frame, instrument=ins)


def test_na_values_reads_missing_codes_as_na(tmp_path):
    path = tmp_path / "coded.csv"
    pd.DataFrame({"q1": [1, -99, 3], "q2": [-9, 2, 99]}).to_csv(path, index=False)
    data = analysis.load(path, na_values={"q1": -99, "q2": [-9, 99]})
    assert data.q1.isna().tolist() == [False, True, False]
    assert data.q2.isna().tolist() == [True, False, True]
    assert analysis.load(path, na_values=[-99, -9]).isna().sum().tolist() == [1, 1]
    with pytest.raises(analysis.DataError, match="na_values names column 'q3', which is not in the data"):
        analysis.load(path, na_values={"q3": -99})


def test_semicolon_separated_csv_is_sniffed(tmp_path):
    path = tmp_path / "european.csv"
    path.write_text("A1;A2;score\n1;2;3,5\n4;5;6\n")
    data = analysis.load(path)
    assert data.columns.tolist() == ["A1", "A2", "score"]
    assert data.A2.tolist() == [2, 5]


def test_duplicate_column_names_are_named(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("A1,A2,A1\n1,2,3\n")
    with pytest.raises(analysis.DataError, match="column name 'A1' occurs 2 times in the data; rename or drop"):
        analysis.load(path)
    with pytest.raises(analysis.DataError, match="column name 'A1' occurs 2 times"):
        analysis.load(pd.DataFrame([[1, 2, 3]], columns=["A1", "A2", "A1"]))


def test_value_labels_map_text_answers():
    labels = {"Disagree": 1, "Neutral": 2, "Agree": 3}
    frame = pd.DataFrame({"q1": ["Agree", " Neutral ", None], "q2": ["Disagree", "Agree", "Agree"], "id": [1, 2, 3]})
    data = analysis.load(frame, value_labels=labels)
    assert data.q1.tolist()[:2] == [3, 2] and pd.isna(data.q1.iloc[2])
    per_column = analysis.load(frame, value_labels={"q2": labels})
    assert per_column.q2.tolist() == [1, 3, 3] and per_column.q1.iloc[0] == "Agree"
    with pytest.raises(analysis.DataError, match="value_labels names column 'q9', which is not in the data"):
        analysis.load(frame, value_labels={"q9": labels})
