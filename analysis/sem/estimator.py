"""ML estimation over all groups: the discrepancy, its analytic gradient, start values and the optimizer.

The objective is ``F = sum_g (N_g / N) F_g`` with ``F_g = log|Sigma| + tr(S Sigma^-1) - log|S| - p
(+ (m - mu)' Sigma^-1 (m - mu) with a mean structure)`` for complete data, and ``-2 log L / N`` of the
answered cells under FIML (`analysis.sem.mvnorm_missing`); ``chisq = N F`` at the optimum for
complete data. Linear equality constraints are solved by reparametrisation (``x = x0 + K z``, as
lavaan); nonlinear ones and bounds go to SLSQP.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import minimize

from ..errors import ConvergenceWarning
from . import mvnorm_missing, wls
from .model import Model

GRADIENT_TOLERANCE = 1e-5  # largest |dF/dx| of a converged fit; lavaan's nlminb stops near 1e-5 too
BFGS = {"gtol": 1e-9, "maxiter": 20_000}
LIMITED_MEMORY = {"gtol": 1e-9, "ftol": 1e-15, "maxcor": 30, "maxiter": 20_000, "maxfun": 50_000}
DRAW_TOLERANCE = 1e-7  # a bootstrap draw stops ~1e-6 from its optimum, far below any SE; 1e-8 costs 60% more
LARGE = 150  # parameters from which limited-memory BFGS beats BFGS's dense update


@dataclass(frozen=True)
class Solution:
    x: np.ndarray
    converged: bool
    iterations: int
    gradient: float  # largest |dF/dx| (projected on the constraints)
    message: str


def objective(model: Model, x: np.ndarray) -> tuple[float, np.ndarray]:
    """F and dF/dx at `x`; (inf, inf) outside the region where every Sigma is positive definite (ordinal items:
    the DWLS discrepancy of `analysis.sem.wls`, defined wherever I - B is regular)."""
    if model.samples[0].ordinal is not None:
        try:
            return wls.discrepancy(model, x)
        except np.linalg.LinAlgError:
            return np.inf, np.full(len(x), np.inf)
    value, gradient = 0.0, np.zeros(len(x))
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        try:
            implied = mats.implied(x)
            part = (_fiml if sample.fiml else _complete)(model, sample, implied)
        except np.linalg.LinAlgError:
            part = None
        if part is None:
            return np.inf, np.full(len(x), np.inf)
        f, c, g = part
        value += f
        gradient += mats.gradient(implied, c, g, len(x))
    return value, gradient


def _complete(model: Model, sample, implied) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(N_g/N) F_g, and its derivatives by Sigma and mu: ``C = K - K (S + d d') K``, ``g = -2 K d``."""
    root = np.linalg.cholesky(implied.sigma)
    k = np.linalg.inv(implied.sigma)
    d = sample.mean - implied.mu if model.meanstructure else np.zeros(len(k))
    kd = k @ d
    weight = sample.n / model.n
    logdet = 2 * float(np.sum(np.log(np.diag(root))))
    f = logdet + float(np.sum(k * sample.cov)) + float(d @ kd) - sample.saturated
    c = k - k @ (sample.cov + np.outer(d, d)) @ k
    return weight * f, weight * c, -2 * weight * kd


def _fiml(model: Model, sample, implied) -> tuple[float, np.ndarray, np.ndarray] | None:
    """``-2 log L_g / N`` of the answered cells, with ``C = (N_g K - K T2 K) / N`` and ``g = -2 K T1 / N``."""
    step = mvnorm_missing.expect(sample.patterns, implied.mu, implied.sigma)
    if step is None:
        return None
    k, n = step.inverse, model.n
    value = (sample.patterns.cells * mvnorm_missing.LOG_2PI + step.logdet + step.quadratic) / n
    return value, (sample.n * k - k @ step.t2 @ k) / n, -2 * k @ step.t1 / n


