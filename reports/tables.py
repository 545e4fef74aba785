"""The numbered tables of a report, built once from a `FitResult` and rendered by every format.

Each table holds its cells as APA-formatted text, so HTML, LaTeX, Word and PDF print the very
same strings; a format never formats a number itself.

Examples
--------
>>> from reports.tables import build
>>> [t.title for t in build(res)][:2]  # doctest: +SKIP
['Sample and estimation', 'Item statistics']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis import FitResult
from analysis.hypotheses import GENERAL_RIVAL_RULE

from . import apa, criteria, sample

HTMT_LIMITS = (0.85, 0.90)  # Henseler et al. (2015): conceptually similar (.90) and distinct (.85) constructs
ESTIMATORS = {"ML": "Maximum likelihood", "MLR": "Robust maximum likelihood (MLR)",
              "WLSMV": "Robust diagonally weighted least squares (WLSMV), ordinal items",
              "DWLS": "Diagonally weighted least squares (DWLS), ordinal items",
              "ULSMV": "Robust unweighted least squares (ULSMV), ordinal items"}  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A report table: APA title, column headers, rows of text cells and a note."""

    number: int
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""

    @property
    def label(self) -> str:
        """``Table 3``."""
        return f"Table {self.number}"

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of strings (for tests and notebooks)."""
        return pd.DataFrame(self.rows, columns=self.columns)


def build(result: FitResult, cutoffs: criteria.Cutoffs | None = None, labels: dict | None = None) -> list[Table]:
    """Every table a journal asks for, numbered in order; tables a result cannot fill are left out.

    `cutoffs` are the fit cutoffs of the model fit table (default Hu and Bentler 1999); `labels`
    (variable -> wording) fill the item table's wording column for data without an instrument.
    """
    cutoffs = criteria.Cutoffs.of(cutoffs)
    drafts = [_sample(result), _items(result, labels or {}), _reliability(result), _htmt(result),
              _fornell_larcker(result), _fit(result, cutoffs), _paths(result), hypotheses_table(result)]  # fmt: skip
    return numbered(drafts, result)


def numbered(drafts: list, result) -> list[Table]:
    """Tables from (title, columns, rows, note) drafts, None ones left out, numbered in order; when simulated
    respondents were analysed, every table's note says so first: a LaTeX table is one file, ``\\input`` on
    its own, and must not pass for real data."""
    tables = [Table(number, *draft) for number, draft in enumerate([d for d in drafts if d is not None], start=1)]
    notice = sample.notice(result)
    if notice is None:
        return tables
    return [replace(t, note=f"{apa.capitalized(notice)}. {t.note}".strip()) for t in tables]


def construct_label(result: FitResult, construct: str) -> str:
    """The instrument's label of a construct (its id for a user model)."""
    ins = result.instrument
    return ins.constructs[construct].label if ins is not None and construct in ins.constructs else construct


def _sample(result: FitResult):
    rows = [
        *sample.rows(result),
        ["Estimator", ESTIMATORS[result.estimator]],
    ]
    if result.ordinal:
        rows.append(["Parameterization", result.core.settings.parameterization.capitalize()])
    if result.bootstrap:
        rows.append(["Bootstrap draws (failed)", f"{result.bootstrap} ({result.bootstrap_failed})"])
    if result.reverse_coded:
        rows.append(["Reverse-coded items", ", ".join(result.reverse_coded)])
    rows += _instrument(result)
    return "Sample and estimation", ["Characteristic", "Value"], rows, sample.note(result)


def _instrument(result: FitResult) -> list[list[str]]:
    """The instrument analysed, and the one the data record when that is another version."""
    ins = result.instrument
    if ins is None:
        return []
    rows = [["Instrument", f"{ins.id} {ins.version} (hash {ins.short_hash})"]]
    attrs = result.raw.attrs if result.raw is not None else {}
    recorded = (attrs.get("instrument_version"), attrs.get("instrument_hash"))
    if recorded[1] is not None and recorded != (ins.version, ins.short_hash):
        rows.append(["Instrument recorded in the data (differs)", f"{recorded[0]} (hash {recorded[1]})"])
    return rows


