"""Fit indices from sample and model-implied covariance matrices, with lavaan's definitions.

Written by hand because semopy's are not lavaan's: its log-likelihood is the fit-function value,
its RMSEA divides by N-1, and it has no SRMR or RMSEA interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import chi2, ncx2

INDICES = ("n", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
           "srmr", "aic", "bic", "loglik")  # fmt: skip


def ml_discrepancy(sample: np.ndarray, implied: np.ndarray) -> float:
    """Wishart ML discrepancy ``log|Sigma| + tr(S Sigma^-1) - log|S| - p``; chisq is N times it."""
    _, logdet_implied = np.linalg.slogdet(implied)
    _, logdet_sample = np.linalg.slogdet(sample)
    return float(logdet_implied + np.trace(sample @ np.linalg.inv(implied)) - logdet_sample - len(sample))


def loglik(sample: np.ndarray, implied: np.ndarray, n: int) -> float:
    """Normal-theory log-likelihood of the data; lavaan: ``fitMeasures(fit, "logl")``."""
    _, logdet = np.linalg.slogdet(implied)
    p = len(sample)
    return float(-n / 2 * (logdet + np.trace(sample @ np.linalg.inv(implied)) + p * np.log(2 * np.pi)))


def fit_indices(sample: np.ndarray, implied: np.ndarray, n: int, npar: int) -> pd.Series:
    """lavaan's fit measures of an ML fit to one group's covariance matrix.

    Parameters
    ----------
    sample, implied : ndarray
        Sample covariance (divisor N) and model-implied covariance.
    n : int
        Number of observations.
    npar : int
        Number of free parameters (each equality constraint counts once).

    Returns
    -------
    Series
        ``n, chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, srmr, aic, bic,
        loglik``.

    Examples
    --------
    >>> fit_indices(S, Sigma, n=301, npar=21)["rmsea"]  # doctest: +SKIP
    0.0921
    """
    p = len(sample)
    return assemble(
        chisq=n * ml_discrepancy(sample, implied),
        df=p * (p + 1) // 2 - npar,
        baseline_chisq=n * ml_discrepancy(sample, np.diag(np.diag(sample))),
        baseline_df=p * (p - 1) // 2,
        n=n,
        loglik=loglik(sample, implied, n),
        npar=npar,
        srmr=srmr(sample, implied),
    )


def assemble(
    *, chisq: float, df: int, baseline_chisq: float, baseline_df: int, n: int, loglik: float, npar: int, srmr: float
) -> pd.Series:
    """The fit indices of `INDICES` from a model's test statistic, its baseline's, its log-likelihood and SRMR.

    Shared by complete-data ML (`fit_indices`) and FIML (`analysis.fiml`), whose statistics come from
    different likelihoods but enter lavaan's formulas the same way.

    Examples
    --------
    >>> indices = assemble(chisq=85.31, df=24, baseline_chisq=918.85, baseline_df=36, n=301, loglik=-3737.74,
    ...                    npar=21, srmr=0.065)
    >>> round(float(indices["cfi"]), 3)
    0.931
    """
    lower, upper = rmsea_interval(chisq, df, n)
    values = {
        "n": n,
        "chisq": chisq,
        "df": df,
        "pvalue": float(chi2.sf(chisq, df)) if df > 0 else np.nan,
        "cfi": cfi(chisq, df, baseline_chisq, baseline_df),
        "tli": tli(chisq, df, baseline_chisq, baseline_df),
        "rmsea": rmsea(chisq, df, n),
        "rmsea_ci_lower": lower,
        "rmsea_ci_upper": upper,
        "srmr": srmr,
        "aic": -2 * loglik + 2 * npar,
        "bic": -2 * loglik + npar * np.log(n),
        "loglik": loglik,
    }
    return pd.Series(values, index=list(INDICES), dtype=float)


def cfi(chisq: float, df: int, baseline_chisq: float, baseline_df: int) -> float:
    """Comparative fit index (Bentler 1990); lavaan: ``fitMeasures(fit, "cfi")``."""
    misfit = max(chisq - df, 0.0)
    denominator = max(chisq - df, baseline_chisq - baseline_df, 0.0)
    return 1.0 if denominator == 0 else 1.0 - misfit / denominator


def tli(chisq: float, df: int, baseline_chisq: float, baseline_df: int) -> float:
    """Tucker-Lewis index; lavaan: ``fitMeasures(fit, "tli")``."""
    if df == 0:
        return np.nan
    ratio = baseline_chisq / baseline_df
    return (ratio - chisq / df) / (ratio - 1.0)


def rmsea(chisq: float, df: int, n: int) -> float:
    """RMSEA with N (not N-1) in the denominator, as lavaan; lavaan: ``fitMeasures(fit, "rmsea")``."""
    return float(np.sqrt(max(chisq - df, 0.0) / (df * n))) if df > 0 else np.nan


def rmsea_interval(chisq: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA confidence interval by inverting the noncentral chi-square, as lavaan.

    The lower (upper) bound is the noncentrality at which the observed chisq is the upper
    (lower) ``(1 - level) / 2`` quantile; lavaan: ``fitMeasures(fit, "rmsea.ci.lower")``.
    """
    if df <= 0:
        return np.nan, np.nan
    tail = (1 - level) / 2

    def noncentrality(target: float) -> float:
        # ncx2.cdf(chisq, df, ncp) falls from cdf(chisq; central) towards 0 as ncp grows.
        if chi2.cdf(chisq, df) < target:
            return 0.0
        high = max(chisq, 1.0)
        while ncx2.cdf(chisq, df, high) > target:
            high *= 2
        return brentq(lambda ncp: ncx2.cdf(chisq, df, max(ncp, 1e-12)) - target, 0.0, high, xtol=1e-12)

    scale = n * df
    return float(np.sqrt(noncentrality(1 - tail) / scale)), float(np.sqrt(noncentrality(tail) / scale))


def srmr(
    sample: np.ndarray,
    implied: np.ndarray,
    sample_mean: np.ndarray | None = None,
    implied_mean: np.ndarray | None = None,
) -> float:
    """Standardized root mean square residual (Bentler's; lavaan's default "srmr").

    Residuals ``S - Sigma`` are scaled by the sample standard deviations and averaged over the
    p(p+1)/2 unique elements, diagonal included. With a mean structure (the means given), the p
    mean residuals scaled the same way join the average, as lavaan's ``srmr`` (its "total") does.

    Examples
    --------
    >>> round(srmr(np.array([[1.0, 0.5], [0.5, 1.0]]), np.eye(2)), 4)
    0.2887
    """
    scale = 1 / np.sqrt(np.diag(sample))
    residual = (sample - implied) * np.outer(scale, scale)
    unique = residual[np.tril_indices(len(sample))]
    if sample_mean is not None:
        unique = np.concatenate([unique, (sample_mean - implied_mean) * scale])
    return float(np.sqrt(np.mean(unique**2)))
