"""Thresholds, polychoric correlations and their asymptotic covariance, as lavaan's two-step ``lavCor(ordered =)``.

Step 1: each item's thresholds from its marginal proportions, ``qnorm(cumsum(p))``. Step 2: each
pair's correlation by maximum likelihood on its contingency table with the thresholds held at step
1 (Fisher scoring, every pair at once). Step 3 (lavaan's ``muthen1984``): the asymptotic covariance
of (thresholds, correlations), the sandwich ``B^-1 (S'S) B^-T`` of the casewise scores S of the
univariate and bivariate likelihoods, with ``B`` the block-triangular matrix of their
cross-products. Correlations come in lavaan's order: (2,1), (3,1), ..., (p,1), (3,2), ...

A continuous column (``estimate(numeric=)``) has no thresholds; its correlation with an ordinal item is
polyserial (`analysis.sem.polyserial`), with another continuous column Pearson's.

Missing answers (code -1) are lavaan's ``missing = "pairwise"``: thresholds from each item's answers,
each correlation from the rows answering both, and a row's scores zero where it has no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import ndtr, ndtri

from . import bvnorm, polyserial

TOLERANCE = 1e-10  # largest change of a correlation in the last scoring step
LIMIT = 0.9999  # correlations are kept inside (-LIMIT, LIMIT) while scoring


@dataclass(frozen=True)
class Polychoric:
    """Codes (0-based categories, n x p; -1 in continuous columns), thresholds per item (none for a continuous
    column), the correlation matrix, and which columns are continuous."""

    codes: np.ndarray
    thresholds: list[np.ndarray]
    cor: np.ndarray
    numeric: np.ndarray | None = None  # p booleans; None: every column ordinal

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(i, j) of every correlation, i > j, in lavaan's order."""
        p = self.codes.shape[1]
        j, i = np.triu_indices(p, 1)  # column-major lower triangle: for j, then for i > j
        return i, j

    @property
    def vector(self) -> np.ndarray:
        """(thresholds, correlations): the statistics WLS fits."""
        i, j = self.pairs
        return np.concatenate([*self.thresholds, self.cor[i, j]])

    @cached_property
    def gamma(self) -> np.ndarray:
        """N times the asymptotic covariance of `vector` (lavaan's ``NACOV``; ``muthen1984``), of ordinal columns."""
        if self.numeric is not None and self.numeric.any():
            raise ValueError("the asymptotic covariance with continuous columns is not implemented")
        return _gamma(self)


