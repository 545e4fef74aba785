"""analysis.robust: the closed forms behind lavaan's MLR, checked against the matrices they replace.

lavaan's own numbers (estimator="MLR" on Holzinger & Swineford and Political Democracy) are pinned in
test_fit.py (TestHolzingerSwinefordMLR, TestPoliticalDemocracyMLR); here, the shortcuts are checked
against the brute-force traces lavaan computes (lav_test_yuan_bentler_mplus_trace).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL

import analysis
from analysis import engine, robust
from analysis.fit import _semopy_syntax

HS = pd.read_csv(DATA / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]


def _vech_scores(centred: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Casewise scores of the saturated covariance model (vech parameters) and its information per case."""
    p = len(sigma)
    inverse = np.linalg.inv(sigma)
    rows, cols = np.tril_indices(p)
    duplication = np.zeros((p * p, len(rows)))  # vec(S) = D vech(S)
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        duplication[i * p + j, k] = duplication[j * p + i, k] = 1
    e = centred @ inverse
    outer = (e[:, :, None] * e[:, None, :] - inverse).reshape(len(centred), p * p)
    information = 0.5 * duplication.T @ np.kron(inverse, inverse) @ duplication
    return 0.5 * outer @ duplication, information


def test_saturated_trace_is_half_of_mardias_excess():
    centred = (HS - HS.mean()).to_numpy()
    sigma = centred.T @ centred / len(centred)
    scores, information = _vech_scores(centred, sigma)
    brute = np.trace(np.linalg.solve(information, scores.T @ scores / len(scores)))
    assert robust._trace_h1(centred) == pytest.approx(brute, rel=1e-10)


def test_baseline_trace_is_the_univariate_kurtosis_sum():
    values = HS.to_numpy()
    fit = robust.robust_indices(85.3, 24, values, trace_h0=20.0)
    centred = values - values.mean(axis=0)
    variances = (centred**2).mean(axis=0)
    # independence model: one variance per variable, information 1 / (2 s^4), score ((x^2 / s^2) - 1) / (2 s^2)
    brute = sum(np.mean(((c**2 / v) - 1) ** 2) / 2 for c, v in zip(centred.T, variances, strict=True))
    c_null = (robust._trace_h1(centred) - brute) / 36
    assert fit.baseline_scaling_factor == pytest.approx(c_null, rel=1e-10)


def test_first_order_information_does_not_depend_on_the_block_size(monkeypatch):
    est = engine.estimate(_semopy_syntax(analysis.syntax.parse(HS_MODEL)), HS)
    values = HS[est.observed].to_numpy()
    whole = robust._first_order(est, values)
    monkeypatch.setattr(robust, "ROWS_PER_BLOCK", 7)
    np.testing.assert_allclose(robust._first_order(est, values), whole, rtol=1e-12)


def test_saturated_model_has_no_scaled_test():
    fit = robust.robust_indices(0.0, 0, HS.to_numpy(), trace_h0=1.0)
    assert np.isnan(fit[["scaling_factor", "pvalue_scaled", "cfi_robust", "rmsea_robust"]]).all()
