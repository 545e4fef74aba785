"""ML estimation on semopy's model matrices, polished to lavaan's optimum.

semopy builds the LISREL-style matrices (Beta, Lambda, Psi, Theta) from model syntax and gives the
Wishart ML discrepancy, its analytic gradient and the expected information. Its default SLSQP run
stops early (loadings off by ~1e-3), so we minimise the same function with BFGS to a gradient of
1e-9 from semopy's start values; that reaches lavaan's estimates to 1e-6.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import semopy
from scipy.optimize import minimize

from .errors import ConvergenceWarning, ModelError

MATRICES = ("beta", "lambda", "psi", "theta")
START_LINE = re.compile(r"^# start (\S+) (\S+)$", re.MULTILINE)
GRADIENT_TOLERANCE = 1e-6  # on the ML discrepancy; BFGS aims at 1e-9 and may stop short on round-off


@dataclass(frozen=True)
class Cell:
    """One parameter of the model: where it sits, whether it is free, and its value."""

    lhs: str
    op: str
    rhs: str
    index: int | None  # position in the free-parameter vector; None when fixed
    value: float


def invert_information(info: np.ndarray, name_of: Callable[[int], str]) -> np.ndarray:
    """Inverse of an information matrix; a singular one raises a ModelError naming a parameter.

    `name_of(k)` names the k-th parameter; it is called only for the error, on the parameter
    the data pin down least (the largest entry of the eigenvector of the smallest eigenvalue).

    Examples
    --------
    >>> invert_information(np.diag([2.0, 4.0]), str).diagonal()
    array([0.5 , 0.25])
    """
    try:
        if np.linalg.cond(info) < 1e12:
            return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        pass
    weakest = int(np.argmax(np.abs(np.linalg.eigh(info)[1][:, 0])))
    raise ModelError(
        f"the model is not identified: its information matrix is singular (look at '{name_of(weakest)}' and the "
        "constraints around it)"
    )


@dataclass
class Estimation:
    """A fitted semopy model at the ML optimum, with what fit statistics need."""

    model: semopy.Model
    params: np.ndarray
    labels: list[str]
    observed: list[str]
    sample_cov: np.ndarray
    n: int
    converged: bool
    iterations: int
    message: str

    @property
    def implied_cov(self) -> np.ndarray:
        return self.model.calc_sigma()[0]

    def latent_cov(self) -> pd.DataFrame:
        """Model-implied covariances of the variables in semopy's structural (Beta) space."""
        beta, _, psi, _ = self.model.matrices[:4]
        inverse = np.linalg.inv(np.identity(beta.shape[0]) - beta)
        names = self.model.names_beta[0]
        return pd.DataFrame(inverse @ psi @ inverse.T, index=names, columns=names)

    def vcov(self) -> np.ndarray:
        """Covariance matrix of the free parameters from the expected information (lavaan's default)."""
        return self.inverse_information(self.model.calc_fim())

    def inverse_information(self, info: np.ndarray, extra: tuple[tuple[str, str, str], ...] = ()) -> np.ndarray:
        """Inverse of an information matrix of the free parameters followed by `extra` ones (lhs, op, rhs).

        A singular matrix raises a ModelError naming the parameter the data cannot pin down.
        """
        free = {cell.index: (cell.lhs, cell.op, cell.rhs) for cell in self.cells() if cell.index is not None}
        return invert_information(info, lambda k: " ".join(free[k] if k in free else extra[k - len(free)]).strip())

    def cells(self) -> list[Cell]:
        """Every parameter (free and fixed) with its lavaan-style (lhs, op, rhs)."""
        model = self.model
        free = [name for name, p in model.parameters.items() if p.active]
        out = []
        for name, parameter in model.parameters.items():
            index = free.index(name) if parameter.active else None
            for location in parameter.locations:
                kind = next(k for k, m in zip(MATRICES, model.matrices, strict=False) if m is location.matrix)
                i, j = location.indices
                lhs, op, rhs = _relation(model, kind, i, j)
                out.append(Cell(lhs, op, rhs, index, float(location.matrix[i, j])))
        return out


def _relation(model: semopy.Model, kind: str, i: int, j: int) -> tuple[str, str, str]:
    if kind == "lambda":
        return model.names_lambda[1][j], "=~", model.names_lambda[0][i]
    if kind == "beta":
        return model.names_beta[0][i], "~", model.names_beta[1][j]
    names = model.names_psi[0] if kind == "psi" else model.names_theta[0]
    return names[i], "~~", names[j]


def estimate(syntax: str, data: pd.DataFrame, cov: pd.DataFrame | None = None) -> Estimation:
    """Fit `syntax` (semopy-readable lavaan syntax, no ``:=``) to complete numeric `data` by ML.

    With `cov` (divisor N, e.g. the EM moments of incomplete data), the model is fitted to that
    covariance matrix instead, with N = ``len(data)``; `data` then only seeds semopy's start values.

    Examples
    --------
    >>> est = estimate("f =~ x1 + x2 + x3", data)  # doctest: +SKIP
    >>> est.n, est.converged  # doctest: +SKIP
    """
    model = build(syntax)
    observed = list(model.vars["observed"])
    moments, npar = len(observed) * (len(observed) + 1) // 2, sum(p.active for p in model.parameters.values())
    if npar > moments:
        raise ModelError(
            f"the model is not identified: it has {npar} free parameters but the data give only {moments} "
            f"variances and covariances of its {len(observed)} observed variables (df = {moments - npar})"
        )
    with _quiet_semopy():
        model.load(data=data[observed], cov=None if cov is None else cov.loc[observed, observed])
        # Trial steps may leave the positive-definite region, where semopy returns inf; BFGS backs off.
        result = minimize(
            model.obj_mlw,
            model.param_vals.copy(),
            jac=lambda x: ml_gradient(model, x),
            method="BFGS",
            options={"gtol": 1e-9, "maxiter": 20_000},
        )
        gradient = np.abs(ml_gradient(model, result.x)).max() if np.isfinite(result.fun) else np.inf
    converged = check_convergence(result, gradient)
    model.param_vals = result.x
    model.update_matrices(result.x)
    return Estimation(
        model=model,
        params=result.x,
        labels=[name for name, p in model.parameters.items() if p.active],
        observed=observed,
        sample_cov=np.array(model.mx_cov),
        n=int(model.n_samples),
        converged=converged,
        iterations=int(result.nit),
        message=str(result.message),
    )


