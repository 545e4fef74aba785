"""Thresholds, polychoric correlations and their asymptotic covariance, as lavaan's two-step ``lavCor(ordered =)``.

Step 1: each item's thresholds from its marginal proportions, ``qnorm(cumsum(p))``. Step 2: each
pair's correlation by maximum likelihood on its contingency table with the thresholds held at step
1 (Fisher scoring, every pair at once). Step 3 (lavaan's ``muthen1984``): the asymptotic covariance
of (thresholds, correlations; with continuous columns their means and variances too), the sandwich
``B^-1 (S'S) B^-T`` of the casewise scores S of the univariate and bivariate likelihoods, with ``B``
the block-triangular matrix of their cross-products. Correlations come in lavaan's order: (2,1),
(3,1), ..., (p,1), (3,2), ...

A continuous column (``estimate(values=)``) has no thresholds; its correlation with an ordinal item is
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
    column), the correlation matrix, and the values of the continuous columns (n x p, NaN elsewhere; None: none)."""

    codes: np.ndarray
    thresholds: list[np.ndarray]
    cor: np.ndarray
    values: np.ndarray | None = None

    @property
    def numeric(self) -> np.ndarray:
        """Which columns are continuous (p booleans)."""
        if self.values is None:
            return np.zeros(self.codes.shape[1], dtype=bool)
        return ~np.isnan(self.values).all(axis=0)

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """z-values (n x p, NaN in ordinal columns), means and variances (0 and 1 for ordinal columns)."""
        numeric = self.numeric
        z, mean, var = np.full(self.codes.shape, np.nan), np.zeros(len(numeric)), np.ones(len(numeric))
        if numeric.any():
            z[:, numeric], mean[numeric], var[numeric] = polyserial.standardize(self.values[:, numeric])
        return z, mean, var

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(i, j) of every correlation, i > j, in lavaan's order."""
        p = self.codes.shape[1]
        j, i = np.triu_indices(p, 1)  # column-major lower triangle: for j, then for i > j
        return i, j

    @property
    def vector(self) -> np.ndarray:
        """The statistics WLS fits, as lavaan's ``WLS.obs``: each column's thresholds (a continuous column's mean,
        negated, in their place), the variances of the continuous columns, then the correlations (covariances
        where a continuous column takes part)."""
        i, j = self.pairs
        _, mean, var = self.moments
        numeric = self.numeric
        slots = [[-mean[v]] if numeric[v] else t for v, t in enumerate(self.thresholds)]
        sd = np.sqrt(var)
        return np.concatenate([*slots, var[numeric], self.cor[i, j] * sd[i] * sd[j]])

    @property
    def univariate(self) -> int:
        """How many of `vector`'s statistics are of one variable: thresholds, means and variances."""
        return sum(len(t) for t in self.thresholds) + 2 * int(self.numeric.sum())

    @cached_property
    def gamma(self) -> np.ndarray:
        """N times the asymptotic covariance of `vector` (lavaan's ``NACOV``; ``muthen1984``)."""
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


def estimate(codes: np.ndarray, values: np.ndarray | None = None) -> Polychoric:
    """Thresholds and polychoric correlations of integer codes 0..K-1 (n x p; -1: missing, pairwise).

    `values` (n x p floats, NaN where missing): the values of the continuous columns, those not
    all NaN (their codes are ignored); the covariance of the statistics then has theirs too.

    Examples
    --------
    >>> fit = estimate(np.array([[0, 1], [1, 1], [1, 0], [0, 0], [1, 1]]))
    >>> fit.cor.shape
    (2, 2)
    """
    p = codes.shape[1]
    continuous = np.zeros(p, dtype=bool) if values is None else ~np.isnan(values).all(axis=0)
    codes = np.where(continuous, -1, codes)
    counts = [np.bincount(codes[codes[:, j] >= 0, j]) for j in range(p)]
    thresholds = [np.empty(0) if continuous[j] else ndtri(np.cumsum(c)[:-1] / c.sum()) for j, c in enumerate(counts)]
    fit = Polychoric(codes, thresholds, np.identity(p), values)
    i, j = fit.pairs
    cor = np.identity(p)
    ordinal = ~continuous[i] & ~continuous[j]
    tables = _Tables(fit, i[ordinal], j[ordinal])
    _check_tables(tables)
    cor[i[ordinal], j[ordinal]] = _pair_correlations(tables, np.zeros(ordinal.sum()))
    z, _, var = fit.moments
    mixed = continuous[i] != continuous[j]
    c, o = np.where(continuous[i], i, j)[mixed], np.where(continuous[i], j, i)[mixed]
    cor[i[mixed], j[mixed]] = polyserial.correlations(z[:, c], codes[:, o], tables.bounds[o], np.sqrt(var[c]))
    both = continuous[i] & continuous[j]
    cor[i[both], j[both]] = np.mean(z[:, i[both]] * z[:, j[both]], axis=0)
    cor[j, i] = cor[i, j]
    return Polychoric(codes, thresholds, cor, values)


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
    """lavaan's muthen1984: ``N H B^-1 (S'S) B^-T H'`` with ``B = [[A11, 0], [A21, A22]]`` from the casewise scores
    S of (thresholds and means, variances, correlations); ``H`` turns the correlations of continuous columns into
    covariances, and the means' rows change sign (the statistic is minus the mean, as a threshold)."""
    n, p = fit.codes.shape
    numeric, (i, j) = fit.numeric, fit.pairs
    start = np.concatenate([[0], np.cumsum([1 if numeric[v] else len(t) for v, t in enumerate(fit.thresholds)])])
    at_var = start[-1] + np.cumsum(numeric) - 1  # the column of a continuous variable's variance
    size = start[-1] + numeric.sum()
    uni = _univariate_block(fit, start, at_var, size)
    sc_cor, a21, h = np.zeros((n, len(i))), np.zeros((len(i), size)), np.identity(size + len(i))
    _ordinal_pairs(fit, np.flatnonzero(~numeric[i] & ~numeric[j]), start, sc_cor, a21)
    _continuous_pairs(fit, start, at_var, sc_cor, a21, h[size:])
    scores = np.hstack([uni, sc_cor])
    inner = scores.T @ scores
    a11 = np.zeros((size, size))
    for v in range(p):
        at = [*range(start[v], start[v + 1]), *([at_var[v]] if numeric[v] else [])]
        a11[np.ix_(at, at)] = inner[np.ix_(at, at)]
    a22 = np.sum(sc_cor**2, axis=0)
    a11_inv = np.linalg.inv(a11)
    b_inv = np.zeros((len(inner), len(inner)))
    b_inv[:size, :size] = a11_inv
    b_inv[size:, :size] = -(a21 / a22[:, None]) @ a11_inv
    b_inv[size:, size:] = np.diag(1 / a22)
    flip = np.ones(len(inner))
    flip[start[:-1][numeric]] = -1
    h = flip[:, None] * h
    return n * h @ b_inv @ inner @ b_inv.T @ h.T


