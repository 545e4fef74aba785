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

RESIDUALS = ("raw", "cor")
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

    "raw": ``S - Sigma`` (S with divisor N); "cor": Bollen's ``cor(S) - cor(Sigma)``. ("standardized",
    lavaan's residuals over their standard errors, is refused: not yet computed as lavaan does.)

    Examples
    --------
    >>> residuals(core, "cor").round(3)  # doctest: +SKIP
    """
    if kind == "standardized":
        raise ModelError("residuals(type='standardized') is not available yet; use type='cor' (lavaan's cor.bollen)")
    if kind not in RESIDUALS:
        raise ValueError(f"type must be one of {', '.join(RESIDUALS)}, not {kind!r}")
    names = fit.model.names.observed
    sample, implied = fit.model.samples[group], fit.implied[group]
    s, sigma = sample.cov, implied.sigma
    out = s - sigma
    if kind == "cor":
        out = s / np.outer(np.sqrt(np.diag(s)), np.sqrt(np.diag(s))) - sigma / np.outer(
            np.sqrt(np.diag(sigma)), np.sqrt(np.diag(sigma))
        )
    return pd.DataFrame(out, index=names, columns=names)


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
