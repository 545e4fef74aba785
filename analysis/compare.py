"""Likelihood-ratio (chi-square difference) test of two nested models, as lavaan's ``lavTestLRT``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .sem import wls

if TYPE_CHECKING:
    from .results import FitResult


def compare(res_a: FitResult, res_b: FitResult) -> pd.Series:
    """Chi-square difference test of nested models; lavaan: ``lavTestLRT(a, b)``.

    The model with more degrees of freedom is the restricted one. Under ML the difference of the
    two chi-squares; under MLR or MLM the scaled difference of Satorra & Bentler (2001), lavaan's
    default: ``(T0 - T1) / cd`` with ``cd = (df0 c0 - df1 c1) / (df0 - df1)`` from the unscaled
    statistics T and scaling factors c; under WLSMV or ULSMV (ordinal items) the scaled-shifted
    difference of Satorra (2000), lavaan's default for them (`analysis.sem.wls.difference_test`).
    Both must be fitted to the same rows and variables.

    Returns
    -------
    Series
        ``chisq_diff, df_diff, pvalue, aic_diff, bic_diff`` (restricted minus general) and ``method``.

    Examples
    --------
    >>> six = analysis.fit(data, ins.to_lavaan("six_factor"))  # doctest: +SKIP
    >>> one = analysis.fit(data, ins.to_lavaan("one_factor"))  # doctest: +SKIP
    >>> analysis.compare(six, one).pvalue < .05  # doctest: +SKIP
    """
    if res_a.n != res_b.n or set(res_a.sample_cov.columns) != set(res_b.sample_cov.columns):
        raise ValueError(
            "models must be fitted to the same rows and observed variables to be compared "
            f"(n = {res_a.n} and {res_b.n}; {len(res_a.sample_cov.columns)} and {len(res_b.sample_cov.columns)} "
            "variables)"
        )
    if res_a.estimator != res_b.estimator:
        raise ValueError(f"models must use the same estimator to be compared ({res_a.estimator}, {res_b.estimator})")
    general, restricted = sorted((res_a, res_b), key=lambda r: r.fit_indices.df)
    g, r = general.fit_indices, restricted.fit_indices
    df_diff = r.df - g.df
    if df_diff == 0:
        raise ValueError("models have the same degrees of freedom, so they are not nested")
    difference, method = r.chisq - g.chisq, "standard"
    if restricted.ordinal and "chisq_scaled" in r:
        difference, df_diff = wls.difference_test(general.core.model, general.core.x, restricted.core.model,
                                                          restricted.core.x)  # fmt: skip
        method = "satorra.2000"
    elif "scaling_factor" in r:
        # lavaan: lav_test_diff_SatorraBentler2001(); a model with df = 0 has no scaling factor, and c df = 0
        scaled = [(f.df * f.scaling_factor if f.df > 0 else 0.0) for f in (r, g)]
        difference, method = difference / ((scaled[0] - scaled[1]) / df_diff), "satorra.bentler.2001"
    return pd.Series(
        {
            "chisq_diff": difference,
            "df_diff": df_diff,
            "pvalue": chi2.sf(difference, df_diff) if difference >= 0 else np.nan,
            "aic_diff": r.get("aic", np.nan) - g.get("aic", np.nan),  # none for ordinal fits, as lavaan
            "bic_diff": r.get("bic", np.nan) - g.get("bic", np.nan),
            "method": method,
        }
    )
