"""Reliability of multi-item scales: Cronbach's alpha and item statistics; for ordinal items ordinal alpha and
the categorical omega of a WLSMV fit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import f

from .data import apply_value_labels, missing_codes, numeric, reverse_code, warn_outliers
from .errors import DataError
from .load import load
from .sem import bvnorm

COLUMNS = [
    "scale",
    "n",
    "mean",
    "sd",
    "r_drop",
    "alpha_if_dropped",
    "alpha",
    "alpha_ci_lower",
    "alpha_ci_upper",
    "missing",
]


MISSING = ("pairwise", "listwise")


def reliability(
    data: pd.DataFrame,
    scales: Mapping[str, Iterable[str] | str] | Iterable[str] | str,
    reverse: Iterable[str] = (),
    scale_range: tuple[float, float] | None = None,
    ci: float = 0.95,
    missing: str = "pairwise",
    na_values=None,
    value_labels: dict | None = None,
) -> pd.DataFrame:
    """Cronbach's alpha with its confidence interval and item statistics, per scale.

    Parameters
    ----------
    data : DataFrame or path
        One row per respondent; a path is read by `analysis.load`.
    scales : dict, list or str
        Scale name -> its item columns (at least two), each a list or a space- or comma-separated
        string (``{"agree": "A1 A2 A3"}``); a list or string alone is one scale named "scale".
    reverse : iterable of str
        Reverse-keyed items, recoded as ``min + max - x`` over `scale_range` first.
    scale_range : (min, max), optional
        The response scale's ends; required when `reverse` is given. Values outside it give a
        `DataWarning` (as do values far outside the rest of a Likert-looking column without it).
    ci : float
        Coverage of the alpha interval: Feldt's F-based interval, as ``psych::alpha.ci(alpha, n.obs,
        n.var)`` with n.obs the rows analysed (listwise) or answering any of the scale's items (pairwise).
    missing : {"pairwise", "listwise"}
        "pairwise" (psych::alpha's default): covariances, means and SDs from every answer given;
        "listwise" (SPSS, ``use="complete.obs"``): the rows complete on the scale's items only.
        The table's ``missing`` column says which.
    na_values : number, list or dict, optional
        Missing-value codes read as missing (see `analysis.load`).
    value_labels : dict, optional
        Text answers -> codes, for every column or per column (see `analysis.load`).

    Returns
    -------
    DataFrame
        Indexed by item: ``scale, n`` (answers used), ``mean, sd, r_drop`` (correlation of the item
        with the sum of the scale's other items), ``alpha_if_dropped``, and the scale's ``alpha``,
        ``alpha_ci_lower``, ``alpha_ci_upper`` and ``missing`` repeated on each of its items.

    Examples
    --------
    >>> import analysis
    >>> data = analysis.simulate(300, seed=1)
    >>> table = analysis.reliability(data, {"ltr": "ltr_1 ltr_2 ltr_3 ltr_4 ltr_5"},
    ...                              reverse=["ltr_5"], scale_range=(1, 7))
    >>> table.groupby("scale")["alpha"].first().round(2)  # doctest: +SKIP
    """
    reverse = list(reverse)
    if reverse and scale_range is None:
        raise ValueError("reverse-keyed items need scale_range=(min, max), e.g. (1, 7), to be recoded")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, not {ci!r}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(MISSING)}, not {missing!r}")
    scales = _scales(scales)
    if isinstance(data, str | Path):
        data = load(data, na_values=na_values, value_labels=value_labels)
    elif isinstance(data, pd.DataFrame):  # as given: no instrument checks, only the codes and labels asked for
        data = missing_codes(apply_value_labels(data, value_labels), na_values)
    tables = []
    for name, items in scales.items():
        if len(items) < 2:
            raise ValueError(f"scale '{name}' needs at least two items, it has {len(items)}")
        values = numeric(data, items)
        values = values.dropna() if missing == "listwise" else values.dropna(how="all")
        mine = [item for item in reverse if item in items]
        if mine:
            values = reverse_code(values, mine, scale_range)
        warn_outliers(values, items, scale_range)
        tables.append(_scale_table(name, values, ci, missing))
    unused = set(reverse) - {item for items in scales.values() for item in items}
    if unused:
        raise DataError(f"reverse-keyed item '{sorted(unused)[0]}' is in none of the scales")
    return pd.concat(tables)


def _scales(scales) -> dict[str, list[str]]:
    """Scale name -> item list, from a dict of lists or strings, or one list or string."""
    if isinstance(scales, str) or not isinstance(scales, Mapping):
        scales = {"scale": scales}
    return {name: _items(items) for name, items in scales.items()}


def _items(items) -> list[str]:
    return re.split(r"[\s,]+", items.strip()) if isinstance(items, str) else list(items)


def _scale_table(name: str, values: pd.DataFrame, ci: float, missing: str) -> pd.DataFrame:
    n, k = len(values), values.shape[1]
    if n < 3:
        rows = "complete on" if missing == "listwise" else "answering"
        raise DataError(f"scale '{name}' has {n} rows {rows} its items; alpha needs at least 3")
    constant = values.columns[values.std() == 0]
    if len(constant):
        raise DataError(f"item '{constant[0]}' of scale '{name}' has no variance (everyone answered the same)")
    # From one covariance matrix (pairwise complete, as R's cov(use = "pairwise"); on complete rows the
    # ordinary one), as psych::alpha: r.drop = sum_j C_ij / sqrt(C_ii * sum of C over the other items).
    cov = values.cov().to_numpy()
    alpha = _alpha(cov)
    lower, upper = (1 - (1 - alpha) * f.isf(p, n - 1, (n - 1) * (k - 1)) for p in ((1 - ci) / 2, (1 + ci) / 2))
    keep = ~np.eye(k, dtype=bool)
    table = pd.DataFrame(
        {
            "scale": name,
            "n": values.count(),
            "mean": values.mean(),
            "sd": values.std(),
            "r_drop": [_r_drop(cov, i, rest) for i, rest in enumerate(keep)],
            "alpha_if_dropped": [_alpha(cov[np.ix_(rest, rest)]) if k > 2 else np.nan for rest in keep],
            "alpha": alpha,
            "alpha_ci_lower": lower,
            "alpha_ci_upper": upper,
            "missing": missing,
        },
        index=pd.Index(values.columns, name="item"),
    )
    return table[COLUMNS]


def _r_drop(cov: np.ndarray, i: int, rest: np.ndarray) -> float:
    return float(cov[i, rest].sum() / np.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum()))


def _alpha(cov: np.ndarray) -> float:
    """Cronbach's alpha of the items whose covariance matrix is `cov`."""
    k = len(cov)
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def ordinal_alpha(cor: pd.DataFrame, scales: Mapping[str, Iterable[str]]) -> pd.Series:
    """Ordinal alpha (Zumbo, Gadermann & Zeisser 2007): alpha of each scale's polychoric matrix.

    semTools: ``compRelSEM(fit, tau.eq = TRUE, ord.scale = FALSE)`` on a WLSMV fit.

    Examples
    --------
    >>> ordinal_alpha(analysis.polychoric(data, items).cor, {"visual": ["x1", "x2", "x3"]})  # doctest: +SKIP
    """
    return pd.Series({name: _alpha(cor.loc[list(items), list(items)].to_numpy()) for name, items in scales.items()},
                     name="alpha")  # fmt: skip


def categorical_omega(
    loadings: Mapping[str, pd.Series], factor_variances: pd.Series, cor: pd.DataFrame,
    thresholds: Mapping[str, np.ndarray],
) -> pd.Series:  # fmt: skip
    """Omega of the sum of ordinal item scores (Green & Yang 2009), from a delta-parameterized fit.

    The common and total covariances of the items' category indicators, from the bivariate normal
    probabilities at their thresholds with the model's common correlations ``lambda lambda' psi`` and
    the polychorics; semTools: ``compRelSEM(fit)`` on a WLSMV fit (obs.var = TRUE, ord.scale = TRUE).
    """
    out = {}
    for construct, lam in loadings.items():
        items = list(lam.index)
        common = np.outer(lam, lam) * factor_variances[construct]
        total = cor.loc[items, items].to_numpy()
        out[construct] = _category_covariance(common, thresholds, items) / _category_covariance(total, thresholds,
                                                                                                  items)  # fmt: skip
    return pd.Series(out, name="omega")


def _category_covariance(r: np.ndarray, thresholds: Mapping[str, np.ndarray], items: list[str]) -> float:
    """``sum_j sum_j' sum_c sum_c' (Phi2(t_jc, t_j'c'; r_jj') - Phi(t_jc) Phi(t_j'c'))`` (semTools' omegaCat)."""
    total = 0.0
    for a, first in enumerate(items):
        for b, second in enumerate(items):
            t1, t2 = np.asarray(thresholds[first])[:, None], np.asarray(thresholds[second])[None, :]
            joint = bvnorm.cdf(t1, t2, np.full(np.broadcast_shapes(t1.shape, t2.shape), r[a, b]))
            total += float(np.sum(joint) - np.sum(ndtr(t1)) * np.sum(ndtr(t2)))
    return total
