"""Robust CFI, TLI and RMSEA under FIML: the corrected statistics of Zhang & Savalei (2022), as lavaan.

lavaan's ``lav_fit_fiml_corrected``: the model at its FIML estimates is compared with the EM
saturated moments as if they were complete-data moments (``XX3``), and that statistic's expected
value under the model, ``k``, comes from the saturated model's observed (``Wm``) and first-order
(``Jm``) information under missing data and its complete-data information at the EM moments
(``Wc``): ``U = Wm - Wm Delta E^-1 Delta' Wm`` with ``E = Delta' Wm Delta``, then ``k = tr(U Wm^-1
Wc Wm^-1 U Gamma)``, ``Gamma = Wm^-1 Jm Wm^-1`` under MLR (FIML-C V3) and ``k = tr(Wc Wm^-1 U Wm^-1)``
under ML (V6). The same for the independence model gives the baseline's. Written by hand: no
Python library computes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import block_diag

from . import inference
from .model import Model


@dataclass(frozen=True)
class Corrected:
    """The corrected statistics of the model (``XX3``, ``c.hat3``) and of its baseline, as lavaan names them."""

    chisq: float
    scaling: float
    baseline_chisq: float
    baseline_scaling: float


def corrected(model: Model, x: np.ndarray, df: int, baseline_df: int, robust: bool) -> Corrected:
    """lavaan's ``lav_fit_fiml_corrected(fit, version = "V3" if robust else "V6")`` for a FIML fit at `x`.

    Examples
    --------
    >>> corrected(model, solution.x, test.df, test.baseline_df, robust=True).scaling  # doctest: +SKIP
    """
    p = len(model.names.observed)
    exogenous = [k for k, name in enumerate(model.names.observed) if name in set(model.names.exogenous)]
    keep = inference.saturated_moments(p, True, exogenous)
    rows, columns = np.tril_indices(p)
    weights = [sample.n / model.n for sample in model.samples]
    wm = [inference.saturated_observed_information(s)[np.ix_(keep, keep)] / s.n for s in model.samples]
    wm_inverse = [np.linalg.inv(w) for w in wm]
    wc = [inference.saturated_information(s.cov)[np.ix_(keep, keep)] for s in model.samples]
    scores = [inference.saturated_scores(s)[:, keep] for s in model.samples]
    gamma = [a @ (s.T @ s / len(s)) @ a for a, s in zip(wm_inverse, scores, strict=True)]
    wm_all = block_diag(*[f * w for f, w in zip(weights, wm, strict=True)])
    wm_inverse_all = block_diag(*[a / f for f, a in zip(weights, wm_inverse, strict=True)])
    wc_all = block_diag(*[f * w for f, w in zip(weights, wc, strict=True)])
    gamma_all = block_diag(*[g / f for f, g in zip(weights, gamma, strict=True)])

    def expected(delta: np.ndarray, inverse: np.ndarray) -> float:
        u = wm_all - wm_all @ delta @ inverse @ delta.T @ wm_all
        if robust:
            return float(np.trace(u @ wm_inverse_all @ wc_all @ wm_inverse_all @ u @ gamma_all))
        return float(np.trace(wc_all @ wm_inverse_all @ u @ wm_inverse_all))

    delta = np.vstack([_delta(mats.jacobian(mats.implied(x), len(x)), rows, columns)[keep] for mats in model.matrices])
    info = model.n * delta.T @ wm_all @ delta
    inverse = model.n * inference.constrained_inverse(model, x, info)
    chisq = sum(_discrepancy(s, mats.implied(x).mu, mats.implied(x).sigma) for s, mats in
                zip(model.samples, model.matrices, strict=True))  # fmt: skip
    baseline = [_independence(model, s, exogenous) for s in model.samples]
    baseline_chisq = sum(_discrepancy(s, mu, sigma) for s, (mu, sigma, _) in zip(model.samples, baseline, strict=True))
    delta_null = block_diag(*[d[keep] for _, _, d in baseline])
    inverse_null = np.linalg.inv(delta_null.T @ wm_all @ delta_null)
    return Corrected(chisq, expected(delta, inverse) / df, baseline_chisq,
                     expected(delta_null, inverse_null) / baseline_df)  # fmt: skip


def _delta(jacobian: tuple[np.ndarray, np.ndarray], rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """d (mu, vech Sigma) / dx, the saturated model's coordinates by the parameters."""
    d_mu, d_sigma = jacobian
    return np.vstack([d_mu.T, d_sigma[:, rows, columns].T])


def _discrepancy(sample, mu: np.ndarray, sigma: np.ndarray) -> float:
    """``N_g F_ML`` of (mu, Sigma) against the sample's (EM) moments taken as complete-data moments."""
    k = np.linalg.inv(sigma)
    d = sample.mean - mu
    value = np.linalg.slogdet(sigma)[1] + np.sum(k * sample.cov) + d @ k @ d - sample.saturated
    return float(sample.n * value)


def _independence(model: Model, sample, exogenous: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The FIML independence model of one group (each outcome's available-case mean and variance, the
    covariates' block at its sample moments): mu, Sigma, and d (mu, vech Sigma) by its parameters."""
    p = len(sample.mean)
    outcomes = [k for k in range(p) if k not in set(exogenous)]
    values = sample.values[:, outcomes]
    mu, sigma = sample.mean.copy(), sample.cov.copy()
    mean = np.nanmean(values, axis=0)
    mu[outcomes] = mean
    variances = np.nanmean((values - mean) ** 2, axis=0)
    sigma[np.ix_(outcomes, range(p))] = 0.0
    sigma[np.ix_(range(p), outcomes)] = 0.0
    sigma[outcomes, outcomes] = variances
    rows, columns = np.tril_indices(p)
    d_mu = np.zeros((2 * len(outcomes), p))
    d_sigma = np.zeros((2 * len(outcomes), p, p))
    for j, k in enumerate(outcomes):
        d_mu[j, k] = 1.0
        d_sigma[len(outcomes) + j, k, k] = 1.0
    return mu, sigma, _delta((d_mu, d_sigma), rows, columns)
