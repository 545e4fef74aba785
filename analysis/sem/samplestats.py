"""Sample statistics per group: moments of complete rows, or missing-data patterns and the EM saturated model.

lavaan's ``lav_samplestats``: for complete data the means and covariances (divisor N); under
``missing = "ml"`` (FIML) the rows by missing-data pattern and the saturated (H1) moments by EM,
which chi-square, SRMR, omega and HTMT compare with; for ordinal items the thresholds, polychoric
correlations and their asymptotic covariance (`analysis.sem.polychoric`), which WLS fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import mvnorm_missing, polychoric
from .mvnorm_missing import LOG_2PI, Patterns


@dataclass(frozen=True)
class Sample:
    """One group's rows (model order, NaN where missing) and its saturated moments."""

    label: object
    values: np.ndarray
    mean: np.ndarray  # sample means, or the EM means under FIML
    cov: np.ndarray  # divisor n, or the EM covariances under FIML
    patterns: Patterns | None  # FIML only
    h1_loglik: float
    ordinal: polychoric.Polychoric | None = None  # ordinal items: cov is their polychoric matrix
    weight: np.ndarray | None = None  # ordinal items: the diagonal of the WLS weight (lavaan's WLS.VD)

    @property
    def n(self) -> int:
        return len(self.values)

    @cached_property
    def saturated(self) -> float:
        """``log|S| + p``, the constant of the complete-data ML discrepancy."""
        return float(np.linalg.slogdet(self.cov)[1]) + len(self.cov)

    @property
    def fiml(self) -> bool:
        return self.patterns is not None

    def centred(self, mu: np.ndarray) -> np.ndarray:
        return self.values - mu


def complete(values: np.ndarray, label: object = None) -> Sample:
    """Moments of complete rows; lavaan: ``lavInspect(fit, "sampstat")``.

    Examples
    --------
    >>> complete(np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])).cov.round(3)
    array([[ 0.667, -0.333],
           [-0.333,  0.222]])
    """
    mean = values.mean(axis=0)
    cov = (values - mean).T @ (values - mean) / len(values)
    return Sample(label, values, mean, cov, None, saturated_loglik(cov, len(values)))


def incomplete(values: np.ndarray, label: object = None) -> Sample:
    """Missing-data patterns and the EM estimates of the saturated model (lavaan's ``missing = "ml"``)."""
    pat = mvnorm_missing.patterns(values)
    mean, cov = mvnorm_missing.em_moments(pat)
    return Sample(label, values, mean, cov, pat, -mvnorm_missing.minus_two_loglik(pat, mean, cov) / 2)


def ordinal(values: np.ndarray, label: object = None, unweighted: bool = False, numeric=None) -> Sample:
    """Thresholds and polychoric correlations of complete ordinal rows (lavaan's ``lavInspect(fit, "sampstat")``)
    and the diagonal weight ``1 / diag(Gamma)`` (ones if `unweighted`: ULS); the mean is 0 (a continuous column's,
    `numeric` p booleans, its own), the covariance the polychoric matrix (with a continuous column's variance and
    covariances), and there is no likelihood (NaN).

    Examples
    --------
    >>> ordinal(codes_of_likert_items).ordinal.thresholds  # doctest: +SKIP
    """
    codes, _ = polychoric.codes(values)
    numeric = np.zeros(values.shape[1], dtype=bool) if numeric is None else np.asarray(numeric)
    fit = polychoric.estimate(codes, np.where(numeric, values, np.nan) if numeric.any() else None)
    weight = np.ones(len(fit.vector)) if unweighted else 1 / np.diag(fit.gamma)
    _, mean, var = fit.moments
    sd = np.sqrt(var)
    return Sample(label, values, mean, fit.cor * np.outer(sd, sd), None, np.nan, fit, weight)


def saturated_loglik(cov: np.ndarray, n: int) -> float:
    """Log-likelihood of the saturated model of complete data: ``-n/2 (p log 2 pi + log|S| + p)``."""
    p = len(cov)
    return float(-n / 2 * (p * LOG_2PI + np.linalg.slogdet(cov)[1] + p))


def independence_loglik(sample: Sample, columns: np.ndarray) -> float:
    """Log-likelihood of the independence model of `columns`: each variable normal on its own answers."""
    values = sample.values[:, columns]
    n = np.sum(~np.isnan(values), axis=0)
    mean = np.nanmean(values, axis=0)
    var = np.nansum((values - mean) ** 2, axis=0) / n
    return float(-np.sum(n * (LOG_2PI + np.log(var) + 1)) / 2)
