"""Information matrices, the covariance matrix of the estimates, and the pieces of robust statistics.

lavaan's ``lav_model_information`` and ``lav_model_vcov``: the expected information (ML's default
for complete data), the observed information (central differences of the analytic gradient, as
lavaan; the default under FIML and for MLR), and the first-order information (casewise scores).
Under constraints the inverse is taken on the parameters the constraints leave free, ``K (K'IK)^-1 K'``
with K a basis of the null space of the binding constraints' Jacobian: lavaan's bordered inverse.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space

from ..errors import ModelError
from . import estimator, mvnorm_missing
from .model import Model
from .numdiff import jacobian

ROWS_PER_BLOCK = 4096  # casewise scores are built block by block: memory stays flat at N = 100,000


def expected_information(model: Model, x: np.ndarray) -> np.ndarray:
    """``sum_g N_g (Dmu' K Dmu + 1/2 tr(K dSigma_a K dSigma_b))`` for complete data.

    Examples
    --------
    >>> info = expected_information(model, solution.x)  # doctest: +SKIP
    """
    if model.fiml:
        raise ModelError(
            "information='expected' under missing='fiml' is not supported; use 'observed' (lavaan's default)"
        )
    info = np.zeros((len(x), len(x)))
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        implied = mats.implied(x)
        k = np.linalg.inv(implied.sigma)
        d_mu, d_sigma = mats.jacobian(implied, len(x))
        flat = d_sigma.reshape(len(x), -1)
        local = 0.5 * (k @ d_sigma @ k).reshape(len(x), -1) @ flat.T
        if model.meanstructure:
            local += d_mu @ k @ d_mu.T
        info += sample.n * local
    return (info + info.T) / 2


def expected_information_missing(model: Model, x: np.ndarray) -> np.ndarray:
    """The expected information of incomplete data, pattern by pattern at the model's moments:
    ``sum_patterns n_p (Dmu_o' K_oo Dmu_o + 1/2 tr(K_oo dSigma_oo K_oo dSigma_oo))``, lavaan's
    ``lav_mvnorm_missing_information_expected`` (what its ``modindices()`` uses under FIML).

    Examples
    --------
    >>> info = expected_information_missing(model, solution.x)  # doctest: +SKIP
    """
    info = np.zeros((len(x), len(x)))
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        implied = mats.implied(x)
        d_mu, d_sigma = mats.jacobian(implied, len(x))
        flat = d_sigma.reshape(len(x), -1)
        keys, counts = np.unique(~np.isnan(sample.values), axis=0, return_counts=True)
        p = len(implied.sigma)
        # Summed in the moments' space first (K x K per pattern), then one product with the Jacobian:
        # 0.5 tr(K dSa K dSb) = 0.5 vec(dSa)' (K x K) vec(dSb)
        weight_cov, weight_mu = np.zeros((p * p, p * p)), np.zeros((p, p))
        for key, count in zip(keys, counts, strict=True):
            o = np.flatnonzero(key)
            k = np.zeros((p, p))
            k[np.ix_(o, o)] = np.linalg.inv(implied.sigma[np.ix_(o, o)])
            weight_cov += count * np.kron(k, k)
            weight_mu += count * k
        info += 0.5 * flat @ weight_cov @ flat.T + d_mu @ weight_mu @ d_mu.T
    return (info + info.T) / 2


def inverse_hessian(model: Model, x: np.ndarray, observed: bool | None = None) -> np.ndarray | None:
    """Inverse Hessian of F (``N/2`` times the inverse information) at `x`, symmetric, to warm-start the
    optimizer; None with constraints or an information that is not positive definite. `observed`
    defaults to FIML's need.

    Examples
    --------
    >>> hessian = inverse_hessian(model, solution.x)  # doctest: +SKIP
    """
    if len(model.constraints):
        return None
    observed = model.fiml if observed is None else observed
    info = observed_information(model, x) if observed else expected_information(model, x)
    try:
        inverse = np.linalg.inv(info) * model.n / 2
        inverse = (inverse + inverse.T) / 2
        np.linalg.cholesky(inverse)  # positive definite, as a quasi-Newton method needs
    except np.linalg.LinAlgError:
        return None
    return inverse


def observed_information(model: Model, x: np.ndarray) -> np.ndarray:
    """Hessian of ``-log L``: ``N/2`` times that of F, by central differences of the analytic gradient."""
    hessian = jacobian(lambda at: estimator.objective(model, at)[1], x, step=1e-5)
    return model.n / 4 * (hessian + hessian.T)


def scores(model: Model, x: np.ndarray, centre: str = "model") -> np.ndarray:
    """Casewise derivatives of the log-likelihood by x (N x npar, groups in turn).

    ``centre="model"``: ``1/2 tr(K dSigma K (e e' - Sigma)) + dmu' K e`` with ``e = y - mu``: the scores
    of MLR's first-order information (FIML: each row on its answered variables). ``centre="sample"``:
    deviations from the sample means and ``S`` in place of Sigma: ``Delta' W (t_i - t)``, whose cross
    product is MLM's ``N Delta' W Gamma W Delta``.
    """
    out = []
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        implied = mats.implied(x)
        d_mu, d_sigma = mats.jacobian(implied, len(x))
        flat = d_sigma.reshape(len(x), -1).T
        use_means = model.meanstructure or sample.fiml
        if sample.fiml:
            out.append(_fiml_scores(sample.values, implied.mu, implied.sigma, flat, d_mu))
            continue
        mu, sigma = (implied.mu, implied.sigma) if centre == "model" else (sample.mean, sample.cov)
        if not model.meanstructure:
            mu = sample.mean
        k = np.linalg.inv(implied.sigma)
        constant = k @ sigma @ k
        d_mu = d_mu if use_means else np.zeros_like(d_mu)
        blocks = range(0, sample.n, ROWS_PER_BLOCK)
        out.append(np.vstack([_case_scores(sample.values[at : at + ROWS_PER_BLOCK] - mu, k, constant, flat, d_mu)
                              for at in blocks]))  # fmt: skip
    return np.vstack(out)


def _case_scores(e: np.ndarray, k: np.ndarray, constant: np.ndarray, flat: np.ndarray, d_mu: np.ndarray
                 ) -> np.ndarray:  # fmt: skip
    """``1/2 (vec(K e e' K) - vec(constant)) dSigma + (K e)' dmu`` for each row of deviations `e`."""
    ke = e @ k
    return 0.5 * ((ke[:, :, None] * ke[:, None, :]).reshape(len(e), -1) - constant.reshape(1, -1)) @ flat + ke @ d_mu.T


def _fiml_scores(
    values: np.ndarray, mu: np.ndarray, sigma: np.ndarray, flat: np.ndarray, d_mu: np.ndarray
) -> np.ndarray:
    """Casewise scores of incomplete rows, pattern by pattern: each row's K_oo and deviations on its answers."""
    p = values.shape[1]
    answered = ~np.isnan(values)
    keys, which = np.unique(answered, axis=0, return_inverse=True)
    out = np.zeros((len(values), flat.shape[1]))
    for number, key in enumerate(keys):
        rows = np.flatnonzero(which.reshape(-1) == number)
        o = np.flatnonzero(key)
        k = np.zeros((p, p))
        k[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        out[rows] = _case_scores(np.where(answered[rows], values[rows] - mu, 0.0), k, k, flat, d_mu)
    return out


def first_order(model: Model, x: np.ndarray, centre: str = "model") -> np.ndarray:
    """``sum_i s_i s_i'`` of the casewise `scores`."""
    s = scores(model, x, centre)
    return s.T @ s


def constrained_inverse(model: Model, x: np.ndarray, info: np.ndarray) -> np.ndarray:
    """Inverse of an information matrix on the parameters the binding constraints leave free.

    A singular information raises a ModelError naming the parameter the data pin down least.
    """
    active = model.active_jacobian(x) if len(model.constraints) else np.zeros((0, len(x)))
    basis = null_space(active) if len(active) else np.identity(len(x))
    reduced = basis.T @ info @ basis
    try:
        if np.linalg.cond(reduced) < 1e12:
            return basis @ np.linalg.inv(reduced) @ basis.T
    except np.linalg.LinAlgError:
        pass
    weakest = int(np.argmax(np.abs(basis @ np.linalg.eigh(reduced)[1][:, 0])))
    raise ModelError(
        f"the model is not identified: its information matrix is singular (look at '{parameter_name(model, weakest)}'"
        " and the constraints around it)"
    )


def parameter_name(model: Model, k: int) -> str:
    """The first row of the table that parameter `k` (0-based) fills, as "lhs op rhs [group g]"."""
    row = model.table[model.table.free == k + 1].iloc[0]
    where = f" in group {row.group}" if len(model.samples) > 1 else ""
    return f"{row.lhs} {row.op} {row.rhs}".strip() + where


def h1_trace(model: Model, sigmas: list[np.ndarray] | None = None) -> float:
    """``sum_g tr(A1^-1 B1)`` of the saturated model, as lavaan's Yuan-Bentler and Satorra-Bentler.

    In (mu, vech Sigma), without the moments of fixed.x covariates (lavaan drops them). With `sigmas`
    (Satorra-Bentler, lavaan's structured h1 information) ``tr(W Gamma)`` with W at each group's
    model-implied Sigma: ``(mean(m_i^2) - tr(KSKS)) / 2 (+ tr(KS))``, ``m_i = e_i' K e_i``. Without (Yuan-Bentler,
    unstructured) the same at ``K = S^-1``: ``(mean(m_i^2) - p) / 2 (+ p)``, Mardia's kurtosis; with
    covariates or under FIML from the saturated model's information and casewise scores.
    """
    exogenous = [k for k, name in enumerate(model.names.observed) if name in set(model.names.exogenous)]
    total = 0.0
    for number, sample in enumerate(model.samples):
        means = model.meanstructure or sample.fiml
        if not sample.fiml and not exogenous:
            k = np.linalg.inv(sample.cov if sigmas is None else sigmas[number])
            centred = sample.values - sample.mean
            distance = np.einsum("ij,ij->i", centred @ k, centred)
            ks = k @ sample.cov
            total += (np.mean(distance**2) - np.sum(ks * ks.T)) / 2 + (np.trace(ks) if means else 0)
        else:
            total += _h1_trace(sample, means, exogenous)
    return float(total)


def _h1_trace(sample, means: bool, exogenous: list[int]) -> float:
    """tr(A1^-1 B1) of the saturated model from its information and casewise scores."""
    a1 = saturated_observed_information(sample) if sample.fiml else sample.n * saturated_information(sample.cov)
    h1_scores = saturated_scores(sample)
    keep = saturated_moments(len(sample.mean), means, exogenous)
    a1, h1_scores = a1[np.ix_(keep, keep)], h1_scores[:, keep]
    return float(np.sum(np.linalg.inv(a1) * (h1_scores.T @ h1_scores).T))


def saturated_moments(p: int, means: bool, exogenous: list[int]) -> list[int]:
    """Positions in (mu, vech Sigma) of the moments a model reproduces: the means if `means`, and not the
    moments among the fixed.x covariates `exogenous` (lavaan drops them)."""
    rows, columns = np.tril_indices(p)
    x = set(exogenous)
    keep = [j for j in range(p) if means and j not in x]
    return keep + [p + t for t, (a, b) in enumerate(zip(rows, columns, strict=True)) if not (a in x and b in x)]


def saturated_information(cov: np.ndarray) -> np.ndarray:
    """Information per row of the saturated normal model of complete data in (mu, vech Sigma) at `cov`:
    ``K`` for the means, ``1/2 D'(K x K)D`` for the covariances (expected and observed agree there).

    Examples
    --------
    >>> saturated_information(np.identity(2)).diagonal()
    array([1. , 1. , 0.5, 1. , 0.5])
    """
    p = len(cov)
    flat, d_mu = saturated_derivatives(p)
    k = np.linalg.inv(cov)
    d_sigma = flat.T.reshape(-1, p, p)
    return 0.5 * (k @ d_sigma @ k).reshape(len(d_sigma), -1) @ flat + d_mu @ k @ d_mu.T


def saturated_scores(sample) -> np.ndarray:
    """Casewise scores of the saturated model at the sample's moments (the EM ones under FIML), (mu, vech Sigma)."""
    flat, d_mu = saturated_derivatives(len(sample.mean))
    if sample.fiml:
        return _fiml_scores(sample.values, sample.mean, sample.cov, flat, d_mu)
    k = np.linalg.inv(sample.cov)
    return _case_scores(sample.values - sample.mean, k, k, flat, d_mu)


def saturated_observed_information(sample, mean: np.ndarray | None = None, cov: np.ndarray | None = None) -> np.ndarray:
    """Observed information of the saturated model under missing data: the Hessian of -log L at the EM
    estimates, or at the moments `mean` and `cov` (a model's, for lavaan's structured h1 information)."""
    p = len(sample.mean)
    rows, columns = np.tril_indices(p)

    def gradient(theta: np.ndarray) -> np.ndarray:
        sigma = np.zeros((p, p))
        sigma[rows, columns] = theta[p:]
        sigma[columns, rows] = theta[p:]
        step = mvnorm_missing.expect(sample.patterns, theta[:p], sigma)
        k = step.inverse
        d_sigma = -0.5 * (2 - np.identity(p)) * (sample.n * k - k @ step.t2 @ k)  # vech: both triangles
        return np.concatenate([k @ step.t1, d_sigma[rows, columns]])

    mean = sample.mean if mean is None else mean
    cov = sample.cov if cov is None else cov
    hessian = jacobian(gradient, np.concatenate([mean, cov[rows, columns]]), step=1e-5)
    return -(hessian + hessian.T) / 2


def saturated_derivatives(p: int) -> tuple[np.ndarray, np.ndarray]:
    """d vec(Sigma) (p^2 x d) and d mu (d x p) of the saturated model's (mu, vech Sigma), vech by np.tril_indices."""
    rows, columns = np.tril_indices(p)
    d = p + len(rows)
    d_sigma = np.zeros((d, p, p))
    d_sigma[p + np.arange(len(rows)), rows, columns] = 1.0
    d_sigma[p + np.arange(len(rows)), columns, rows] = 1.0
    d_mu = np.zeros((d, p))
    d_mu[np.arange(p), np.arange(p)] = 1.0
    return d_sigma.reshape(d, -1).T, d_mu


def baseline_trace(model: Model) -> float:
    """tr(A0^-1 B0) of the independence model: ``sum_j (m4_j / s_j^4 - 1) / 2`` (+1 per mean), available cases."""
    total = 0.0
    covariates = set(model.names.covariates)
    columns = [k for k, name in enumerate(model.names.observed) if name not in covariates]
    for sample in model.samples:
        values = sample.values[:, columns]
        centred = values - np.nanmean(values, axis=0)
        variance = np.nanmean(centred**2, axis=0)
        total += float(np.sum(np.nanmean(centred**4, axis=0) / variance**2 - 1) / 2)
        if model.meanstructure or sample.fiml:
            total += len(columns)
    return total
