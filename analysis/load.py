"""Reading survey data for analysis: the web survey's database, its exports, or any data file.

`load` returns the frame the analysis expects, whatever the source: one row per respondent,
the instrument's missing-value codes turned into NaN, answers as nullable integers, open text as
strings, and ``attrs`` saying where the data came from.

Real and simulated respondents (``socialimp seed``) are never mixed silently: when a source holds
both, `load` refuses until ``include_simulated`` says which to analyse.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

import instrument as instrument_pkg
from instrument.codebook import ORDER_PREFIX, PAGE_PREFIX
from instrument.schema import TEXT_TYPES

from .data import apply_value_labels, check_columns, missing_codes, numeric
from .errors import DataError

TEXT_META = ("respondent_id", "status", "access", "instrument_version", "instrument_hash", "started_at", "completed_at")
FLAGS = ("simulated", "honeypot", "qc_bot_suspect", "qc_flagged")
COUNTS = ("seed", "qc_longstring", "qc_speeding_pages", "qc_failed_checks")
KINDS = {".csv": "CSV", ".xlsx": "Excel", ".sav": "SPSS", ".dta": "Stata", ".parquet": "Parquet"}
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")
CSV_MISSING = ["", "NA", "NaN", "nan"]
"""Empty cells and R's NA are missing in the numeric columns of a CSV or Excel file; text columns keep them."""


def load(
    source: str | Path | pd.DataFrame,
    *,
    instrument: instrument_pkg.Instrument | None = None,
    include_simulated: bool | None = None,
    na_values=None,
    value_labels: dict | None = None,
) -> pd.DataFrame:
    """Survey data ready for analysis, one row per respondent.

    Parameters
    ----------
    source : str, Path or DataFrame
        A data file (``.csv``, ``.xlsx``, ``.sav``, ``.dta``, ``.parquet``): an export of
        ``socialimp export`` or any file with the codebook's column names; a database URL
        (``sqlite:///survey.db``, ``postgresql+psycopg://user@host/db``) read through
        ``survey_app.storage.responses_frame``; or such a frame itself.
    instrument : Instrument, optional
        Whose codebook gives the columns, scales and missing-value codes; default the bundled one.
    include_simulated : bool, optional
        True keeps simulated respondents, False drops them. None (the default) keeps whatever the
        source holds, but refuses a source holding both real and simulated respondents, unless
        the source is a frame `load` returned before (its choice is kept in ``attrs``).
    na_values : number, list or dict, optional
        Missing-value codes of the source (``-99``, ``[-99, -9]``, or per column ``{"A1": -9}``), read as
        NA, as pandas' ``read_csv(na_values=)``; the instrument's own codes are always NA.
    value_labels : dict, optional
        Text answers -> codes, for every text column (``{"Very inaccurate": 1, ..., "Very accurate": 6}``)
        or per column (``{"A1": {...}}``); labels are matched after stripping blanks.

    Returns
    -------
    DataFrame
        The source's columns, with answers to numeric items as ``Int64`` (the instrument's
        missing codes, SPSS user-missing values and Stata's ``.a``-``.d`` as NA), open text and
        metadata text as ``string`` (empty answers NA), flags such as ``simulated`` as bool.
        ``attrs``: ``source``; ``include_simulated`` as chosen; ``instrument_version`` and
        ``instrument_hash`` as recorded in the data (comma-separated if several; None if not
        recorded); ``n_real`` and ``n_simulated`` in the source before any were dropped (None
        without a ``simulated`` column).

    Examples
    --------
    >>> import analysis
    >>> data = analysis.load("responses.sav")  # doctest: +SKIP
    >>> data = analysis.load("sqlite:///instance/survey.db", include_simulated=False)  # doctest: +SKIP
    >>> data.attrs["n_simulated"], data.attrs["instrument_version"]  # doctest: +SKIP
    (300, '1.0.0')
    """
    ins = instrument or instrument_pkg.load()
    if include_simulated not in (None, True, False):
        raise ValueError(f"include_simulated must be True, False or None, not {include_simulated!r}")
    if include_simulated is None and isinstance(source, pd.DataFrame):
        include_simulated = source.attrs.get("include_simulated")  # a frame loaded before keeps its choice
    frame, name = _read(source, ins)
    check_columns(frame)
    frame = missing_codes(apply_value_labels(frame, value_labels), na_values)
    frame, counts = _select_simulated(frame, include_simulated, name)
    frame = _typed(frame, ins, name)
    if "respondent_id" in frame.columns and frame["respondent_id"].duplicated().any():
        duplicate = frame["respondent_id"][frame["respondent_id"].duplicated()].iloc[0]
        raise DataError(f"{name}: respondent_id '{duplicate}' occurs more than once; one row per respondent expected")
    frame.attrs = {
        "source": name,
        "include_simulated": include_simulated,
        "instrument_version": _recorded(frame, "instrument_version"),
        "instrument_hash": _recorded(frame, "instrument_hash"),
        **counts,
    }
    return frame