def _items(result: FitResult, labels: dict):
    if not result.measurement:  # a model of observed variables only
        return None
    stats = result.item_stats
    loadings = pd.concat(result.loadings(standardized=True).values())
    wording = {**_wording(result), **labels}
    rows = [
        [construct_label(result, row.construct), row.Index, wording.get(row.Index, ""), apa.number(row.mean),
         apa.number(row.sd), apa.bounded(loadings.get(row.Index, np.nan)), apa.bounded(row.r_drop)]
        for row in stats.itertuples()
    ]  # fmt: skip
    columns = ["Construct", "Item", "Wording", "M", "SD", "λ", "r_drop"]
    if not any(row[2] for row in rows):  # data without an instrument or labels: no empty column
        columns.pop(2)
        rows = [row[:2] + row[3:] for row in rows]
    note = "M = mean; SD = standard deviation; λ = standardized loading; r_drop = corrected item-total correlation."
    if result.reverse_coded:
        note += f" Reverse-keyed items recoded before analysis: {', '.join(result.reverse_coded)}."
    return "Item statistics", columns, rows, note


def _wording(result: FitResult) -> dict[str, str]:
    if result.instrument is None:
        return {}
    book = result.instrument.codebook()
    return dict(zip(book.variable, book.wording, strict=True))


def _checked(value: float, failed: bool) -> str:
    return apa.bounded(value) + (criteria.MARK if failed else "")


def _reliability(result: FitResult):
    if not result.measurement:
        return None
    table = result.reliability
    if result.ordinal:
        return _ordinal_reliability(result, table)
    below = criteria.below_threshold
    rows = [
        [construct_label(result, c), _checked(r.alpha, below("alpha", r.alpha)),
         apa.interval(r.alpha_ci_lower, r.alpha_ci_upper, bound=True), _checked(r.omega, below("omega", r.omega)),
         _checked(r.cr, below("cr", r.cr)), _checked(r.ave, below("ave", r.ave))]
        for c, r in zip(table.index, table.itertuples(), strict=True)
    ]  # fmt: skip
    note = (
        "α = Cronbach's alpha with Feldt 95% CI; ω = omega (semTools compRelSEM); CR = composite reliability "
        "(Jöreskog's ρ from standardized loadings); AVE = average variance extracted. Common thresholds: "
        f"α, ω, CR ≥ .70; AVE ≥ .50. {criteria.MARK} below its threshold."
    )
    return "Reliability and convergent validity", ["Construct", "α", "95% CI", "ω", "CR", "AVE"], rows, note


def _ordinal_reliability(result: FitResult, table: pd.DataFrame):
    below = criteria.below_threshold
    rows = [
        [construct_label(result, c), _checked(r.alpha, below("alpha", r.alpha)),
         _checked(r.omega, below("omega", r.omega)), _checked(r.cr, below("cr", r.cr)),
         _checked(r.ave, below("ave", r.ave))]
        for c, r in zip(table.index, table.itertuples(), strict=True)
    ]  # fmt: skip
    note = (
        "Ordinal α = alpha of the polychoric correlations (semTools compRelSEM, tau.eq = TRUE, ord.scale = FALSE); "
        "ω = categorical omega (Green & Yang, 2009; semTools compRelSEM); CR = composite reliability (Jöreskog's ρ "
        "from standardized loadings); AVE = average variance extracted. Common thresholds: α, ω, CR ≥ .70; "
        f"AVE ≥ .50. {criteria.MARK} below its threshold."
    )
    return "Reliability and convergent validity", ["Construct", "Ordinal α", "ω", "CR", "AVE"], rows, note


def _htmt(result: FitResult):
    if len(result.measurement) < 2:
        return None
    matrix = result.htmt2

    def cell(a: str, b: str) -> str:
        value = matrix.loc[a, b]
        mark = "‡" if value > HTMT_LIMITS[1] else "†" if value > HTMT_LIMITS[0] else ""
        return apa.bounded(value) + mark

    rows = lower_triangle(result, matrix, cell, diagonal=lambda c: "—")
    note = (
        "Heterotrait-monotrait ratios with geometric means (HTMT2; Roemer et al., 2021)"
        + (", from the polychoric correlations. " if result.ordinal else ". ")
        + "† above .85, ‡ above .90 (Henseler et al., 2015): discriminant validity is in doubt."
    )
    return "Discriminant validity: HTMT", ["Construct", *range_labels(matrix)], rows, note


def _fornell_larcker(result: FitResult):
    if len(result.measurement) < 2:
        return None
    matrix = result.fornell_larcker

    def cell(a: str, b: str) -> str:
        return _checked(matrix.loc[a, b], criteria.fornell_larcker_fails(matrix, a, b))

    rows = lower_triangle(result, matrix, cell, diagonal=lambda c: apa.bounded(matrix.loc[c, c]))
    note = (
        "Diagonal: square root of AVE; below: latent correlations. Fornell-Larcker criterion: each diagonal value "
        f"exceeds the correlations in its row and column. {criteria.MARK} the correlation reaches the square root "
        "of the AVE of one or both constructs: the criterion fails."
    )
    return "Discriminant validity: Fornell-Larcker criterion", ["Construct", *range_labels(matrix)], rows, note


