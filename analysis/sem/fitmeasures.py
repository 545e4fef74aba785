"""Fit measures with lavaan's names and definitions (``lav_fit_measures``), for every estimator and group setting.

Written by hand because semopy's are not lavaan's: its log-likelihood is the fit-function value,
its RMSEA divides by N-1, and it has no SRMR, RMSEA interval, scaled or robust indices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import chi2, ncx2

from .fiml_corrected import Corrected, corrected
from .model import Model
from .teststat import Test

INDICES = ("n", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
           "srmr", "aic", "bic", "loglik")  # fmt: skip
DETAIL = ("npar", "ngroups", "baseline_chisq", "baseline_df", "unrestricted_loglik")
ROBUST_INDICES = ("chisq_scaled", "df_scaled", "scaling_factor", "pvalue_scaled", "baseline_chisq_scaled",
                  "baseline_scaling_factor", "cfi_scaled", "tli_scaled", "rmsea_scaled", "cfi_robust", "tli_robust",
                  "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "rmsea_robust", "rmsea_ci_lower_robust",
                  "rmsea_ci_upper_robust")  # fmt: skip


def fit_measures(model: Model, x: np.ndarray, test: Test) -> pd.Series:
    """lavaan's ``fitMeasures(fit)``: the indices of `INDICES`, `DETAIL` and, for a scaled test, `ROBUST_INDICES`.

    The robust CFI, TLI and RMSEA are Brosseau-Liard & Savalei's for complete data and, under FIML
    (with ML too, as lavaan), Zhang & Savalei's corrected ones (`analysis.sem.fiml_corrected`).

    Examples
    --------
    >>> fit_measures(model, solution.x, test)[["chisq", "df", "cfi"]]  # doctest: +SKIP
    """
    n, groups, npar = model.n, len(model.samples), test.npar
    lower, upper = rmsea_interval(test.chisq, test.df, n)
    root = np.sqrt(groups)  # lavaan: RMSEA and its interval times sqrt(G) (Steiger 1998)
    values = {
        "n": n, "chisq": test.chisq, "df": test.df, "pvalue": _pvalue(test.chisq, test.df),
        "cfi": cfi(test.chisq, test.df, test.baseline_chisq, test.baseline_df),
        "tli": tli(test.chisq, test.df, test.baseline_chisq, test.baseline_df),
        "rmsea": rmsea(test.chisq, test.df, n) * root, "rmsea_ci_lower": lower * root,
        "rmsea_ci_upper": upper * root, "srmr": srmr(model, x),
        "aic": -2 * test.loglik + 2 * npar, "bic": -2 * test.loglik + npar * np.log(n), "loglik": test.loglik,
        "npar": npar, "ngroups": groups, "baseline_chisq": test.baseline_chisq, "baseline_df": test.baseline_df,
        "unrestricted_loglik": test.h1_loglik,
    }  # fmt: skip
    if test.scaling is not None:
        values.update(_scaled(test, n, groups))
    robust = _robust_statistics(model, x, test)
    if robust is not None and test.df > 0:
        values.update(_robust(robust, test.df, test.baseline_df, n, groups))
    return pd.Series(values, dtype=float)


def _robust_statistics(model: Model, x: np.ndarray, test: Test) -> Corrected | None:
    """What the robust indices are built on: the scaled test's for complete data, the FIML-corrected one's
    under FIML (whatever the estimator, as lavaan), none for ML on complete data."""
    if model.fiml:
        return corrected(model, x, test.df, test.baseline_df, robust=test.scaling is not None)
    if test.scaling is None:
        return None
    return Corrected(test.chisq, test.scaling, test.baseline_chisq, test.baseline_scaling)


def _scaled(test: Test, n: int, groups: int) -> dict[str, float]:
    """Scaled test and indices (lavaan's ``.scaled``); the RMSEA interval of the unscaled chisq on ``c df``
    degrees of freedom, as lavaan 0.6's ``rmsea.ci.lower.scaled``."""
    c, c_null, df, df_null = test.scaling, test.baseline_scaling, test.df, test.baseline_df
    scaled, scaled_null = test.chisq / c, test.baseline_chisq / c_null
    root = np.sqrt(groups)
    lower, upper = rmsea_interval(test.chisq, c * df, n)
    return {
        "chisq_scaled": scaled, "df_scaled": df, "scaling_factor": c, "pvalue_scaled": _pvalue(scaled, df),
        "baseline_chisq_scaled": scaled_null, "baseline_scaling_factor": c_null,
        "cfi_scaled": cfi(scaled, df, scaled_null, df_null), "tli_scaled": tli(scaled, df, scaled_null, df_null),
        "rmsea_scaled": rmsea(scaled, df, n) * root, "rmsea_ci_lower_scaled": lower * root,
        "rmsea_ci_upper_scaled": upper * root,
    }  # fmt: skip


def _robust(robust: Corrected, df: int, df_null: int, n: int, groups: int) -> dict[str, float]:
    """Robust CFI, TLI and RMSEA: lavaan's lav_fit_cfi(), lav_fit_tli() and lav_fit_rmsea() with c.hat and
    c.hat.null."""
    c, root = robust.scaling, np.sqrt(groups)
    misfit = robust.chisq - c * df
    baseline_misfit = robust.baseline_chisq - robust.baseline_scaling * df_null
    lower, upper = rmsea_interval(robust.chisq / c, df, n)
    return {
        "cfi_robust": 1 - max(misfit, 0) / max(misfit, baseline_misfit, 0),
        "tli_robust": 1 - (misfit * df_null) / (baseline_misfit * df),
        "rmsea_robust": float(np.sqrt(max(robust.chisq / n / df - c / n, 0))) * root,
        "rmsea_ci_lower_robust": lower * np.sqrt(c) * root, "rmsea_ci_upper_robust": upper * np.sqrt(c) * root,
    }  # fmt: skip


def _pvalue(chisq: float, df: int) -> float:
    return float(chi2.sf(chisq, df)) if df > 0 else np.nan


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


def rmsea_interval(chisq: float, df: float, n: int, level: float = 0.90) -> tuple[float, float]:
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


def srmr(model: Model, x: np.ndarray) -> float:
    """Standardized root mean square residual (Bentler's; lavaan's default "srmr").

    Per group, residuals ``S - Sigma`` scaled by the sample standard deviations (the EM moments under
    FIML) over the p(p+1)/2 unique elements; with a mean structure the p mean residuals, scaled the
    same way, join the average, as lavaan's ``srmr``. Groups are weighted by ``N_g / N``.

    Examples
    --------
    >>> srmr(model, solution.x)  # doctest: +SKIP
    """
    total = 0.0
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        implied = mats.implied(x)
        scale = 1 / np.sqrt(np.diag(sample.cov))
        residual = (sample.cov - implied.sigma) * np.outer(scale, scale)
        unique = residual[np.tril_indices(len(scale))]
        if model.meanstructure:
            unique = np.concatenate([unique, (sample.mean - implied.mu) * scale])
        total += sample.n / model.n * float(np.sqrt(np.mean(unique**2)))
    return total
