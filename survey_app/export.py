"""Writing the response frame as CSV, Excel, SPSS, Stata or Parquet, with its codebook beside it.

Every format holds one row per respondent under the codebook's variable names, the metadata
columns (status, simulated, instrument version and hash, timings, ...) and the careless-responding
indices of `survey_app.quality` as ``qc_*`` columns (flags for a person to look at; no row is
dropped). Missing answers keep their codes in every format:

========  ===================================================================================
format    missing answers
========  ===================================================================================
csv       the negative codes (-1 not shown, -2 skipped, -3 don't know, -4 dropped out)
xlsx      the same codes; text cells stay text, never formulas
sav       the same codes, declared user-missing (one range over the codes) and value-labelled
dta       labelled extended missing values, in the order of the instrument's codes: .a = -1
          not shown, .b = -2 skipped, .c = -3 don't know, .d = -4 dropped out
parquet   the same codes, with pandas' column types
========  ===================================================================================

Open answers are exported exactly as typed, except in CSV, the format spreadsheets open without
asking: there every text field is quoted (so a line break or a lone carriage return inside an
answer cannot split a row), and text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'``, as OWASP advises against CSV (formula) injection, so that a spreadsheet
shows it as text instead of running it. ``analysis.load`` of such a CSV returns the text with the
``'``; the database, XLSX (text cells are strings, never formulas), SPSS, Stata and Parquet keep
the exact text.

SPSS and Stata files carry variable labels and value labels from the instrument's codebook;
``<stem>_codebook.csv`` beside the data file lists every column with its label, wording, values
and missing codes.

Examples
--------
>>> from survey_app import export, storage
>>> frame = storage.responses_frame("sqlite:///survey.db")  # doctest: +SKIP
>>> export.write(frame, "out/responses.sav")  # doctest: +SKIP
[PosixPath('out/responses.sav'), PosixPath('out/responses_codebook.csv')]
"""

from __future__ import annotations

import csv
import re
import string
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyreadstat
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

import instrument as instrument_pkg
from instrument.codebook import COLUMNS as CODEBOOK_COLUMNS
from instrument.codebook import ORDER_PREFIX, PAGE_PREFIX, _labels_text, render
from instrument.schema import TEXT_TYPES

from . import quality

