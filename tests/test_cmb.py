"""analysis.cmb against eigen(cor(x)), factanal and lm() in R (reference: tests/data/cmb.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize
from statsmodels.stats.outliers_influence import variance_inflation_factor

import analysis
from analysis import cmb
from analysis.cmb import full_collinearity, harman

DATA = Path(__file__).parent / "data"
HS_SCALES = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
SIM_SCALES = {
    "inf": [f"inf_{k}" for k in range(1, 6)],
    "fin": [f"fin_{k}" for k in range(1, 5)],
    "soc": [f"soc_{k}" for k in range(1, 6)],
    "rtm": [f"rtm_{k}" for k in range(1, 5)],
}
SETS = {"hs": ("hs1939.csv", HS_SCALES), "sim": ("cmb_input.csv", SIM_SCALES)}
HS = pd.read_csv(DATA / "hs1939.csv")


def load(name: str) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    file, scales = SETS[name]
    return pd.read_csv(DATA / file), scales


class CheckHarman:
    """Our Harman share against R's for one data set and extraction method."""

    data_name: str
    method: str

    @classmethod
    def setup_class(cls):
        data, scales = load(cls.data_name)
        cls.res = harman(data, [item for items in scales.values() for item in items], method=cls.method)
        ref = pd.read_csv(DATA / "cmb_harman.csv")
        cls.ref = ref[(ref["data"] == cls.data_name) & (ref["method"] == cls.method)].iloc[0]

    def test_share(self):
        assert self.res["share"] == pytest.approx(self.ref["share"], abs=1e-6)

    def test_variance(self):
        assert self.res["variance"] == pytest.approx(self.ref["variance"], abs=1e-6)

    def test_rows_and_items(self):
        assert (self.res["method"], self.res["n"], self.res["items"]) == (self.method, self.ref["n"], self.ref["items"])

    def test_flag(self):
        assert self.res["over_half"] == (self.ref["share"] > 0.5)


class TestHarmanPrincipalComponentsHS(CheckHarman):
    data_name, method = "hs", "pc"


class TestHarmanMLHS(CheckHarman):
    data_name, method = "hs", "ml"


class TestHarmanPrincipalComponentsListwise(CheckHarman):
    data_name, method = "sim", "pc"


class TestHarmanMLListwise(CheckHarman):
    data_name, method = "sim", "ml"


class CheckFullCollinearity:
    """Our full collinearity VIFs against lm() in R for one data set."""

    data_name: str

    @classmethod
    def setup_class(cls):
        data, scales = load(cls.data_name)
        cls.res = full_collinearity(data, scales)
        ref = pd.read_csv(DATA / "cmb_full_collinearity.csv")
        cls.ref = ref[ref["data"] == cls.data_name].set_index("construct").loc[cls.res.index]

    @pytest.mark.parametrize("column", ["r2", "vif"])
    def test_matches_lm(self, column):
        np.testing.assert_allclose(self.res[column], self.ref[column], rtol=0, atol=1e-6)

    def test_rows_and_items(self):
        assert self.res["n"].tolist() == self.ref["n"].tolist()
        assert self.res["items"].tolist() == self.ref["items"].tolist()

    def test_flag(self):
        assert self.res["over_threshold"].tolist() == (self.ref["vif"] > 3.3).tolist()

    def test_statsmodels_agrees_given_a_constant(self):
        data, scales = load(self.data_name)
        data = data.dropna(subset=[item for items in scales.values() for item in items])
        scores = pd.DataFrame({name: data[items].mean(axis=1) for name, items in scales.items()})
        exog = sm.add_constant(scores).to_numpy()
        expected = [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])]
        np.testing.assert_allclose(self.res["vif"], expected, rtol=1e-10)


class TestFullCollinearityHS(CheckFullCollinearity):
    data_name = "hs"


class TestFullCollinearityListwise(CheckFullCollinearity):
    data_name = "sim"


