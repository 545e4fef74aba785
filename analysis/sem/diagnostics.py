"""What a reviewer asks of a fitted model: R², residuals and modification indices, as lavaan computes them.

lavaan's ``lavInspect(fit, "r2")``, ``residuals(fit, type = ...)`` and ``modindices(fit)``
(``lav_object_inspect.R``, ``lav_residuals.R``, ``lav_modindices.R``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ..errors import ModelError
from . import estimator, inference
from .model import assemble
from .partable import COLUMNS

if TYPE_CHECKING:
    from . import Fit

RESIDUALS = ("raw", "cor", "standardized")
MI_COLUMNS = ["lhs", "op", "rhs", "mi", "epc", "sepc_all"]


def _continuous(fit: Fit, what: str) -> None:
    if fit.settings.ordinal:
        raise ModelError(f"{what} for ordered items (lavaan's WLS-based ones) is not computed yet; r2 is")


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
    model's expected one, and the sandwich ``A1^-1 B1 A1^-1`` in place of ``A1^-1`` under a robust
    estimator; under FIML both A1 are observed (at the EM and at the model's moments); a residual below
    1e-5 is divided by 1, as lavaan.

    Examples
    --------
    >>> residuals(core, "cor").round(3)  # doctest: +SKIP
    """
    if kind not in RESIDUALS:
        raise ValueError(f"type must be one of {', '.join(RESIDUALS)}, not {kind!r}")
    _continuous(fit, "residuals()")
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
    if model.fiml and fit.settings.information_type != "observed":
        raise ModelError("standardized residuals under missing='fiml' need information='observed' (lavaan's default)")
    parts = [_h1_parts(fit, g) for g in range(len(model.samples))]
    info = sum(sample.n * delta.T @ a1 @ delta for sample, delta, a1 in parts)
    a0_inverse = model.n * inference.constrained_inverse(model, fit.x, info)
    sample, delta, a1 = parts[group]
    p = len(sample.cov)
    keep = inference.saturated_moments(p, model.meanstructure, _exogenous(model))
    if model.fiml:  # the inverse observed information at the EM moments
        unit = inference.saturated_observed_information(sample) / sample.n
    else:
        unit = inference.saturated_information(sample.cov)
    h1_acov = np.linalg.inv(unit[np.ix_(keep, keep)])
    if fit.settings.estimator != "ML":  # a robust estimator's h1 ACOV is the sandwich A1^-1 B1 A1^-1
        scores = inference.saturated_scores(sample)[:, keep]
        h1_acov = h1_acov @ (scores.T @ scores / sample.n) @ h1_acov
    q = np.identity(len(keep)) - sample.n / model.n * delta @ a0_inverse @ delta.T @ a1
    variance = np.diag(q @ h1_acov @ q.T / sample.n)
    covariances = [k for k, at in enumerate(keep) if at >= p]  # (the covariates' own moments are left out)
    rows, columns = (index[[keep[k] - p for k in covariances]] for index in np.tril_indices(p))
    out = np.full((p, p), np.nan)
    with np.errstate(invalid="ignore"):
        out[rows, columns] = out[columns, rows] = np.where(variance[covariances] > 0,
                                                           np.sqrt(variance[covariances]), np.nan)  # fmt: skip
    return out


def _h1_parts(fit: Fit, group: int):
    """A group's sample, Delta (moments by parameters) and A1, the saturated model's unit information at Sigma:
    expected, or observed given S (lavaan's observed.information = "h1") where the information is observed."""
    model = fit.model
    sample, implied = model.samples[group], fit.implied[group]
    p = len(sample.cov)
    rows, columns = np.tril_indices(p)
    keep = inference.saturated_moments(p, model.meanstructure, _exogenous(model))
    d_mu, d_sigma = model.matrices[group].jacobian(implied, len(fit.x))
    delta = np.hstack([d_mu, d_sigma[:, rows, columns]])[:, keep].T
    if model.fiml:
        a1 = inference.saturated_observed_information(sample, implied.mu, implied.sigma) / sample.n
    elif fit.settings.information_type == "observed":
        a1 = _observed_h1(implied.sigma, sample.cov)
    else:
        a1 = inference.saturated_information(implied.sigma)
    return sample, delta, a1[np.ix_(keep, keep)]


