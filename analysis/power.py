"""Power and sample size of RMSEA tests of fit (MacCallum, Browne & Sugawara, 1996)."""

from __future__ import annotations

import math
from numbers import Real

from scipy.stats import ncx2


def rmsea_power(df: int, n: float, rmsea0: float = 0.05, rmsea_a: float = 0.08, alpha: float = 0.05) -> float:
    """Power of the RMSEA test of close (or not-close) fit for a model with `df` degrees of freedom.

    The model's chi-square is noncentral with ``ncp = (n - 1) * df * rmsea**2``. With
    ``rmsea_a > rmsea0`` this is the power of the test of close fit (H0: RMSEA <= `rmsea0`,
    rejected when the chi-square exceeds its upper `alpha` quantile under `rmsea0`) to reject a
    model whose RMSEA is `rmsea_a`; with ``rmsea_a < rmsea0`` that of the test of not-close fit
    (H0: RMSEA >= `rmsea0`, rejected when the chi-square is below its lower `alpha` quantile) to
    reject it for a model whose RMSEA is `rmsea_a`. Single group, as
    ``semTools::findRMSEApower(rmsea0, rmseaA, df, n, alpha)``.

    Parameters
    ----------
    df : int
        Degrees of freedom of the model, at least 1.
    n : float
        Sample size, more than 1.
    rmsea0 : float
        RMSEA under the null hypothesis: 0.05 for close fit (0 for exact fit).
    rmsea_a : float
        RMSEA under the alternative: 0.08 for a poor fit; below `rmsea0` (e.g. 0.01 with
        ``rmsea0=0.05``) for the test of not-close fit.
    alpha : float
        Significance level.

    Returns
    -------
    float
        The probability of rejecting H0 when the RMSEA is `rmsea_a`.

    References
    ----------
    MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination of
    sample size for covariance structure modeling. *Psychological Methods, 1*(2), 130-149.

    Examples
    --------
    >>> from analysis.power import rmsea_power
    >>> round(rmsea_power(df=24, n=200), 3)  # close fit (0.05) against poor fit (0.08)
    0.51
    >>> round(rmsea_power(df=24, n=200, rmsea0=0.05, rmsea_a=0.01), 3)  # not-close fit
    0.36
    """
    # semTools::findRMSEApower(rmsea0, rmseaA, df, n, alpha)
    df = _check(df, rmsea0, rmsea_a, alpha)
    if not (isinstance(n, Real) and 1 < n < math.inf):
        raise ValueError(f"n must be a sample size greater than 1, not {n!r}")
    return _power(df, n, rmsea0, rmsea_a, alpha)


def rmsea_sample_size(
    df: int, power: float = 0.8, rmsea0: float = 0.05, rmsea_a: float = 0.08, alpha: float = 0.05
) -> int:
    """Smallest sample size whose RMSEA test of close (or not-close) fit has more than `power`.

    The smallest whole ``n`` with ``rmsea_power(df, n, rmsea0, rmsea_a, alpha) > power``
    (strictly), as ``semTools::findRMSEAsamplesize(rmsea0, rmseaA, df, power, alpha)`` but for two
    slips of its scan: it tries ``n = 5:500``, then ``505:1000``, ``1005:1500``, ..., so where the
    smallest ``n`` is 501 to 504 (1001 to 1004, ...) it answers 505 (1005, ...); and where ``n = 5``
    already has the power it answers ``"Sample Size <= 5"``, where this function goes on down to
    ``n = 2``. The power grows with ``n``, so the search doubles ``n`` and then bisects.

    Parameters
    ----------
    df : int
        Degrees of freedom of the model, at least 1.
    power : float
        The power wanted, between 0 and 1.
    rmsea0, rmsea_a, alpha : float
        As in `rmsea_power`: ``rmsea_a > rmsea0`` for the test of close fit, ``rmsea_a < rmsea0``
        for the test of not-close fit.

    Returns
    -------
    int
        The sample size.

    Examples
    --------
    >>> from analysis.power import rmsea_sample_size
    >>> rmsea_sample_size(df=24)  # close fit (0.05) against poor fit (0.08), power 0.8
    375
    >>> rmsea_sample_size(df=24, rmsea0=0.05, rmsea_a=0.01)  # not-close fit
    422
    """
    # semTools::findRMSEAsamplesize(rmsea0, rmseaA, df, power, alpha)
    df = _check(df, rmsea0, rmsea_a, alpha)
    if not (isinstance(power, Real) and 0 < power < 1):
        raise ValueError(f"power must be between 0 and 1, not {power!r}")
    below, above = 1, 2  # n = 1 is no sample (and its noncentralities are 0): start at 2
    while _power(df, above, rmsea0, rmsea_a, alpha) <= power:
        below, above = above, 2 * above
    while above - below > 1:
        middle = (below + above) // 2
        if _power(df, middle, rmsea0, rmsea_a, alpha) > power:
            above = middle
        else:
            below = middle
    return above


def _check(df: int, rmsea0: float, rmsea_a: float, alpha: float) -> int:
    """`df` as an int, once it and the other arguments shared by both functions are valid."""
    if isinstance(df, bool) or not (isinstance(df, Real) and 1 <= df < math.inf and float(df).is_integer()):
        raise ValueError(f"df must be a whole number of degrees of freedom, at least 1, not {df!r}")
    for name, value in (("rmsea0", rmsea0), ("rmsea_a", rmsea_a)):
        if not (isinstance(value, Real) and 0 <= value < math.inf):
            raise ValueError(f"{name} must be an RMSEA of 0 or more, not {value!r}")
    if rmsea0 == rmsea_a:
        raise ValueError(
            f"rmsea0 and rmsea_a are both {rmsea0!r}; make rmsea_a larger for the test of close fit "
            "or smaller for the test of not-close fit"
        )
    if not (isinstance(alpha, Real) and 0 < alpha < 1):
        raise ValueError(f"alpha must be between 0 and 1, not {alpha!r}")
    return int(df)


def _power(df: int, n: float, rmsea0: float, rmsea_a: float, alpha: float) -> float:
    ncp0 = (n - 1) * df * rmsea0**2
    ncp_a = (n - 1) * df * rmsea_a**2
    if rmsea0 < rmsea_a:
        return float(ncx2.sf(ncx2.isf(alpha, df, ncp0), df, ncp_a))
    return float(ncx2.cdf(ncx2.ppf(alpha, df, ncp0), df, ncp_a))
