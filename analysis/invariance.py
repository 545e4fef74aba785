"""Measurement invariance across groups: a sequence of nested multi-group models, as semTools reports it.

Each step adds equality constraints to the one before (semTools ``measurementInvariance``, lavaan
``group.equal``): configural (same pattern, everything free), metric (equal loadings), scalar (and
equal intercepts; latent means free in groups 2..), strict (and equal residual variances), means
(loadings, intercepts and latent means equal). The table holds each step's fit and its
differences to the step before, as ``semTools::compareFit`` prints them, with the chi-square
difference test of ``lavTestLRT`` and a decision by Chen's (2007) cutoffs for changes in
approximate fit, which do not grow with the sample size as the chi-square difference does.

Ordinal items (``ordered=``) take the steps of Wu & Estabrook (2016), identified as semTools'
``measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` builds them and fitted by WLSMV:
configural, thresholds (equal thresholds; the items' intercepts and scales free in groups 2..) and
metric (and equal loadings; the latent variances free there), compared by lavaan's scaled-shifted
difference test (Satorra 2000) and the scaled CFI and RMSEA.
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
ORDINAL_STEPS = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
}
FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
ORDINAL_COLUMNS = FIT_COLUMNS[:-2]  # no AIC or BIC without a likelihood
SCALED_COLUMNS = ["chisq_scaled", "df_scaled", "pvalue_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled"]
ROBUST_COLUMNS = ["chisq_scaled", "scaling_factor", "pvalue_scaled", "cfi_robust", "tli_robust", "rmsea_robust"]
DELTA_COLUMNS = ["delta_chisq", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea"]
CFI_DROP = -0.010  # Chen (2007): a step keeps invariance if CFI falls by no more than .010 ...
RMSEA_RISE = 0.015  # ... and RMSEA rises by no more than .015


def invariance(
    data: pd.DataFrame | str | Path,
    model: str | None,
    group: str,
    *,
    steps: tuple[str, ...] | None = None,
    estimator: str | None = None,
    missing: str = "listwise",
    ordered: bool | list[str] | tuple[str, ...] = False,
    parameterization: str = "delta",
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
    steps : tuple of str, optional
        Steps in increasing order of constraint, from `STEPS`: "configural", "metric", "scalar",
        then "strict" or "means" (both add to scalar; they are not nested in each other); default
        the first three. With `ordered`, from `ORDINAL_STEPS`: "configural", "thresholds",
        "metric" (thresholds and loadings equal), all three by default.
    estimator, missing : str
        As `analysis.fit` (default "ML", with `ordered` "WLSMV"): with "MLR" or "MLM" the
        differences are lavaan's scaled chi-square difference (Satorra-Bentler 2001,
        ``lavTestLRT``'s default) and the table adds the scaled and robust indices; under FIML
        every step uses all rows. With "WLSMV" or "ULSMV", the scaled-shifted difference (Satorra
        2000, ``lavTestLRT``'s default for them) and the scaled indices, which the decision uses.
    ordered : bool or list of str
        Ordinal items, as `analysis.fit`: Wu & Estabrook's (2016) steps (module docstring).
    parameterization : {"delta", "theta"}
        Of the ordinal items, as `analysis.fit` (the steps' fit and differences do not depend on it).
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
    table_of_steps = ORDINAL_STEPS if ordered else STEPS
    steps = tuple(table_of_steps)[:3] if steps is None else steps
    _check_steps(steps, table_of_steps)
    ins = instrument or instrument_pkg.load()
    text = model if model is not None else ins.to_lavaan("cfa")
    options = {"ordered": ordered, "std_lv": True, "identification": "Wu.Estabrook.2016"} if ordered else {}
    estimator = estimator or ("WLSMV" if ordered else "ML")
    fits = {step: fit(data, text, group=group, group_equal=table_of_steps[step], estimator=estimator,
                      missing=missing, parameterization=parameterization, instrument=ins, **options)
            for step in steps}  # fmt: skip
    indices = next(iter(fits.values())).fit_indices
    scaled = "chisq_scaled" in indices
    if ordered:
        columns, basis = ORDINAL_COLUMNS + (SCALED_COLUMNS if scaled else []), "scaled" if scaled else ""
    else:
        columns, basis = FIT_COLUMNS + (ROBUST_COLUMNS if scaled else []), "robust" if scaled else ""
    table = pd.DataFrame({step: result.fit_indices.reindex(columns) for step, result in fits.items()}).T
    return _with_differences(table, list(fits.values()), basis)


def _check_steps(steps: tuple[str, ...], table: dict[str, tuple[str, ...]]) -> None:
    if isinstance(steps, str):
        raise ValueError(f"steps must be a tuple of step names, e.g. ({steps!r},), not a string")
    unknown = [step for step in steps if step not in table]
    if unknown:
        kind = " for ordered= items" if table is ORDINAL_STEPS else ""
        raise ValueError(f"steps: {unknown[0]!r} is not one of {', '.join(table)}{kind}")
    if not steps:
        raise ValueError(f"steps must name at least one step, e.g. {tuple(table)[:3]}")
    for before, after in pairwise(steps):
        if not set(table[before]) < set(table[after]):
            order = "" if table is ORDINAL_STEPS else " ('strict' and 'means' each follow 'scalar')"
            raise ValueError(
                f"steps must be nested, each adding constraints to the one before: {after!r} does not extend "
                f"{before!r}; use the order {', '.join(table)}{order}"
            )


def _with_differences(table: pd.DataFrame, fits: list, basis: str) -> pd.DataFrame:
    """Differences of each step to the one before (``lavTestLRT``; the CFI and RMSEA of `basis`, "robust",
    "scaled" or "" for the plain ones) and Chen's (2007) decision."""
    out = table.copy()
    tests = [compare(before, after) for before, after in pairwise(fits)]
    out["delta_chisq"] = [np.nan] + [t.chisq_diff for t in tests]
    out["delta_df"] = [np.nan] + [t.df_diff for t in tests]
    out["delta_pvalue"] = [np.nan] + [t.pvalue for t in tests]
    cfi, rmsea = (f"cfi_{basis}", f"rmsea_{basis}") if basis else ("cfi", "rmsea")
    out["delta_cfi"] = table[cfi] - table[cfi].shift(1)
    out["delta_rmsea"] = table[rmsea] - table[rmsea].shift(1)
    kept = (out.delta_cfi >= CFI_DROP) & (out.delta_rmsea <= RMSEA_RISE)
    out["decision"] = np.where(kept, "invariant", "not invariant")
    out.loc[out.index[0], "decision"] = ""
    return out