def _univariate_block(fit: Polychoric, start: np.ndarray, at_var: np.ndarray, size: int) -> np.ndarray:
    """Casewise scores of the univariate statistics (n x size): thresholds, a continuous column's mean (at
    `start`) and variance (at `at_var`), lavaan's ``lav_uvreg_scores``."""
    numeric = fit.numeric
    z, _, var = fit.moments
    out = np.zeros((len(fit.codes), size))
    out[:, [k for v in np.flatnonzero(~numeric) for k in range(start[v], start[v + 1])]] = _univariate_scores(fit)
    for v in np.flatnonzero(numeric):
        out[:, start[v]] = z[:, v] / np.sqrt(var[v])
        out[:, at_var[v]] = (z[:, v] ** 2 - 1) / (2 * var[v])
    return out


def _ordinal_pairs(fit: Polychoric, pairs: np.ndarray, start: np.ndarray, sc_cor: np.ndarray, a21: np.ndarray):
    """Fill the polychorics' scores (columns `pairs` of `sc_cor`) and their rows of ``A21`` (thresholds at `start`)."""
    i, j = fit.pairs
    tables = _Tables(fit, i[pairs], j[pairs])
    d_rho, d_i, d_j = _bivariate_scores(fit, tables)
    index = np.arange(len(pairs))
    sc_cor[:, pairs] = np.where(tables.both, d_rho.reshape(len(pairs), -1)[index, tables.cell], 0.0)
    weighted = tables.counts * d_rho  # sum over cases of s_rho * d_th = sum over cells of n_ab s_rho d_th
    for k, (q, a, b) in enumerate(zip(pairs, tables.i, tables.j, strict=True)):
        a21[q, start[a] : start[a + 1]] = np.einsum("ab,abk->k", weighted[k], d_i[k])[: start[a + 1] - start[a]]
        a21[q, start[b] : start[b + 1]] = np.einsum("ab,abk->k", weighted[k], d_j[k])[: start[b + 1] - start[b]]


def _continuous_pairs(fit: Polychoric, start, at_var, sc_cor: np.ndarray, a21: np.ndarray, h: np.ndarray) -> None:
    """Fill the scores and ``A21`` rows of the pairs with a continuous column (polyserial, Pearson) and their rows
    of ``H``, the derivatives of the covariance ``rho sd_a sd_b`` by the variances and rho."""
    numeric, (i, j) = fit.numeric, fit.pairs
    z, _, var = fit.moments
    sd = np.sqrt(var)
    for q in np.flatnonzero(numeric[i] | numeric[j]):
        a, b = (i[q], j[q]) if numeric[i[q]] else (j[q], i[q])  # a is continuous
        rho = fit.cor[a, b]
        if numeric[b]:
            s_rho, parts = polyserial.pearson_scores(z[:, a], z[:, b], sd[a], sd[b], rho)
            columns = [start[a], at_var[a], start[b], at_var[b]]
            h[q, [at_var[a], at_var[b]]] = rho * np.array([sd[b] / sd[a], sd[a] / sd[b]]) / 2
        else:
            bounds = np.concatenate([[-np.inf], fit.thresholds[b], [np.inf]])
            s_rho, parts = polyserial.scores(z[:, a], sd[a], fit.codes[:, b], bounds, rho)
            columns = [start[a], at_var[a], *range(start[b], start[b + 1])]
            h[q, at_var[a]] = rho / (2 * sd[a])
        h[q, len(a21[0]) + q] = sd[a] * sd[b]
        sc_cor[:, q] = s_rho
        a21[q, columns] = s_rho @ parts
