"""ML estimation on semopy's model matrices, polished to lavaan's optimum.

semopy builds the LISREL-style matrices (Beta, Lambda, Psi, Theta) from model syntax and gives the
Wishart ML discrepancy, its analytic gradient and the expected information. Its default SLSQP run
stops early (loadings off by ~1e-3), so we minimise the same function with BFGS to a gradient of
1e-9 from semopy's start values; that reaches lavaan's estimates to 1e-6.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import semopy
from scipy.optimize import minimize

from .errors import ConvergenceWarning, ModelError

MATRICES = ("beta", "lambda", "psi", "theta")
GRADIENT_TOLERANCE = 1e-6  # on the ML discrepancy; BFGS aims at 1e-9 and may stop short on round-off


@dataclass(frozen=True)
class Cell:
    """One parameter of the model: where it sits, whether it is free, and its value."""

    lhs: str
    op: str
    rhs: str
    index: int | None  # position in the free-parameter vector; None when fixed
    value: float


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
        info = self.model.calc_fim()
        try:
            return np.linalg.inv(info) if np.linalg.cond(info) < 1e12 else self._not_identified(info)
        except np.linalg.LinAlgError:
            return self._not_identified(info)

    def _not_identified(self, info: np.ndarray) -> np.ndarray:
        # The eigenvector of the smallest eigenvalue points at the parameters the data cannot pin down.
        weakest = int(np.argmax(np.abs(np.linalg.eigh(info)[1][:, 0])))
        cell = next(cell for cell in self.cells() if cell.index == weakest)
        raise ModelError(
            "the model is not identified: its information matrix is singular "
            f"(look at '{cell.lhs} {cell.op} {cell.rhs}' and the constraints around it)"
        )

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


def estimate(syntax: str, data: pd.DataFrame) -> Estimation:
    """Fit `syntax` (semopy-readable lavaan syntax, no ``:=``) to complete numeric `data` by ML.

    Examples
    --------
    >>> est = estimate("f =~ x1 + x2 + x3", data)  # doctest: +SKIP
    >>> est.n, est.converged  # doctest: +SKIP
    """
    model = _build(syntax)
    observed = list(model.vars["observed"])
    moments, npar = len(observed) * (len(observed) + 1) // 2, sum(p.active for p in model.parameters.values())
    if npar > moments:
        raise ModelError(
            f"the model is not identified: it has {npar} free parameters but the data give only {moments} "
            f"variances and covariances of its {len(observed)} observed variables (df = {moments - npar})"
        )
    with _quiet_semopy():
        model.load(data=data[observed])
        # Trial steps may leave the positive-definite region, where semopy returns inf; BFGS backs off.
        result = minimize(
            model.obj_mlw,
            model.param_vals.copy(),
            jac=lambda x: ml_gradient(model, x),
            method="BFGS",
            options={"gtol": 1e-9, "maxiter": 20_000},
        )
        gradient = np.abs(ml_gradient(model, result.x)).max() if np.isfinite(result.fun) else np.inf
    converged = bool(np.isfinite(result.fun) and gradient < GRADIENT_TOLERANCE)
    model.param_vals = result.x
    model.update_matrices(result.x)
    if not converged:
        warnings.warn(
            f"the optimizer did not converge ({result.message.lower()}; largest gradient {gradient:.2g}); "
            "estimates are not trustworthy",
            ConvergenceWarning,
            stacklevel=3,
        )
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


def ml_gradient(model: semopy.Model, x: np.ndarray) -> np.ndarray:
    """Gradient of semopy's ML discrepancy at `x`, from closed-form matrix derivatives.

    semopy's `grad_mlw` loops in Python over one p x p derivative of Sigma per parameter; with
    ``Sigma = M Psi M' + Theta``, ``M = Lambda A``, ``A = (I - B)^-1`` and ``C = Sigma^-1 - Sigma^-1 S Sigma^-1``
    the derivatives of F by whole matrices are ``dB = 2 A'Lambda'C M Psi A'``, ``dLambda = 2 C M Psi A'``,
    ``dPsi = M'C M`` and ``dTheta = C``: four products, ~9x faster at p = 60 (same values to 1e-15).
    """
    model.update_matrices(x)
    beta, lamb, psi, theta = model.matrices[:4]
    a = np.linalg.inv(model.identity_c - beta)
    m = lamb @ a
    try:
        inverse = np.linalg.inv(m @ psi @ m.T + theta)
    except np.linalg.LinAlgError:
        return np.full(len(x), np.inf)
    c = inverse - inverse @ model.mx_cov @ inverse
    cm = c @ m
    spread = 2 * cm @ psi @ a.T
    gradient = np.zeros(len(x))
    for derivative, (cells, positions) in zip(
        (a.T @ lamb.T @ spread, spread, m.T @ cm, c), model.param_ranges, strict=False
    ):
        if cells:
            np.add.at(gradient, positions, derivative[cells])  # a parameter in several cells sums their parts
    return gradient


def _build(syntax: str) -> semopy.Model:
    try:
        with _quiet_semopy():
            return semopy.Model(syntax)
    except Exception as exc:  # semopy raises bare Exceptions and KeyErrors for model problems
        raise ModelError(f"semopy cannot build the model: {exc}") from None


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
