"""analysis.invariance against lavaan 0.6.14 / semTools 0.5-6 (tests/data/multigroup.R): Holzinger & Swineford
by school. Fit indices and their differences within 1e-5 relative (SRMR, 3e-6: lavaan's optimizer stops a
little short of the optimum)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL

import analysis
from analysis.invariance import DELTA_COLUMNS, FIT_COLUMNS, ORDINAL_COLUMNS, SCALED_COLUMNS, invariance

HS = pd.read_csv(DATA / "hs1939.csv")
STEPS = ("configural", "metric", "scalar", "strict")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return invariance(HS, HS_MODEL, "school", steps=STEPS)


def test_columns_and_steps(table):
    assert list(table.index) == list(STEPS)
    assert list(table.columns) == [*FIT_COLUMNS, *DELTA_COLUMNS, "decision"]


@pytest.mark.parametrize("column", FIT_COLUMNS + DELTA_COLUMNS)
def test_matches_compare_fit(table, column):
    theirs = pd.read_csv(DATA / "hs_mg_invariance.csv", index_col="step")[column]
    np.testing.assert_allclose(table[column].astype(float), theirs, rtol=1e-5, atol=1e-9, err_msg=column)


def test_decision_by_chen_2007(table):
    # metric: delta CFI -.002, delta RMSEA -.004; scalar: delta CFI -.038 (> .010 worse); strict: -.009, -.003
    assert list(table.decision) == ["", "invariant", "not invariant", "invariant"]


def test_default_steps_are_configural_metric_scalar():
    assert list(invariance(HS, HS_MODEL, "school").index) == ["configural", "metric", "scalar"]


def test_equal_latent_means_add_one_constraint_per_factor():
    table = invariance(HS, HS_MODEL, "school", steps=("scalar", "means"))
    assert table.loc["means", "delta_df"] == 3 and table.loc["means", "npar"] == 45
    assert np.isnan(table.loc["scalar", "delta_chisq"])


def test_instrument_measurement_model_by_default():
    data = analysis.simulate(600, seed=5)
    table = invariance(data, None, "scr_side", steps=("configural", "metric"))
    # eleven constructs, 50 items, of which 39 non-marker loadings: metric invariance adds 39 df
    assert table.loc["metric", "delta_df"] == 39 and table.loc["metric", "decision"] == "invariant"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (("configural", "metrik"), "steps: 'metrik' is not one of configural, metric, scalar, strict, means"),
        (("metric", "configural"), "steps must be nested, each adding constraints to the one before: 'configural' "
                                   "does not extend 'metric'"),
        (("scalar", "strict", "means"), "'means' does not extend 'strict'"),
        ("metric", "steps must be a tuple of step names, e.g. ('metric',), not a string"),
        ((), "steps must name at least one step"),
    ],
)  # fmt: skip
def test_bad_steps_get_a_clear_error(steps, message):
    with pytest.raises(ValueError) as caught:
        invariance(HS, HS_MODEL, "school", steps=steps)
    assert message in str(caught.value)


# Ordinal items: Wu & Estabrook's (2016) steps as semTools' measEq.syntax builds them, fitted by WLSMV, against
# lavaan's fitMeasures and lavTestLRT (satorra.2000, scaled.shifted) in tests/data/ordinal_invariance.csv
# (tests/data/ordinal.R); the fits themselves are pinned in tests/test_ordinal.py (ordinal_we_*).
HS_ORDINAL = pd.read_csv(DATA / "hs_ordinal.csv")


@pytest.fixture(scope="module")
def ordinal_table() -> pd.DataFrame:
    return invariance(HS_ORDINAL, HS_MODEL, "school", ordered=True)


def test_ordinal_steps_and_columns(ordinal_table):
    assert list(ordinal_table.index) == ["configural", "thresholds", "metric"]
    assert list(ordinal_table.columns) == [*ORDINAL_COLUMNS, *SCALED_COLUMNS, *DELTA_COLUMNS, "decision"]


@pytest.mark.parametrize("column", ORDINAL_COLUMNS + SCALED_COLUMNS + ["delta_chisq", "delta_df", "delta_pvalue"])
def test_ordinal_steps_match_lavaan(ordinal_table, column):
    theirs = pd.read_csv(DATA / "ordinal_invariance.csv", index_col="step")[column.replace("_", ".")]
    np.testing.assert_allclose(ordinal_table[column].astype(float), theirs, rtol=1e-5, atol=1e-9, err_msg=column)


def test_ordinal_decision_on_the_scaled_indices(ordinal_table):
    theirs = pd.read_csv(DATA / "ordinal_invariance.csv", index_col="step")
    expected = theirs["cfi.scaled"].diff().iloc[1:].tolist()
    assert ordinal_table.delta_cfi.iloc[1:].tolist() == pytest.approx(expected, abs=1e-7)
    assert list(ordinal_table.decision) == ["", "invariant", "invariant"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": ("configural", "scalar")}, "steps: 'scalar' is not one of configural, thresholds, metric for "
                                              "ordered= items"),
        ({"steps": ("metric", "thresholds")}, "'thresholds' does not extend 'metric'; use the order configural, "
                                              "thresholds, metric"),
        ({"estimator": "ML"}, "ordered= items need estimator='WLSMV'"),
    ],
)  # fmt: skip
def test_ordinal_refusals(options, message):
    with pytest.raises(ValueError, match=message):
        invariance(HS_ORDINAL, HS_MODEL, "school", ordered=True, **options)


def test_ordinal_refuses_binary_items():
    binary = HS_ORDINAL.assign(x2=np.where(HS_ORDINAL.x2 > 1, 2, 1))
    with pytest.raises(analysis.ModelError, match="item 'x2' has two categories: Wu & Estabrook's identification"):
        invariance(binary, HS_MODEL, "school", ordered=True, steps=("configural", "thresholds"))


def test_ordinal_steps_under_theta_are_the_same_test(ordinal_table):
    theta = invariance(HS_ORDINAL, HS_MODEL, "school", ordered=True, parameterization="theta")
    columns = ["chisq", "df", "chisq_scaled", "cfi_scaled", "delta_chisq"]
    np.testing.assert_allclose(theta[columns].astype(float), ordinal_table[columns].astype(float), rtol=1e-6)
