"""Careless-responding indices per respondent, shown to the admin and exported as flags.

The indices follow Curran (2016) and are computed as R's ``careless`` package 1.2.2 computes them
(pinned in ``tests/test_quality.py``). They are computed over the instrument's *rating items*: the
Likert items that belong to a construct, in codebook order (the frame does not carry each
respondent's randomized display order, so runs are counted in the order of the codebook).
Attention checks are scored separately (``failed_checks``); the standalone frequency and contact
items are behavioural reports, not attitudes, and stay out.

Missing-value codes (the instrument's negative codes) and NaN are missing, never answers: a
missing answer ends a run of identical answers and is left out of every mean, SD and correlation.
The Mahalanobis norm (means and pairwise covariances) comes from the respondents who completed
the survey; a respondent with missing answers is measured over the items answered. A page's
speed is judged against the items shown on it (an item whose every column is coded "not shown"
was routed past; open-text items count as shown).

Nothing here drops a respondent: ``flagged`` marks who tripped at least one rule, for a person
to look at. The rules and their defaults (keyword arguments of `indices`):

==================  ======================================================  =========================
column              flagged when                                            default
==================  ======================================================  =========================
``longstring``      at least ``longstring_share`` of the rating items are   half the items
                    one run of identical answers
``irv``             below ``irv_below`` (straight-lining, Dunn et al.       0.5 scale points
                    2018)
``mahalanobis``     D² above the chi-square quantile                        .99, df = items answered
                    ``mahalanobis_confidence`` (``careless::mahad``)
``even_odd``        above ``even_odd_above``: the odd and even halves of    0 (see below)
                    the constructs do not agree at all
``speeding_pages``  at least ``speeding_pages_at_least`` pages answered     3 pages, 2 s per item
                    faster than ``seconds_per_item`` per item shown
``failed_checks``   at least ``failed_checks_at_least`` attention checks    1
                    answered with another answer than the one asked for
``bot_suspect``     the honeypot field was filled in, or the whole survey   1 s per item shown
                    was completed faster than ``bot_seconds_per_item`` per
                    item shown
==================  ======================================================  =========================

Even-odd consistency is stepped-up split-half reliability over only 11 constructs of 4-5 items
here, so it is noisy: Johnson's (2005) cut-off of .30 (``even_odd > -0.30``) flagged about 5% of
attentive simulated respondents, a consistency below 0 about 1%. Pass ``even_odd_above=-0.3`` for
Johnson's rule.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import chi2

import instrument as instrument_pkg
from analysis.data import numeric
from analysis.errors import DataError
from instrument.codebook import PAGE_PREFIX
from instrument.schema import TEXT_TYPES

COLUMNS = [
    "longstring", "irv", "mahalanobis", "even_odd", "speeding_pages", "failed_checks", "bot_suspect", "flagged",
]  # fmt: skip


def indices(
    frame: pd.DataFrame,
    instrument: instrument_pkg.Instrument | None = None,
    *,
    longstring_share: float = 0.5,
    irv_below: float = 0.5,
    mahalanobis_confidence: float = 0.99,
    even_odd_above: float = 0.0,
    seconds_per_item: float = 2.0,
    speeding_pages_at_least: int = 3,
    failed_checks_at_least: int = 1,
    bot_seconds_per_item: float = 1.0,
) -> pd.DataFrame:
    """Careless-responding indices and flags, one row per respondent.

    Parameters
    ----------
    frame : DataFrame
        The export frame of ``survey_app.storage.responses_frame`` (missing answers as negative
        codes), or any frame with the instrument's variables (missing as NaN). ``page_s__<section>``,
        ``honeypot`` and ``duration_s`` are used when present.
    instrument : Instrument, optional
        Default: the bundled instrument.
    longstring_share, irv_below, mahalanobis_confidence, even_odd_above : float
        Flagging thresholds, see the module docstring.
    seconds_per_item : float
        A page answered faster than this many seconds per item shown on it counts as speeding.
    speeding_pages_at_least, failed_checks_at_least : int
        Flag from this many speeding pages / failed attention checks on.
    bot_seconds_per_item : float
        A complete response faster than this per item shown, in total, marks a bot suspect.

    Returns
    -------
    DataFrame
        Indexed by ``respondent_id`` (the frame's index if it has no such column), columns
        ``longstring`` (Int64), ``irv``, ``mahalanobis`` (D²), ``even_odd`` (floats, NaN where
        not computable), ``speeding_pages``, ``failed_checks`` (Int64), ``bot_suspect`` and
        ``flagged`` (bool).

    Examples
    --------
    >>> from survey_app import quality, storage
    >>> frame = storage.responses_frame("sqlite:///survey.db")  # doctest: +SKIP
    >>> quality.indices(frame).query("flagged")  # doctest: +SKIP
    """
    ins = instrument or instrument_pkg.load()
    _check_thresholds(longstring_share, mahalanobis_confidence, seconds_per_item, bot_seconds_per_item)
    items = rating_items(ins)
    answers = _answers(frame, items, ins)
    shown = _items_shown(frame, ins)
    table = pd.DataFrame(
        {
            "longstring": pd.array(longstring(answers), dtype="Int64"),
            "irv": irv(answers),
            "mahalanobis": mahalanobis(answers, reference=_completed(frame)),
            "even_odd": even_odd(_reverse_coded(answers, items, ins), _blocks(items, ins)),
            "speeding_pages": _speeding_pages(frame, ins, shown, seconds_per_item),
            "failed_checks": _failed_checks(frame, ins),
            "bot_suspect": _bot_suspect(frame, shown, bot_seconds_per_item),
        },
        index=_respondent_index(frame),
    )
    rules = pd.DataFrame(
        {
            "longstring": table["longstring"] >= math.ceil(longstring_share * len(items)),
            "irv": table["irv"] < irv_below,
            "mahalanobis": table["mahalanobis"] > chi2.ppf(mahalanobis_confidence, (~np.isnan(answers)).sum(axis=1)),
            "even_odd": table["even_odd"] > even_odd_above,
            "speeding_pages": table["speeding_pages"] >= speeding_pages_at_least,
            "failed_checks": table["failed_checks"] >= failed_checks_at_least,
            "bot_suspect": table["bot_suspect"],
        }
    )
    table["flagged"] = rules.fillna(False).astype(bool).any(axis=1)
    return table[COLUMNS]


def rating_items(ins: instrument_pkg.Instrument) -> list[str]:
    """The Likert items that belong to a construct, in codebook order: what the indices look at."""
    return [item.id for item in ins.items.values() if item.type == "likert" and item.construct]


def longstring(answers: np.ndarray) -> np.ndarray:
    """The longest run of identical consecutive answers per row; NaN for a row without answers.

    A missing answer ends a run, as in ``careless::longstring`` (R's ``rle`` treats each NA as a
    run of its own).

    Examples
    --------
    >>> longstring(np.array([[3, 3, np.nan, 3, 3, 3], [np.nan] * 6]))
    array([ 3., nan])
    """
    # careless: longstring(x)
    run = np.zeros(len(answers))
    longest = np.zeros(len(answers))
    previous = np.full(len(answers), np.nan)
    for column in answers.T:
        run = np.where(np.isnan(column), 0, np.where(column == previous, run + 1, 1))
        longest = np.maximum(longest, run)
        previous = column
    return np.where(np.isnan(answers).all(axis=1), np.nan, longest)


def irv(answers: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: each row's SD (n - 1) over its answered items.

    Examples
    --------
    >>> irv(np.array([[1, 2, 3, np.nan], [4, 4, 4, 4], [5, np.nan, np.nan, np.nan]]))
    array([ 1.,  0., nan])
    """
    # careless: irv(x, na.rm = TRUE)
    return _row_sd(answers)


def mahalanobis(answers: np.ndarray, *, reference: np.ndarray | None = None) -> np.ndarray:
    """Squared Mahalanobis distance D² of each row from the centroid, over the row's answered items.

    The centroid (column means over answered items) and covariance matrix come from the
    `reference` rows (default: all rows); the covariances are pairwise complete, as
    ``psych::outlier`` (which ``careless::mahad`` calls) takes them. A row with every item answered
    gets exactly ``careless::mahad``'s D²; a row with missing answers gets the distance over its
    answered items (the submatrix of the covariance matrix), where psych counts a missing answer
    as lying on the mean. Rows without answers get NaN, and every row does when the reference
    rows are no more than the items or the covariance matrix is not positive definite.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> mahalanobis(rng.normal(size=(50, 3))).round(2)[:3]
    array([1.5 , 4.02, 1.41])
    """
    # careless: mahad(x) (psych::outlier(x)) for complete rows
    out = np.full(len(answers), np.nan)
    rows = answers[reference] if reference is not None else answers
    if len(rows) <= answers.shape[1]:
        return out
    covariance = _pairwise_covariance(rows)
    if not np.isfinite(covariance).all() or np.linalg.eigvalsh(covariance).min() <= 1e-10 * np.trace(covariance):
        return out
    deviations = answers - _column_mean(rows)
    answered = ~np.isnan(answers)
    patterns, which = np.unique(answered, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        if pattern.any():
            members = which.ravel() == k
            part = deviations[np.ix_(members, pattern)]
            out[members] = np.einsum("ij,ij->i", part, np.linalg.solve(covariance[np.ix_(pattern, pattern)], part.T).T)
    return out


def even_odd(answers: np.ndarray, blocks: list[list[int]]) -> np.ndarray:
    """Even-odd inconsistency (Jackson 1976; Johnson 2005) as ``careless::evenodd`` defines it.

    Within each construct (a block of columns, reverse-keyed items already recoded), the mean of
    the odd-numbered items (1st, 3rd, ...) and of the even-numbered ones are taken over the
    answered items. Across constructs, the two half-means are correlated (pairwise complete),
    the correlation is stepped up with Spearman-Brown, ``2r / (1 + r)``, values below -1 are set
    to -1, and the sign is flipped so that, like every other index here, higher means more
    careless (careless >= 1.2.0). Rows with fewer than two constructs with both halves, or with
    no spread in either half, get NaN.

    Examples
    --------
    >>> rows = np.array([[1, 2, 2, 1, 6, 7, 7, 6, 3, 4, 4, 3.0]])
    >>> even_odd(rows, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    array([-1.])
    """
    # careless: evenodd(x, factors)
    odd = np.column_stack([_row_mean(answers[:, block[0::2]]) for block in blocks])
    even = np.column_stack([_row_mean(answers[:, block[1::2]]) for block in blocks])
    both = ~np.isnan(odd) & ~np.isnan(even)
    count = both.sum(axis=1)
    odd, even = np.where(both, odd, 0.0), np.where(both, even, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        odd_dev = np.where(both, odd - odd.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        even_dev = np.where(both, even - even.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        odd_ss, even_ss = (odd_dev**2).sum(axis=1), (even_dev**2).sum(axis=1)
        r = (odd_dev * even_dev).sum(axis=1) / np.sqrt(odd_ss * even_ss)
        stepped_up = np.maximum(2 * r / (1 + r), -1.0)
    no_spread = (odd_ss <= 1e-12) | (even_ss <= 1e-12) | (count < 2)
    return np.where(no_spread, np.nan, -stepped_up)


def _check_thresholds(longstring_share, mahalanobis_confidence, seconds_per_item, bot_seconds_per_item) -> None:
    for name, value in (("longstring_share", longstring_share), ("mahalanobis_confidence", mahalanobis_confidence)):
        if not 0 < value <= 1:
            raise ValueError(f"{name} must be in (0, 1], not {value!r}")
    for name, value in (("seconds_per_item", seconds_per_item), ("bot_seconds_per_item", bot_seconds_per_item)):
        if value < 0:
            raise ValueError(f"{name} must be zero or more seconds, not {value!r}")


def _answers(frame: pd.DataFrame, columns: list[str], ins: instrument_pkg.Instrument) -> np.ndarray:
    """The named columns as floats with every missing code (any negative value) as NaN."""
    _require(frame, columns, ins)
    values = numeric(frame, columns).to_numpy()
    return np.where(values < 0, np.nan, values)


def _require(frame: pd.DataFrame, columns: list[str], ins: instrument_pkg.Instrument) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(
            f"column '{absent[0]}' of instrument {ins.id} {ins.version} is not in the frame"
            f"{f' (nor {len(absent) - 1} more)' if len(absent) > 1 else ''}; quality indices need the export frame "
            "of survey_app.storage.responses_frame or the instrument's codebook variables"
        )


def _completed(frame: pd.DataFrame) -> np.ndarray | None:
    """Rows of respondents who completed the survey: the norm others are measured against."""
    return frame["status"].eq("complete").to_numpy() if "status" in frame.columns else None


def _respondent_index(frame: pd.DataFrame) -> pd.Index:
    if "respondent_id" in frame.columns:
        return pd.Index(frame["respondent_id"].to_numpy(), name="respondent_id")
    return frame.index.rename("respondent_id")


def _blocks(items: list[str], ins: instrument_pkg.Instrument) -> list[list[int]]:
    """Column positions of each construct's items, in the construct's own item order."""
    position = {item: k for k, item in enumerate(items)}
    return [[position[i] for i in members] for members in ins.construct_items.values() if members]


def _reverse_coded(answers: np.ndarray, items: list[str], ins: instrument_pkg.Instrument) -> np.ndarray:
    out = answers.copy()
    for k, item in enumerate(items):
        if ins.items[item].reverse:
            codes = ins.scale_of(item).codes
            out[:, k] = min(codes) + max(codes) - out[:, k]
    return out


def _items_shown(frame: pd.DataFrame, ins: instrument_pkg.Instrument) -> pd.DataFrame:
    """Per respondent and section, how many items were shown (any variable not coded 'not shown')."""
    present = [item for item in ins.items.values() if all(v in frame.columns for v in item.variables)]
    coded = [v for item in present if item.type not in TEXT_TYPES for v in item.variables]
    seen = numeric(frame, coded).ne(ins.missing_codes["not_shown"])
    section_of = {item.id: section.id for section in ins.sections for item in section.items}
    shown = pd.DataFrame(
        {item.id: True if item.type in TEXT_TYPES else seen[item.variables].any(axis=1).to_numpy() for item in present},
        index=frame.index,
    )
    counts = shown.T.groupby(lambda item: section_of[item]).sum().T
    return counts.reindex(columns=[s.id for s in ins.sections], fill_value=0)


def _speeding_pages(frame: pd.DataFrame, ins: instrument_pkg.Instrument, shown: pd.DataFrame, seconds_per_item):
    pages = [s.id for s in ins.sections if f"{PAGE_PREFIX}{s.id}" in frame.columns]
    if not pages:
        return pd.array([pd.NA] * len(frame), dtype="Int64")
    seconds = numeric(frame, [f"{PAGE_PREFIX}{p}" for p in pages]).set_axis(pages, axis=1)
    fast = seconds.lt(shown[pages] * seconds_per_item) & shown[pages].gt(0)
    return pd.array(fast.sum(axis=1).to_numpy(), dtype="Int64")


def _failed_checks(frame: pd.DataFrame, ins: instrument_pkg.Instrument):
    checks = ins.attention_checks
    answers = pd.DataFrame(_answers(frame, list(checks), ins), columns=list(checks))
    failed = answers.notna() & answers.ne(pd.Series(checks))
    return pd.array(failed.sum(axis=1).to_numpy(), dtype="Int64")


def _bot_suspect(frame: pd.DataFrame, shown: pd.DataFrame, bot_seconds_per_item: float) -> np.ndarray:
    suspect = np.zeros(len(frame), dtype=bool)
    if "honeypot" in frame.columns:
        suspect |= frame["honeypot"].fillna(False).astype(bool).to_numpy()
    if "duration_s" in frame.columns:
        duration = numeric(frame, ["duration_s"])["duration_s"]
        suspect |= duration.lt(shown.sum(axis=1) * bot_seconds_per_item).to_numpy()
    return suspect


def _pairwise_covariance(values: np.ndarray) -> np.ndarray:
    """Covariances (n - 1) of each pair of columns over the rows answering both, as R's ``cov(use = "pairwise")``."""
    answered = (~np.isnan(values)).astype(float)
    filled = np.where(answered > 0, values, 0.0)
    pairs = answered.T @ answered
    sums = filled.T @ answered  # [j, k]: sum of column j over the rows answering j and k
    with np.errstate(invalid="ignore", divide="ignore"):
        return (filled.T @ filled - sums * sums.T / pairs) / (pairs - 1)


def _column_mean(values: np.ndarray) -> np.ndarray:
    return _row_mean(values.T)


def _row_mean(values: np.ndarray) -> np.ndarray:
    answered = ~np.isnan(values)
    count = answered.sum(axis=1)
    total = np.where(answered, values, 0.0).sum(axis=1)
    return np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)


def _row_sd(values: np.ndarray) -> np.ndarray:
    answered = ~np.isnan(values)
    count = answered.sum(axis=1)
    deviations = np.where(answered, values - _row_mean(values)[:, None], 0.0)
    variance = np.divide((deviations**2).sum(axis=1), count - 1, out=np.full(len(values), np.nan), where=count > 1)
    return np.sqrt(variance)