FORMATS = ("csv", "xlsx", "sav", "dta", "parquet")
YES_NO = {0: "No", 1: "Yes"}
META = {
    "respondent_id": "Respondent id (random, public)",
    "status": "Response status: complete, partial or screened_out",
    "simulated": "Simulated respondent stored by socialimp seed, not a real answer",
    "access": "Access mode: open link or invitation token",
    "instrument_version": "Version of the instrument answered",
    "instrument_hash": "Content hash of the instrument answered (first 12 hex digits)",
    "started_at": "Started at (ISO 8601, UTC)",
    "completed_at": "Completed at (ISO 8601, UTC; empty if not complete)",
    "duration_s": "Seconds from the welcome page to completion",
    "seed": "Seed of the randomized item order",
    "honeypot": "Hidden honeypot field filled in (bot suspect)",
}
"""Variable labels of the export frame's metadata columns."""
QC_PREFIX = "qc_"
QC = {
    "longstring": "Quality: longest run of identical answers to the rating items",
    "irv": "Quality: intra-individual response variability (SD over the rating items)",
    "mahalanobis": "Quality: squared Mahalanobis distance over the rating items answered",
    "even_odd": "Quality: even-odd inconsistency (higher = less consistent)",
    "speeding_pages": "Quality: pages answered faster than 2 s per item shown",
    "failed_checks": "Quality: attention checks answered wrongly",
    "bot_suspect": "Quality: suspected bot (honeypot filled in or implausibly fast)",
    "flagged": "Quality: at least one careless-responding rule tripped",
}
"""Variable labels of the `survey_app.quality.indices` columns, exported with the ``qc_`` prefix."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet takes a cell starting with one of these for a formula (OWASP: CSV injection)."""
STATA_MISSING = string.ascii_lowercase
EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters a worksheet cannot hold (openpyxl refuses them); they are dropped from text."""
SPSS_DISCRETE_MISSING = 3
"""SPSS declares at most three discrete user-missing values per variable, or one range and one value."""


class ExportError(ValueError):
    """A frame that cannot be exported as asked, or a file that cannot be written."""


def write(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    format: str | None = None,
    instrument: instrument_pkg.Instrument | None = None,
    quality_columns: bool = True,
) -> list[Path]:
    """Write the response frame and its codebook; returns the files written, data file first.

    Parameters
    ----------
    frame : DataFrame
        The export frame of ``survey_app.storage.responses_frame``: one row per respondent,
        missing answers as the instrument's negative codes.
    path : str or Path
        The data file; the codebook goes beside it as ``<stem>_codebook.csv``. Missing folders
        are created.
    format : {"csv", "xlsx", "sav", "dta", "parquet"}, optional
        Default: from the suffix of `path`.
    instrument : Instrument, optional
        The instrument the answers were given to (labels and codes come from it); default the
        bundled one. Refused if the frame's ``instrument_hash`` says otherwise.
    quality_columns : bool
        Append the careless-responding indices of `survey_app.quality.indices` as ``qc_*``.

    Returns
    -------
    list of Path
        ``[data file, codebook]``.

    Examples
    --------
    >>> write(frame, "responses.dta")  # doctest: +SKIP
    [PosixPath('responses.dta'), PosixPath('responses_codebook.csv')]
    """
    ins = instrument or instrument_pkg.load()
    path = Path(path)
    fmt = _format(path, format)
    _check_instrument(frame, ins)
    if quality_columns:
        frame = with_quality(frame, ins)
    book = codebook(frame, ins)
    book_path = path.with_name(f"{path.stem}_codebook.csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        WRITERS[fmt](frame, path, book, ins)
        book_path.write_text(_codebook_csv(book), encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            f"cannot write {exc.filename or path}: {exc.strerror or exc}; choose a writable folder and file name"
        ) from None
    return [path, book_path]


def with_quality(frame: pd.DataFrame, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    """The frame with `survey_app.quality.indices` appended as ``qc_*`` columns, row for row."""
    table = quality.indices(frame, ins)
    table.index = frame.index
    return pd.concat([frame, table.add_prefix(QC_PREFIX)], axis=1)


def codebook(frame: pd.DataFrame, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    """One row per column of `frame`, in its order: the instrument's codebook plus metadata rows.

    Adds ``missing_values`` (code -> meaning) to the instrument's codebook columns; the
    metadata, paradata (page timings, display orders) and ``qc_*`` columns get type ``meta``,
    ``paradata`` and ``quality``.

    Examples
    --------
    >>> codebook(frame, instrument.load()).set_index("variable").loc["inf_1", "missing_values"]  # doctest: +SKIP
    {-1: 'Not shown (routed past)', -2: 'Seen but not answered', ...}
    """
    known = ins.codebook().set_index("variable")
    missing = {spec.code: spec.label for _, spec in ins.spec.missing_codes}
    coded, yes_no = set(_answer_columns(frame, ins)), set(_yes_no(frame))
    sections = {section.id: section.title for section in ins.sections}
    rows = []
    for column in frame.columns:
        if column in known.index:
            row = known.loc[column].to_dict()
        else:
            label, kind = _other_column(column, sections)
            row = {"label": label, "type": kind, "value_labels": YES_NO if column in yes_no else {}}
        rows.append({"variable": column, **row, "missing_values": missing if column in coded else {}})
    return pd.DataFrame(rows, columns=[*CODEBOOK_COLUMNS, "missing_values"])


def _other_column(column: str, sections: dict[str, str]) -> tuple[str | None, str]:
    if column in META:
        return META[column], "meta"
    if column.startswith(PAGE_PREFIX) and column.removeprefix(PAGE_PREFIX) in sections:
        return f"Seconds on page: {sections[column.removeprefix(PAGE_PREFIX)]}", "paradata"
    if column.startswith(ORDER_PREFIX) and column.removeprefix(ORDER_PREFIX) in sections:
        return f"Items in the order shown on page: {sections[column.removeprefix(ORDER_PREFIX)]}", "paradata"
    if column.startswith(QC_PREFIX) and column.removeprefix(QC_PREFIX) in QC:
        return QC[column.removeprefix(QC_PREFIX)], "quality"
    return None, "other"


def _codebook_csv(book: pd.DataFrame) -> str:
    return render(book.assign(missing_values=book["missing_values"].map(_labels_text)), "csv")


def _format(path: Path, fmt: str | None) -> str:
    if fmt is None:
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise ValueError(
                f"cannot tell the format of '{path.name}' from its suffix; name the file .{', .'.join(FORMATS)} "
                "or pass format="
            )
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


def _check_instrument(frame: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    """Refuse labelling answers with another instrument's labels."""
    if "instrument_hash" not in frame.columns:
        return
    others = sorted(set(frame["instrument_hash"].astype(str)) - {ins.short_hash})
    if others:
        raise ExportError(
            f"the frame holds answers to instrument hash {', '.join(others)}, but the labels would come from "
            f"{ins.id} {ins.version} (hash {ins.short_hash}); pass instrument= the instrument those answers were "
            "given to, or export each version's respondents separately"
        )


def _yes_no(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]


def _answer_columns(frame: pd.DataFrame, ins: instrument_pkg.Instrument) -> list[str]:
    """Columns holding coded answers (not text): these carry the missing-value codes."""
    coded = {v for item in ins.items.values() if item.type not in TEXT_TYPES for v in item.variables}
    return [c for c in frame.columns if c in coded]


def _numeric_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as 0/1 and nullable numbers as floats, which SPSS and Stata writers take."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.astype("int8")
        elif pd.api.types.is_numeric_dtype(values) and pd.api.types.is_extension_array_dtype(values):
            out[column] = values.astype("float64")
        elif not pd.api.types.is_numeric_dtype(values):
            # readstat stores strings only from object columns; Stata and SPSS write no missing string, just "".
            out[column] = values.astype(object).where(values.notna(), "").astype(object)
    return out


