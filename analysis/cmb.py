"""Common-method-bias checks for survey data: Harman's single-factor test and full collinearity VIFs."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from .data import numeric
from .errors import ConvergenceWarning, DataError, ImproperSolutionWarning

METHODS = ("pc", "ml")
UNIQUENESS_FLOOR = 0.005  # factanal's default `lower`: an ML uniqueness this small is a Heywood case


def harman(data: pd.DataFrame, items: Iterable[str], method: str = "pc") -> pd.Series:
    """Harman's single-factor test: the share of the items' variance taken by one unrotated factor.

    The items are standardized (their correlation matrix is analysed), so their total variance
    is the number of items ``k``. The test fails, suggesting common method bias, when a single
    factor takes more than half of it (Podsakoff et al., 2003).

    The test is weak evidence either way. A share below one half does not rule out method bias:
    a method factor can inflate every correlation without dominating them, and with many items
    or several distinct constructs no single factor reaches one half (Podsakoff et al., 2003,
    who advise against relying on it). Report it alongside `full_collinearity` or a
    marker-variable or method-factor model, not instead of them.

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Rows with a missing answer to any of `items` are left out
        (listwise); ``n`` in the result counts the rows used.
    items : iterable of str
        The item columns: all the self-reported items of the model, at least two. Recode
        reverse-keyed items first (``min + max - x``, e.g. with ``analysis.data.reverse_code``).
    method : {"pc", "ml"}
        ``"pc"``: the first principal component of the correlation matrix, the usual practice
        (SPSS "unrotated factor solution" with principal components): its eigenvalue over ``k``,
        as ``eigen(cor(x))$values[1] / k`` or the "Proportion Var" of
        ``psych::principal(x, nfactors = 1, rotate = "none")``. It counts the items' unique
        variance too, so it gives a larger share than a factor model. ``"ml"``: a single
        maximum-likelihood common factor, the sum of its squared standardized loadings over
        ``k``, as the "Proportion Var" of ``factanal(x, factors = 1)``.

    Returns
    -------
    Series
        ``method``, ``n`` (rows used), ``items`` (``k``), ``variance`` (the component's
        eigenvalue or the factor's sum of squared loadings), ``share`` (``variance / k``) and
        ``over_half`` (``share > 0.5``).

    Warns
    -----
    ImproperSolutionWarning
        ``"ml"`` only: an item's uniqueness reached factanal's floor of 0.005 (a Heywood case).

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research: A critical review of the literature and recommended remedies.
    *Journal of Applied Psychology, 88*(5), 879-903.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.cmb import harman
    >>> hs = pd.read_csv("tests/data/hs1939.csv")
    >>> result = harman(hs, [f"x{k}" for k in range(1, 10)])
    >>> round(result["share"], 3), result["over_half"]
    (0.357, False)
    """
    # eigen(cor(x))$values[1] / ncol(x); factanal(x, factors = 1)
    items = _item_list(items, "Harman's test")
    if len(items) < 2:
        raise ValueError(f"Harman's test needs at least two items, it has {len(items)}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, not {method!r}")
    k = len(items)
    values = _complete(data, items, fewest=k + 1, purpose=f"Harman's test of {k} items")
    r = np.corrcoef(values.to_numpy(), rowvar=False)
    variance = np.linalg.eigvalsh(r)[-1] if method == "pc" else np.sum(_one_factor_ml(r, items) ** 2)
    share = float(variance) / k
    return pd.Series(
        {
            "method": method,
            "n": len(values),
            "items": k,
            "variance": float(variance),
            "share": share,
            "over_half": share > 0.5,
        },
        name="harman",
    )


def full_collinearity(data: pd.DataFrame, scales: Mapping[str, Iterable[str]], threshold: float = 3.3) -> pd.DataFrame:
    """Full collinearity VIFs of the constructs (Kock & Lynn, 2012; Kock, 2015).

    Each construct's score is regressed, with an intercept, on the scores of all the other
    constructs; its ``vif`` is ``1 / (1 - r2)``. A VIF above 3.3 (Kock, 2015) suggests that the
    model is contaminated by common method bias (or that two constructs are not distinct).

    Kock scores the constructs with PLS latent-variable scores. Here a construct's score is the
    mean of its items, the usual approximation outside PLS; it is near PLS's scores when the
    items of a scale load about equally. The VIFs are the diagonal of the inverse of the scores'
    correlation matrix, which is the same as the R² of the regressions above. statsmodels'
    ``variance_inflation_factor`` regresses without an intercept: it agrees when given a
    constant column (``statsmodels.api.add_constant``), or from statsmodels 0.15 with its default
    ``standardize=True``; before 0.15 (and with ``standardize=False``) it regresses the
    uncentered scores on a design without a constant and gives far larger VIFs (about 11 to 25
    instead of 1.1 to 1.2 for the example below).

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Rows with a missing answer to any item of any scale are left out
        (listwise); ``n`` in the result counts the rows used.
    scales : dict
        Construct name -> its item columns (at least two constructs, each with at least one
        item). Recode reverse-keyed items first (``min + max - x``, e.g. with
        ``analysis.data.reverse_code``), or they pull their construct's mean towards the middle.
    threshold : float
        The VIF above which a construct is flagged.

    Returns
    -------
    DataFrame
        Indexed by construct: ``n`` (rows used), ``items`` (its number of items), ``r2``,
        ``vif`` and ``over_threshold`` (``vif > threshold``).

    References
    ----------
    Kock, N. (2015). Common method bias in PLS-SEM: A full collinearity assessment approach.
    *International Journal of e-Collaboration, 11*(4), 1-10.

    Kock, N., & Lynn, G. S. (2012). Lateral collinearity and misleading results in
    variance-based SEM: An illustration and recommendations. *Journal of the Association for
    Information Systems, 13*(7), 546-580.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.cmb import full_collinearity
    >>> hs = pd.read_csv("tests/data/hs1939.csv")
    >>> scales = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
    >>> full_collinearity(hs, scales)["vif"].round(2).tolist()
    [1.16, 1.14, 1.11]
    """
    # summary(lm(score_j ~ other scores))$r.squared; car::vif(lm(y ~ ., data = scores))
    if len(scales) < 2:
        raise ValueError(f"the full collinearity test needs at least two constructs, it has {len(scales)}")
    if not threshold > 0:
        raise ValueError(f"threshold must be a VIF greater than 0, e.g. 3.3, not {threshold!r}")
    scales = {name: _item_list(items, f"scale '{name}'") for name, items in scales.items()}
    for name, items in scales.items():
        if not items:
            raise ValueError(f"scale '{name}' has no items")
    used = list(dict.fromkeys(item for items in scales.values() for item in items))
    k = len(scales)
    values = _complete(data, used, fewest=k + 1, purpose=f"the full collinearity test of {k} constructs")
    scores = pd.DataFrame({name: values[items].mean(axis=1) for name, items in scales.items()})
    vif = _vif(scores)
    table = pd.DataFrame(
        {
            "n": len(values),
            "items": [len(items) for items in scales.values()],
            "r2": 1 - 1 / vif,
            "vif": vif,
            "over_threshold": vif > threshold,
        },
        index=pd.Index(list(scales), name="construct"),
    )
    return table


def _item_list(items: Iterable[str], owner: str) -> list[str]:
    if isinstance(items, str):
        raise ValueError(f"{owner}: give the items as a list of column names, not the string {items!r}")
    items = list(items)
    twice = [item for item in dict.fromkeys(items) if items.count(item) > 1]
    if twice:
        raise ValueError(f"{owner}: item '{twice[0]}' is listed twice")
    return items


def _complete(data: pd.DataFrame, items: list[str], fewest: int, purpose: str) -> pd.DataFrame:
    """The rows complete on `items`, as floats, once there are enough and every item varies."""
    values = numeric(data, items).dropna()
    if len(values) < fewest:
        raise DataError(f"{purpose} needs at least {fewest} rows complete on its items; the data have {len(values)}")
    constant = values.columns[values.std() == 0]
    if len(constant):
        raise DataError(
            f"item '{constant[0]}' has no variance in the {len(values)} complete rows (everyone answered the same); "
            "leave it out"
        )
    return values


def _vif(scores: pd.DataFrame) -> np.ndarray:
    """Each column's VIF against the others: the diagonal of the inverse correlation matrix."""
    r = np.corrcoef(scores.to_numpy(), rowvar=False)
    if np.linalg.eigvalsh(r)[0] < 1e-10 * len(r):
        raise DataError(
            "the construct scores are perfectly collinear (one is a combination of the others, e.g. two scales "
            "with the same items); the VIFs are infinite"
        )
    return np.diag(np.linalg.inv(r))


def _one_factor_ml(r: np.ndarray, items: list[str]) -> np.ndarray:
    """Standardized loadings of one maximum-likelihood factor of the correlation matrix `r`.

    factanal's method: minimize the ML discrepancy over the uniquenesses, the loadings following
    from the first eigenvector of the rescaled matrix. factanal's default tolerance stops about
    1e-7 short of the optimum in the share; this one runs to the objective's rounding error.
    """
    if np.linalg.eigvalsh(r)[0] < 1e-10 * len(r):
        raise DataError(
            "the items' correlation matrix is singular (an item is a combination of others); "
            "the ML factor cannot be fitted, use method='pc'"
        )
    start = (1 - 0.5 / len(r)) / np.diag(np.linalg.inv(r))
    fit = minimize(
        _ml_discrepancy,
        start,
        args=(r,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(UNIQUENESS_FLOOR, 1)] * len(r),
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000},
    )
    # At a tight ftol L-BFGS-B may end "ABNORMAL" when no step lowers the objective any more; the
    # projected gradient, not the message, tells whether it stopped at the optimum.
    at_floor, gradient = fit.x <= UNIQUENESS_FLOOR, fit.jac
    projected = np.where(at_floor, np.minimum(gradient, 0), np.where(fit.x >= 1, np.maximum(gradient, 0), gradient))
    if np.abs(projected).max() > 1e-6:
        warnings.warn(
            f"the single ML factor did not converge ({fit.message}); its share is not trustworthy",
            ConvergenceWarning,
            stacklevel=3,
        )
    if at_floor.any():
        warnings.warn(
            f"item '{items[int(np.argmax(at_floor))]}' has an ML uniqueness at the floor of {UNIQUENESS_FLOOR} "
            "(Heywood case): it is near-identical to the factor; the share is not trustworthy",
            ImproperSolutionWarning,
            stacklevel=3,
        )
    return _ml_loadings(fit.x, r)[0]


def _ml_loadings(psi: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loadings that go with the uniquenesses `psi`, and the eigenvalues of the rescaled `r`."""
    root = np.sqrt(psi)
    values, vectors = np.linalg.eigh(r / np.outer(root, root))
    loadings = root * vectors[:, -1] * np.sqrt(max(values[-1] - 1, 0))
    return (loadings if loadings.sum() >= 0 else -loadings), values


def _ml_discrepancy(psi: np.ndarray, r: np.ndarray) -> tuple[float, np.ndarray]:
    """factanal's objective for one factor and its gradient in the uniquenesses `psi`."""
    loadings, values = _ml_loadings(psi, r)
    rest = values[:-1]
    value = -(np.sum(np.log(rest) - rest) - 1 + len(r))
    gradient = (loadings**2 + psi - np.diag(r)) / psi**2
    return float(value), gradient
