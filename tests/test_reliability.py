"""analysis.reliability() against psych::alpha (reference: tests/data/reliability.R)."""

from __future__ import annotations

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
    return analysis.reliability(data, SCALES, reverse=["ltr_5"], scale_range=(1, 7))


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
        analysis.reliability(data, {"s": ["a", "b"]})


def test_not_a_dataframe():
    with pytest.raises(analysis.DataError, match="data must be a pandas DataFrame, not list"):
        analysis.reliability([[1, 2]], {"s": ["a", "b"]})
