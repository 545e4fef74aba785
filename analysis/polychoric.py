"""`analysis.polychoric()`: thresholds and polychoric (and polyserial) correlations, as lavaan's ``lavCor``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import numeric
from .errors import DataError
from .sem import polychoric as two_step


@dataclass(frozen=True)
class PolychoricResult:
    """The correlation matrix, the thresholds (one row per ordinal item and threshold) and the rows used."""

    cor: pd.DataFrame
    thresholds: pd.DataFrame
    n: int
    dropped: int


def polychoric(
    data: pd.DataFrame, items: Iterable[str], missing: str = "listwise", ordered: Iterable[str] | None = None
) -> PolychoricResult:
    """Polychoric correlations of ordinal `items` by lavaan's two-step estimator; polyserial and Pearson
    correlations of the items not in `ordered` (None: all are ordinal), which are continuous.

    `missing`: "listwise" uses the rows complete on `items`; "pairwise" each item's answers for its
    thresholds and the rows answering both items for a correlation (lavaan's ``missing =``; a
    continuous item then needs complete values).

    Thresholds are ``qnorm`` of each item's cumulative proportions; each pair's correlation is then the
    maximum-likelihood estimate from its contingency table with the thresholds held fixed. lavaan:
    ``lavCor(data[items], ordered = items)`` and ``lavCor(..., output = "th")``; psych's
    ``polychoric(data[items])$rho`` agrees to about 1e-5 (it maximises the likelihood its own way).
    The categories of an item are the distinct values it takes, in order. A continuous item's
    polyserial correlation with an ordinal one is the maximum-likelihood estimate with its mean and
    variance from its values and the thresholds held fixed (lavaan's ``lavCor(data[items], ordered =)``).

    Examples
    --------
    >>> import analysis
    >>> data = pd.DataFrame({"a": [1, 2, 2, 3, 1, 3, 2, 1], "b": [1, 2, 3, 3, 1, 2, 2, 2]})
    >>> res = analysis.polychoric(data, ["a", "b"])
    >>> res.thresholds.name.tolist()
    ['a|t1', 'a|t2', 'b|t1', 'b|t2']
    >>> bool(res.cor.loc["a", "b"] > 0)
    True
    >>> data["c"] = [0.4, 1.2, 2.9, 2.1, 0.3, 2.5, 1.9, 1.1]
    >>> analysis.polychoric(data, ["a", "b", "c"], ordered=["a", "b"]).thresholds.item.unique().tolist()
    ['a', 'b']
    """
    items = list(items)
    if len(items) < 2:
        raise ValueError("polychoric needs at least two items")
    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    ordered = items if ordered is None else list(ordered)
    unknown = [item for item in ordered if item not in items]
    if unknown:
        raise ValueError(f"ordered item '{unknown[0]}' is not among items")
    values = numeric(data, items)
    complete = values.notna().all(axis=1) if missing == "listwise" else values.notna().any(axis=1)
    continuous = [item for item in items if item not in ordered]
    gaps = [item for item in continuous if values.loc[complete, item].isna().any()]
    if gaps:
        raise DataError(f"column '{gaps[0]}' is continuous and has missing values: lavaan's pairwise correlations "
                        "with it are not reproduced; use missing='listwise'")  # fmt: skip
    codes, levels = two_step.codes(values[complete].to_numpy())
    for item, found in zip(items, levels, strict=True):
        if item in continuous and len(found) < 2:
            raise DataError(f"column '{item}' is continuous and constant on the rows used: it has no correlation")
        if len(found) < 2:
            raise DataError(f"column '{item}' has {len(found)} distinct value(s) on the rows used; an ordinal "
                            "item needs at least two categories")  # fmt: skip
    try:
        fit = two_step.estimate(codes, values[complete].to_numpy() * np.where(values.columns.isin(ordered), np.nan, 1))
    except two_step.EmptyCellError as error:
        raise DataError(
            f"items '{items[error.j]}' and '{items[error.i]}' are binary with an empty cell in their 2 x 2 table; "
            "lavaan adds 0.5 to it, which is not reproduced: merge or drop one of them"
        ) from None
    rows = [(item, k + 1, f"{item}|t{k + 1}", value) for item, t in zip(items, fit.thresholds, strict=True)
            for k, value in enumerate(t)]  # fmt: skip
    return PolychoricResult(
        cor=pd.DataFrame(fit.cor, index=items, columns=items),
        thresholds=pd.DataFrame(rows, columns=["item", "threshold", "name", "value"]),
        n=int(complete.sum()),
        dropped=int((~complete).sum()),
    )
