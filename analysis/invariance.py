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

import instrument as instrument_pkg

from .compare import compare
from .fit import fit

STEPS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
    "means": ("loadings", "intercepts", "means"),
}
FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
ROBUST_COLUMNS = ["chisq_scaled", "scaling_factor", "pvalue_scaled", "cfi_robust", "tli_robust", "rmsea_robust"]
DELTA_COLUMNS = ["delta_chisq", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea"]
CFI_DROP = -0.010  # Chen (2007): a step keeps invariance if CFI falls by no more than .010 ...
RMSEA_RISE = 0.015  # ... and RMSEA rises by no more than .015


def invariance(
    data: pd.DataFrame | str | Path,
    model: str | None,
    group: str,
    *,
    steps: tuple[str, ...] = ("configural", "metric", "scalar"),
    estimator: str = "ML",
    missing: str = "listwise",
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
    estimator, missing : str
        As `analysis.fit`: with "MLR" or "MLM" the differences are lavaan's scaled chi-square
        difference (Satorra-Bentler 2001, ``lavTestLRT``'s default) and the table adds the scaled
        and robust indices; under FIML every step uses all rows.
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
    fits = {step: fit(data, text, group=group, group_equal=STEPS[step], estimator=estimator, missing=missing,
                      instrument=ins) for step in steps}  # fmt: skip
    robust = "chisq_scaled" in next(iter(fits.values())).fit_indices
    columns = FIT_COLUMNS + (ROBUST_COLUMNS if robust else [])
    table = pd.DataFrame({step: result.fit_indices.reindex(columns) for step, result in fits.items()}).T
    return _with_differences(table, list(fits.values()), robust)


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


def _with_differences(table: pd.DataFrame, fits: list, robust: bool) -> pd.DataFrame:
    """Differences of each step to the one before (``lavTestLRT``; robust CFI and RMSEA when robust) and Chen's
    (2007) decision."""
    out = table.copy()
    tests = [compare(before, after) for before, after in pairwise(fits)]
    out["delta_chisq"] = [np.nan] + [t.chisq_diff for t in tests]
    out["delta_df"] = [np.nan] + [t.df_diff for t in tests]
    out["delta_pvalue"] = [np.nan] + [t.pvalue for t in tests]
    cfi, rmsea = ("cfi_robust", "rmsea_robust") if robust else ("cfi", "rmsea")
    out["delta_cfi"] = table[cfi] - table[cfi].shift(1)
    out["delta_rmsea"] = table[rmsea] - table[rmsea].shift(1)
    kept = (out.delta_cfi >= CFI_DROP) & (out.delta_rmsea <= RMSEA_RISE)
    out["decision"] = np.where(kept, "invariant", "not invariant")
    out.loc[out.index[0], "decision"] = ""
    return out
