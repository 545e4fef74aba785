"""Construct reliability and validity from a measurement model: omega, CR, AVE, HTMT, Fornell-Larcker.

Written by hand: semopy has none of these, and they are a few lines each once the loadings are known.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import gmean


def composite_reliability(
    loadings: Mapping[str, pd.Series],
    std_loadings: Mapping[str, pd.Series],
    factor_variances: pd.Series,
    sample_cov: pd.DataFrame,
) -> pd.DataFrame:
    """omega, CR and AVE per construct.

    Parameters
    ----------
    loadings, std_loadings : dict of Series
        Construct -> unstandardized / standardized (std.all) loadings of its items.
    factor_variances : Series
        Construct -> model-implied variance of the factor.
    sample_cov : DataFrame
        Observed covariances of the items (divisor N).

    Returns
    -------
    DataFrame
        Indexed by construct:

        - ``omega`` = (sum lambda)^2 psi / 1'S1, with S the items' observed covariance matrix:
          semTools 0.5-6 ``compRelSEM(fit)`` defaults (obs.var=TRUE, tau.eq=FALSE).
        - ``cr`` = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) over standardized loadings l:
          Joreskog's rho, the Fornell-Larcker composite reliability marketing journals print.
        - ``ave`` = sum(lambda^2) psi / sum(s_ii), explained over observed item variance:
          semTools ``AVE(fit)`` (obs.var=TRUE). On standardized loadings with no residual
          covariances it equals mean(l^2), the Fornell-Larcker AVE.

    Examples
    --------
    >>> res.reliability[["omega", "cr", "ave"]]  # doctest: +SKIP
    """
    rows = {}
    for construct, lam in loadings.items():
        items = list(lam.index)
        std = std_loadings[construct]
        psi = factor_variances[construct]
        observed = sample_cov.loc[items, items].to_numpy()
        rows[construct] = {
            "omega": lam.sum() ** 2 * psi / observed.sum(),
            "cr": std.sum() ** 2 / (std.sum() ** 2 + (1 - std**2).sum()),
            "ave": (lam**2).sum() * psi / np.trace(observed),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def htmt(correlations: pd.DataFrame, scales: Mapping[str, list[str]], geometric: bool = False) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations between constructs.

    Absolute item correlations; the mean correlation between two constructs' items over the
    geometric mean of their average within-construct correlations. ``geometric=False``: arithmetic
    means (Henseler, Ringle & Sarstedt 2015; semTools ``htmt(htmt2=FALSE)``); ``geometric=True``:
    geometric means (HTMT2, Roemer, Schuberth & Henseler 2021; semTools' default since 0.5-6).

    Examples
    --------
    >>> htmt(data[items].corr(), {"a": ["x1", "x2"], "b": ["x3", "x4"]})  # doctest: +SKIP
    """
    mean = gmean if geometric else np.mean
    r = np.abs(correlations.to_numpy())
    names = list(scales)
    where = {c: correlations.index.get_indexer(scales[c]) for c in names}

    def monotrait(rows: np.ndarray) -> float:
        block = r[np.ix_(rows, rows)]
        return float(mean(block[np.triu_indices(len(rows), k=1)]))

    within = np.array([monotrait(where[c]) for c in names])
    between = np.array([[mean(r[np.ix_(where[a], where[b])].ravel()) for b in names] for a in names])
    table = between / np.sqrt(np.outer(within, within))
    np.fill_diagonal(table, 1.0)
    return pd.DataFrame(table, index=names, columns=names)


def fornell_larcker(latent_correlations: pd.DataFrame, ave: pd.Series) -> pd.DataFrame:
    """Latent correlations with sqrt(AVE) on the diagonal (Fornell & Larcker 1981).

    Discriminant validity holds for a construct when its diagonal value exceeds its correlations.
    """
    values = latent_correlations.loc[ave.index, ave.index].to_numpy(copy=True)
    np.fill_diagonal(values, np.sqrt(ave.to_numpy()))
    table = pd.DataFrame(values, index=ave.index, columns=ave.index)
    return table