def start_values(model: Model) -> np.ndarray:
    """lavaan-like starts: loadings from each factor's first principal axis scaled to its marker, residual
    variances half the observed ones, latent variances from the loadings, everything else 0, intercepts
    at the means; a user's ``start()`` wins."""
    x = np.zeros(model.npar)
    table = model.table
    for number, sample in enumerate(model.samples, start=1):
        own = table[(table.group == number) & (table.free > 0)]
        guesses = _guesses(model, own, sample)
        for row, guess in zip(own.itertuples(), guesses, strict=True):
            x[row.free - 1] = row.start if not np.isnan(row.start) else guess
    return x


def _guesses(model: Model, rows, sample) -> list[float]:
    where = {name: k for k, name in enumerate(model.names.observed)}
    variance = np.diag(sample.cov)
    loadings, factor_variance = _factor_starts(model, rows, sample, where)
    out = []
    for row in rows.itertuples():
        if row.op == "=~":
            out.append(loadings.get((row.lhs, row.rhs), 1.0))
        elif row.op == "~~" and row.lhs == row.rhs:
            out.append(0.5 * variance[where[row.lhs]] if row.lhs in where else factor_variance.get(row.lhs, 0.05))
        elif row.op == "~1" and row.lhs in where:
            out.append(sample.mean[where[row.lhs]])
        elif row.op == "|":  # the sample's threshold
            out.append(sample.ordinal.thresholds[where[row.lhs]][int(row.rhs[1:]) - 1])
        elif row.op == "~*~":
            out.append(1.0)
        else:
            out.append(0.0)
    return out


def _factor_starts(model: Model, rows, sample, where) -> tuple[dict, dict]:
    """Loadings and variance of each factor with observed indicators, from the first principal axis of its items."""
    table = model.table
    loadings, variances = {}, {}
    own = table[(table.group == rows.group.iloc[0]) & (table.op == "=~")] if len(rows) else table.iloc[:0]
    for factor, items in own.groupby("lhs", sort=False):
        observed = [name for name in items.rhs if name in where]
        if len(observed) < 2:
            continue
        cov = sample.cov[np.ix_([where[n] for n in observed], [where[n] for n in observed])]
        values, vectors = np.linalg.eigh(cov)
        axis = vectors[:, -1] * np.sqrt(max(values[-1] - values[:-1].mean(), 1e-3 * values[-1]))
        axis *= np.sign(axis.sum()) or 1.0
        marker = items[(items.free == 0) & items.rhs.isin(observed)]
        if len(marker):
            scale = marker.value.iloc[0] / axis[observed.index(marker.rhs.iloc[0])]
            variances[factor] = 1 / scale**2
        else:
            scale = 1.0
            variances[factor] = 1.0
        loadings.update({(factor, name): value * scale for name, value in zip(observed, axis, strict=True)})
    return loadings, variances


def optimize(model: Model, start: np.ndarray | None = None, hessian: np.ndarray | None = None, *,
             quiet: bool = False, tolerance: float = BFGS["gtol"]) -> Solution:  # fmt: skip
    """Minimise F from `start` (default `start_values`) to a gradient below `tolerance`; `hessian`: an inverse
    Hessian near the start, which preconditions the search; warn when the gradient stays above
    GRADIENT_TOLERANCE, unless `quiet` (the bootstrap counts failed draws)."""
    x = start_values(model) if start is None else start
    with np.errstate(all="ignore"):
        if not len(model.constraints):
            result = _unconstrained(lambda at: objective(model, at), x, hessian, tolerance)
            x, iterations, message = result.x, result.nit, str(result.message)
        elif model.linear_equalities(x):
            x0, k = model.reparametrisation(x)
            result = _unconstrained(lambda z: _reduced(model, x0, k, z), k.T @ (x - x0))
            x, iterations, message = x0 + k @ result.x, result.nit, str(result.message)
        else:
            x, iterations, message = _constrained(model, x)
        value, gradient = objective(model, x)
    largest = _projected(model, x, gradient) if np.isfinite(value) else np.inf
    converged = bool(np.isfinite(value) and largest < GRADIENT_TOLERANCE)
    if not converged and not quiet:
        warnings.warn(
            f"the optimizer did not converge ({message.lower()}; largest gradient {largest:.2g}, converged below "
            f"{GRADIENT_TOLERANCE:g}); estimates are not trustworthy",
            ConvergenceWarning,
            stacklevel=3,
        )
    return Solution(x, converged, int(iterations), float(largest), message)


