"""lavaan's MLR for complete data: Huber-White standard errors and the Yuan-Bentler (Mplus) scaled test.

Written by hand: semopy's robust helper returns debug matrices, not lavaan's numbers. Per
observation, with ``d_i`` the centred data and ``F`` the ML discrepancy:

- ``A0`` = observed information = half the Hessian of ``F`` (lavaan: information = "observed",
  observed.information = "hessian"), ``B0`` = mean outer product of the casewise scores
  ``1/2 (e_i' dSigma_k e_i - tr(Sigma^-1 dSigma_k))``, ``e_i = Sigma^-1 d_i`` (first.order);
  ``vcov = A0^-1 B0 A0^-1 / N`` (lavaan: se = "robust.huber.white").
- Scaling factor ``c = (tr(A1^-1 B1) - tr(A0^-1 B0)) / df`` (lavaan: test = "yuan.bentler.mplus"),
  with the unstructured H1 traces in closed form: ``tr(A1^-1 B1) = (mean(m_i^2) - p) / 2``,
  ``m_i = d_i' S^-1 d_i`` (Mardia's kurtosis), and for the independence baseline
  ``tr(A0^-1 B0) = sum_j (m4_j / s_j^2 - 1) / 2``.
- Robust CFI, TLI (Brosseau-Liard & Savalei 2014) and RMSEA (Brosseau-Liard, Savalei & Li 2012)
  as lavaan's ``cfi.robust``, ``tli.robust``, ``rmsea.robust``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from . import engine
from .indices import ml_discrepancy, rmsea_interval

ROBUST_INDICES = ("chisq_scaled", "scaling_factor", "pvalue_scaled", "baseline_scaling_factor", "cfi_robust",
                  "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")  # fmt: skip
ROWS_PER_BLOCK = 4096  # casewise scores are built block by block: memory stays flat at N = 100,000


@dataclass(frozen=True)
class Sandwich:
    """The pieces of the Huber-White sandwich, per observation."""

    vcov: np.ndarray
    trace_h0: float  # tr(A0^-1 B0)


def sandwich(est: engine.Estimation, values: np.ndarray) -> Sandwich:
    """Huber-White covariance of the free parameters; `values` the analysis sample (N x p, model order).

    Examples
    --------
    >>> sandwich(est, sample[est.observed].to_numpy()).vcov  # doctest: +SKIP
    """
    a0_inverse = np.linalg.inv(_observed_information(est))
    b0 = _first_order(est, values)
    return Sandwich(vcov=a0_inverse @ b0 @ a0_inverse / est.n, trace_h0=float(np.sum(a0_inverse * b0)))


def robust_indices(chisq: float, df: int, values: np.ndarray, trace_h0: float) -> pd.Series:
    """The scaled test and robust fit indices of a model with ML `chisq` on `df`, fitted to `values`.

    Examples
    --------
    >>> robust_indices(85.3, 24, values, sandwich(est, values).trace_h0)["cfi_robust"]  # doctest: +SKIP
    """
    n, p = values.shape
    centred = values - values.mean(axis=0)
    trace_h1 = _trace_h1(centred)
    variances = (centred**2).mean(axis=0)
    sample = centred.T @ centred / n
    baseline_chisq, baseline_df = n * ml_discrepancy(sample, np.diag(variances)), p * (p - 1) // 2
    baseline_trace = float(np.sum((centred**4).mean(axis=0) / variances**2 - 1) / 2)
    c = (trace_h1 - trace_h0) / df if df > 0 else np.nan
    c_null = (trace_h1 - baseline_trace) / baseline_df
    scaled = chisq / c
    lower, upper = rmsea_interval(scaled, df, n)
    misfit, baseline_misfit = chisq - c * df, baseline_chisq - c_null * baseline_df
    values_ = {
        "chisq_scaled": scaled,
        "scaling_factor": c,
        "pvalue_scaled": float(chi2.sf(scaled, df)) if df > 0 else np.nan,
        "baseline_scaling_factor": c_null,
        # lavaan: lav_fit_cfi(), lav_fit_tli() and lav_fit_rmsea() with c.hat and c.hat.null
        "cfi_robust": 1 - max(misfit, 0) / max(misfit, baseline_misfit, 0) if df > 0 else np.nan,
        "tli_robust": 1 - (misfit * baseline_df) / (baseline_misfit * df) if df > 0 else np.nan,
        "rmsea_robust": float(np.sqrt(max(chisq / n / df - c / n, 0))) if df > 0 else np.nan,
        "rmsea_ci_lower_robust": lower * np.sqrt(c),
        "rmsea_ci_upper_robust": upper * np.sqrt(c),
    }
    return pd.Series(values_, index=list(ROBUST_INDICES), dtype=float)


def _observed_information(est: engine.Estimation) -> np.ndarray:
    """Half the Hessian of F at the optimum, by central differences of the analytic gradient (as lavaan)."""
    model, x = est.model, est.params
    with engine._quiet_semopy():
        hessian = engine.jacobian(lambda at: engine.ml_gradient(model, at), x, step=1e-5)
        model.update_matrices(x)
    return (hessian + hessian.T) / 4


def _first_order(est: engine.Estimation, values: np.ndarray) -> np.ndarray:
    """Mean outer product of the casewise scores of the log-likelihood, ``B0``."""
    model = est.model
    with engine._quiet_semopy():
        sigma, (m, c) = model.calc_sigma()
        derivatives = np.array(model.calc_sigma_grad(m, c))  # K x p x p: dSigma / dtheta_k
    inverse = np.linalg.inv(sigma)
    p = len(sigma)
    flat = derivatives.reshape(len(derivatives), p * p).T  # p^2 x K
    constant = np.einsum("ij,kji->k", inverse, derivatives)  # tr(Sigma^-1 dSigma_k)
    centred = values - values.mean(axis=0)
    b0 = np.zeros((len(derivatives), len(derivatives)))
    for start in range(0, len(centred), ROWS_PER_BLOCK):
        e = centred[start : start + ROWS_PER_BLOCK] @ inverse
        scores = 0.5 * ((e[:, :, None] * e[:, None, :]).reshape(len(e), p * p) @ flat - constant)
        b0 += scores.T @ scores
    return b0 / len(centred)


def _trace_h1(centred: np.ndarray) -> float:
    """``tr(A1^-1 B1)`` of the saturated model: ``(mean(m_i^2) - p) / 2`` with Mahalanobis ``m_i``."""
    covariance = centred.T @ centred / len(centred)
    mahalanobis = np.einsum("ij,ij->i", centred @ np.linalg.inv(covariance), centred)
    return float((np.mean(mahalanobis**2) - centred.shape[1]) / 2)