def codes(values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each column's answers as 0-based category codes (n x p; -1 where missing) and its categories, as R's
    ``ordered()`` levels: the distinct values observed, in order.

    Examples
    --------
    >>> codes(np.array([[1.0], [3.0], [np.nan], [1.0]]))[0].ravel().tolist()
    [0, 1, -1, 0]
    """
    out, levels = np.full(values.shape, -1, dtype=int), []
    for column in range(values.shape[1]):
        answered = ~np.isnan(values[:, column])
        found, out[answered, column] = np.unique(values[answered, column], return_inverse=True)
        levels.append(found)
    return out, levels


def estimate(codes: np.ndarray, numeric: np.ndarray | None = None) -> Polychoric:
    """Thresholds and polychoric correlations of integer codes 0..K-1 (n x p; -1: missing, pairwise).

    `numeric` (n x p floats, NaN where missing): the values of the continuous columns, those not
    all NaN; their codes are ignored.

    Examples
    --------
    >>> fit = estimate(np.array([[0, 1], [1, 1], [1, 0], [0, 0], [1, 1]]))
    >>> fit.cor.shape
    (2, 2)
    """
    p = codes.shape[1]
    continuous = np.zeros(p, dtype=bool) if numeric is None else ~np.isnan(numeric).all(axis=0)
    codes = np.where(continuous, -1, codes)
    counts = [np.bincount(codes[codes[:, j] >= 0, j]) for j in range(p)]
    thresholds = [np.empty(0) if continuous[j] else ndtri(np.cumsum(c)[:-1] / c.sum()) for j, c in enumerate(counts)]
    fit = Polychoric(codes, thresholds, np.identity(p), continuous if numeric is not None else None)
    i, j = fit.pairs
    cor = np.identity(p)
    ordinal = ~continuous[i] & ~continuous[j]
    tables = _Tables(fit, i[ordinal], j[ordinal])
    _check_tables(tables)
    cor[i[ordinal], j[ordinal]] = _pair_correlations(tables, np.zeros(ordinal.sum()))
    if numeric is not None:
        z, var = np.full(numeric.shape, np.nan), np.ones(p)
        z[:, continuous], _, var[continuous] = polyserial.standardize(numeric[:, continuous])
        mixed = continuous[i] != continuous[j]
        c, o = np.where(continuous[i], i, j)[mixed], np.where(continuous[i], j, i)[mixed]
        cor[i[mixed], j[mixed]] = polyserial.correlations(z[:, c], codes[:, o], tables.bounds[o], np.sqrt(var[c]))
        both = continuous[i] & continuous[j]
        cor[i[both], j[both]] = np.mean(z[:, i[both]] * z[:, j[both]], axis=0)
    cor[j, i] = cor[i, j]
    return Polychoric(codes, thresholds, cor, fit.numeric)


class _Tables:
    """The contingency table of each pair (i, j) of ordinal columns, padded to the largest number of categories,
    and every column's bounds."""

    def __init__(self, fit: Polychoric, i: np.ndarray, j: np.ndarray):
        codes = fit.codes
        self.i, self.j = i, j
        self.size = max(len(t) for t in fit.thresholds) + 1
        size = self.size
        bounds = np.full((codes.shape[1], size + 1), np.inf)
        bounds[:, 0] = -np.inf
        for v, t in enumerate(fit.thresholds):
            bounds[v, 1 : len(t) + 1] = t
        self.bounds = bounds
        self.both = (codes[:, self.i] >= 0) & (codes[:, self.j] >= 0)  # n x pairs: rows answering both items
        self.cell = np.where(self.both, codes[:, self.i] * size + codes[:, self.j], 0)  # each row's cell per pair
        counts = np.zeros((len(self.i), size * size))
        np.add.at(counts, (np.broadcast_to(np.arange(len(self.i)), self.cell.shape), self.cell), self.both * 1.0)
        self.counts = counts.reshape(-1, size, size)
        self.valid = self.counts > 0

    def corners(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bounds of every pair (pairs x size+1) for items i and j, and rho broadcast to the grid."""
        return self.bounds[self.i][:, :, None], self.bounds[self.j][:, None, :], rho[:, None, None]

    def probabilities(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell probabilities and their derivatives by rho (pairs x size x size)."""
        a, b, r = self.corners(rho)
        grid, dens = bvnorm.cdf(a, b, r), bvnorm.density(a, b, r)
        return _cells(grid), _cells(dens)


def _check_tables(tables: _Tables) -> None:
    """Refuse a 2 x 2 table with an empty cell: lavaan moves 0.5 into it (zero.add), which is not reproduced."""
    for q, (i, j) in enumerate(zip(tables.i, tables.j, strict=True)):
        if tables.bounds[i, 2] == np.inf and tables.bounds[j, 2] == np.inf and (tables.counts[q, :2, :2] == 0).any():
            raise EmptyCellError(i, j)


class EmptyCellError(ValueError):
    """A 2 x 2 table with an empty cell (items `i`, `j`, 0-based); the caller names them."""

    def __init__(self, i: int, j: int):
        super().__init__(i, j)
        self.i, self.j = i, j


def _cells(grid: np.ndarray) -> np.ndarray:
    """``F(u_a, u_b) - F(l_a, u_b) - F(u_a, l_b) + F(l_a, l_b)`` on a grid of corner values."""
    return grid[:, 1:, 1:] - grid[:, :-1, 1:] - grid[:, 1:, :-1] + grid[:, :-1, :-1]


def _pair_correlations(tables: _Tables, rho: np.ndarray) -> np.ndarray:
    """Fisher scoring of every pair's log-likelihood ``sum n_ab log P_ab(rho)`` at once."""
    n = tables.counts.sum(axis=(1, 2))
    for _ in range(100 if len(rho) else 0):
        prob, slope = tables.probabilities(rho)
        safe = np.where(tables.valid, prob, 1.0)
        score = np.sum(np.where(tables.valid, tables.counts * slope / safe, 0.0), axis=(1, 2))
        information = n * np.sum(np.where(prob > 0, slope * slope / np.where(prob > 0, prob, 1.0), 0.0), axis=(1, 2))
        step = score / information
        rho = np.clip(rho + step, -LIMIT, LIMIT)
        if np.max(np.abs(step)) < TOLERANCE:
            break
    return rho


def _univariate_scores(fit: Polychoric) -> np.ndarray:
    """Casewise derivatives of each item's log-likelihood by its thresholds (n x thresholds)."""
    out = []
    for v, t in enumerate(fit.thresholds):
        bounds = np.concatenate([[-np.inf], t, [np.inf]])
        prob = np.diff(ndtr(bounds))
        code = fit.codes[:, v]  # -1 (missing) matches no threshold: its scores are 0
        dens = np.exp(-t * t / 2) / np.sqrt(2 * np.pi)
        k = np.arange(len(t))
        out.append(((code[:, None] == k) * dens - (code[:, None] == k + 1) * dens) / prob[code][:, None])
    return np.hstack(out)


def _bivariate_scores(fit: Polychoric, tables: _Tables):
    """Per cell of each pair: d log P / d rho, and d log P by the thresholds of i and of j (pairs x cells x k)."""
    i, j = tables.i, tables.j
    rho = fit.cor[i, j]
    prob, slope = tables.probabilities(rho)
    safe = np.where(tables.valid, prob, 1.0)
    d_rho = np.where(tables.valid, slope / safe, 0.0)
    a, b, r = tables.corners(rho)
    root = np.sqrt(1 - r * r)
    with np.errstate(invalid="ignore"):
        # dF(x, y)/dx = phi(x) Phi((y - r x) / s) at the thresholds x of i and every bound y of j
        x = a[:, 1:-1, :]
        g_i = np.where(np.isfinite(x), np.exp(-x * x / 2) / np.sqrt(2 * np.pi) * ndtr((b - r * x) / root), 0.0)
        y = b[:, :, 1:-1]
        g_j = np.where(np.isfinite(y), np.exp(-y * y / 2) / np.sqrt(2 * np.pi) * ndtr((a - r * y) / root), 0.0)
    g_i, g_j = np.diff(g_i, axis=2), np.diff(g_j, axis=1)  # pairs x thresholds x cells of j / cells of i x thresholds
    size = tables.size
    k = np.arange(size - 1)
    cat = np.arange(size)
    upper = (cat[:, None] == k[None, :]).astype(float) - (cat[:, None] == k[None, :] + 1)  # cell a, threshold k
    d_i = upper[None, :, None, :] * np.transpose(g_i, (0, 2, 1))[:, None, :, :]  # pairs x a x b x k
    d_j = upper[None, None, :, :] * g_j[:, :, None, :]
    valid, scale = tables.valid[..., None], safe[..., None]
    return d_rho, np.where(valid, d_i / scale, 0.0), np.where(valid, d_j / scale, 0.0)


def _gamma(fit: Polychoric) -> np.ndarray:
    """lavaan's muthen1984: ``N B^-1 (S'S) B^-T`` with ``B = [[A11, 0], [A21, A22]]``."""
    n = len(fit.codes)
    tables = _Tables(fit, *fit.pairs)
    d_rho, d_i, d_j = _bivariate_scores(fit, tables)
    pairs = np.arange(len(tables.i))
    sc_cor = np.where(tables.both, d_rho.reshape(len(pairs), -1)[pairs, tables.cell], 0.0)  # n x pairs
    sc_th = _univariate_scores(fit)
    scores = np.hstack([sc_th, sc_cor])
    inner = scores.T @ scores
    counts = np.array([len(t) for t in fit.thresholds])
    start = np.concatenate([[0], np.cumsum(counts)])
    nth = start[-1]
    a11 = np.zeros((nth, nth))
    for v in range(len(counts)):
        at = slice(start[v], start[v + 1])
        a11[at, at] = inner[at, at]
    a21 = np.zeros((len(pairs), nth))
    weighted = tables.counts * d_rho  # sum over cases of s_rho * d_th = sum over cells of n_ab s_rho d_th
    for q, (i, j) in enumerate(zip(tables.i, tables.j, strict=True)):
        a21[q, start[i] : start[i + 1]] = np.einsum("ab,abk->k", weighted[q], d_i[q])[: counts[i]]
        a21[q, start[j] : start[j + 1]] = np.einsum("ab,abk->k", weighted[q], d_j[q])[: counts[j]]
    a22 = np.sum(tables.counts * d_rho**2, axis=(1, 2))
    a11_inv = np.linalg.inv(a11)
    b_inv = np.zeros((len(inner), len(inner)))
    b_inv[:nth, :nth] = a11_inv
    b_inv[nth:, :nth] = -(a21 / a22[:, None]) @ a11_inv
    b_inv[nth:, nth:] = np.diag(1 / a22)
    return n * b_inv @ inner @ b_inv.T