def range_labels(matrix: pd.DataFrame) -> list[str]:
    """Column headers 1, 2, ... of a construct matrix (rows say which construct each number is)."""
    return [str(k) for k in range(1, len(matrix) + 1)]


def lower_triangle(result, matrix: pd.DataFrame, cell, diagonal) -> list[list[str]]:
    """Rows ``k. construct`` of a construct matrix: `cell` below the diagonal, `diagonal` on it, blank above."""
    names = list(matrix.index)
    rows = []
    for i, a in enumerate(names):
        row = [f"{i + 1}. {construct_label(result, a)}"]
        row += [cell(a, b) if j < i else diagonal(a) if j == i else "" for j, b in enumerate(names)]
        rows.append(row)
    return rows


def _fit(result: FitResult, cutoffs: criteria.Cutoffs):
    fi, cut = result.fit_indices, cutoffs.text
    rows = [
        ["χ²", f"{apa.number(fi.chisq)} (df = {fi.df:.0f})", ""],
        ["p", apa.p_value(fi.pvalue), "> .05"],
        ["CFI", apa.bounded(fi.cfi, 3), cut("cfi")],
        ["TLI", apa.bounded(fi.tli, 3), cut("tli")],
        ["RMSEA [90% CI]", f"{apa.bounded(fi.rmsea, 3)} {apa.interval(fi.rmsea_ci_lower, fi.rmsea_ci_upper, 3, True)}",
         cut("rmsea")],
        ["SRMR", apa.bounded(fi.srmr, 3), cut("srmr")],
    ]  # fmt: skip
    if "chisq_scaled" in fi and result.ordinal:
        rows += [
            [f"Scaled-shifted χ² ({result.estimator})", f"{apa.number(fi.chisq_scaled)} (df = {fi.df_scaled:.0f})", ""],
            ["p (scaled)", apa.p_value(fi.pvalue_scaled), "> .05"],
            ["Scaled CFI", apa.bounded(fi.cfi_scaled, 3), cut("cfi")],
            ["Scaled TLI", apa.bounded(fi.tli_scaled, 3), cut("tli")],
            [
                "Scaled RMSEA [90% CI]",
                f"{apa.bounded(fi.rmsea_scaled, 3)} "
                f"{apa.interval(fi.rmsea_ci_lower_scaled, fi.rmsea_ci_upper_scaled, 3, True)}",
                cut("rmsea"),
            ],
        ]
    elif "chisq_scaled" in fi:
        rows += [
            [f"Scaled χ² ({'Satorra-Bentler' if result.estimator == 'MLM' else 'Yuan-Bentler'})",
             f"{apa.number(fi.chisq_scaled)} (c = {apa.number(fi.scaling_factor, 3)})", ""],
            ["Robust CFI", apa.bounded(fi.cfi_robust, 3), cut("cfi")],
            ["Robust TLI", apa.bounded(fi.tli_robust, 3), cut("tli")],
            ["Robust RMSEA [90% CI]", f"{apa.bounded(fi.rmsea_robust, 3)} "
             f"{apa.interval(fi.rmsea_ci_lower_robust, fi.rmsea_ci_upper_robust, 3, True)}", cut("rmsea")],
        ]  # fmt: skip
    if "aic" in fi:  # none without a likelihood (ordinal items)
        rows += [["AIC", apa.number(fi.aic), ""], ["BIC", apa.number(fi.bic), ""]]
    rivals = _rival_models(result)
    level, _ = criteria.verdict(fi, cutoffs)
    kind = criteria.reported_kind(fi)
    note = (f"N = {result.n}. Cutoffs for good fit after {cutoffs.source}; acceptable fit: "
            f"{cutoffs.describe('acceptable')}. By these the fit is {level}"
            f"{f' (on the {kind[1:]} indices)' if kind else ''}.")  # fmt: skip
    large = criteria.large_residuals(result)
    if large:
        a, b, value = large[0]
        note += (f" {len(large)} correlation residual{'s' if len(large) > 1 else ''} exceed"
                 f"{'' if len(large) > 1 else 's'} {apa.bounded(criteria.RESIDUAL_LIMIT)} in absolute value (largest "
                 f"{a}–{b}, {apa.bounded(value)}): local misfit there.")  # fmt: skip
    if result.ordinal:
        note += (" χ², CFI, TLI, RMSEA and SRMR (on the polychoric correlations) are those of the DWLS fit"
                 + ("; the scaled indices use the mean- and variance-adjusted χ², as lavaan." if "chisq_scaled" in fi
                    else "."))  # fmt: skip
    if rivals:
        note += " " + " ".join(text for _, text in rivals)
    return "Model fit", ["Index", "Value", "Cutoff"], rows + [row for row, _ in rivals], note


