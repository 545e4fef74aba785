"""Model matrices of one group, in the RAM form, from its rows of the parameter table.

All variables, observed (p) then latent, sit in one vector ``v = B v + e`` with ``Cov(e) = S`` and
intercepts ``m``: a loading ``f =~ x`` is ``B[x, f]``, a regression ``y ~ x`` is ``B[y, x]``, ``a ~~ b``
is ``S[a, b]`` and ``a ~ 1`` is ``m[a]``. With ``A = (I - B)^-1`` and ``G`` the observed rows of
``A``: ``Sigma = G S G'`` and ``mu = G m``. Built from the table, not with semopy's matrices, which
cannot hold lavaan's fixed.x covariates, mean structures shared by groups, or constraints.

Ordinal items (delta parameterization): their thresholds ``tau`` and scales ``delta`` (``~*~``, 1
unless freed in later groups) are parameters of their own, and their residual variances are not:
each is ``1 / delta^2`` minus the variance the model explains, so that ``delta y*`` has unit
variance; the statistics WLS fits are ``delta (tau - mu)`` and the correlations ``delta_i delta_j
Sigma_ij`` (`Implied.tau`, `Implied.delta`). The theta parameterization turns this round: the
residual variances are parameters (fixed at 1) and the scales are derived, ``delta = 1 /
sqrt(diag Sigma)``. Both need the items to predict nothing (no path leaves them), which
`analysis.sem.wls` checks.

Derivatives, for ``dF = tr(C dSigma) + g' dmu`` (C symmetric): ``dF/dB = 2 G'C G S A' + G'g (A m)'``,
``dF/dS = G'C G`` and ``dF/dm = G'g``; a parameter in several cells sums theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Implied:
    """Model-implied moments of one group and the pieces their derivatives reuse."""

    mu: np.ndarray
    sigma: np.ndarray
    a: np.ndarray  # (I - B)^-1, q x q
    s: np.ndarray
    m: np.ndarray
    tau: np.ndarray  # standardized thresholds delta (tau - mu) of the ordinal items, item by item (empty without)
    delta: np.ndarray  # scales of the ordinal items (`Matrices.ordinal`)

    @property
    def g(self) -> np.ndarray:
        return self.a[: len(self.sigma)]

    @property
    def total_cov(self) -> np.ndarray:
        """Covariances of all variables, observed then latent: ``A S A'``."""
        return self.a @ self.s @ self.a.T


@dataclass(frozen=True)
class Matrices:
    """Where each free parameter (0-based index into x) and each fixed value sits in B, S and m."""

    variables: list[str]  # observed first, then latent
    p: int
    b0: np.ndarray
    s0: np.ndarray
    m0: np.ndarray
    b_cells: tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, columns, parameter
    s_cells: tuple[np.ndarray, np.ndarray, np.ndarray]  # both triangles
    m_cells: tuple[np.ndarray, np.ndarray]
    tau0: np.ndarray  # thresholds, fixed values
    t_cells: tuple[np.ndarray, np.ndarray]  # position in tau, parameter
    ordinal: np.ndarray  # indices of the ordinal items among the observed variables
    t_item: np.ndarray  # the observed index of each threshold's item
    delta0: np.ndarray  # scales of the ordinal items, fixed values
    d_cells: tuple[np.ndarray, np.ndarray]  # position in delta0, parameter
    theta: bool = False  # the theta parameterization: scales derived, residual variances parameters

    @property
    def observed(self) -> list[str]:
        return self.variables[: self.p]

    def implied(self, x: np.ndarray) -> Implied:
        """mu and Sigma at the parameter vector `x`; raises LinAlgError when I - B is singular."""
        b, s, m = self.b0.copy(), self.s0.copy(), self.m0.copy()
        rows, columns, at = self.b_cells
        b[rows, columns] = x[at]
        rows, columns, at = self.s_cells
        s[rows, columns] = x[at]
        rows, at = self.m_cells
        m[rows] = x[at]
        a = np.linalg.inv(np.identity(len(b)) - b)
        g = a[: self.p]
        sigma = g @ s @ g.T
        mu = g @ m
        tau, delta = self.tau0.copy(), self.delta0.copy()
        if len(self.ordinal):
            rows, at = self.t_cells
            tau[rows] = x[at]
            if self.theta:
                delta = 1 / np.sqrt(np.diag(sigma)[self.ordinal])
            else:
                rows, at = self.d_cells
                delta[rows] = x[at]
                residual = 1 / delta**2 - np.diag(sigma)[self.ordinal]  # the ordinal residual variances are 0 in s0
                s[self.ordinal, self.ordinal] = residual
                sigma[self.ordinal, self.ordinal] += residual
            scale = np.ones(self.p)
            scale[self.ordinal] = delta
            tau = scale[self.t_item] * (tau - mu[self.t_item])
        return Implied(mu=mu, sigma=sigma, a=a, s=s, m=m, tau=tau, delta=delta)

    def gradient(self, implied: Implied, c: np.ndarray, g: np.ndarray, npar: int) -> np.ndarray:
        """dF/dx from ``C = dF/dSigma`` and ``g = dF/dmu`` (chain rule of the module docstring)."""
        ga = implied.g
        h = ga.T @ c @ ga
        d_b = 2 * h @ implied.s @ implied.a.T + np.outer(ga.T @ g, implied.a @ implied.m)
        b_rows, b_columns, _ = self.b_cells
        s_rows, s_columns, _ = self.s_cells
        parts = (d_b[b_rows, b_columns], h[s_rows, s_columns], (ga.T @ g)[self.m_cells[0]])
        return np.bincount(self.cell_parameters, weights=np.concatenate(parts), minlength=npar)

    @cached_property
    def cell_parameters(self) -> np.ndarray:
        """The parameter of every B, S and m cell, in that order (one bincount sums a parameter's cells)."""
        return np.concatenate([self.b_cells[2], self.s_cells[2], self.m_cells[1]])

    def jacobian(self, implied: Implied, npar: int) -> tuple[np.ndarray, np.ndarray]:
        """``d mu / dx`` (npar x p) and ``d Sigma / dx`` (npar x p x p)."""
        ga, a = implied.g, implied.a
        spread = a @ implied.s @ ga.T  # q x p: A S G'
        a_m = a @ implied.m
        p = self.p
        d_mu, d_sigma = np.zeros((npar, p)), np.zeros((npar, p, p))
        rows, columns, at = self.b_cells
        if len(at):
            part = ga[:, rows].T[:, :, None] * spread[columns][:, None, :]
            np.add.at(d_sigma, at, part + part.transpose(0, 2, 1))
            np.add.at(d_mu, at, ga[:, rows].T * a_m[columns][:, None])
        rows, columns, at = self.s_cells
        if len(at):
            np.add.at(d_sigma, at, ga[:, rows].T[:, :, None] * ga[:, columns].T[:, None, :])
        rows, at = self.m_cells
        if len(at):
            np.add.at(d_mu, at, ga[:, rows].T)
        return d_mu, d_sigma


