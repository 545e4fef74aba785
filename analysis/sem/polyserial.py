"""Polyserial correlations, two-step, as lavaan's ``lav_bvmix_cor_twostep_fit`` (``lavCor`` with a continuous column).

A continuous variable's mean and variance come from its own values (maximum likelihood: divided by N),
an ordinal item's thresholds from its marginal proportions; each pair's correlation then maximises
``sum log P(code | z)``, with ``z`` the standardized continuous value and ``P(k | z) = Phi((t_k+1 - rho
z) / R) - Phi((t_k - rho z) / R)``, ``R = sqrt(1 - rho^2)``. As lavaan, ``P`` is floored at machine
epsilon and a row whose likelihood ``phi(y; mean, sd) P`` falls below ``sqrt(epsilon)`` is left out.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

TOLERANCE = 1e-12  # largest change of a correlation in the last Newton step
LIMIT = 0.995  # lavaan's bounds for a polyserial correlation
STEP = 1e-6  # of the central difference that gives the score's slope
EPS = np.finfo(float).eps


def standardize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's z-values (NaN where missing), mean and variance (divided by the number of answers).

    Examples
    --------
    >>> standardize(np.array([[1.0], [3.0]]))[0].ravel().tolist()
    [-1.0, 1.0]
    """
    mean = np.nanmean(values, axis=0)
    var = np.nanmean((values - mean) ** 2, axis=0)
    return (values - mean) / np.sqrt(var), mean, var


def correlations(z: np.ndarray, codes: np.ndarray, bounds: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Polyserial correlation of each column pair ``(z[:, q], codes[:, q])`` (n x pairs), by Newton's method.

    `bounds` holds each pair's thresholds padded with -inf and inf (pairs x categories + 1), `sd` the
    continuous variable's standard deviation (only for lavaan's rule on tiny likelihoods); a row
    missing either value (NaN, code -1) is left out.

    Examples
    --------
    >>> z = np.array([[-1.2], [-0.4], [0.3], [1.3]])
    >>> rho = correlations(z, np.array([[0], [1], [0], [1]]), np.array([[-np.inf, 0.0, np.inf]]), np.ones(1))
    >>> bool(0 < rho[0] < 1)
    True
    """
    both = ~np.isnan(z) & (codes >= 0)
    z = np.where(both, z, 0.0)
    pairs = np.arange(z.shape[1])
    upper = bounds[pairs, np.where(both, codes, 0) + 1]
    lower = bounds[pairs, np.where(both, codes, 0)]
    density = np.exp(-z * z / 2) / (np.sqrt(2 * np.pi) * sd)

    def score(rho):
        root = np.sqrt(1 - rho * rho)
        with np.errstate(invalid="ignore"):
            a, b = (upper - rho * z) / root, (lower - rho * z) / root
            prob = np.maximum(ndtr(a) - ndtr(b), EPS)
            slope = (_phi(a) * np.where(np.isfinite(upper), upper * rho - z, -z)
                     - _phi(b) * np.where(np.isfinite(lower), lower * rho - z, -z)) / root**3  # fmt: skip
        used = both & (density * prob >= np.sqrt(EPS))
        return np.sum(np.where(used, slope / prob, 0.0), axis=0)

    # Newton's method inside a bracket [lo, hi] of the score's sign change (bisection where a step leaves it)
    lo, hi = np.full(z.shape[1], -LIMIT), np.full(z.shape[1], LIMIT)
    rho = np.zeros(z.shape[1])
    for _ in range(200 if len(rho) else 0):
        gradient = score(rho)
        lo, hi = np.where(gradient > 0, rho, lo), np.where(gradient > 0, hi, rho)
        hessian = (score(rho + STEP) - score(rho - STEP)) / (2 * STEP)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = rho - gradient / hessian
        inside = (hessian < 0) & (newton > lo) & (newton < hi)
        update = np.where(inside, newton, (lo + hi) / 2)
        done = np.abs(update - rho) < TOLERANCE
        rho = update
        if done.all():
            break
    return np.clip(rho, -LIMIT, LIMIT)


def scores(z: np.ndarray, sd: float, code: np.ndarray, bounds: np.ndarray, rho: float):
    """Casewise derivatives of a polyserial pair's log-likelihood (lavaan's ``lav_bvmix_cor_scores``): by rho
    (n), and by the continuous variable's mean and variance and the item's thresholds (n x 2 + thresholds).

    Examples
    --------
    >>> s_rho, parts = scores(np.array([-1.0, 1.0]), 1.0, np.array([0, 1]), np.array([-np.inf, 0.0, np.inf]), 0.5)
    >>> parts.shape
    (2, 3)
    """
    root = np.sqrt(1 - rho * rho)
    answered = code >= 0  # a row missing the item scores 0, as lavaan's crossproducts leave out NA
    code = np.where(answered, code, 0)
    upper, lower = bounds[code + 1], bounds[code]
    with np.errstate(invalid="ignore"):
        a, b = (upper - rho * z) / root, (lower - rho * z) / root
    prob = np.maximum(ndtr(a) - ndtr(b), EPS)
    pa, pb = _phi(a), _phi(b)
    d_mu = (z + rho / root * (pa - pb) / prob) / sd
    d_var = ((z * z - 1) + rho * z / root * (pa - pb) / prob) / (2 * sd * sd)
    k = np.arange(len(bounds) - 2)
    d_th = ((code[:, None] == k) * pa[:, None] - (code[:, None] == k + 1) * pb[:, None]) / (root * prob)[:, None]
    at_upper = np.where(np.isfinite(upper), upper * rho - z, 0.0)
    at_lower = np.where(np.isfinite(lower), lower * rho - z, 0.0)
    s_rho = (pa * at_upper - pb * at_lower) / (root**3 * prob)
    return np.where(answered, s_rho, 0.0), np.where(answered[:, None], np.column_stack([d_mu, d_var, d_th]), 0.0)


def pearson_scores(u: np.ndarray, w: np.ndarray, s1: float, s2: float, rho: float):
    """Casewise derivatives of a bivariate normal log-likelihood (lavaan's ``lav_bvreg_cor_scores``) at z-values
    `u`, `w`: by rho (n), and by the first mean and variance, the second mean and variance (n x 4).

    Examples
    --------
    >>> pearson_scores(np.array([1.0, -1.0]), np.array([0.5, -0.5]), 1.0, 2.0, 0.3)[1].shape
    (2, 4)
    """
    r = 1 - rho * rho
    d_rho = rho / r + u * w / r - (u * u - 2 * rho * u * w + w * w) * rho / r**2
    parts = [(u - rho * w) / (s1 * r), -(1 - (u * u - rho * u * w) / r) / (2 * s1 * s1),
             (w - rho * u) / (s2 * r), -(1 - (w * w - rho * u * w) / r) / (2 * s2 * s2)]  # fmt: skip
    return d_rho, np.column_stack(parts)


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal density, 0 at infinite `x`."""
    return np.where(np.isfinite(x), np.exp(-(np.where(np.isfinite(x), x, 0.0) ** 2) / 2) / np.sqrt(2 * np.pi), 0.0)