def is_database_url(source) -> bool:
    """Whether `source` names a database (``sqlite:///...``, ``postgresql+psycopg://...``) rather than a file."""
    return isinstance(source, str) and source.split(":", 1)[0].split("+", 1)[0] in DATABASE_SCHEMES


def _read(source, ins: instrument_pkg.Instrument) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), "the data frame"
    if is_database_url(source):
        return _read_database(source, ins)
    if not isinstance(source, str | Path):
        raise DataError(f"source must be a file path, a database URL or a DataFrame, not {type(source).__name__}")
    path = Path(source)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"cannot read '{path.name}': unknown file type '{path.suffix}'; give a "
            f"{', '.join(KINDS)} file or a database URL such as sqlite:///survey.db"
        )
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    try:
        return _READERS[path.suffix.lower()](path, ins), str(path)
    except Exception as exc:  # each reader has its own exceptions for a damaged file; all mean the same here
        raise DataError(f"cannot read {path} as a {kind} file: {exc}") from None


def _read_database(url: str, ins: instrument_pkg.Instrument) -> tuple[pd.DataFrame, str]:
    # Imported here so that `import analysis` never imports the web survey's packages.
    from sqlalchemy.engine import make_url

    from survey_app.export import with_quality
    from survey_app.storage import StorageError, responses_frame

    parsed = make_url(url)
    name = parsed.render_as_string(hide_password=True)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    if on_disk and not Path(parsed.database).is_file():  # connecting would create an empty database there
        raise DataError(f"database file {parsed.database} does not exist (from {name})")
    try:
        frame = responses_frame(url, include_simulated=True, instrument=ins)
    except StorageError as exc:
        raise DataError(str(exc)) from None
    # The careless-responding flags, as every export carries them: a database reads like its export.
    return with_quality(frame, ins), name