def _rival_models(result: FitResult) -> list[tuple[list[str], str]]:
    """The model comparisons among the hypotheses (the instrument's RQ2, six-factor CFA vs one factor, or a
    user's ``compare:``).

    Each is a row of the model fit table with the chi-square difference test, and the sentence its note adds.
    """
    table = result.hypotheses
    rivals = []
    for row in table[table.kind.isin(["comparison", "rival"])].itertuples():
        where = ", ".join(filter(None, [row.research_question, row.hypothesis]))
        label = f"{apa.capitalized(row.test.split(':')[0])} ({where})"
        if pd.isna(row.pvalue):  # not evaluated: the row says so, the note why
            cells = [label, row.decision, ""]
        else:
            cutoff = "p ≥ .05" if row.rule == GENERAL_RIVAL_RULE else "p < .05"
            cells = [label, f"Δχ²({row.df:.0f}) = {apa.number(row.estimate)}, {apa.p_text(row.pvalue)}", cutoff]
        rivals.append((cells, f"{row.hypothesis} {row.decision}: {row.rule}."))
    return rivals


def _paths(result: FitResult):
    est = result.estimates
    rows_in = est[est.op.isin(["~", ":="])]
    if rows_in.empty:
        return None
    rows = []
    for row in rows_in.itertuples():
        name = (f"{construct_label(result, row.rhs)} → {construct_label(result, row.lhs)}" if row.op == "~"
                else f"{row.lhs} (defined: {row.rhs})")  # fmt: skip
        rows.append([name, apa.number(row.est), apa.number(row.se), apa.bounded(row.std_all) + apa.stars(row.pvalue),
                     apa.interval(row.ci_lower, row.ci_upper), apa.p_value(row.pvalue)])  # fmt: skip
    r2 = _outcome_r2(result, rows_in)
    rows += [[f"R² {construct_label(result, name)}", "", "", apa.bounded(value), "", ""] for name, value in r2.items()]
    if result.bootstrap:
        kind = f"percentile bootstrap, {result.bootstrap} draws"
    else:
        robust = {"MLR": "Wald with robust (Huber-White) SEs", "WLSMV": "Wald with robust (sandwich) SEs",
                  "ULSMV": "Wald with robust (sandwich) SEs"}  # fmt: skip
        kind = robust.get(result.estimator, "Wald")
        kind += "; defined effects (:=) by the delta method"
    note = f"b = unstandardized estimate; β = standardized (std.all); 95% CI of b ({kind}). {apa.STARS_NOTE}"
    if len(r2):
        note += ' R² = the variance of each outcome explained by its predictors (lavaan\'s lavInspect(fit, "r2")).'
    return "Structural paths and indirect effects", ["Path", "b", "SE", "β", "95% CI", "p"], rows, note


def _outcome_r2(result: FitResult, rows: pd.DataFrame) -> pd.Series:
    """R² of each outcome of a regression (``~``), in the model's order; one group's fits only."""
    if result.groups is not None:
        return pd.Series(dtype=float)
    outcomes = list(dict.fromkeys(rows.lhs[rows.op == "~"]))
    r2 = result.r2
    return r2.reindex([name for name in outcomes if name in r2.index])


def hypotheses_table(result: FitResult):
    """The hypotheses with their evidence and decision (None when the result tests none)."""
    table = result.hypotheses
    if table.empty:
        return None
    rows = []
    for row in table.itertuples():
        evidence = row.test
        if pd.notna(row.estimate):
            evidence += f"; estimate {apa.number(row.estimate)}"
        if pd.notna(row.pvalue):
            evidence += f", {apa.p_text(row.pvalue)}"
        rows.append([row.research_question, f"{row.hypothesis}: {row.statement}", evidence, row.decision])
    columns = ["RQ", "Hypothesis", "Evidence", "Decision"]
    if not table.research_question.astype(bool).any():  # a user's own hypotheses answer no research question
        columns, rows = columns[1:], [row[1:] for row in rows]
    return "Hypotheses", columns, rows, "Decision rules: " + "; ".join(sorted(set(table.rule.dropna())))
