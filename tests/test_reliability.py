"""analysis.reliability() against psych::alpha (reference: tests/data/reliability.R)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis

DATA = Path(__file__).parent / "data"
SCALES = {"ltr": [f"ltr_{k}" for k in range(1, 6)], "inf": [f"inf_{k}" for k in range(1, 6)]}


@pytest.fixture(scope="module")
def ours() -> pd.DataFrame:
    data = pd.read_csv(DATA / "reliability_input.csv")
    return analysis.reliability(data, SCALES, reverse=["ltr_5"], scale_range=(1, 7), missing="listwise")


@pytest.fixture(scope="module")
def psych() -> pd.DataFrame:
    return pd.read_csv(DATA / "reliability_psych.csv").set_index("item")


@pytest.mark.parametrize("column", ["alpha", "alpha_ci_lower", "alpha_ci_upper", "r_drop", "alpha_if_dropped"])
def test_matches_psych_alpha(ours, psych, column):
    np.testing.assert_allclose(ours[column], psych.loc[ours.index, column], rtol=1e-6)


def test_listwise_within_each_scale(ours, psych):
    assert ours["n"].tolist() == psych.loc[ours.index, "n"].tolist()


def test_reverse_keyed_item_correlates_positively_after_recoding(ours):
    assert ours.loc["ltr_5", "r_drop"] > 0.3


def test_accepts_nullable_integer_columns():
    data = analysis.simulate(200, seed=1)
    table = analysis.reliability(data, {"inf": SCALES["inf"]})
    assert table["alpha"].iloc[0] > 0.7


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"scales": {"x": ["inf_1", "nope"]}}, analysis.DataError, "column 'nope' is not in the data"),
        ({"scales": {"x": ["inf_1"]}}, ValueError, "scale 'x' needs at least two items, it has 1"),
        ({"scales": {"x": ["inf_1", "inf_2"]}, "reverse": ["inf_2"]}, ValueError, r"need scale_range=\(min, max\)"),
        (
            {"scales": {"x": ["inf_1", "inf_2"]}, "reverse": ["ltr_5"], "scale_range": (1, 7)},
            analysis.DataError,
            "reverse-keyed item 'ltr_5' is in none of the scales",
        ),
        (
            {"scales": {"x": ["inf_1", "inf_2"]}, "reverse": ["inf_2"], "scale_range": (1, 5)},
            analysis.DataError,
            r"item 'inf_2' has value [67] outside scale_range \(1, 5\)",
        ),
        ({"scales": {"x": ["inf_1", "inf_2"]}, "ci": 95}, ValueError, "ci must be between 0 and 1, not 95"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    data = pd.read_csv(DATA / "reliability_input.csv")
    with pytest.raises(error, match=message):
        analysis.reliability(data, **kwargs)


def test_non_numeric_answers_are_named():
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, "often", 3, 4]})
    with pytest.raises(analysis.DataError, match="column 'b' is not numeric: value 'often' in row 1"):
        analysis.reliability(data, {"s": ["a", "b"]})


def test_zero_variance_item_is_named():
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 4, 4, 4]})
    with pytest.raises(analysis.DataError, match="item 'b' of scale 's' has no variance"):
        analysis.reliability(data, {"s": ["a", "b"]})


def test_too_few_complete_rows():
    data = pd.DataFrame({"a": [1, 2, None, 4], "b": [4, None, 3, 4]})
    with pytest.raises(analysis.DataError, match="scale 's' has 2 rows complete on its items"):
        analysis.reliability(data, {"s": ["a", "b"]}, missing="listwise")


def test_not_a_dataframe():
    with pytest.raises(analysis.DataError, match="data must be a pandas DataFrame, not list"):
        analysis.reliability([[1, 2]], {"s": ["a", "b"]})


# psych::alpha on psych::bfi, pairwise (its default) and listwise (tests/data/diagnostics.R)
BFI = pd.read_csv(DATA / "bfi.csv")
BFI_ALPHA = pd.read_csv(DATA / "diag_alpha.csv")
BFI_SCALES = {s: " ".join(f"{s}{k}" for k in range(1, 6)) for s in "ACENO"}
BFI_REVERSE = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
@pytest.mark.parametrize("column", ["raw_alpha", "mean", "sd", "r_drop", "alpha_if_dropped"])
def test_bfi_matches_psych_alpha(missing, column):
    ours = analysis.reliability(BFI, BFI_SCALES, reverse=BFI_REVERSE, scale_range=(1, 6), missing=missing)
    theirs = BFI_ALPHA[BFI_ALPHA.missing == missing].set_index("item")
    np.testing.assert_allclose(ours["alpha" if column == "raw_alpha" else column], theirs.loc[ours.index, column],
                               rtol=1e-6)  # fmt: skip
    assert (ours.missing == missing).all()


def test_pairwise_is_the_default_and_counts_answers():
    table = analysis.reliability(BFI, {"agree": BFI_SCALES["A"]})
    assert (table.missing == "pairwise").all()
    assert table.loc["A1", "n"] == BFI.A1.notna().sum()


@pytest.mark.parametrize("scales", [["A2", "A3", "A4"], "A2, A3, A4", "A2 A3 A4", {"agree": "A2,A3 A4"}])
def test_scales_as_list_or_string(scales):
    table = analysis.reliability(BFI, scales)
    assert table.index.tolist() == ["A2", "A3", "A4"]


def test_unknown_missing_mode():
    with pytest.raises(ValueError, match="missing must be one of pairwise, listwise, not 'all'"):
        analysis.reliability(BFI, "A2 A3", missing="all")


def test_missing_codes_warn_and_na_values_removes_them():
    coded = BFI.assign(**{c: BFI[c].fillna(-99) for c in ("A2", "A3", "A4")})
    with pytest.warns(analysis.DataWarning, match=r"column 'A2' holds -99 \(\d+ cells\), far outside its other "
                      r"values 1 to 6; if these are missing-value codes, pass na_values=\[-99\]"):  # fmt: skip
        analysis.reliability(coded[["A2", "A3"]].assign(A3=BFI.A3), "A2 A3")
    clean = analysis.reliability(coded, "A2 A3 A4", na_values=-99)
    pd.testing.assert_frame_equal(clean, analysis.reliability(BFI, "A2 A3 A4"))
    per_column = analysis.reliability(coded, "A2 A3 A4", na_values={"A2": [-99], "A3": -99, "A4": -99})
    pd.testing.assert_frame_equal(per_column, clean)


def test_values_outside_scale_range_warn():
    odd = BFI.assign(A2=BFI.A2.replace(6, 7))
    with pytest.warns(analysis.DataWarning, match=r"column 'A2' holds 7 \(\d+ cells\), outside scale_range \(1, 6\)"):
        analysis.reliability(odd, "A2 A3 A4", scale_range=(1, 6))


def test_a_skewed_items_rare_answers_do_not_warn():
    data = pd.DataFrame({"a": [6, 7, 7, 5] * 50 + [1], "b": [7, 6, 7, 5] * 50 + [2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis.reliability(data, "a b")


def test_reads_a_data_file():
    pd.testing.assert_frame_equal(
        analysis.reliability(DATA / "bfi.csv", "A2 A3 A4"), analysis.reliability(BFI, "A2 A3 A4")
    )


def test_value_labels_map_text_answers():
    words = {1: "never", 2: "rarely", 3: "sometimes", 4: "often", 5: "very often", 6: "always"}
    text = BFI[["A2", "A3", "A4"]].apply(lambda column: column.map(words))
    with pytest.raises(analysis.DataError, match=r"value 'often' in row 0 is not a number; .*value_labels="):
        analysis.reliability(text, "A2 A3 A4")
    coded = analysis.reliability(text, "A2 A3 A4", value_labels={v: k for k, v in words.items()})
    pd.testing.assert_frame_equal(coded, analysis.reliability(BFI, "A2 A3 A4"))
