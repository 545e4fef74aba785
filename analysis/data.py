"""Checking and preparing the data an analysis is given."""

from __future__ import annotations

import difflib
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
    check_columns(data)
    unknown = [c for c in columns if c not in data.columns]
    if unknown:
        raise DataError(f"column '{unknown[0]}' is not in the data{close_match(unknown[0], data.columns)}")
    out = {}
    for column in columns:
        if pd.api.types.is_numeric_dtype(data[column]):
            out[column] = data[column].to_numpy(dtype=float, na_value=np.nan)
        else:
            values = pd.to_numeric(data[column], errors="coerce")
            bad = values.isna() & data[column].notna()
            if bad.any():
                row = bad.idxmax()
                raise DataError(
                    f"column '{column}' is not numeric: value {data[column][row]!r} in row {row} is not a number; "
                    f"if the answers are labels, map them to codes with value_labels={{'{column}': "
                    f"{{{data[column][row]!r}: <code>, ...}}}} (or one mapping for every column)"
                )
            out[column] = values.to_numpy(dtype=float, na_value=np.nan)
        infinite = np.isinf(out[column])
        if infinite.any():
            row = data.index[int(np.flatnonzero(infinite)[0])]
            raise DataError(f"column '{column}' has an infinite value ({out[column][infinite][0]:g}) in row {row}; "
                            "replace it by a number or by NaN (missing)")  # fmt: skip
    return pd.DataFrame(out, index=data.index)


def check_columns(data: pd.DataFrame) -> None:
    """A `DataError` naming a column name that occurs more than once (which column would be meant is unknown)."""
    repeated = data.columns[data.columns.duplicated()]
    if len(repeated):
        raise DataError(f"column name '{repeated[0]}' occurs {int((data.columns == repeated[0]).sum())} times in the "
                        "data; rename or drop the copies so that each column name is unique")  # fmt: skip


def close_match(name: str, columns: Iterable) -> str:
    """A hint for a column name that is not in the data: the close match (same letters in another case first),
    or the first columns seen (a file read with the wrong delimiter has a single, long one)."""
    seen = [str(c) for c in columns]
    same = [c for c in seen if c.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, seen, n=1, cutoff=0.75)
    if close:
        return f"; did you mean '{close[0]}'?"
    shown = ", ".join(f"'{c}'" for c in seen[:8]) + (", ..." if len(seen) > 8 else "")
    return f"; its {len(seen)} columns are {shown}"


def apply_value_labels(data: pd.DataFrame, value_labels) -> pd.DataFrame:
    """A copy of `data` with text answers replaced by their codes: `value_labels` maps label -> code for
    every column, or column -> {label: code}; a text answer not in its mapping stays (and `numeric` names it).

    Examples
    --------
    >>> apply_value_labels(pd.DataFrame({"q": ["Agree", "Disagree"]}), {"Agree": 2, "Disagree": 1}).q.tolist()
    [2, 1]
    """
    if value_labels is None:
        return data
    nested = all(isinstance(v, dict) for v in value_labels.values())
    mappings = value_labels if nested else {c: value_labels for c in data.columns if data[c].dtype == object
                                            or pd.api.types.is_string_dtype(data[c])}  # fmt: skip
    unknown = [c for c in mappings if c not in data.columns]
    if unknown:
        raise DataError(f"value_labels names column '{unknown[0]}', which is not in the data")
    out = data.copy()
    for column, mapping in mappings.items():
        labels = out[column].astype("string").str.strip()
        coded = labels.map(mapping)
        out[column] = coded.where(coded.notna() | labels.isna(), out[column]).infer_objects()
    return out


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


def reverse_keyed(data: pd.DataFrame, ins, columns: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """`data` with the reverse-keyed items of instrument `ins` among `columns` recoded on their own scale
    (``min + max - x``), and those items.

    Examples
    --------
    >>> recoded, items = reverse_keyed(data, instrument.load(), data.columns)  # doctest: +SKIP
    """
    items = [item for item in ins.reverse_keyed if item in set(columns)]
    for item in items:
        codes = ins.scale_of(item).codes
        data = reverse_code(data, [item], (min(codes), max(codes)))
    return data, items


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
    value is far outside when it lies more than that span beyond them and off any 0-10 scale (-9, -99,
    99, 999: a skewed item's rare 1 is an answer). `scale_range` catches the rest (9 on a 1-5 scale).

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
            outside = values[((values < low - span) | (values > high + span)) & ((values < 0) | (values > 10))]
            where = f"far outside its other values {low:g} to {high:g}"
        if len(outside):
            seen = ", ".join(f"{v:g}" for v in sorted(outside.unique()))
            warnings.warn(
                f"column '{column}' holds {seen} ({len(outside)} cells), {where}; if these are missing-value "
                f"codes, pass na_values=[{seen}]",
                DataWarning,
                stacklevel=3,
            )
