"""The standard bivariate normal distribution, vectorised over arrays of bounds and correlations.

The CDF is Genz's (2004) ``bvnu`` (Drezner-Wesolowsky with Gauss-Legendre rules; about 1e-15
absolute), written with numpy so that every cell of every item pair's table is one call.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

# 20-point Gauss-Legendre rule on [-1, 1], the half of its nodes in (0, 1) and their weights (Genz's table)
_NODES = np.array([0.9931285991850949, 0.9639719272779138, 0.9122344282513259, 0.8391169718222188,
                   0.7463319064601508, 0.6360536807265150, 0.5108670019508271, 0.3737060887154196,
                   0.2277858511416451, 0.07652652113349733])  # fmt: skip
_WEIGHTS = np.array([0.01761400713915212, 0.04060142980038694, 0.06267204833410906, 0.08327674157670475,
                     0.1019301198172404, 0.1181945319615184, 0.1316886384491766, 0.1420961093183821,
                     0.1491729864726037, 0.1527533871307259])  # fmt: skip
X = np.concatenate([1 - _NODES, 1 + _NODES])
W = np.concatenate([_WEIGHTS, _WEIGHTS])
TWO_PI = 2 * np.pi
NEAR_ONE = 0.925  # from here on Genz's second expansion (in 1 - r^2) replaces the integral over asin(r)


def cdf(h, k, r) -> np.ndarray:
    """``P(X < h, Y < k)`` for standard normals with correlation `r`; infinite bounds and ``|r| = 1`` allowed.

    Examples
    --------
    >>> float(cdf(0.0, 0.0, 0.5)).__round__(6)  # 1/4 + asin(0.5) / (2 pi)
    0.333333
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (h, k, r)))
    finite = np.isfinite(h) & np.isfinite(k)
    hf, kf = np.where(finite, h, 0.0), np.where(finite, k, 0.0)
    with np.errstate(all="ignore"):
        inner = _upper(-hf, -kf, r)
    margin = np.where(np.isposinf(h), ndtr(k), np.where(np.isposinf(k), ndtr(h), 0.0))  # a -inf bound gives 0
    degenerate = np.where(r > 0, ndtr(np.minimum(h, k)), np.maximum(ndtr(h) + ndtr(k) - 1, 0.0))  # Y = X or -X
    return np.where(finite, np.where(np.abs(r) >= 1, degenerate, inner), margin)


def density(h, k, r) -> np.ndarray:
    """The bivariate normal density at (h, k); 0 at an infinite bound."""
    one = 1 - r * r
    with np.errstate(invalid="ignore", over="ignore"):
        value = np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * one)) / (TWO_PI * np.sqrt(one))
    return np.where(np.isfinite(h) & np.isfinite(k), value, 0.0)


def _upper(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``P(X > h, Y > k)`` for finite h, k (Genz's bvnu), both of its expansions computed and chosen per element."""
    hk = h * k
    asr = np.arcsin(r) / 2
    sn = np.sin(asr[..., None] * X)
    small = (np.exp((sn * hk[..., None] - ((h * h + k * k) / 2)[..., None]) / (1 - sn * sn)) @ W) * asr / TWO_PI
    small += ndtr(-h) * ndtr(-k)
    return np.clip(np.where(np.abs(r) < NEAR_ONE, small, _near_one(h, k, r)), 0.0, 1.0)


def _near_one(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Genz's expansion for ``|r| >= 0.925``."""
    k = np.where(r < 0, -k, k)
    hk = h * k
    one = 1 - r * r
    a = np.sqrt(one)
    bs = (h - k) ** 2
    asr = -(bs / one + hk) / 2
    c, d = (4 - hk) / 8, (12 - hk) / 80
    total = np.where(asr > -100, a * np.exp(asr) * (1 - c * (bs - one) * (1 - d * bs) / 3 + c * d * one * one), 0.0)
    b = np.sqrt(bs)
    tail = np.exp(-hk / 2) * np.sqrt(TWO_PI) * ndtr(-b / a) * b * (1 - c * bs * (1 - d * bs) / 3)
    total = total - np.where(hk > -100, tail, 0.0)
    half = (a / 2)[..., None]
    xs = (half * X) ** 2
    asr = -(bs[..., None] / xs + hk[..., None]) / 2
    rs = np.sqrt(1 - xs)
    ep = np.exp(-(hk[..., None] / 2) * xs / (1 + rs) ** 2) / rs
    sp = 1 + c[..., None] * xs * (1 + 5 * d[..., None] * xs)
    total = total + np.sum(np.where(asr > -100, half * W * np.exp(asr) * (ep - sp), 0.0), axis=-1)
    total = -total / TWO_PI
    between = np.where(h < 0, ndtr(k) - ndtr(h), ndtr(-h) - ndtr(-k))
    return np.where(r > 0, total + ndtr(-np.maximum(h, k)), np.where(h >= k, -total, between - total))