def _read_csv(path: Path, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    """A CSV file with its delimiter sniffed (``,`` ``;`` tab or ``|``: a European spreadsheet writes ``;``)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(64_000)
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:  # one column: no delimiter to find
        delimiter = ","
    names = next(csv.reader([sample.split("\n", 1)[0].rstrip("\r")], delimiter=delimiter), [])
    check_columns(pd.DataFrame(columns=names))
    header = pd.read_csv(path, nrows=0, sep=delimiter).columns
    return pd.read_csv(path, sep=delimiter, **_text_kept(header, ins))


def _read_xlsx(path: Path, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    header = pd.read_excel(path, nrows=0, engine="openpyxl").columns
    return pd.read_excel(path, engine="openpyxl", **_text_kept(header, ins))


def _text_kept(header: pd.Index, ins: instrument_pkg.Instrument) -> dict:
    """Reader options keeping text columns as written: a country code NA (Namibia) is an answer, not a gap."""
    text = set(_text_columns(ins))
    return {
        "dtype": dict.fromkeys((c for c in header if c in text), str),
        "keep_default_na": False,
        "na_values": {c: CSV_MISSING for c in header if c not in text},
    }


def _read_sav(path: Path, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    return pyreadstat.read_sav(path)[0]  # user-missing values come back as NaN


def _read_dta(path: Path, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    return pyreadstat.read_dta(path)[0]  # extended missing values (.a-.z) come back as NaN


_READERS = {
    ".csv": _read_csv,
    ".xlsx": _read_xlsx,
    ".sav": _read_sav,
    ".dta": _read_dta,
    ".parquet": lambda path, ins: pd.read_parquet(path, engine="pyarrow"),
}


def _text_columns(ins: instrument_pkg.Instrument) -> list[str]:
    answers = [v for item in ins.items.values() if item.type in TEXT_TYPES for v in item.variables]
    orders = [f"{ORDER_PREFIX}{s.id}" for s in ins.sections if s.randomize]
    return [*TEXT_META, *answers, *orders]


def _select_simulated(frame: pd.DataFrame, include_simulated: bool | None, name: str) -> tuple[pd.DataFrame, dict]:
    if "simulated" not in frame.columns:
        if include_simulated is False:
            raise DataError(
                f"{name} has no 'simulated' column, so simulated respondents cannot be told apart; "
                "leave include_simulated unset to analyse every row"
            )
        return frame, {"n_real": None, "n_simulated": None}
    simulated = _as_bool(frame["simulated"], "simulated", name)
    counts = {"n_real": int((~simulated).sum()), "n_simulated": int(simulated.sum())}
    if include_simulated is None and counts["n_real"] and counts["n_simulated"]:
        raise DataError(
            f"{name} holds {counts['n_real']} real and {counts['n_simulated']} simulated respondents; read it with "
            "analysis.load(source, include_simulated=False) to analyse the real ones only, or "
            "include_simulated=True to analyse both"
        )
    if include_simulated is False:
        frame = frame[~simulated.to_numpy()].reset_index(drop=True)
    return frame, counts


def _typed(frame: pd.DataFrame, ins: instrument_pkg.Instrument, name: str) -> pd.DataFrame:
    out = frame.copy()
    present = [item for item in ins.items.values() if any(v in out.columns for v in item.variables)]
    coded = [v for item in present if item.type not in TEXT_TYPES for v in item.variables if v in out.columns]
    if coded:
        out[coded] = _answers(out, present, coded, ins, name)
    for column in out.columns.intersection(_text_columns(ins)):
        out[column] = _text(out[column])
    for column in out.columns.intersection(FLAGS):
        out[column] = _as_bool(out[column], column, name)
    for column in out.columns.intersection(COUNTS):
        out[column] = _whole_numbers(numeric(out, [column])[column], column, name)
    timings = [c for c in out.columns if c == "duration_s" or c.startswith(PAGE_PREFIX)]
    if timings:
        out[timings] = numeric(out, timings)
    return out


def _answers(frame: pd.DataFrame, items: list, coded: list[str], ins: instrument_pkg.Instrument, name: str):
    """The coded answer columns as Int64, missing codes as NA; a `DataError` for any value outside its item."""
    codes = sorted(ins.missing_codes.values(), reverse=True)
    values = numeric(frame, coded)
    values = values.mask(values.isin(codes))
    for item in items:
        if item.type in TEXT_TYPES:
            continue
        description, outside = _outside(item, ins)
        for column in (v for v in item.variables if v in values.columns):
            bad = values[column].notna() & outside(values[column])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                who = f" (respondent {frame['respondent_id'].iloc[row]})" if "respondent_id" in frame.columns else ""
                raise DataError(
                    f"{name}: column '{column}' has {values[column].iloc[row]:g} in row {row}{who}; its answers "
                    f"are {description} and its missing codes {', '.join(map(str, codes))}"
                )
    return values.astype("Int64")


def _outside(item, ins: instrument_pkg.Instrument):
    """How to describe the item's answers, and a test for values that are not among them."""
    if item.type == "integer":
        return (
            f"a whole number from {item.min} to {item.max}",
            lambda values: values.lt(item.min) | values.gt(item.max) | (values % 1 != 0),
        )
    allowed = [0, 1] if item.type == "multi" else ins.scales[item.scale].codes
    description = "0 or 1" if item.type == "multi" else f"one of {', '.join(map(str, allowed))}"
    return description, lambda values: ~np.isin(values.to_numpy(), allowed)


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    return text.mask(text.eq("").fillna(False))


def _as_bool(values: pd.Series, column: str, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool)
    words = values.astype("string").str.strip().str.lower()
    truth = words.map({"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False})
    if truth.isna().any():
        row = int(np.flatnonzero(truth.isna().to_numpy())[0])
        raise DataError(f"{name}: column '{column}' has {values.iloc[row]!r} in row {row}; expected True or False")
    return truth.astype(bool)


def _whole_numbers(values: pd.Series, column: str, name: str) -> pd.Series:
    fractional = values.notna() & (values % 1 != 0)
    if fractional.any():
        row = int(np.flatnonzero(fractional.to_numpy())[0])
        raise DataError(f"{name}: column '{column}' has {values.iloc[row]:g} in row {row}; expected a whole number")
    return values.astype("Int64")


def _recorded(frame: pd.DataFrame, column: str) -> str | None:
    if column not in frame.columns:
        return None
    seen = frame[column].dropna().unique()
    return ", ".join(map(str, seen)) if len(seen) else None
