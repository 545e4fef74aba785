"""Checking and preparing the data an analysis is given."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import DataError


def numeric(data: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The named columns as floats (missing as NaN), or a `DataError` naming what is wrong.

    Examples
    --------
    >>> numeric(pd.DataFrame({"a": [1, 2], "b": ["x", "3"]}), ["a", "b"])  # doctest: +SKIP
    DataError: column 'b' is not numeric: value 'x' in row 0 is not a number
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    columns = list(columns)
    unknown = [c for c in columns if c not in data.columns]
    if unknown:
        raise DataError(f"column '{unknown[0]}' is not in the data; it has {len(data.columns)} columns")
    out = {}
    for column in columns:
        if pd.api.types.is_numeric_dtype(data[column]):
            out[column] = data[column].to_numpy(dtype=float, na_value=np.nan)
            continue
        values = pd.to_numeric(data[column], errors="coerce")
        bad = values.isna() & data[column].notna()
        if bad.any():
            row = bad.idxmax()
            raise DataError(
                f"column '{column}' is not numeric: value {data[column][row]!r} in row {row} is not a number"
            )
        out[column] = values.to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(out, index=data.index)


def reverse_code(data: pd.DataFrame, items: Iterable[str], scale_range: tuple[float, float]) -> pd.DataFrame:
    """A copy of `data` with `items` recoded as ``min + max - x``."""
    low, high = scale_range
    out = data.copy()
    for item in items:
        if item not in out.columns:
            raise DataError(f"reverse-keyed item '{item}' is not among the scale items")
        outside = out[item].lt(low) | out[item].gt(high)
        if outside.any():
            raise DataError(f"item '{item}' has value {out[item][outside].iloc[0]:g} outside scale_range {scale_range}")
        out[item] = low + high - out[item]
    return out
