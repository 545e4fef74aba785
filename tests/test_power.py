"""analysis.power against semTools::findRMSEApower and findRMSEAsamplesize (reference: tests/data/power.R)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.power import rmsea_power, rmsea_sample_size

DATA = Path(__file__).parent / "data"
REFERENCE = pd.read_csv(DATA / "power_semtools.csv", keep_default_na=False, na_values=["NA"])


def reference(fun: str, rmsea0: float, rmsea_a: float) -> pd.DataFrame:
    rows = REFERENCE[(REFERENCE["fun"] == fun) & (REFERENCE["rmsea0"] == rmsea0) & (REFERENCE["rmsea_a"] == rmsea_a)]
    assert len(rows) > 0
    return rows


class CheckRMSEA:
    """Our power and sample size against semTools' for one pair of null and alternative RMSEA."""

    rmsea0: float
    rmsea_a: float

    def test_power(self):
        ref = reference("findRMSEApower", self.rmsea0, self.rmsea_a)
        ours = [rmsea_power(row.df, row.n, row.rmsea0, row.rmsea_a, row.alpha) for row in ref.itertuples()]
        np.testing.assert_allclose(ours, ref["power"], rtol=0, atol=1e-6)

    def test_sample_size(self):
        ref = reference("findRMSEAsamplesize", self.rmsea0, self.rmsea_a)
        ours = [rmsea_sample_size(row.df, row.power, row.rmsea0, row.rmsea_a, row.alpha) for row in ref.itertuples()]
        assert ours == ref["n_smallest"].tolist()


class TestCloseFit(CheckRMSEA):
    rmsea0, rmsea_a = 0.05, 0.08


class TestCloseFitAgainstMediocreFit(CheckRMSEA):
    rmsea0, rmsea_a = 0.05, 0.06


class TestExactFit(CheckRMSEA):
    rmsea0, rmsea_a = 0.0, 0.05


class TestNotCloseFit(CheckRMSEA):
    rmsea0, rmsea_a = 0.05, 0.01


class TestNotCloseFitFromPoorFit(CheckRMSEA):
    rmsea0, rmsea_a = 0.08, 0.05


def test_semtools_sample_size_is_the_smallest_but_where_its_scan_skips():
    # n_smallest: the smallest n whose findRMSEApower exceeds the power. findRMSEAsamplesize scans
    # n = 5:500, then 505:1000, ...: it answers 505 where that is 501 to 504, and a string where it is below 5.
    sizes = REFERENCE[REFERENCE["fun"] == "findRMSEAsamplesize"].set_index(
        ["df", "rmsea0", "rmsea_a", "alpha", "power"]
    )
    differ = sizes[sizes["n"].ne(sizes["n_smallest"])]
    assert differ.index.tolist() == [(24, 0.0, 0.05, 0.01, 0.8), (1000, 0.0, 0.3, 0.05, 0.8)]
    assert differ["n"].iloc[0] == 505
    assert differ["n_smallest"].iloc[0] == 503


def test_sample_size_below_semtools_smallest_scan():
    row = reference("findRMSEAsamplesize", 0.0, 0.3).iloc[0]
    assert row["note"] == "Sample Size <= 5"
    assert rmsea_sample_size(1000, 0.8, 0.0, 0.3, 0.05) == row["n_smallest"] == 3


def test_sample_size_has_the_power_and_one_less_has_not():
    n = rmsea_sample_size(df=24, power=0.9)
    assert rmsea_power(24, n - 1) <= 0.9 < rmsea_power(24, n)


def test_whole_float_df_is_accepted():
    assert rmsea_power(24.0, 200) == rmsea_power(24, 200)
    assert rmsea_sample_size(24.0) == rmsea_sample_size(24)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"df": 0}, "df must be a whole number of degrees of freedom, at least 1, not 0"),
        ({"df": 2.5}, "df must be a whole number of degrees of freedom, at least 1, not 2.5"),
        ({"df": True}, "df must be a whole number of degrees of freedom, at least 1, not True"),
        ({"df": "24"}, "df must be a whole number of degrees of freedom, at least 1, not '24'"),
        ({"rmsea0": -0.01}, "rmsea0 must be an RMSEA of 0 or more, not -0.01"),
        ({"rmsea_a": math.nan}, "rmsea_a must be an RMSEA of 0 or more, not nan"),
        ({"rmsea_a": 0.05}, "rmsea0 and rmsea_a are both 0.05; make rmsea_a larger .* or smaller"),
        ({"alpha": 0}, "alpha must be between 0 and 1, not 0"),
        ({"alpha": 5}, "alpha must be between 0 and 1, not 5"),
    ],
)
@pytest.mark.parametrize("function", [rmsea_power, rmsea_sample_size])
def test_bad_arguments(function, kwargs, message):
    arguments = {"df": 24, "n": 200} if function is rmsea_power else {"df": 24}
    with pytest.raises(ValueError, match=message):
        function(**(arguments | kwargs))


@pytest.mark.parametrize("n", [1, 0.5, math.inf, "200"])
def test_bad_n(n):
    with pytest.raises(ValueError, match=f"n must be a sample size greater than 1, not {n!r}"):
        rmsea_power(24, n)


@pytest.mark.parametrize("power", [0, 1, 80])
def test_bad_power(power):
    with pytest.raises(ValueError, match=f"power must be between 0 and 1, not {power}"):
        rmsea_sample_size(24, power)