def common_method_data(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Three two-item scales whose answers are mostly one shared (method) factor."""
    rng = np.random.default_rng(seed)
    method = rng.normal(size=n)
    return pd.DataFrame({f"{s}{k}": method + 0.4 * rng.normal(size=n) for s in "abc" for k in (1, 2)})


def test_flags_when_one_factor_dominates():
    data = common_method_data()
    assert harman(data, data.columns)["over_half"]
    assert harman(data, data.columns, method="ml")["over_half"]
    table = full_collinearity(data, {"a": ["a1", "a2"], "b": ["b1", "b2"], "c": ["c1", "c2"]})
    assert table["over_threshold"].all()
    assert not full_collinearity(data, {"a": ["a1", "a2"], "b": ["b1", "b2"]}, threshold=100)["over_threshold"].any()


def test_ml_that_does_not_converge_warns(monkeypatch):
    def one_step(*args, options, **kwargs):
        return minimize(*args, options=options | {"maxiter": 1}, **kwargs)

    monkeypatch.setattr(cmb, "minimize", one_step)
    with pytest.warns(analysis.ConvergenceWarning, match="the single ML factor did not converge"):
        harman(HS, [f"x{k}" for k in range(1, 10)], method="ml")


def test_accepts_nullable_integer_columns():
    data = analysis.simulate(200, seed=1)
    assert 0 < harman(data, SIM_SCALES["inf"] + SIM_SCALES["soc"])["share"] < 1
    assert full_collinearity(data, SIM_SCALES)["vif"].between(1, 3.3).all()


def test_ml_heywood_case_warns():
    rng = np.random.default_rng(1)
    x = rng.normal(size=100)
    data = pd.DataFrame({"a": x, "b": x + 0.01 * rng.normal(size=100), "c": rng.normal(size=100) + x})
    with pytest.warns(
        analysis.ImproperSolutionWarning, match=r"item '[ab]' has an ML uniqueness at the floor of 0.005"
    ):
        harman(data, ["a", "b", "c"], method="ml")


@pytest.mark.parametrize(
    ("data", "items", "kwargs", "error", "message"),
    [
        (HS, ["x1", "nope"], {}, analysis.DataError, "column 'nope' is not in the data"),
        (HS, ["x1"], {}, ValueError, "Harman's test needs at least two items, it has 1"),
        (HS, "x1", {}, ValueError, "Harman's test: give the items as a list of column names, not the string 'x1'"),
        (HS, ["x1", "x2", "x1"], {}, ValueError, "Harman's test: item 'x1' is listed twice"),
        (HS, ["x1", "x2"], {"method": "paf"}, ValueError, "method must be one of 'pc', 'ml', not 'paf'"),
        (
            pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, "often", 3, 4]}),
            ["a", "b"],
            {},
            analysis.DataError,
            "column 'b' is not numeric: value 'often' in row 1",
        ),
        (
            pd.DataFrame({"a": [1, 2, None, 4], "b": [4, None, 3, 2], "c": [1, 2, 3, 4]}),
            ["a", "b", "c"],
            {},
            analysis.DataError,
            "Harman's test of 3 items needs at least 4 rows complete on its items; the data have 2",
        ),
        (
            pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 4, 4, 4]}),
            ["a", "b"],
            {},
            analysis.DataError,
            r"item 'b' has no variance in the 4 complete rows \(everyone answered the same\); leave it out",
        ),
        (
            HS.assign(x10=HS["x1"] + HS["x2"]),
            ["x1", "x2", "x10"],
            {"method": "ml"},
            analysis.DataError,
            r"the items' correlation matrix is singular .* use method='pc'",
        ),
        ([[1, 2]], ["a", "b"], {}, analysis.DataError, "data must be a pandas DataFrame, not list"),
    ],
)
def test_harman_bad_input(data, items, kwargs, error, message):
    with pytest.raises(error, match=message):
        harman(data, items, **kwargs)


@pytest.mark.parametrize(
    ("data", "scales", "kwargs", "error", "message"),
    [
        (HS, {"a": ["x1", "nope"], "b": ["x2"]}, {}, analysis.DataError, "column 'nope' is not in the data"),
        (HS, {"a": ["x1", "x2"]}, {}, ValueError, "the full collinearity test needs at least two constructs, it has 1"),
        (HS, {"a": ["x1"], "b": []}, {}, ValueError, "scale 'b' has no items"),
        (HS, {"a": "x1", "b": ["x2"]}, {}, ValueError, "scale 'a': give the items as a list of column names"),
        (HS, {"a": ["x1", "x1"], "b": ["x2"]}, {}, ValueError, "scale 'a': item 'x1' is listed twice"),
        (HS, {"a": ["x1"], "b": ["x2"]}, {"threshold": 0}, ValueError, "threshold must be a VIF greater than 0"),
        (
            pd.DataFrame({"a": [1, 2, None], "b": [4, 3, 2], "c": [1, 2, 4]}),
            {"a": ["a"], "b": ["b"], "c": ["c"]},
            {},
            analysis.DataError,
            "the full collinearity test of 3 constructs needs at least 4 rows complete on its items; the data have 2",
        ),
        (
            pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 4, 4, 4], "c": [1, 3, 2, 4]}),
            {"s": ["a", "b"], "t": ["c"]},
            {},
            analysis.DataError,
            "item 'b' has no variance in the 4 complete rows",
        ),
        (
            HS,
            {"a": ["x1", "x2"], "b": ["x2", "x1"], "c": ["x3"]},
            {},
            analysis.DataError,
            "the construct scores are perfectly collinear",
        ),
    ],
)
def test_full_collinearity_bad_input(data, scales, kwargs, error, message):
    with pytest.raises(error, match=message):
        full_collinearity(data, scales, **kwargs)
