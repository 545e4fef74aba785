"""The multivariate normal likelihood of incomplete data, by missing-data pattern (lavaan's ``lav_mvnorm_missing``).

Written by hand: semopy's ``ModelMeans`` has no casewise likelihood to reuse for EM, robust scores or
groups. Each row contributes the normal log-density of the answers it has:
``log f_i = -1/2 (p_i log 2 pi + log|Sigma_oo| + r_i' Sigma_oo^-1 r_i)``, ``r_i = y_io - mu_o``.

Everything goes through ``K = Sigma^-1``, computed once per evaluation. For a row missing the
variables ``m``: ``log|Sigma_oo| = log|Sigma| + log|K_mm|``; completing ``r`` with ``-z``,
``z = K_mm^-1 (K r)_m``, in the missing places gives ``r^``, its conditional expectation, with
``r' Sigma_oo^-1 r = r^' K r^``. So the likelihood, its gradient (``dF/dSigma = K (N Sigma - T2) K``,
``dF/dmu = -2 K T1``) and the EM step all need only the expected sufficient statistics
``T1 = sum r^``, ``T2 = sum r^ r^' + sum K_mm^-1`` (the conditional covariances): the E-step of EM.
``sum r r'`` over all rows is a quadratic in ``mu`` with coefficients summed once; only the rows
with missing answers are visited again, so an evaluation costs O(p^3 + p^2 x incomplete rows). A
pattern seen more often than it has answers is first collapsed into the factor of its scatter
matrix plus one mean row (at most p_i + 1 rows instead of n_i).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.sparse import csr_array

from ..errors import ConvergenceWarning, DataError

LOG_2PI = np.log(2 * np.pi)
EM_TOLERANCE = 1e-10  # largest change of a mean or covariance between EM steps, per unit of the largest
# variance (lavaan's em.h1.tol: 1e-5 absolute)
EM_ITERATIONS = 10_000


@dataclass(frozen=True)
class _Block:
    """The patterns missing the same number of variables, and their (incomplete) rows."""

    missing: np.ndarray  # patterns x m: the missing columns
    counts: np.ndarray  # patterns: rows of the data in each pattern
    rows: slice  # of the incomplete rows
    row_missing: np.ndarray  # rows x m: each row's missing columns
    row_pattern: np.ndarray  # rows: each row's pattern, as a position in `missing`


@dataclass(frozen=True)
class Patterns:
    """Incomplete data (no row entirely missing) by missing-data pattern, with the sums the likelihood needs.

    Rows are data rows (weight 1) or, for a frequent pattern, the scaled factor of its scatter
    about its mean (weight 0) plus ``sqrt(n_i)`` times its mean; ``f - w * mu`` on the answered
    cells then gives rows whose outer products sum to the scatter about ``mu``, pattern by pattern.
    """

    n: int
    cells: int  # answered cells, for the 2 pi term of the log-likelihood
    gram: np.ndarray  # sum f f'
    cross: np.ndarray  # sum w f o', o the 0/1 answered indicator
    overlap: np.ndarray  # sum w^2 o o'
    total: np.ndarray  # sum w f
    answered: np.ndarray  # sum w^2 o
    rows: np.ndarray  # the rows with missing cells, grouped by block
    weights: np.ndarray
    offsets: np.ndarray  # w o: r = f - offsets * mu
    blocks: tuple[_Block, ...]
    delta_indices: np.ndarray  # CSR structure of the completed cells of `rows`
    delta_indptr: np.ndarray
    available_mean: np.ndarray  # per variable, over the rows that answered it
    available_var: np.ndarray  # the same, divisor n_j
    available_n: np.ndarray


@dataclass(frozen=True)
class Expected:
    """The E-step at (mu, Sigma): what the likelihood, its gradient and EM need."""

    inverse: np.ndarray  # K
    logdet: float  # sum over rows of log|Sigma_oo|
    t1: np.ndarray  # sum of the completed deviations r^
    scatter: np.ndarray  # sum r^ r^'
    conditional_cov: np.ndarray  # sum of Cov(missing | answered), embedded in p x p

    @property
    def t2(self) -> np.ndarray:
        return self.scatter + self.conditional_cov

    @property
    def quadratic(self) -> float:
        return float(np.sum(self.inverse * self.scatter))


def patterns(values: np.ndarray) -> Patterns:
    """Group the rows of `values` (N x p, NaN where missing, no empty row) by missing-data pattern.

    Examples
    --------
    >>> pat = patterns(np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]))
    >>> pat.n, pat.cells
    (3, 5)
    """
    answered = ~np.isnan(values)
    packed = np.ascontiguousarray(np.packbits(answered, axis=1))  # a short byte string per row: quick to sort
    _, first, which, counts = np.unique(
        packed.view(np.dtype((np.void, packed.shape[1]))).ravel(),
        return_index=True,
        return_inverse=True,
        return_counts=True,
    )
    keys = answered[first]
    rows, weights, owner = _compress(np.where(answered, values, 0.0), keys, which.reshape(-1), counts)
    observed = keys[owner].astype(float)
    missing_count = values.shape[1] - keys.sum(axis=1)
    order = np.argsort(missing_count[owner], kind="stable")
    rows, weights, owner, observed = rows[order], weights[order], owner[order], observed[order]
    incomplete = missing_count[owner] > 0
    blocks = _blocks(keys, counts, owner[incomplete])
    widths = missing_count[owner[incomplete]]
    available_n = answered.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        available_mean = np.nansum(values, axis=0) / available_n
        available_var = np.nansum((values - available_mean) ** 2, axis=0) / available_n
    weighted = weights[:, None] * observed
    return Patterns(
        n=len(values),
        cells=int(available_n.sum()),
        gram=rows.T @ rows,
        cross=(weights[:, None] * rows).T @ observed,
        overlap=weighted.T @ weighted,
        total=weights @ rows,
        answered=weights**2 @ observed,
        rows=rows[incomplete],
        weights=weights[incomplete],
        offsets=weighted[incomplete],
        blocks=blocks,
        delta_indices=np.concatenate([block.row_missing.ravel() for block in blocks] or [np.zeros(0, int)]),
        delta_indptr=np.concatenate([[0], np.cumsum(widths)]),
        available_mean=available_mean,
        available_var=available_var,
        available_n=available_n,
    )


def _compress(filled: np.ndarray, keys: np.ndarray, which: np.ndarray, counts: np.ndarray):
    """Data rows of the rare patterns; scatter factor and mean row of the frequent ones."""
    frequent = counts > keys.sum(axis=1) + 1
    single = ~frequent[which]
    rows, weights, owner = [filled[single]], [np.ones(single.sum())], [which[single]]
    order = np.argsort(which, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    for g in np.flatnonzero(frequent):
        block = filled[order[starts[g] : starts[g + 1]]]
        mean = block.mean(axis=0)
        eigenvalues, vectors = np.linalg.eigh((block - mean).T @ (block - mean))
        keep = eigenvalues > 1e-12 * max(eigenvalues.max(), 1e-300)
        factor = (vectors[:, keep] * np.sqrt(eigenvalues[keep])).T
        root = np.sqrt(counts[g])
        rows += [factor * keys[g], root * mean[None, :]]
        weights += [np.zeros(len(factor)), [root]]
        owner += [np.full(len(factor) + 1, g)]
    return np.concatenate(rows), np.concatenate(weights), np.concatenate(owner)


def _blocks(keys: np.ndarray, counts: np.ndarray, owner: np.ndarray) -> tuple[_Block, ...]:
    """Blocks of patterns by number missing; `owner` the pattern of each incomplete row, sorted by that number."""
    missing_count = keys.shape[1] - keys.sum(axis=1)
    blocks, start = [], 0
    for m in np.unique(missing_count[owner]):
        members = np.flatnonzero(missing_count == m)
        missing = np.nonzero(~keys[members])[1].reshape(len(members), m)
        position = np.full(len(keys), -1)
        position[members] = np.arange(len(members))
        stop = start + int(np.sum(missing_count[owner] == m))
        row_pattern = position[owner[start:stop]]
        blocks.append(_Block(missing, counts[members], slice(start, stop), missing[row_pattern], row_pattern))
        start = stop
    return tuple(blocks)


def expect(pat: Patterns, mu: np.ndarray, sigma: np.ndarray) -> Expected | None:
    """The E-step at (mu, Sigma); None when Sigma is not positive definite."""
    try:
        factor = cho_factor(sigma, lower=True)
    except LinAlgError:
        return None
    p = len(sigma)
    k = cho_solve(factor, np.identity(p))
    logdet = pat.n * 2 * float(np.sum(np.log(np.diag(factor[0]))))
    centred = pat.rows - pat.offsets * mu
    k_centred = centred @ k  # one product beats gathering each row's K_m. (p times the memory)
    conditional, completed, t1 = np.zeros(p * p), np.zeros(p * p), np.zeros(p)
    completions = []
    for block in pat.blocks:
        k_mm = k[block.missing[:, :, None], block.missing[:, None, :]]
        k_mm_inverse = np.linalg.inv(k_mm)
        logdet += float(block.counts @ np.linalg.slogdet(k_mm)[1])
        conditional += _scatter_add(block.missing, k_mm_inverse * block.counts[:, None, None], p)
        k_r = np.take_along_axis(k_centred[block.rows], block.row_missing, 1)
        z = np.einsum("rij,rj->ri", k_mm_inverse[block.row_pattern], k_r)
        completed += _scatter_add(block.row_missing, z[:, :, None] * z[:, None, :], p)
        t1 -= np.bincount(block.row_missing.ravel(), (z * pat.weights[block.rows, None]).ravel(), minlength=p)
        completions.append(z.ravel())
    # Delta: the completions -z in the missing cells of each row; r^ = r + Delta.
    delta = csr_array(
        (-np.concatenate(completions or [np.zeros(0)]), pat.delta_indices, pat.delta_indptr), shape=centred.shape
    )
    shifted = pat.cross * mu[None, :]
    cross = delta.T @ centred
    scatter = pat.gram - shifted - shifted.T + pat.overlap * np.outer(mu, mu) + cross + cross.T
    scatter += completed.reshape(p, p)
    t1 += pat.total - pat.answered * mu
    return Expected(k, logdet, t1, scatter, conditional.reshape(p, p))


def _scatter_add(columns: np.ndarray, values: np.ndarray, p: int) -> np.ndarray:
    """Sum of the m x m `values` (one per row of `columns`) placed at (columns, columns) of a flat p x p."""
    cells = (columns[:, :, None] * p + columns[:, None, :]).ravel()
    return np.bincount(cells, values.ravel(), minlength=p * p)


def minus_two_loglik(pat: Patterns, mu: np.ndarray, sigma: np.ndarray) -> float:
    """``-2 log L`` of the answered cells under N(mu, Sigma); lavaan: ``-2 * fitMeasures(fit, "logl")``.

    Examples
    --------
    >>> pat = patterns(np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]))
    >>> round(minus_two_loglik(pat, np.zeros(2), np.identity(2)), 4)
    24.1894
    """
    step = expect(pat, mu, sigma)
    if step is None:
        return np.inf
    return float(pat.cells * LOG_2PI + step.logdet + step.quadratic)


def em_moments(pat: Patterns) -> tuple[np.ndarray, np.ndarray]:
    """The saturated (H1) model's ML means and covariances by EM; lavaan's ``lav_mvnorm_missing_h1_estimate_moments``.

    Starts, as lavaan, from the available-case means and a diagonal of available-case variances,
    and iterates until no mean or covariance moves by more than `EM_TOLERANCE` times the largest
    variance (lavaan stops at 1e-5 absolute; the log-likelihoods agree to 1e-8).

    Examples
    --------
    >>> mu, sigma = em_moments(patterns(values))  # doctest: +SKIP
    """
    mu, sigma = pat.available_mean.copy(), np.diag(pat.available_var)
    for _ in range(EM_ITERATIONS):
        step = expect(pat, mu, sigma)
        if step is None:
            raise DataError(
                "the variables' covariance matrix estimated from the incomplete rows (EM) is singular: "
                "a variable is a combination of others, or two are never answered together"
            )
        shift = step.t1 / pat.n
        updated = step.t2 / pat.n - np.outer(shift, shift)
        change = max(np.abs(shift).max(), np.abs(updated - sigma).max())
        mu, sigma = mu + shift, updated
        if change < EM_TOLERANCE * max(1.0, np.diag(sigma).max()):  # relative for variables on large scales
            return mu, sigma
    warnings.warn(
        f"EM for the saturated model did not converge in {EM_ITERATIONS} steps; chi-square is approximate",
        ConvergenceWarning,
        stacklevel=3,
    )
    return mu, sigma
