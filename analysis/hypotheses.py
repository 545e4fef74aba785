"""Decide each hypothesis, the instrument's or the user's own (`fit(hypotheses=)`), from a fitted result.

A user's hypotheses are a dict id -> statement in a small mini-syntax, one line each:

- ``"extra ~ agree"``: the path is not zero (two-sided p < .05); ``"extra ~ agree > 0"`` or
  ``"... < 0"``: and it has that sign;
- ``"ind := a*b"``: the defined effect (added to the model unless it defines ``ind`` already),
  with ``> 0`` / ``< 0`` as for paths;
- ``"compare: <lavaan model>"``: the fitted model against a rival fitted to the same data with the
  same options (`analysis.compare`); lines of the rival separated by ``;`` or newlines.

Examples
--------
>>> rival = "ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem65 =~ y5 + y6 + y7 + y8; dem65 ~ dem60"
>>> hypotheses = {"H1": "dem65 ~ dem60 > 0", "H2": "ind := g1*b2", "H3": f"compare: {rival}"}
>>> res = analysis.fit(data, model, hypotheses=hypotheses)  # doctest: +SKIP
>>> res.hypotheses[["hypothesis", "test", "estimate", "pvalue", "decision"]]  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
           "df", "decision", "rule", "kind"]  # fmt: skip
"""``df``: degrees of freedom of a chi-square test (model comparisons, crosstabs); NaN for the others.
``kind``: the test (path, indirect, comparison, regression, crosstab, multigroup; rival for a user's comparison)."""
SIGN_RULE = "two-sided p < .05 and the expected sign"
NONZERO_RULE = "two-sided p < .05"
RESTRICTED_RIVAL_RULE = "the more restricted rival fits significantly worse: p < .05"
GENERAL_RIVAL_RULE = "the model's restrictions of the more general rival hold: p >= .05"
SIGNS = {">": "positive", "<": "negative", None: "nonzero"}
MINI_SYNTAX = "write 'y ~ x', 'y ~ x > 0', 'y ~ x < 0', 'name := a*b' or 'compare: <lavaan model of the rival>'"
_CLAIM = re.compile(r"^\s*(?P<lhs>[A-Za-z_.][\w.]*)\s*(?P<op>~|:=)\s*(?P<rhs>.+?)\s*(?:(?P<sign>[<>])\s*0\s*)?$")


@dataclass(frozen=True)
class UserTest:
    """The test of a user's hypothesis, shaped like the instrument's tests so one decider serves both."""

    kind: str  # "path", "indirect" or "rival"
    outcome: str = ""
    predictor: str = ""
    effect: str = ""
    definition: str = ""  # the := expression of an indirect effect
    rival: str = ""  # lavaan syntax of the rival model


@dataclass(frozen=True)
class UserHypothesis:
    """A hypothesis given to `fit(hypotheses=)`: its id, the text as written, its test and expected sign."""

    id: str
    statement: str
    test: UserTest
    expect: str = "nonzero"  # or "positive", "negative"; "better" for a rival comparison


def parse(hypotheses: dict[str, str] | None, model: pd.DataFrame, grouped: bool = False) -> tuple[UserHypothesis, ...]:
    """A user's hypotheses read from the mini-syntax and checked against the parsed `model` before it is fitted.

    In a multi-group fit (`grouped`) a path has one estimate per group, so a path hypothesis is refused
    with the way to state it: labels per group and a defined difference.

    Examples
    --------
    >>> parse({"H1": "dem65 ~ dem60 > 0"}, syntax.parse(model))[0].expect  # doctest: +SKIP
    'positive'
    """
    if hypotheses is None:
        return ()
    if not isinstance(hypotheses, dict):
        raise ValueError(f"hypotheses must be a dict of id -> statement, not {type(hypotheses).__name__}")
    return tuple(_claim(str(key), statement, model, grouped) for key, statement in hypotheses.items())


def _claim(key: str, statement, model: pd.DataFrame, grouped: bool) -> UserHypothesis:
    if not isinstance(statement, str):
        raise ValueError(f"hypothesis {key!r}: give a string; {MINI_SYNTAX}")
    if statement.strip().startswith("compare:"):
        rival = statement.split(":", 1)[1].strip()
        syntax.parse(rival)  # a syntax error shows now, with its line and caret, not after the fit
        return UserHypothesis(key, statement, UserTest("rival", rival=rival), expect="better")
    found = _CLAIM.match(statement)
    if found is None:
        raise ValueError(f"hypothesis {key!r}: cannot read {statement!r}; {MINI_SYNTAX}")
    lhs, op, rhs, expect = found["lhs"], found["op"], found["rhs"], SIGNS[found["sign"]]
    if op == "~":
        if not rhs.isidentifier():
            raise ValueError(f"hypothesis {key!r}: cannot read {statement!r} as a path; {MINI_SYNTAX}")
        if model[(model.op == "~") & (model.lhs == lhs) & (model.rhs == rhs)].empty:
            paths = model[model.op == "~"]
            known = ", ".join(paths.lhs + " ~ " + paths.rhs) or "none"
            raise ModelError(f"hypothesis {key!r}: the model has no path {lhs} ~ {rhs}; its paths: {known}")
        if grouped:
            raise ModelError(
                f"hypothesis {key!r}: in a multi-group fit {lhs} ~ {rhs} has one estimate per group; label it per "
                f"group ({lhs} ~ c(b1, b2)*{rhs}) and state a defined effect, e.g. 'd := b1 - b2'"
            )
        return UserHypothesis(key, statement, UserTest("path", outcome=lhs, predictor=rhs), expect)
    defined = model[(model.op == syntax.DEFINE) & (model.lhs == lhs)]
    if not defined.empty and _bare(defined.rhs.iloc[0]) != _bare(rhs):
        raise ModelError(
            f"hypothesis {key!r}: the model defines {lhs} := {defined.rhs.iloc[0]}, not {rhs}; use another name"
        )
    return UserHypothesis(key, statement, UserTest("indirect", effect=lhs, definition=rhs), expect)


def _bare(expression: str) -> str:
    return re.sub(r"\s+", "", expression)


def with_definitions(model: str, claims: tuple[UserHypothesis, ...]) -> str:
    """`model` with the ``:=`` lines of the hypotheses' effects it does not define yet (they do not change the fit)."""
    defined = set(syntax.parse(model).query("op == @syntax.DEFINE").lhs)
    lines = [f"{c.test.effect} := {c.test.definition}" for c in claims
             if c.test.kind == "indirect" and c.test.effect not in defined]  # fmt: skip
    return model if not lines else model.rstrip("\n") + "\n" + "\n".join(dict.fromkeys(lines)) + "\n"


def evaluate(result: FitResult, raw: pd.DataFrame, claims: tuple[UserHypothesis, ...] = ()) -> pd.DataFrame:
    """One row per hypothesis: the evidence, and whether it supports the hypothesis.

    `claims` are a user's own hypotheses (`parse`); without them, the instrument's. `raw` is the data
    as given to `fit()`: regressions and crosstabs use columns that are not in the structural model.
    """
    if claims:
        pairs = [("", hyp) for hyp in claims]
    else:
        pairs = [(question.id, hyp) for question in result.instrument.research_questions for hyp in question.hypotheses]
    rows = []
    for question, hyp in pairs:
        evidence = _DECIDERS[hyp.test.kind](result, raw, hyp)
        rows.append({"research_question": question, "hypothesis": hyp.id, "statement": hyp.statement, **evidence,
                     "kind": hyp.test.kind})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def decide(estimate: float, pvalue: float, expect: str) -> str:
    """Whether a two-sided `pvalue` < .05 and the sign of `estimate` support an `expect`-ed effect ("positive",
    "negative", or "nonzero" when no sign is expected)."""
    direction = True if expect == "nonzero" else estimate > 0 if expect == "positive" else estimate < 0
    return "supported" if pvalue < ALPHA and direction else "not supported"


def _parameter(result: FitResult, lhs: str, op: str, rhs: str | None, expect: str, test: str) -> dict:
    rows = result.estimates[(result.estimates.lhs == lhs) & (result.estimates.op == op)]
    if rhs is not None:
        rows = rows[rows.rhs == rhs]
    if rows.empty:
        return {"test": test, "decision": "not evaluated", "rule": "the fitted model does not contain this parameter"}
    row = rows.iloc[0]
    return {"test": test, "estimate": row.est, "ci_lower": row.ci_lower, "ci_upper": row.ci_upper,
            "pvalue": row.pvalue, "decision": decide(row.est, row.pvalue, expect),
            "rule": NONZERO_RULE if expect == "nonzero" else SIGN_RULE}  # fmt: skip


def _path(result, raw, hyp) -> dict:
    t = hyp.test
    return _parameter(result, t.outcome, "~", t.predictor, hyp.expect, f"path {t.outcome} ~ {t.predictor}")


def _indirect(result, raw, hyp) -> dict:
    effect = hyp.test.effect
    named = f"defined effect {effect} := {hyp.test.definition}" if isinstance(hyp, UserHypothesis) else (
        f"indirect effect {effect}")  # fmt: skip
    return _parameter(result, effect, ":=", None, hyp.expect, f"{named} (delta method)")


def _rival(result, raw, hyp) -> dict:
    """A user's comparison: the fitted model against a rival on the same rows with the same options."""
    from .compare import compare
    from .fit import fit

    try:
        rival = fit(raw, hyp.test.rival, **result.options)
        test = compare(result, rival)
    except (DataError, ModelError, ValueError) as exc:  # not nested, other variables, not estimable: open, loudly
        return {"test": "fitted model vs rival", "decision": "not evaluated", "rule": str(exc)}
    restricted = rival.fit_indices.df > result.fit_indices.df
    statistic = f"chi-square difference {test.chisq_diff:.2f} on {test.df_diff:.0f} df"
    if restricted:  # the rival restricts the model: it must fit significantly worse
        decision, rule = test.pvalue < ALPHA, RESTRICTED_RIVAL_RULE
    else:  # the model restricts the rival: its restrictions must hold
        decision, rule = test.pvalue >= ALPHA, GENERAL_RIVAL_RULE
    return {"test": f"fitted model vs rival: {statistic}", "estimate": test.chisq_diff, "pvalue": test.pvalue,
            "df": test.df_diff, "decision": "supported" if decision else "not supported", "rule": rule}  # fmt: skip


def _comparison(result, raw, hyp) -> dict:
    from .compare import compare
    from .fit import fit

    ins = result.instrument
    # an ordinal fit's rivals are ordinal too, by the same estimator (compared by lavTestLRT's scaled-shifted test)
    same = {"estimator": result.estimator, "ordered": True, "missing": result.missing} if result.ordinal else {}
    try:
        six = fit(raw, ins.to_lavaan("six_factor"), instrument=ins, **same)
        one = fit(raw, _strong_marker(ins.to_lavaan("one_factor"), result.data), instrument=ins, **same)
    except ModelError as exc:  # a comparison model that cannot be estimated leaves the hypothesis open, loudly
        return {"test": "six-factor CFA vs one factor", "decision": "not evaluated", "rule": str(exc)}
    test = compare(six, one)
    fi = six.fit_indices
    scaled = "_scaled" if result.ordinal and "cfi_scaled" in fi else ""
    kind = "scaled-shifted " if test.method == "satorra.2000" else ""
    acceptable = fi[f"cfi{scaled}"] >= 0.90 and fi[f"rmsea{scaled}"] <= 0.08 and fi.srmr <= 0.08
    better = test.pvalue < ALPHA and one.fit_indices.chisq > fi.chisq
    return {
        "test": f"six-factor CFA vs one factor: {kind}chi-square difference {test.chisq_diff:.2f} on "
        f"{test.df_diff:.0f} df",
        "estimate": test.chisq_diff,
        "pvalue": test.pvalue,
        "df": test.df_diff,
        "decision": "supported" if acceptable and better else "not supported",
        "rule": f"six-factor CFI >= .90, RMSEA <= .08{' (both scaled)' if scaled else ''}, SRMR <= .08 and a "
        "significant chi-square difference",
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
    test = f"multi-group: {split} at or below its median score vs above, paths equal vs free (loadings equal)"
    if result.ordinal:
        return {"test": test, "decision": "not evaluated", "rule": "paths held equal across groups (group_equal "
                "'regressions') are not supported for ordinal items yet"}  # fmt: skip
    score = result.data[ins.construct_items[split]].mean(axis=1)
    column = f"{split}_level"
    data = raw.loc[score.index].assign(**{column: np.where(score <= score.median(), "low", "high")})
    model = syntax.deparse(_without_path_labels(syntax.parse(ins.to_lavaan()), split))
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
    "rival": _rival,
}