def _exogenous(model) -> list[int]:
    """Positions of the fixed.x covariates, whose moments lavaan's h1 leaves out."""
    return [model.names.observed.index(name) for name in model.names.exogenous]


def _observed_h1(sigma: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Observed unit information of the saturated model at Sigma given S, in (mu, vech Sigma)."""
    p = len(sigma)
    flat, d_mu = inference.saturated_derivatives(p)
    k = np.linalg.inv(sigma)
    ksk = k @ cov @ k
    middle = 0.5 * (np.kron(k, ksk) + np.kron(ksk, k)) - 0.5 * np.kron(k, k)
    return flat.T @ middle @ flat + d_mu @ k @ d_mu.T


def modindices(fit: Fit) -> pd.DataFrame:
    """Modification indices of the parameters the model leaves out, as ``modindices(fit, sort. = TRUE)``.

    The candidates are lavaan's, in each group: a loading of every factor on every observed variable
    it does not load, and a residual covariance of every pair of modelled observed variables the model
    leaves out; with equality constraints (shared labels, ``==``) lavaan also lists the fixed markers.
    Each is the score test ``g^2 / (I11 - I12 I22^-1 I21)`` with the expected information of the model
    extended by all of them (lavaan's default ``information = "expected"``, under MLR too; under FIML
    pattern by pattern; the model's block inverted under its constraints), ``epc = g / (I11 - ...)`` and
    its std.all. Candidates the model cannot identify (a lone marker) are left out, as lavaan's ``na.remove``.

    Examples
    --------
    >>> modindices(core).head()  # doctest: +SKIP
    """
    _continuous(fit, "modindices()")
    model = fit.model
    extended, x, rows = _extended(fit)
    mi, epc = _score(fit, extended, x, rows.free.to_numpy() - 1)
    table = rows[["lhs", "op", "rhs", "group"]].reset_index(drop=True).assign(mi=mi, epc=epc)
    table["sepc_all"] = [_standardized(fit, row, e) for row, e in zip(table.itertuples(), epc, strict=True)]
    table = table[table.mi.notna()]  # lavaan's na.remove: a candidate the model cannot identify (a lone marker)
    table = table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
    return table[MI_COLUMNS if len(model.samples) == 1 else [*MI_COLUMNS[:3], "group", *MI_COLUMNS[3:]]]


def score_tests(fit: Fit) -> pd.DataFrame:
    """Univariate score tests of the equalities across groups, as ``lavTestScore(fit)$uni``: which equal
    loading (intercept, ...) breaks invariance.

    Each parameter a later group shares with an earlier one (``group_equal``, or one label in several groups)
    is released in that group alone, the others kept: ``g' P g`` with g the gradient of the log-likelihood
    in the released parameterization at the constrained estimates and P its inverse expected information
    (lavTestScore's default), chi-square on 1 df.

    Examples
    --------
    >>> score_tests(metric.core).sort_values("x2").tail(1)  # doctest: +SKIP
    """
    _continuous(fit, "score_tests()")
    model = fit.model
    table = model.table.copy()
    free = table[(table.free > 0) & (table.group > 0)]
    shared = free[free.free.duplicated() & (free.group > 1)]
    if shared.empty:
        raise ModelError("score_tests() tests equality constraints across groups, and this model has none; "
                         "fit with group= and group_equal= (or one label in several groups)")  # fmt: skip
    x2 = [_released(fit, table, row) for row in shared.index]
    out = shared[["lhs", "op", "rhs", "group"]].reset_index(drop=True).assign(x2=x2, df=1)
    out["pvalue"] = chi2.sf(out.x2, 1)
    return out


def _released(fit: Fit, table: pd.DataFrame, row: int) -> float:
    """The score statistic of giving row `row` of the parameter table a parameter of its own."""
    model = fit.model
    table = table.copy()
    own = int(table.at[row, "free"])
    table.at[row, "free"] = model.npar + 1
    extended = assemble(table, model.names, model.samples, model.meanstructure)
    x = np.append(fit.x, fit.x[own - 1])
    information = inference.expected_information_missing if model.fiml else inference.expected_information
    gradient = -extended.n / 2 * estimator.objective(extended, x)[1]
    return float(gradient @ inference.constrained_inverse(extended, x, information(extended, x)) @ gradient)


def _score(fit: Fit, extended, x: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Score statistics ``g^2 / V`` and expected changes ``g / V`` of the parameters `new` of `extended`,
    ``V = I11 - I12 I22^-1 I21`` from its expected information, the fitted model's block under its constraints."""
    model = fit.model
    information = inference.expected_information_missing if model.fiml else inference.expected_information
    info = information(extended, x)
    gradient = -extended.n / 2 * estimator.objective(extended, x)[1]
    old = np.arange(model.npar)
    old_inverse = inference.constrained_inverse(model, fit.x, info[np.ix_(old, old)])
    v = np.diag(info[np.ix_(new, new)] - info[np.ix_(new, old)] @ old_inverse @ info[np.ix_(old, new)])
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
    g = gradient[new]
    return g**2 / v, g / v


def _standardized(fit: Fit, row, epc: float) -> float:
    """std.all of an expected change: a loading by the SDs of factor and item, a covariance by the residual SDs."""
    mats, implied = fit.model.matrices[row.group - 1], fit.implied[row.group - 1]
    where = {name: k for k, name in enumerate(mats.variables)}
    a, b = where[row.lhs], where[row.rhs]
    if row.op == "=~":
        sd = np.sqrt(np.diag(implied.total_cov))
        return float(epc * sd[a] / sd[b])
    residual = np.diag(implied.s)
    with np.errstate(invalid="ignore"):  # a negative residual variance (Heywood case): no std.all, as lavaan
        return float(epc / np.sqrt(residual[a] * residual[b]))


def _extended(fit: Fit):
    """The model with every candidate parameter added free (at zero; a marker at its value), the estimates
    extended accordingly, and the candidates' rows of the extended table."""
    model = fit.model
    table = model.table.copy()
    covariates = set(model.names.covariates)
    modelled = [name for name in model.names.observed if name not in covariates]
    markers = len(model.constraints) > 0 or table.free[table.free > 0].duplicated().any()
    added, values = [], []
    for group in range(1, len(model.samples) + 1):
        own = table[table.group == group]
        present = set(zip(own.lhs, own.op, own.rhs, strict=True)) | set(zip(own.rhs, own.op, own.lhs, strict=True))
        for factor in model.names.latent:
            for item in modelled:
                fixed = own.index[(own.lhs == factor) & (own.op == "=~") & (own.rhs == item) & (own.free == 0)]
                if (factor, "=~", item) not in present:
                    added.append([factor, "=~", item, group])
                    values.append(0.0)
                elif markers and len(fixed):  # lavaan lists the markers of a model with equality constraints
                    table.loc[fixed, "free"] = model.npar + len(values) + 1
                    values.append(float(table.at[fixed[0], "value"]))
        pairs = [(a, b) for i, a in enumerate(modelled) for b in modelled[i + 1 :] if (a, "~~", b) not in present]
        added += [[a, "~~", b, group] for a, b in pairs]
        values += [0.0] * len(pairs)
    rows = pd.DataFrame(added, columns=["lhs", "op", "rhs", "group"])
    taken = set(table.free[table.free > model.npar])
    numbers = [k for k in range(model.npar + 1, model.npar + len(values) + 1) if k not in taken]
    rows = rows.assign(label="", free=numbers, value=np.nan, start=np.nan, user=0, exo=0, line=0)[COLUMNS]
    full = pd.concat([table, rows], ignore_index=True)
    extended = assemble(full, model.names, model.samples, model.meanstructure)
    return extended, np.concatenate([fit.x, values]), full[full.free > model.npar].sort_values("free")
