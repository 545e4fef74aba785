"""The estimates table, as lavaan's ``parameterEstimates(fit, standardized = TRUE)``: one row per parameter."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import syntax
from .model import Model
from .numdiff import jacobian

COLUMNS = ["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]


def table(model: Model, x: np.ndarray, vcov: np.ndarray) -> pd.DataFrame:
    """Every row of the parameter table with its estimate, standard error, z, p, 95% CI and std.all.

    Fixed rows have ``se = 0`` and their value as both CI bounds; ``:=`` rows take delta-method
    standard errors; constraint rows (``==``, ``<``, ``>``) give ``lhs - rhs`` at the estimates.
    The ``group`` column is 0 for ``:=`` and constraint rows, as lavaan.

    Examples
    --------
    >>> table(model, solution.x, vcov)[["lhs", "op", "rhs", "est", "se"]]  # doctest: +SKIP
    """
    rows = model.table[model.table.group > 0]
    free = rows.free.to_numpy() - 1
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    frame = rows[["lhs", "op", "rhs", "group", "label"]].reset_index(drop=True)
    frame["est"] = np.where(free >= 0, x[np.maximum(free, 0)], rows.value)
    frame["se"] = np.where(free >= 0, se_all[np.maximum(free, 0)], 0.0)
    _derived_ordinal(model, x, frame)
    if (model.constraints.op != "==").any():  # a parameter held at a binding bound has no SE, as lavaan prints NA
        pinned = np.diag(vcov) < 1e-12 * np.maximum(1.0, x**2)
        frame.loc[(free >= 0) & pinned[np.maximum(free, 0)], "se"] = np.nan
    frame["std_all"] = _standardized(model, x, frame)
    extra = model.table[model.table.group == 0]
    if len(extra):
        frame = pd.concat([frame, _derived(model, x, vcov, frame, extra)], ignore_index=True)
    half = norm.ppf(0.975) * frame.se
    frame["ci_lower"], frame["ci_upper"] = frame.est - half, frame.est + half
    frame["z"] = frame.est / frame.se.where(frame.se > 0)
    frame["pvalue"] = 2 * norm.sf(np.abs(frame.z))
    return frame[COLUMNS]


def _derived_ordinal(model: Model, x: np.ndarray, frame: pd.DataFrame) -> None:
    """Fixed rows whose value the model derives: the ordinal items' residual variances (delta parameterization) or
    their scales ``~*~`` (theta)."""
    for number, mats in enumerate(model.matrices, start=1):
        if not len(mats.ordinal):
            continue
        implied = mats.implied(x)
        names = [mats.observed[k] for k in mats.ordinal]
        own = (frame.group == number) & frame.lhs.isin(names)
        if mats.theta:
            rows, values = own & (frame.op == "~*~"), dict(zip(names, implied.delta, strict=True))
        else:
            rows = own & (frame.op == "~~") & (frame.lhs == frame.rhs)
            values = dict(zip(names, np.diag(implied.s)[mats.ordinal], strict=True))
        frame.loc[rows, "est"] = frame.lhs[rows].map(values)


def _standardized(model: Model, x: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """std.all: both sides standardized by model-implied total variances; covariances by residual variances
    (lavaan's ``cov.std``), intercepts and means by the total SD."""
    out = np.full(len(frame), np.nan)
    lhs, op, rhs, est = (frame[c].to_numpy() for c in ("lhs", "op", "rhs", "est"))
    for number, mats in enumerate(model.matrices, start=1):
        implied = mats.implied(x)
        where = {name: k for k, name in enumerate(mats.variables)}
        own = np.flatnonzero(frame.group.to_numpy() == number)
        i = np.array([where[name] for name in lhs[own]], dtype=int)
        j = np.array([where.get(name, k) for name, k in zip(rhs[own], i, strict=True)], dtype=int)  # ~1: no rhs
        sd = np.sqrt(np.clip(np.diag(implied.total_cov), 0, None))
        residual = np.diag(implied.s)
        kind, e = op[own], est[own].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[own] = np.select(
                [kind == "=~", kind == "~", (kind == "~1") | (kind == "|"), kind == "~*~", i == j],
                [e * sd[i] / sd[j], e * sd[j] / sd[i], e / sd[i], e * sd[i], e / sd[i] ** 2],
                e / np.sqrt(residual[i] * residual[j]),
            )
    return out


def _derived(model: Model, x: np.ndarray, vcov: np.ndarray, frame: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """``:=`` rows by the delta method, and constraint rows, each with its standardized value."""
    labelled = frame[frame.label != ""].drop_duplicates("label").set_index("label").std_all
    standardized = dict(labelled)
    defined = model.defined
    values = model.defined_values(x)
    for name, expression in zip(defined.lhs, defined.rhs, strict=True):
        standardized[name] = syntax.evaluate(expression, standardized)
    jac = jacobian(model.defined_values, x) if len(defined) else np.zeros((0, len(x)))
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None)) if len(defined) else []
    named = model.named(x)
    rows = []
    for row in extra.itertuples():
        if row.op == syntax.DEFINE:
            k = list(defined.lhs).index(row.lhs)
            rows.append({"lhs": row.lhs, "op": row.op, "rhs": row.rhs, "group": 0, "label": row.lhs,
                         "est": values[k], "se": se[k], "std_all": standardized[row.lhs]})  # fmt: skip
        else:
            gap = syntax.evaluate(row.lhs, named) - syntax.evaluate(row.rhs, named)
            rows.append({"lhs": row.lhs, "op": row.op, "rhs": row.rhs, "group": 0, "label": "", "est": gap,
                         "se": np.nan, "std_all": np.nan})  # fmt: skip
    return pd.DataFrame(rows)
