"""The cutoffs a report judges a model by, and every check it fails: fit, reliability, discriminant validity.

Tables mark failing cells with `MARK`, the methods paragraph words the fit from `verdict`, and the
report's summary lists `failures`, so the three always agree.

Examples
--------
>>> from reports import criteria
>>> criteria.verdict(res.fit_indices)  # doctest: +SKIP
('good', [])
>>> criteria.failures(res)  # doctest: +SKIP
['Fornell-Larcker: dem60 and dem65 correlate .97, above the square root of the AVE of dem60 (.77) and dem65 (.80)']
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import FitResult, ModelError

from . import apa

MARK = "†"
"""Marks a cell that fails its criterion, in every format (the table's note says which)."""
RELIABILITY_MIN = {"alpha": 0.70, "omega": 0.70, "cr": 0.70, "ave": 0.50}
"""Common thresholds (Nunnally 1978; Fornell & Larcker 1981): alpha, omega and CR >= .70, AVE >= .50."""
HTMT_LIMIT = 0.90  # Henseler et al. (2015), for conceptually similar constructs
SUMMARY = "Summary: checks that failed"
NO_FAILURES = "Every fit, reliability and discriminant-validity check passed."
RELIABILITY_NAMES = {"alpha": "Cronbach's α", "omega": "ω", "cr": "CR", "ave": "AVE"}


@dataclass(frozen=True)
class Cutoffs:
    """Fit-index cutoffs for good and acceptable fit; the defaults are Hu and Bentler's (1999) for good fit.

    The acceptable bounds (CFI and TLI >= .90, RMSEA <= .08, SRMR <= .10) are the looser ones of
    Browne and Cudeck (1993) and Marsh, Hau and Wen (2004). Pass your own to `reports.render(cutoffs=)`,
    as a `Cutoffs` or a dict of its fields.

    Examples
    --------
    >>> Cutoffs(cfi=0.90, tli=0.90, rmsea=0.08, srmr=0.08, source="Marsh et al. (2004)")  # doctest: +SKIP
    """

    cfi: float = 0.95
    tli: float = 0.95
    rmsea: float = 0.06
    srmr: float = 0.08
    acceptable_cfi: float = 0.90
    acceptable_tli: float = 0.90
    acceptable_rmsea: float = 0.08
    acceptable_srmr: float = 0.10
    source: str = "Hu and Bentler (1999)"

    @classmethod
    def of(cls, value: Cutoffs | dict | None) -> Cutoffs:
        """`value` as Cutoffs: None gives the defaults, a dict overrides some of them."""
        if value is None or isinstance(value, Cutoffs):
            return value or cls()
        if not isinstance(value, dict):
            raise ValueError(f"cutoffs must be a reports.Cutoffs or a dict, not {type(value).__name__}")
        unknown = sorted(set(value) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown cutoff {unknown[0]!r}; choose from {', '.join(cls.__dataclass_fields__)}")
        return cls(**value)

    def bound(self, index: str, level: str = "good") -> float:
        """The cutoff of `index` (``cfi``, ``tli``, ``rmsea``, ``srmr``) for ``good`` or ``acceptable`` fit."""
        return getattr(self, index if level == "good" else f"acceptable_{index}")

    def text(self, index: str, level: str = "good") -> str:
        """``≥ .95`` or ``≤ .06``: the cutoff as a table prints it."""
        sign = "≤" if index in ("rmsea", "srmr") else "≥"
        return f"{sign} {apa.bounded(self.bound(index, level))}"

    def describe(self, level: str = "good") -> str:
        """``CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08``."""
        return ", ".join(f"{name.upper()} {self.text(name, level)}" for name in FIT_INDICES)


FIT_INDICES = ("cfi", "tli", "rmsea", "srmr")


def reported_kind(fit_indices: pd.Series) -> str:
    """The suffix of the indices a report states: ``_robust`` (MLR, MLM), ``_scaled`` (a scaled test without
    robust indices: WLSMV and ULSMV, as lavaan 0.6 prints them) or ``""`` (ML, DWLS)."""
    if "cfi_robust" in fit_indices and "chisq_scaled" in fit_indices:
        return "_robust"
    return "_scaled" if "cfi_scaled" in fit_indices else ""


def reported_indices(fit_indices: pd.Series) -> dict[str, float]:
    """CFI, TLI, RMSEA and SRMR as a report states them (see `reported_kind`; SRMR is never scaled)."""
    kind = reported_kind(fit_indices)
    return {name: fit_indices[name if name == "srmr" else name + kind] for name in FIT_INDICES}


def verdict(fit_indices: pd.Series, cutoffs: Cutoffs | None = None) -> tuple[str, list[str]]:
    """``good``, ``acceptable`` or ``poor`` fit, and the indices that miss the cutoffs of the next better level.

    Good: every index meets its cutoff for good fit; acceptable: every index meets the acceptable bound.

    Examples
    --------
    >>> verdict(res.fit_indices)  # doctest: +SKIP
    ('acceptable', ['CFI', 'TLI'])
    """
    cutoffs = cutoffs or Cutoffs()
    values = reported_indices(fit_indices)

    def misses(level: str) -> list[str]:
        return [name.upper() for name, value in values.items() if not _meets(name, value, cutoffs.bound(name, level))]

    good, acceptable = misses("good"), misses("acceptable")
    if not good:
        return "good", []
    return ("acceptable", good) if not acceptable else ("poor", acceptable)


def _meets(index: str, value: float, bound: float) -> bool:
    return value <= bound if index in ("rmsea", "srmr") else value >= bound


def below_threshold(statistic: str, value: float) -> bool:
    """Whether a reliability statistic (``alpha``, ``omega``, ``cr``, ``ave``) is under its `RELIABILITY_MIN`."""
    return bool(value < RELIABILITY_MIN[statistic])


def fornell_larcker_fails(matrix: pd.DataFrame, a: str, b: str) -> bool:
    """Whether the correlation of constructs `a` and `b` reaches the square root of the AVE of either."""
    return bool(abs(matrix.loc[a, b]) >= min(matrix.loc[a, a], matrix.loc[b, b]))


def failures(result: FitResult, cutoffs: Cutoffs | None = None, label=str) -> list[str]:
    """Every check the result fails, one sentence each, for the report's summary (empty when all pass).

    `label` turns a construct id into the name the report prints.
    """
    found = []
    level, missed = verdict(result.fit_indices, cutoffs)
    if level != "good":
        verb = "misses" if len(missed) == 1 else "miss"
        target = "good" if level == "acceptable" else "acceptable"
        found.append(f"Model fit is {level}: {apa.listed(missed)} {verb} the cutoffs for {target} fit")
    for construct, row in result.reliability.iterrows():
        found += [
            f"{RELIABILITY_NAMES[stat]} of {label(construct)} is {apa.bounded(row[stat])}, below {apa.bounded(bound)}"
            for stat, bound in RELIABILITY_MIN.items()
            if below_threshold(stat, row[stat])
        ]
    if len(result.measurement) > 1:
        found += _discriminant(result, label)
    large = large_residuals(result)
    if large:
        shown = [f"{a}–{b} ({apa.bounded(value)})" for a, b, value in large[:RESIDUALS_LISTED]]
        more = f" and {len(large) - RESIDUALS_LISTED} more" if len(large) > RESIDUALS_LISTED else ""
        found.append(f"{len(large)} correlation residual{'s' if len(large) > 1 else ''} above "
                     f"{apa.bounded(RESIDUAL_LIMIT)} in absolute value: {', '.join(shown)}{more}")  # fmt: skip
    return found


RESIDUAL_LIMIT = 0.10
"""A correlation residual (lavaan's ``residuals(fit, type = "cor")``) beyond this marks local misfit (Kline 2016)."""
RESIDUALS_LISTED = 5


def large_residuals(result: FitResult) -> list[tuple[str, str, float]]:
    """The pairs of observed variables whose correlation residual exceeds `RESIDUAL_LIMIT` in absolute value,
    largest first (each group's prefixed with its label); empty where residuals are not available (ordinal items).

    Examples
    --------
    >>> large_residuals(res)[:1]  # doctest: +SKIP
    [('N1', 'N2', 0.153)]
    """
    try:
        residuals = result.residuals("cor")
    except ModelError:
        return []
    frames = [("", residuals)] if result.groups is None else [
        (f"{label}: ", residuals.loc[label]) for label in residuals.index.get_level_values(0).unique()]  # fmt: skip
    found = []
    for prefix, frame in frames:
        names = list(frame.columns)
        found += [(prefix + a, b, float(frame.loc[a, b])) for i, a in enumerate(names) for b in names[:i]
                  if abs(frame.loc[a, b]) > RESIDUAL_LIMIT]  # fmt: skip
    return sorted(found, key=lambda pair: -abs(pair[2]))


def _discriminant(result: FitResult, label) -> list[str]:
    matrix, htmt = result.fornell_larcker, result.htmt2
    names = list(matrix.index)
    found = []
    for i, a in enumerate(names):
        for b in names[:i]:
            if fornell_larcker_fails(matrix, a, b):
                exceeded = [c for c in (b, a) if abs(matrix.loc[a, b]) >= matrix.loc[c, c]]
                roots = " and ".join(f"{label(c)} ({apa.bounded(matrix.loc[c, c])})" for c in exceeded)
                r = apa.bounded(matrix.loc[a, b])
                found.append(f"Fornell-Larcker: {label(b)} and {label(a)} correlate {r}, above the square root of the "
                             f"AVE of {roots}")  # fmt: skip
            if htmt.loc[a, b] > HTMT_LIMIT:
                found.append(f"HTMT of {label(b)} and {label(a)} is {apa.bounded(htmt.loc[a, b])}, above .90")
    return found
