"""survey_app.quality against R's careless 1.2.2 (reference: tests/data/careless.R) and hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from survey_app import quality

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "careless_reference.csv").set_index("row")


@pytest.fixture(scope="module")
def ours(ins) -> pd.DataFrame:
    """Indices of the reference data with its gaps written as the survey's missing codes, cycling -1..-4."""
    items = pd.read_csv(DATA / "careless_input.csv")
    codes = np.resize(sorted(ins.missing_codes.values()), items.size).reshape(items.shape)
    frame = items.where(items.notna(), codes).astype("int64").assign(att_1=3, att_2=6)
    return quality.indices(frame, ins).reset_index(drop=True)


@pytest.mark.parametrize("column", ["longstring", "irv", "even_odd", "mahalanobis"])
def test_matches_careless(ours, reference, column):
    theirs = reference[column].to_numpy(float)
    mine = ours[column].to_numpy(float, na_value=np.nan)
    np.testing.assert_array_equal(np.isnan(mine), np.isnan(theirs))
    np.testing.assert_allclose(mine, theirs, rtol=1e-9)


def test_mahalanobis_flag_matches_careless_cut(ins, reference):
    items = pd.read_csv(DATA / "careless_input.csv").fillna(-2).astype("int64").assign(att_1=3, att_2=6)
    table = quality.indices(items, ins, longstring_share=1, irv_below=0, even_odd_above=1).reset_index()
    straight = table["longstring"].eq(50).fillna(False).to_numpy(bool)  # flagged by longstring whatever the distance
    assert table["flagged"][~straight].tolist() == reference["mahalanobis_flag99"].eq(True)[~straight].tolist()
    assert reference["mahalanobis_flag99"].eq(True).sum() == 1


def test_reference_has_the_cases_that_matter(reference):
    """No answers, one answer, half the items, and straight-liners whose even-odd is not computable."""
    assert reference.loc[0].isna().all()
    assert reference.loc[1, "longstring"] == 1 and np.isnan(reference.loc[1, "irv"])
    assert reference["longstring"].max() == 50
    assert reference["even_odd"].isna().sum() > 5


def test_longstring_counts_runs_broken_by_missing_answers():
    rows = np.array([[3, 3, np.nan, 3, 3, 3], [1, 2, 3, 4, 5, 6], [np.nan] * 6, [7, 7, 7, 7, 7, 7]])
    np.testing.assert_array_equal(quality.longstring(rows), [3, 1, np.nan, 6])


def test_irv_is_the_sample_sd_over_answered_items():
    rows = np.array([[1, 2, 3, np.nan], [2, 4, 4, 4], [5, np.nan, np.nan, np.nan]])
    np.testing.assert_allclose(quality.irv(rows), [1.0, 1.0, np.nan])


def test_even_odd_is_the_negated_spearman_brown_correlation_of_half_means():
    # Odd halves (1st, 3rd item) have means 2, 4, 6; even halves (2nd, 4th) 3, 4, 7.
    rows = np.array([[1, 3, 3, 3, 4, 4, 4, 4, 5, 7, 7, 7.0]])
    r = 8 / np.sqrt(8 * 26 / 3)
    expected = -2 * r / (1 + r)
    np.testing.assert_allclose(quality.even_odd(rows, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]), [expected])


def test_even_odd_step_up_is_bounded_at_minus_one():
    # Half means 1, 2, 3 against 3, 2, 1: r = -1, stepped up to -inf and set to -1, so the index is 1.
    rows = np.array([[1, 3, 2, 2, 3, 1.0]])
    np.testing.assert_allclose(quality.even_odd(rows, [[0, 1], [2, 3], [4, 5]]), [1.0])


def test_even_odd_needs_spread_in_both_halves():
    rows = np.array([[4, 4, 4, 4, 4, 4.0], [1, 2, np.nan, np.nan, np.nan, np.nan]])
    assert np.isnan(quality.even_odd(rows, [[0, 1], [2, 3], [4, 5]])).all()


def test_mahalanobis_needs_more_rows_than_items():
    rows = np.random.default_rng(1).normal(size=(3, 3))
    assert np.isnan(quality.mahalanobis(rows)).all()


def test_rating_items_are_construct_items_without_attention_checks(ins):
    items = quality.rating_items(ins)
    assert len(items) == 50 and items[:2] == ["smu_micro", "smu_sns"]
    assert not set(items) & set(ins.attention_checks)