def build(rows: pd.DataFrame, observed: list[str], latent: list[str], theta: bool = False) -> Matrices:
    """The matrices of one group from its table rows (``free`` 1-based, 0 fixed at ``value``); `theta`: the ordinal
    items' scales derived from their variances (theta parameterization), not read from the ``~*~`` rows.

    Examples
    --------
    >>> from analysis import syntax
    >>> from analysis.sem import partable
    >>> table = partable.build(syntax.parse("f =~ x1 + x2 + x3"))
    >>> mats = build(table, ["x1", "x2", "x3"], ["f"])
    >>> mats.implied(np.full(table.free.max(), 0.5)).sigma.shape
    (3, 3)
    """
    variables = [*observed, *latent]
    where = {name: k for k, name in enumerate(variables)}
    q = len(variables)
    b0, s0, m0 = np.zeros((q, q)), np.zeros((q, q)), np.zeros(q)
    b_cells, s_cells, m_cells = [], [], []
    thresholds, scales = rows[rows.op == "|"], rows[rows.op == "~*~"]
    tau0 = np.where(thresholds.free > 0, 0.0, thresholds.value).astype(float)
    t_cells = [(k, row.free - 1) for k, row in enumerate(thresholds.itertuples()) if row.free > 0]
    ordinal = np.array([where[name] for name in dict.fromkeys(thresholds.lhs)], dtype=int)
    t_item = np.array([where[name] for name in thresholds.lhs], dtype=int)
    position = {name: k for k, name in enumerate(dict.fromkeys(thresholds.lhs))}
    delta0 = np.ones(len(ordinal))
    d_cells = []
    for row in scales.itertuples():
        if row.free > 0:
            d_cells.append((position[row.lhs], row.free - 1))
        else:
            delta0[position[row.lhs]] = row.value
    for row in rows.itertuples():
        free, value = row.free - 1, row.value
        if row.op == "=~":
            cell, target, cells = (where[row.rhs], where[row.lhs]), b0, b_cells
        elif row.op == "~":
            cell, target, cells = (where[row.lhs], where[row.rhs]), b0, b_cells
        elif row.op == "~~":
            i, j = where[row.lhs], where[row.rhs]
            if free >= 0:
                s_cells += [(i, j, free)] + ([(j, i, free)] if i != j else [])
            else:
                s0[i, j] = s0[j, i] = value
            continue
        elif row.op == "~1":
            if free >= 0:
                m_cells.append((where[row.lhs], free))
            else:
                m0[where[row.lhs]] = value
            continue
        else:
            continue
        if free >= 0:
            cells.append((*cell, free))
        else:
            target[cell] = value
    return Matrices(variables, len(observed), b0, s0, m0, _cells(b_cells, 3), _cells(s_cells, 3), _cells(m_cells, 2),
                    tau0, _cells(t_cells, 2), ordinal, t_item, delta0, _cells(d_cells, 2), theta)  # fmt: skip


def _cells(cells: list[tuple], width: int) -> tuple[np.ndarray, ...]:
    array = np.array(cells, dtype=int).reshape(-1, width)
    return tuple(array[:, k] for k in range(width))