def check_convergence(result, gradient: float) -> bool:
    """Whether a scipy `result` reached a largest `gradient` below `GRADIENT_TOLERANCE`; warns loudly if not."""
    converged = bool(np.isfinite(result.fun) and gradient < GRADIENT_TOLERANCE)
    if not converged:
        warnings.warn(
            f"the optimizer did not converge ({result.message.lower()}; largest gradient {gradient:.2g}); "
            "estimates are not trustworthy",
            ConvergenceWarning,
            stacklevel=4,
        )
    return converged


def observed_order(syntax: str) -> list[str]:
    """The observed variables of `syntax` in semopy's order, that of its model matrices."""
    return list(build(syntax).vars["observed"])


def ml_gradient(model: semopy.Model, x: np.ndarray) -> np.ndarray:
    """Gradient of semopy's ML discrepancy at `x`, from closed-form matrix derivatives.

    ``dF/dSigma = C = Sigma^-1 - Sigma^-1 S Sigma^-1``, carried to the parameters by `sigma_gradient`.
    """
    model.update_matrices(x)
    try:
        inverse = np.linalg.inv(model.calc_sigma()[0])
    except np.linalg.LinAlgError:
        return np.full(len(x), np.inf)
    return sigma_gradient(model, inverse - inverse @ model.mx_cov @ inverse, len(x))


def sigma_gradient(model: semopy.Model, c: np.ndarray, npar: int) -> np.ndarray:
    """Gradient w.r.t. the free parameters of a function of Sigma whose derivative dF/dSigma is `c`.

    semopy's `grad_mlw` loops in Python over one p x p derivative of Sigma per parameter; with
    ``Sigma = M Psi M' + Theta``, ``M = Lambda A`` and ``A = (I - B)^-1`` the derivatives by whole
    matrices are ``dB = 2 A'Lambda'C M Psi A'``, ``dLambda = 2 C M Psi A'``, ``dPsi = M'C M`` and
    ``dTheta = C``: four products, ~9x faster at p = 60 (same values to 1e-15). The model's matrices
    must hold the current parameters (`model.update_matrices`).
    """
    beta, lamb, psi, _ = model.matrices[:4]
    a = np.linalg.inv(model.identity_c - beta)
    m = lamb @ a
    cm = c @ m
    spread = 2 * cm @ psi @ a.T
    gradient = np.zeros(npar)
    for derivative, (cells, positions) in zip(
        (a.T @ lamb.T @ spread, spread, m.T @ cm, c), model.param_ranges, strict=False
    ):
        if cells:
            np.add.at(gradient, positions, derivative[cells])  # a parameter in several cells sums their parts
    return gradient


def jacobian(function, x: np.ndarray, count: int | None = None, step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of `function` at `x` along its first `count` coordinates (default: all).

    Each coordinate moves by `step` times ``max(1, |x_k|)``. Used for the delta method and, on an
    analytic gradient, for observed information (as lavaan, which also differentiates numerically).

    Examples
    --------
    >>> jacobian(lambda x: np.array([x[0] * x[1]]), np.array([2.0, 3.0])).round(6)
    array([[3., 2.]])
    """
    columns = []
    for k in range(len(x) if count is None else count):
        h = step * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        columns.append((function(up) - function(down)) / (2 * h))
    return np.column_stack(columns) if columns else np.zeros((len(function(x)), 0))


def build(syntax: str) -> semopy.Model:
    """The semopy model of `syntax`, with the start values of its ``# start <label> <value>`` lines.

    Those lines (written by `analysis.fit._semopy_syntax` for lavaan's ``start()``) are comments to
    semopy; its own ``START`` operation stores the value unconverted, so we set it ourselves.
    """
    try:
        with _quiet_semopy():
            model = semopy.Model(syntax)
    except Exception as exc:  # semopy raises bare Exceptions and KeyErrors for model problems
        raise ModelError(f"semopy cannot build the model: {exc}") from None
    for label, value in START_LINE.findall(syntax):
        model.parameters[label].start = float(value)  # kept by semopy's load(), which fills only unset starts
    _start_unmarked_loadings(model)
    return model


def _start_unmarked_loadings(model: semopy.Model) -> None:
    """Start at 1 the loadings of factors without a marker (``NA*`` first loading, variance fixed instead).

    semopy starts a loading by regressing the item on the factor's marker; with none, its search for
    one never ends (semopy 2.3). Like lavaan's "simple" start values, 1 is near the optimum of
    standardized-ish survey items, and BFGS goes on from there.
    """
    unmarked = {latent for latent in model.vars["latent"] if model.first_manifs[latent] is None}
    columns = model.names_lambda[1]
    for parameter in model.parameters.values():
        place = parameter.locations[0]
        if place.matrix is model.mx_lambda and columns[place.indices[1]] in unmarked and parameter.start is None:
            parameter.start = 1.0


@contextmanager
def _quiet_semopy():
    """semopy logs through `logging` and trips numpy warnings on trial steps; keep both quiet."""
    level = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        logging.disable(level)