def _reduced(model: Model, x0: np.ndarray, k: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray]:
    value, gradient = objective(model, x0 + k @ z)
    return value, k.T @ gradient


def _unconstrained(function, x: np.ndarray, hessian: np.ndarray | None = None, tolerance: float = BFGS["gtol"]):
    """BFGS (limited-memory first for many parameters; its line search cannot back off an infinite F, BFGS's can);
    with `hessian`, L-BFGS-B preconditioned by it first, then BFGS from wherever that stopped."""
    if hessian is not None:
        result = _warm(function, x, hessian, tolerance)
        if result.converged:
            return result
        start = result.x if np.isfinite(result.fun) else x
        final = minimize(function, start, jac=True, method="BFGS", options={**BFGS, "gtol": tolerance,
                         "hess_inv0": hessian})  # fmt: skip
        final.nit += result.nit  # the summary's count covers both stages
        return final
    if len(x) > LARGE:
        result = minimize(function, x, jac=True, method="L-BFGS-B", options=LIMITED_MEMORY)
        if np.isfinite(result.fun) and np.abs(result.jac).max() < GRADIENT_TOLERANCE / 10:
            return result
        x = result.x if np.isfinite(result.fun) else x
    return minimize(function, x, jac=True, method="BFGS", options=BFGS)


def _warm(function, x: np.ndarray, hessian: np.ndarray, tolerance: float):
    """L-BFGS-B from `x` in coordinates ``x + L z`` where the inverse Hessian ``L L'`` is the identity, with
    ``converged`` set when the scaled gradient is below `tolerance` (an infinite F stops its line search).

    BFGS with ``hess_inv0`` takes more steps, and its dense n x n update costs more than F (0.2 ms a step
    at 129 parameters): a bootstrap draw is 1.6x faster, a fit from start values 2-4x."""
    root = np.linalg.cholesky(hessian)

    def scaled(z: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = function(x + root @ z)
        return value, root.T @ gradient

    result = minimize(scaled, np.zeros(len(x)), jac=True, method="L-BFGS-B", options={**LIMITED_MEMORY,
                      "gtol": tolerance, "ftol": 0.0, "maxcor": 20})  # fmt: skip
    result.converged = bool(np.isfinite(result.fun) and np.abs(result.jac).max() < 10 * tolerance)
    result.x = x + root @ result.x
    return result


def _constrained(model: Model, x: np.ndarray) -> tuple[np.ndarray, int, str]:
    """SLSQP under nonlinear equalities and bounds, from the unconstrained-feasible start."""
    constraints = []
    if (model.constraints.op == "==").any():
        constraints.append({"type": "eq", "fun": model.equality})
    if (model.constraints.op != "==").any():
        constraints.append({"type": "ineq", "fun": model.inequality})
    result = minimize(lambda at: objective(model, at), x, jac=True, method="SLSQP", constraints=constraints,
                      options={"ftol": 1e-15, "maxiter": 5_000})  # fmt: skip
    return result.x, result.nit, str(result.message)


def _projected(model: Model, x: np.ndarray, gradient: np.ndarray) -> float:
    """Largest gradient component within the constraints (the part the constraints cannot absorb)."""
    if not len(model.constraints):
        return float(np.abs(gradient).max()) if len(gradient) else 0.0
    active = model.active_jacobian(x)
    basis = null_space(active) if len(active) else np.identity(len(x))
    return float(np.abs(basis.T @ gradient).max()) if basis.size else 0.0
