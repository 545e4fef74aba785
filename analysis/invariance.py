"""Measurement invariance across groups: a sequence of nested multi-group models, as semTools reports it.

Each step adds equality constraints to the one before (semTools ``measurementInvariance``, lavaan
``group.equal``): configural (same pattern, everything free), metric (equal loadings), scalar (and
equal intercepts; latent means free in groups 2..), strict (and equal residual variances), means
(loadings, intercepts and latent means equal). The table holds each step's fit and its
differences to the step before, as ``semTools::compareFit`` prints them, with the chi-square
difference test of ``lavTestLRT`` and a decision by Chen's (2007) cutoffs for changes in
approximate fit, which do not grow with the sample size as the chi-square difference does.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2

import instrument as instrument_pkg

from . import multigroup, syntax

STEPS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
    "means": ("loadings", "intercepts", "means"),
}
FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
DELTA_COLUMNS = ["delta_chisq", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea"]
CFI_DROP = -0.010  # Chen (2007): a step keeps invariance if CFI falls by no more than .010 ...
RMSEA_RISE = 0.015  # ... and RMSEA rises by no more than .015


def invariance(
    data: pd.DataFrame | str | Path,
    model: str | None,
    group: str,
    *,
    steps: tuple[str, ...] = ("configural", "metric", "scalar"),
    instrument: instrument_pkg.Instrument | None = None,
) -> pd.DataFrame:
    """Fit the nested invariance models and compare each with the one before.

    Parameters
    ----------
    data : DataFrame or path
        One row per respondent with the model's columns and `group`.
    model : str or None
        lavaan model syntax; None: the instrument's measurement model (its CFA), with its
        reverse-keyed items recoded.
    group : str
        The grouping column; groups in order of first appearance, as lavaan.
    steps : tuple of str
        Steps in increasing order of constraint, from `STEPS`: "configural", "metric", "scalar",
        then "strict" or "means" (both add to scalar; they are not nested in each other).
    instrument : Instrument, optional
        The instrument whose model (when `model` is None) and reverse-keyed items are used;
        default: the bundled Social IMP instrument.

    Returns
    -------
    DataFrame
        Indexed by step: ``npar, chisq, df, pvalue, cfi, tli, rmsea, srmr, aic, bic`` (lavaan's
        fitMeasures of the step's multi-group fit); from the second row on, the change from the
        step before: ``delta_chisq, delta_df, delta_pvalue`` (chi-square difference test, lavaan's
        ``lavTestLRT``), ``delta_cfi, delta_rmsea`` (this step minus the one before, as
        ``semTools::compareFit``); ``decision``: "invariant" when ``delta_cfi >= -.010`` and
        ``delta_rmsea <= .015`` (Chen 2007), else "not invariant"; empty for the first step.

    Examples
    --------
    >>> hs = pd.read_csv("tests/data/hs1939.csv")  # doctest: +SKIP
    >>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> invariance(hs, model, "school")[["chisq", "df", "delta_cfi", "decision"]]  # doctest: +SKIP
                  chisq  df  delta_cfi       decision
    configural  115.851  48        NaN
    metric      124.044  54     -0.002      invariant
    scalar      164.103  60     -0.038  not invariant
    """
    _check_steps(steps)
    ins = instrument or instrument_pkg.load()
    text = model if model is not None else ins.to_lavaan("cfa")
    prepared = multigroup.prepare(data, syntax.parse(text), group, ins)
    rows, warm = {}, None
    for step in steps:  # each step starts from the solution of the one before
        result, warm = multigroup.fit_prepared(prepared, STEPS[step], text, warm)
        fi = result.fit_indices
        npar = round((fi.aic + 2 * fi.loglik) / 2)  # aic = -2 logl + 2 npar
        rows[step] = {"npar": npar, **fi.reindex(FIT_COLUMNS[1:])}
    return _with_differences(pd.DataFrame.from_dict(rows, orient="index")[FIT_COLUMNS])


def _check_steps(steps: tuple[str, ...]) -> None:
    if isinstance(steps, str):
        raise ValueError(f"steps must be a tuple of step names, e.g. ({steps!r},), not a string")
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise ValueError(f"steps: {unknown[0]!r} is not one of {', '.join(STEPS)}")
    if not steps:
        raise ValueError("steps must name at least one step, e.g. ('configural', 'metric', 'scalar')")
    for before, after in pairwise(steps):
        if not set(STEPS[before]) < set(STEPS[after]):
            raise ValueError(
                f"steps must be nested, each adding constraints to the one before: {after!r} does not extend "
                f"{before!r}; use the order {', '.join(STEPS)} ('strict' and 'means' each follow 'scalar')"
            )


def _with_differences(table: pd.DataFrame) -> pd.DataFrame:
    """Differences of each step to the one before and Chen's (2007) decision."""
    before = table.shift(1)
    out = table.copy()
    out["delta_chisq"] = table.chisq - before.chisq
    out["delta_df"] = table.df - before.df
    out["delta_pvalue"] = [
        chi2.sf(change, df) if df > 0 else np.nan for change, df in zip(out.delta_chisq, out.delta_df, strict=True)
    ]
    out["delta_cfi"] = table.cfi - before.cfi
    out["delta_rmsea"] = table.rmsea - before.rmsea
    kept = (out.delta_cfi >= CFI_DROP) & (out.delta_rmsea <= RMSEA_RISE)
    out["decision"] = np.where(kept, "invariant", "not invariant")
    out.loc[out.index[0], "decision"] = ""
    return out