def _value_labels(book: pd.DataFrame) -> dict[str, dict]:
    return {
        row.variable: {**row.value_labels, **row.missing_values}
        for row in book.itertuples()
        if row.value_labels or row.missing_values
    }


def _measures(frame: pd.DataFrame, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> dict[str, str]:
    """SPSS measurement level of each column: from the item type, else nominal for text and flags."""
    levels = {"likert": "ordinal", "multi": "nominal", "integer": "scale", "text": "nominal", "country": "nominal"}
    out = {}
    for row in book.itertuples():
        if row.type == "choice":
            out[row.variable] = ins.scales[row.scale].kind
        elif row.type in levels:
            out[row.variable] = levels[row.type]
        else:
            numeric = pd.api.types.is_numeric_dtype(frame[row.variable]) and not row.value_labels
            out[row.variable] = "scale" if numeric else "nominal"
    return out


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding text (answers, ids, timestamps, display orders), as opposed to numbers and flags."""
    return [column for column in frame.columns if not pd.api.types.is_numeric_dtype(frame[column])]


def neutralise(values: pd.Series) -> pd.Series:
    """Text a spreadsheet would run as a formula, with a leading ``'`` so that it shows as text (OWASP).

    Examples
    --------
    >>> neutralise(pd.Series(["=1+1", "-", "fine"])).tolist()
    ["'=1+1", "'-", 'fine']
    """
    risky = values.str.startswith(FORMULA_START, na=False)
    return values.mask(risky, "'" + values[risky])


def _write_csv(frame: pd.DataFrame, path: Path, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    safe = frame.assign(**{column: neutralise(frame[column].astype(object)) for column in _text_columns(frame)})
    # Every text field quoted: a lone carriage return is no line terminator of ours, so minimal quoting misses it.
    safe.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)


def _write_xlsx(frame: pd.DataFrame, path: Path, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.freeze_panes = "B2"
    sheet.append(list(frame.columns))
    text = [frame.columns.get_loc(column) for column in _text_columns(frame)]
    for row in frame.astype(object).where(frame.notna(), None).to_numpy():
        for k in text:
            if isinstance(row[k], str):
                # A free-text answer starting with "=" must stay text, never become a live formula.
                row[k] = WriteOnlyCell(sheet, EXCEL_ILLEGAL.sub("", row[k]))
                row[k].data_type = "s"
        sheet.append(list(row))
    workbook.save(path)


def _write_sav(frame: pd.DataFrame, path: Path, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    codes = sorted(ins.missing_codes.values())
    answers = _answer_columns(frame, ins)
    valid = dict(zip(book["variable"], book["value_labels"], strict=True))
    ranges = {column: _spss_missing(column, codes, valid[column]) for column in answers}
    _readstat(
        pyreadstat.write_sav,
        _numeric_types(frame),
        path,
        file_label=f"{ins.title} {ins.version}"[:64],
        column_labels=dict(zip(book["variable"], book["label"], strict=True)),
        variable_value_labels=_value_labels(book),
        missing_ranges=ranges,
        variable_measure=_measures(frame, book, ins),
        variable_format=dict.fromkeys([*answers, *_yes_no(frame)], "F8.0"),
    )


def _spss_missing(column: str, codes: list[int], valid: dict) -> list:
    if len(codes) <= SPSS_DISCRETE_MISSING:
        return codes
    inside = [code for code in valid if codes[0] <= code <= codes[-1] and code not in codes]
    if inside:
        raise ExportError(
            f"variable '{column}' has the valid answer {inside[0]} among the missing codes {codes}; SPSS can declare "
            "them missing only as one range: give the instrument missing codes outside every scale"
        )
    return [{"lo": codes[0], "hi": codes[-1]}]


def _write_dta(frame: pd.DataFrame, path: Path, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    letters = dict(zip(ins.missing_codes.values(), STATA_MISSING, strict=False))
    data = _numeric_types(frame)
    answers = _answer_columns(frame, ins)
    labels = _value_labels(book)
    for column in answers:
        # An object column of numbers and letters is how readstat takes Stata's extended missing values.
        data[column] = [None if pd.isna(value) else letters.get(value, value) for value in data[column]]
        labels[column] = {letters.get(code, code): f"{text} [{code}]" if code in letters else text
                          for code, text in labels[column].items()}  # fmt: skip
    _readstat(
        pyreadstat.write_dta,
        data,
        path,
        # Stata 14's format (118): readstat's Stata 15 files lose long strings in other readers.
        version=14,
        file_label=f"{ins.title} {ins.version}"[:80],
        column_labels={row.variable: (row.label or "")[:80] for row in book.itertuples()},
        variable_value_labels=labels,
        missing_user_values={column: list(letters.values()) for column in answers},
    )


def _readstat(writer: Callable, data: pd.DataFrame, path: Path, **options) -> None:
    try:
        writer(data, str(path), **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise ExportError(f"cannot write {path.name}: {exc}") from None


def _write_parquet(frame: pd.DataFrame, path: Path, book: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


WRITERS: dict[str, Callable[[pd.DataFrame, Path, pd.DataFrame, instrument_pkg.Instrument], None]] = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "sav": _write_sav,
    "dta": _write_dta,
    "parquet": _write_parquet,
}
