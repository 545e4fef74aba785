"""What a reviewer asks of a fitted model: R², residuals and modification indices, as lavaan computes them.

lavaan's ``lavInspect(fit, "r2")``, ``residuals(fit, type = ...)`` and ``modindices(fit)``
(``lav_object_inspect.R``, ``lav_residuals.R``, ``lav_modindices.R``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ModelError
from . import estimator, inference
from .model import assemble
from .partable import COLUMNS

if TYPE_CHECKING:
    from . import Fit

RESIDUALS = ("raw", "cor", "standardized")
MI_COLUMNS = ["lhs", "op", "rhs", "mi", "epc", "sepc_all"]


def r2(estimates: pd.DataFrame) -> pd.Series:
    """R² of every endogenous variable (indicators and outcomes of ``~``): 1 - std.all of its residual variance.

    Examples
    --------
    >>> r2(res.estimates)  # doctest: +SKIP
    """
    endogenous = set(estimates.rhs[estimates.op == "=~"]) | set(estimates.lhs[estimates.op == "~"])
    rows = estimates[(estimates.op == "~~") & (estimates.lhs == estimates.rhs) & estimates.lhs.isin(endogenous)]
    return pd.Series(1 - rows.std_all.to_numpy(), index=pd.Index(rows.lhs, name="variable"), name="r2")


def residuals(fit: Fit, kind: str = "raw", group: int = 0) -> pd.DataFrame:
    """Residual covariances of one group, lavaan's ``residuals(fit, type = kind)$cov``.

    "raw": ``S - Sigma`` (S with divisor N); "cor": Bollen's ``cor(S) - cor(Sigma)``; "standardized": raw
    over its standard error, lavaan's ``z.type = "standardized"``: ``ACOV = Q (A1(S)^-1 / N) Q'`` with
    ``Q = I - w_g Delta A0^-1 Delta' A1(Sigma)``, A1 the saturated model's unit information and A0 the
    model's expected one (complete data), and the sandwich ``A1^-1 B1 A1^-1`` in place of ``A1^-1`` under
    a robust estimator; a residual below 1e-5 is divided by 1, as lavaan.

    Examples
    --------
    >>> residuals(core, "cor").round(3)  # doctest: +SKIP
    """
    if kind not in RESIDUALS:
        raise ValueError(f"type must be one of {', '.join(RESIDUALS)}, not {kind!r}")
    names = fit.model.names.observed
    sample, implied = fit.model.samples[group], fit.implied[group]
    s, sigma = sample.cov, implied.sigma
    out = s - sigma
    if kind == "standardized":  # lavaan divides a residual below 1e-5 by 1: zero stays (near) zero
        out = out / np.where(np.abs(out) < 1e-5, 1.0, _residual_se(fit, group))
    elif kind == "cor":
        out = s / np.outer(np.sqrt(np.diag(s)), np.sqrt(np.diag(s))) - sigma / np.outer(
            np.sqrt(np.diag(sigma)), np.sqrt(np.diag(sigma))
        )
    return pd.DataFrame(out, index=names, columns=names)


def _residual_se(fit: Fit, group: int) -> np.ndarray:
    """Standard errors of the raw residual covariances of one group (lavaan's ``lav_residuals_acov``)."""
    model = fit.model
    if model.fiml:
        raise ModelError("standardized residuals under missing='fiml' are not computed yet; use type='cor'")
    parts = [_h1_parts(fit, g) for g in range(len(model.samples))]
    info = sum(sample.n * delta.T @ a1 @ delta for sample, delta, a1 in parts)
    a0_inverse = model.n * inference.constrained_inverse(model, fit.x, info)
    sample, delta, a1 = parts[group]
    p = len(sample.cov)
    keep = inference.saturated_moments(p, model.meanstructure, [])
    h1_acov = np.linalg.inv(inference.saturated_information(sample.cov)[np.ix_(keep, keep)])
    if fit.settings.estimator != "ML":  # a robust estimator's h1 ACOV is the sandwich A1^-1 B1 A1^-1
        scores = inference.saturated_scores(sample)[:, keep]
        h1_acov = h1_acov @ (scores.T @ scores / sample.n) @ h1_acov
    q = np.identity(len(keep)) - sample.n / model.n * delta @ a0_inverse @ delta.T @ a1
    variance = np.diag(q @ h1_acov @ q.T / sample.n)[len(keep) - p * (p + 1) // 2 :]
    rows, columns = np.tril_indices(p)
    out = np.full((p, p), np.nan)
    with np.errstate(invalid="ignore"):
        out[rows, columns] = out[columns, rows] = np.where(variance > 0, np.sqrt(variance), np.nan)
    return out


def _h1_parts(fit: Fit, group: int):
    """A group's sample, Delta (moments by parameters) and A1, the saturated model's unit information at Sigma:
    expected, or observed given S (lavaan's observed.information = "h1") where the information is observed."""
    model = fit.model
    sample, implied = model.samples[group], fit.implied[group]
    p = len(sample.cov)
    rows, columns = np.tril_indices(p)
    keep = inference.saturated_moments(p, model.meanstructure, [])
    d_mu, d_sigma = model.matrices[group].jacobian(implied, len(fit.x))
    delta = np.hstack([d_mu, d_sigma[:, rows, columns]])[:, keep].T
    if fit.settings.information_type == "observed":
        a1 = _observed_h1(implied.sigma, sample.cov)
    else:
        a1 = inference.saturated_information(implied.sigma)
    return sample, delta, a1[np.ix_(keep, keep)]


def _observed_h1(sigma: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Observed unit information of the saturated model at Sigma given S, in (mu, vech Sigma)."""
    p = len(sigma)
    flat, d_mu = inference.saturated_derivatives(p)
    k = np.linalg.inv(sigma)
    ksk = k @ cov @ k
    middle = 0.5 * (np.kron(k, ksk) + np.kron(ksk, k)) - 0.5 * np.kron(k, k)
    return flat.T @ middle @ flat + d_mu @ k @ d_mu.T


def modindices(fit: Fit) -> pd.DataFrame:
    """Modification indices of the parameters the model fixes at zero, as ``modindices(fit, sort. = TRUE)``.

    The candidates are lavaan's: a loading of every factor on every observed variable it does not
    load, and a residual covariance of every pair of modelled observed variables the model leaves
    out. Each is the score test ``g^2 / (I11 - I12 I22^-1 I21)`` with the expected information of
    the model extended by all of them (lavaan's default ``information = "expected"``, under MLR too),
    ``epc = g / (I11 - ...)`` and its std.all.

    Examples
    --------
    >>> modindices(core).head()  # doctest: +SKIP
    """
    model = fit.model
    shared = model.table.free[model.table.free > 0].duplicated().any()  # one label on several parameters
    if model.fiml or len(model.samples) > 1 or len(model.constraints) or shared:
        raise ModelError(
            "modindices() covers single-group models on complete data without equality constraints or shared "
            "labels; for multi-group, FIML or such models use lavaan's modindices() / lavTestScore()"
        )
    extended, x = _extended(fit)
    info = inference.expected_information(extended, x)
    gradient = -extended.n / 2 * estimator.objective(extended, x)[1]
    old, new = np.arange(model.npar), np.arange(model.npar, extended.npar)
    v = info[np.ix_(new, new)] - info[np.ix_(new, old)] @ np.linalg.solve(info[np.ix_(old, old)],
                                                                            info[np.ix_(old, new)])  # fmt: skip
    scale = np.diag(v)
    scale = np.where(scale < np.finfo(float).eps ** (1 / 3), np.nan, scale)
    g = gradient[new]
    rows = extended.table[extended.table.free > model.npar]
    epc = g / scale
    total = fit.implied[0].total_cov
    where = {name: k for k, name in enumerate(model.matrices[0].variables)}
    sd = np.sqrt(np.diag(total))
    residual = np.diag(fit.implied[0].s)
    sepc = [
        e * sd[where[a]] / sd[where[b]] if op == "=~" else e / np.sqrt(residual[where[a]] * residual[where[b]])
        for e, a, op, b in zip(epc, rows.lhs, rows.op, rows.rhs, strict=True)
    ]
    table = pd.DataFrame({"lhs": rows.lhs.to_numpy(), "op": rows.op.to_numpy(), "rhs": rows.rhs.to_numpy(),
                          "mi": g**2 / scale, "epc": epc, "sepc_all": sepc})  # fmt: skip
    return table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)[MI_COLUMNS]


def _extended(fit: Fit):
    """The model with every candidate parameter added free at zero, and the estimates extended by those zeros."""
    model = fit.model
    table = model.table[model.table.group == 1]
    present = set(zip(table.lhs, table.op, table.rhs, strict=True)) | set(zip(table.rhs, table.op, table.lhs,
                                                                               strict=True))  # fmt: skip
    covariates = set(model.names.covariates)
    modelled = [name for name in model.names.observed if name not in covariates]
    candidates = [(f, "=~", v) for f in model.names.latent for v in model.names.observed
                  if v not in covariates and (f, "=~", v) not in present]  # fmt: skip
    candidates += [
        (a, "~~", b) for i, a in enumerate(modelled) for b in modelled[i + 1 :] if (a, "~~", b) not in present
    ]
    start = model.npar + 1
    added = pd.DataFrame(
        [[lhs, op, rhs, 1, "", start + k, np.nan, np.nan, 0, 0, 0] for k, (lhs, op, rhs) in enumerate(candidates)],
        columns=COLUMNS,
    )
    extended = assemble(pd.concat([model.table, added], ignore_index=True), model.names, model.samples,
                        model.meanstructure)  # fmt: skip
    return extended, np.concatenate([fit.x, np.zeros(len(candidates))])
