"""Decide each hypothesis of the instrument from a fitted result and the data behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import chi2_contingency

from . import syntax
from .data import numeric
from .errors import DataError, ModelError

if TYPE_CHECKING:
    from .results import FitResult

ALPHA = 0.05
COLUMNS = ["research_question", "hypothesis", "statement", "test", "estimate", "ci_lower", "ci_upper", "pvalue",
           "df", "decision", "rule"]  # fmt: skip
"""``df``: degrees of freedom of a chi-square test (model comparisons, crosstabs); NaN for the others."""
SIGN_RULE = "two-sided p < .05 and the expected sign"


def evaluate(result: FitResult, raw: pd.DataFrame) -> pd.DataFrame:
    """One row per hypothesis: the evidence, and whether it supports the hypothesis.

    `raw` is the data as given to `fit()`: regressions and crosstabs use columns that are not
    in the structural model.
    """
    ins = result.instrument
    rows = []
    for question in ins.research_questions:
        for hyp in question.hypotheses:
            evidence = _DECIDERS[hyp.test.kind](result, raw, hyp)
            rows.append({"research_question": question.id, "hypothesis": hyp.id, "statement": hyp.statement,
                         **evidence})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def decide(estimate: float, pvalue: float, expect: str) -> str:
    """Whether a two-sided `pvalue` < .05 and the sign of `estimate` support an `expect`-ed ("positive") effect."""
    direction = estimate > 0 if expect == "positive" else estimate < 0
    return "supported" if pvalue < ALPHA and direction else "not supported"


def _parameter(result: FitResult, lhs: str, op: str, rhs: str | None, expect: str, test: str) -> dict:
    rows = result.estimates[(result.estimates.lhs == lhs) & (result.estimates.op == op)]
    if rhs is not None:
        rows = rows[rows.rhs == rhs]
    if rows.empty:
        return {"test": test, "decision": "not evaluated", "rule": "the fitted model does not contain this parameter"}
    row = rows.iloc[0]
    return {"test": test, "estimate": row.est, "ci_lower": row.ci_lower, "ci_upper": row.ci_upper,
            "pvalue": row.pvalue, "decision": decide(row.est, row.pvalue, expect), "rule": SIGN_RULE}  # fmt: skip


def _path(result, raw, hyp) -> dict:
    t = hyp.test
    return _parameter(result, t.outcome, "~", t.predictor, hyp.expect, f"path {t.outcome} ~ {t.predictor}")


def _indirect(result, raw, hyp) -> dict:
    effect = hyp.test.effect
    return _parameter(result, effect, ":=", None, hyp.expect, f"indirect effect {effect} (delta method)")


def _comparison(result, raw, hyp) -> dict:
    from .compare import compare
    from .fit import fit

    ins = result.instrument
    try:
        six = fit(raw, ins.to_lavaan("six_factor"), instrument=ins)
        one = fit(raw, _strong_marker(ins.to_lavaan("one_factor"), result.data), instrument=ins)
    except ModelError as exc:  # a comparison model that cannot be estimated leaves the hypothesis open, loudly
        return {"test": "six-factor CFA vs one factor", "decision": "not evaluated", "rule": str(exc)}
    test = compare(six, one)
    fi = six.fit_indices
    acceptable = fi.cfi >= 0.90 and fi.rmsea <= 0.08 and fi.srmr <= 0.08
    better = test.pvalue < ALPHA and one.fit_indices.chisq > fi.chisq
    return {
        "test": f"six-factor CFA vs one factor: chi-square difference {test.chisq_diff:.2f} on {test.df_diff:.0f} df",
        "estimate": test.chisq_diff,
        "pvalue": test.pvalue,
        "df": test.df_diff,
        "decision": "supported" if acceptable and better else "not supported",
        "rule": "six-factor CFI >= .90, RMSEA <= .08, SRMR <= .08 and a significant chi-square difference",
    }


def _strong_marker(one_factor: str, data: pd.DataFrame) -> str:
    """The one-factor model with its best item first: the first item fixes the scale, and an item that
    barely loads on a general factor would leave it empirically unidentified. Chi-square does not change."""
    lines = one_factor.splitlines()
    at = next(k for k, line in enumerate(lines) if "=~" in line)
    factor, terms = lines[at].split("=~")
    items = [term.strip() for term in terms.split("+")]
    values = data[[i for i in items if i in data.columns]]
    total = values.sum(axis=1)
    best = max(values.columns, key=lambda item: values[item].corr(total - values[item]))
    lines[at] = f"{factor}=~ {' + '.join([best, *(i for i in items if i != best)])}"
    return "\n".join(lines)


def _regression(result, raw, hyp) -> dict:
    t = hyp.test
    ins = result.instrument
    derived = ins.derive(raw) if set(ins.spec.derived) & {t.outcome, t.predictor, *t.controls} else pd.DataFrame()
    frame = pd.concat([raw.drop(columns=derived.columns, errors="ignore"), derived], axis=1)
    values = numeric(frame, [t.outcome, t.predictor, *t.controls]).dropna()
    model = sm.OLS(values[t.outcome], sm.add_constant(values[[t.predictor, *t.controls]])).fit()
    low, high = model.conf_int().loc[t.predictor]
    controls = f" + {' + '.join(t.controls)}" if t.controls else ""
    return {"test": f"OLS {t.outcome} ~ {t.predictor}{controls} (n = {int(model.nobs)})",
            "estimate": model.params[t.predictor], "ci_lower": low, "ci_upper": high,
            "pvalue": model.pvalues[t.predictor], "decision": decide(model.params[t.predictor],
            model.pvalues[t.predictor], hyp.expect), "rule": SIGN_RULE}  # fmt: skip


def _crosstab(result, raw, hyp) -> dict:
    items = hyp.test.items
    answers = numeric(raw, items)
    counts = pd.DataFrame({item: answers[item].value_counts() for item in items}).fillna(0).T
    statistic, pvalue, dof, _ = chi2_contingency(counts.to_numpy())
    cramers_v = float(np.sqrt(statistic / (counts.to_numpy().sum() * (min(counts.shape) - 1))))
    return {"test": f"chi-square of contact pattern by media type ({', '.join(items)}), Cramer's V",
            "estimate": cramers_v, "pvalue": pvalue, "df": dof,
            "decision": "supported" if pvalue < ALPHA else "not supported",
            "rule": "p < .05; one respondent answers for several media, so p is optimistic"}  # fmt: skip


def _multigroup(result, raw, hyp) -> dict:
    """Moderation as a multi-group comparison: do the structural paths differ between low and high `split`?

    Respondents are split at the median of the mean score of the `split` construct's items
    (reverse-keyed ones recoded; at the median counts as low). The structural model, without its
    labels (which would tie paths across groups) and without the `split` construct itself when no
    path involves it, is fitted in both groups with equal loadings (metric invariance, so the paths
    are on one scale), once with the regression paths free and once equal across the groups; the
    chi-square difference of the two (lavaan: ``lavTestLRT``) tests that all paths are equal.
    """
    from .compare import compare
    from .fit import fit

    split, ins = hyp.test.split, result.instrument
    score = result.data[ins.construct_items[split]].mean(axis=1)
    column = f"{split}_level"
    data = raw.loc[score.index].assign(**{column: np.where(score <= score.median(), "low", "high")})
    model = syntax.deparse(_without_path_labels(syntax.parse(ins.to_lavaan()), split))
    test = f"multi-group: {split} at or below its median score vs above, paths equal vs free (loadings equal)"
    try:
        free = fit(data, model, group=column, group_equal=("loadings",), instrument=ins)
        equal = fit(data, model, group=column, group_equal=("loadings", "regressions"), instrument=ins)
    except (DataError, ModelError) as exc:  # groups too small or a model that cannot be estimated: left open, loudly
        return {"test": test, "decision": "not evaluated", "rule": str(exc)}
    difference = compare(equal, free)
    sizes = ", ".join(f"{label} {n}" for label, n in free.group_sizes.items())
    statistic = f"chi-square difference {difference.chisq_diff:.2f} on {difference.df_diff:.0f} df"
    return {
        "test": f"{test}: {statistic} (n = {sizes})",
        "estimate": difference.chisq_diff,
        "pvalue": difference.pvalue,
        "df": difference.df_diff,
        "decision": "supported" if difference.pvalue < ALPHA else "not supported",
        "rule": "structural paths held equal across the groups fit worse: chi-square difference p < .05",
    }


def _without_path_labels(table: pd.DataFrame, split: str) -> pd.DataFrame:
    """The model for a multi-group comparison of paths: no defined effects, no path labels, and the
    grouping construct's own measurement dropped when no path involves it."""
    paths = table[table.op == "~"]
    keep = table.op != syntax.DEFINE
    if split not in set(paths.lhs) | set(paths.rhs):
        keep &= ~((table.lhs == split) | (table.rhs == split))
    return table[keep].assign(label=np.where(table[keep].op == "~", "", table[keep].label))


_DECIDERS = {
    "path": _path,
    "indirect": _indirect,
    "comparison": _comparison,
    "regression": _regression,
    "crosstab": _crosstab,
    "multigroup": _multigroup,
}
