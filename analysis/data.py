"""Checking and preparing the data an analysis is given."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import DataError, DataWarning


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


def missing_codes(data: pd.DataFrame, na_values) -> pd.DataFrame:
    """A copy of `data` with the missing-value codes `na_values` as NaN, as pandas' ``read_csv(na_values=)``.

    `na_values`: a number, a list of numbers (every column), or a dict column -> number(s).

    Examples
    --------
    >>> missing_codes(pd.DataFrame({"a": [1, -99], "b": [-9, 2]}), {"a": -99}).a.isna().tolist()
    [False, True]
    """
    if na_values is None:
        return data
    if isinstance(na_values, dict):
        unknown = [c for c in na_values if c not in data.columns]
        if unknown:
            raise DataError(f"na_values names column '{unknown[0]}', which is not in the data")
        codes = {column: _codes(values) for column, values in na_values.items()}
    else:
        codes = dict.fromkeys(data.columns, _codes(na_values))
    out = data.copy()
    for column, values in codes.items():
        out[column] = out[column].mask(out[column].isin(values))
    return out


def _codes(values) -> list:
    return [values] if np.isscalar(values) else list(values)


def warn_outliers(data: pd.DataFrame, columns: Iterable[str], scale_range: tuple[float, float] | None = None) -> None:
    """Warn (`DataWarning`) of a Likert-looking column holding values far outside the rest, or outside
    `scale_range`: a missing-value code (-99, 99) fitted as an answer, say.

    A column is Likert-looking when its central 98% are whole numbers spanning at most 10 points; a
    value is far outside when it lies more than that span beyond them.

    Examples
    --------
    >>> warn_outliers(pd.DataFrame({"a": [1, 2, 3, 4, -99] * 20}), ["a"])  # doctest: +SKIP
    DataWarning: column 'a' holds -99 (20 cells), far outside its other values 1 to 4; ...
    """
    for column in columns:
        values = pd.to_numeric(data[column], errors="coerce").dropna().astype(float)
        if values.empty:
            continue
        if scale_range is not None:
            low, high = scale_range
            outside = values[(values < low) | (values > high)]
            where = f"outside scale_range {tuple(scale_range)}"
        else:
            low, high = values.quantile(0.01), values.quantile(0.99)
            core = values[(values >= low) & (values <= high)]
            span = high - low
            if not (core % 1 == 0).all() or not 0 < span <= 10:
                continue
            outside = values[(values < low - span) | (values > high + span)]
            where = f"far outside its other values {low:g} to {high:g}"
        if len(outside):
            seen = ", ".join(f"{v:g}" for v in sorted(outside.unique()))
            warnings.warn(
                f"column '{column}' holds {seen} ({len(outside)} cells), {where}; if these are missing-value "
                f"codes, pass na_values=[{seen}]",
                DataWarning,
                stacklevel=3,
            )
