"""Chi-square difference test of two nested models fitted to the same data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from scipy.stats import chi2

if TYPE_CHECKING:
    from .results import FitResult


def compare(res_a: FitResult, res_b: FitResult) -> pd.Series:
    """Likelihood-ratio (chi-square difference) test of nested ML models; lavaan: ``lavTestLRT(a, b)``.

    The model with more degrees of freedom is the restricted one; the test asks whether its
    extra restrictions worsen fit. Both must be fitted to the same rows and variables.

    Returns
    -------
    Series
        ``chisq_diff, df_diff, pvalue, aic_diff, bic_diff`` (restricted minus general).

    Examples
    --------
    >>> six = analysis.fit(data, ins.to_lavaan("six_factor"))  # doctest: +SKIP
    >>> one = analysis.fit(data, ins.to_lavaan("one_factor"))  # doctest: +SKIP
    >>> analysis.compare(six, one).pvalue < .05  # doctest: +SKIP
    """
    if res_a.n != res_b.n or set(res_a.sample_cov.index) != set(res_b.sample_cov.index):
        raise ValueError(
            "models must be fitted to the same rows and observed variables to be compared "
            f"(n = {res_a.n} and {res_b.n}; {len(res_a.sample_cov)} and {len(res_b.sample_cov)} variables)"
        )
    general, restricted = sorted((res_a, res_b), key=lambda r: r.fit_indices.df)
    df_diff = restricted.fit_indices.df - general.fit_indices.df
    if df_diff == 0:
        raise ValueError("models have the same degrees of freedom, so they are not nested")
    diff = restricted.fit_indices - general.fit_indices
    return pd.Series(
        {
            "chisq_diff": diff.chisq,
            "df_diff": df_diff,
            "pvalue": chi2.sf(diff.chisq, df_diff),
            "aic_diff": diff.aic,
            "bic_diff": diff.bic,
        }
    )
