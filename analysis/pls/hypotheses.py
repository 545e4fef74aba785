"""The instrument's hypotheses on a PLS estimate: paths and indirect effects, by their bootstrap intervals.

The same table as `analysis.hypotheses.evaluate` (its columns and sign rule); hypotheses that PLS does
not test (model comparisons, regressions on other columns, crosstabs, multigroup paths) are "not evaluated"
here and decided by `analysis.fit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..hypotheses import COLUMNS, SIGN_RULE, decide

__all__ = ["COLUMNS", "evaluate"]

if TYPE_CHECKING:
    from .results import PLSResult

RULE = SIGN_RULE + " (bootstrap p, percentile interval)"


def evaluate(result: PLSResult) -> pd.DataFrame:
    """One row per hypothesis of ``result.instrument``.

    Examples
    --------
    >>> evaluate(analysis.pls(data, bootstrap=5000, seed=1))  # doctest: +SKIP
    """
    ins = result.instrument
    rows = []
    for question in ins.research_questions:
        for hyp in question.hypotheses:
            evidence = _evidence(result, hyp)
            rows.append({"research_question": question.id, "hypothesis": hyp.id, "statement": hyp.statement,
                         "df": np.nan, **evidence})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _evidence(result: PLSResult, hyp) -> dict:
    t = hyp.test
    if t.kind == "path":
        rows, test = result.paths[(result.paths.lhs == t.outcome) & (result.paths.rhs == t.predictor)], \
            f"PLS path {t.outcome} ~ {t.predictor}"  # fmt: skip
    elif t.kind == "indirect":
        chain = result.instrument.spec.model.indirect[t.effect]
        table = result.indirect_effects
        rows = table[(table.rhs == chain[0]) & (table.lhs == chain[-1]) & (table.via == " -> ".join(chain[1:-1]))]
        test = f"PLS indirect effect {' -> '.join(chain)}"
    else:
        return {"test": t.kind, "decision": "not evaluated", "rule": "PLS tests paths and indirect effects; see fit()"}
    if rows.empty:
        return {"test": test, "decision": "not evaluated", "rule": "the PLS model does not contain this effect"}
    row = rows.iloc[0]
    if "pvalue" not in row:
        return {"test": test, "estimate": row.est, "decision": "not evaluated", "rule": "needs bootstrap draws"}
    return {"test": test, "estimate": row.est, "ci_lower": row.ci_lower, "ci_upper": row.ci_upper,
            "pvalue": row.pvalue, "decision": decide(row.est, row.pvalue, hyp.expect), "rule": RULE}  # fmt: skip