class TestContractFrame:
    """indices() on the export frame of the survey contract (tests/conftest.py: contract_frame)."""

    @pytest.fixture
    def table(self, survey_frame, ins):
        return quality.indices(survey_frame, ins)

    def test_one_row_per_respondent_in_contract_columns(self, table, survey_frame):
        assert table.columns.tolist() == quality.COLUMNS
        assert table.index.name == "respondent_id"
        assert table.index.tolist() == survey_frame["respondent_id"].tolist()
        assert table["bot_suspect"].dtype == bool and table["flagged"].dtype == bool

    def test_straight_liners_are_flagged(self, table, survey_frame, ins):
        items = survey_frame[quality.rating_items(ins)]
        straight = items.where(items > 0).nunique(axis=1).eq(1).to_numpy()
        assert straight.sum() >= 5
        assert table["flagged"][straight].all()
        assert (table["irv"][straight] == 0).all()

    def test_speeder_and_bot(self, table):
        assert table.loc["R002", "speeding_pages"] == 11
        assert table.loc["R002", "bot_suspect"]
        others = table.drop(index="R002")
        assert others["speeding_pages"].max() == 0 and not others["bot_suspect"].any()

    def test_seconds_per_item_sets_the_speed_limit(self, survey_frame, ins):
        slow = quality.indices(survey_frame, ins, seconds_per_item=60)
        complete = survey_frame["status"].eq("complete").to_numpy()
        assert (slow["speeding_pages"][complete] >= 10).all()

    def test_screened_out_respondent_has_no_indices_and_no_flag(self, table):
        row = table.loc["R117"]
        assert pd.isna(row["longstring"]) and np.isnan(row[["irv", "mahalanobis", "even_odd"]].astype(float)).all()
        assert not row["flagged"]

    def test_missing_codes_are_never_answers(self, survey_frame, ins):
        """A respondent who skipped every rating item is not a straight-liner of -2s."""
        survey_frame.loc[5, quality.rating_items(ins)] = ins.missing_codes["skipped"]
        row = quality.indices(survey_frame, ins).loc["R005"]
        assert pd.isna(row["longstring"]) and np.isnan(row["irv"])

    def test_codes_and_nan_give_the_same_indices(self, survey_frame, ins):
        items = quality.rating_items(ins)
        as_nan = survey_frame.copy()
        as_nan[items] = survey_frame[items].where(survey_frame[items] > 0).astype(float)
        columns = ["longstring", "irv", "mahalanobis", "even_odd"]
        pd.testing.assert_frame_equal(
            quality.indices(as_nan, ins)[columns], quality.indices(survey_frame, ins)[columns]
        )

    def test_mahalanobis_norm_comes_from_completed_respondents(self, survey_frame, ins):
        before = quality.indices(survey_frame, ins)["mahalanobis"]
        survey_frame.loc[118, quality.rating_items(ins)] = 1  # a partial respondent
        after = quality.indices(survey_frame, ins)["mahalanobis"]
        assert after.notna().sum() > 100
        pd.testing.assert_series_equal(after.drop("R118"), before.drop("R118"))

    def test_failed_attention_check(self, survey_frame, ins):
        good = quality.indices(survey_frame, ins).loc["R000"]
        assert good["failed_checks"] == 0 and not good["flagged"]
        survey_frame.loc[0, "att_1"] = ins.attention_checks["att_1"] + 1
        survey_frame.loc[0, "att_2"] = ins.missing_codes["skipped"]
        row = quality.indices(survey_frame, ins).loc["R000"]
        assert row["failed_checks"] == 1 and row["flagged"]

    def test_honeypot_marks_a_bot(self, survey_frame, ins):
        survey_frame.loc[0, "honeypot"] = True
        row = quality.indices(survey_frame, ins).loc["R000"]
        assert row["bot_suspect"] and row["flagged"]

    def test_thresholds_are_keyword_arguments(self, survey_frame, ins):
        lenient = quality.indices(
            survey_frame, ins, longstring_share=1, irv_below=0, mahalanobis_confidence=1, even_odd_above=1,
            speeding_pages_at_least=99, failed_checks_at_least=99, bot_seconds_per_item=0,
        )  # fmt: skip
        assert lenient["flagged"].tolist() == lenient["longstring"].eq(50).fillna(False).tolist()

    def test_without_timings_speeding_is_unknown(self, survey_frame, ins):
        pages = [c for c in survey_frame.columns if c.startswith(quality.PAGE_PREFIX)]
        table = quality.indices(survey_frame.drop(columns=pages), ins)
        assert table["speeding_pages"].isna().all()

    def test_without_respondent_id_the_frame_index_is_used(self, survey_frame, ins):
        table = quality.indices(survey_frame.drop(columns="respondent_id"), ins)
        assert table.index.tolist() == survey_frame.index.tolist()

    def test_a_simulated_analysis_frame(self, ins):
        table = quality.indices(analysis.simulate(100, seed=3, careless=0.1), ins)
        assert table["flagged"].sum() >= 5


def test_missing_column_is_named(survey_frame, ins):
    with pytest.raises(analysis.DataError, match=r"column 'inf_1' of instrument social_imp 1.0.0 is not in the frame"):
        quality.indices(survey_frame.drop(columns="inf_1"), ins)


def test_text_in_a_rating_column_is_named(survey_frame, ins):
    survey_frame["inf_2"] = survey_frame["inf_2"].astype(object)
    survey_frame.loc[3, "inf_2"] = "agree"
    with pytest.raises(analysis.DataError, match="column 'inf_2' is not numeric: value 'agree' in row 3"):
        quality.indices(survey_frame, ins)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("longstring_share", 0, r"longstring_share must be in \(0, 1\], not 0"),
        ("mahalanobis_confidence", 1.5, r"mahalanobis_confidence must be in \(0, 1\], not 1.5"),
        ("seconds_per_item", -1, "seconds_per_item must be zero or more seconds, not -1"),
        ("bot_seconds_per_item", -2, "bot_seconds_per_item must be zero or more seconds, not -2"),
    ],
)
def test_bad_threshold(survey_frame, ins, option, value, message):
    with pytest.raises(ValueError, match=message):
        quality.indices(survey_frame, ins, **{option: value})
