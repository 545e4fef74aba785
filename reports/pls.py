"""The report of a PLS-SEM estimate (`analysis.pls`): the tables SmartPLS users print, the methods text and
the path diagram with R² inside the construct shapes. Cells go through `apa` and `tables.Table`, as the
CB-SEM report's, so every format prints the same strings.

Examples
--------
>>> [t.title for t in build(analysis.pls(data, bootstrap=5000, seed=1))][:2]  # doctest: +SKIP
['Sample and estimation', 'Outer loadings and weights']
"""

from __future__ import annotations

import graphviz
import numpy as np
import pandas as pd

from analysis import PLSResult
from analysis.pls.results import SCHEME_NAMES

from . import apa, criteria, sample
from .tables import HTMT_LIMITS, Table, construct_label, hypotheses_table, lower_triangle, numbered, range_labels

PREDICT = {"folds": 10, "repeats": 10}  # PLSpredict of the report (Shmueli et al. 2019's defaults)
Q2_DISTANCE = 7


def method(result: PLSResult) -> str:
    """``PLS-SEM (path weighting, 5000 bootstrap draws)``."""
    draws = f", {result.bootstrap} bootstrap draws" if result.bootstrap else ""
    return f"{'PLSc' if result.consistent else 'PLS-SEM'} ({SCHEME_NAMES[result.scheme]}{draws})"


def build(result: PLSResult) -> list[Table]:
    """The numbered tables; prediction tables are left out for a two-stage model (interaction terms, higher-order
    constructs)."""
    makers = [_sample, _outer, _reliability, _htmt, _htmt_ci, _fornell_larcker, _vif, _paths, _indirect, _r2,
              _predict, _fit, _micom, _mga, hypotheses_table]  # fmt: skip
    return numbered([make(result) for make in makers], result)


def _sample(result: PLSResult):
    rows = [*sample.rows(result), ["Algorithm", method(result)], ["Iterations", f"{result.iterations}"]]
    if result.bootstrap:
        rows.append(["Bootstrap draws (failed)", f"{result.bootstrap} ({result.draws.failed})"])
    return "Sample and estimation", ["Characteristic", "Value"], rows, sample.note(result)


def _ci(frame: pd.DataFrame, prefix: str = "", bound: bool = False) -> tuple[list[str], list[str]]:
    """Percentile and BCa interval cells of a bootstrapped table ('' without draws)."""
    if f"{prefix}ci_lower" not in frame:
        return [""] * len(frame), [""] * len(frame)

    def cells(kind: str) -> list[str]:
        pairs = zip(frame[f"{prefix}{kind}_lower"], frame[f"{prefix}{kind}_upper"], strict=True)
        return [apa.interval(lo, hi, bound=bound) for lo, hi in pairs]

    return cells("ci"), cells("bca")


def _outer(result: PLSResult):
    table = result.outer
    vif = result.vif[result.vif.kind == "outer"].set_index("rhs").vif
    pct, _ = _ci(table, "weight_")
    rows = [[construct_label(result, r.construct), r.item, "reflective" if r.mode == "A" else "formative",
             apa.number(r.loading, 3), apa.number(r.weight, 3), ci if r.mode == "B" else "", apa.number(vif[r.item])]
            for r, ci in zip(table.itertuples(), pct, strict=True)]  # fmt: skip
    note = ("Loadings: item-score correlations (PLSc-corrected for reflective constructs under PLSc); weights: "
            "scores have unit variance. 95% CI: percentile bootstrap of formative weights. VIF: the item on the "
            "others of its block (formative items: VIF < 3, Hair et al. 2019).")  # fmt: skip
    return ("Outer loadings and weights", ["Construct", "Item", "Mode", "Loading", "Weight", "95% CI", "VIF"], rows,
            note)  # fmt: skip


def _reliability(result: PLSResult):
    table = result.reliability
    rows = [[construct_label(result, c), apa.bounded(r.alpha, 3), apa.bounded(r.rho_a, 3), apa.bounded(r.rho_c, 3),
             apa.bounded(r.ave, 3)] for c, r in zip(table.index, table.itertuples(), strict=True)]  # fmt: skip
    note = ("α = Cronbach's alpha (standardized); ρA = Dijkstra-Henseler's rho_A; ρC = composite reliability; "
            "AVE = average variance extracted. Thresholds: α, ρA, ρC ≥ .70; AVE ≥ .50 (reflective).")  # fmt: skip
    return "Reliability and convergent validity", ["Construct", "α", "ρA", "ρC", "AVE"], rows, note


def _htmt(result: PLSResult):
    def cell(a: str, b: str) -> str:
        value = result.htmt.loc[a, b]
        return apa.bounded(value) + ("‡" if value > HTMT_LIMITS[1] else "†" if value > HTMT_LIMITS[0] else "")

    rows = lower_triangle(result, result.htmt, cell, diagonal=lambda c: "—")
    note = ("Heterotrait-monotrait ratios of absolute item correlations (Henseler et al., 2015, as seminr and "
            "SmartPLS). † above .85, ‡ above .90: discriminant validity is in doubt.")  # fmt: skip
    return "Discriminant validity: HTMT", ["Construct", *range_labels(result.htmt)], rows, note


def _htmt_ci(result: PLSResult):
    if not result.bootstrap:
        return None
    table = result.htmt_ci
    pct, bca = _ci(table, bound=True)
    rows = [[f"{construct_label(result, r.lhs)} – {construct_label(result, r.rhs)}", apa.bounded(r.est), p, b]
            for r, p, b in zip(table.itertuples(), pct, bca, strict=True)]  # fmt: skip
    note = (f"Bootstrap intervals ({result.bootstrap} draws); discriminant validity holds where the upper bound is "
            "below 1 (Henseler et al., 2015) or .85/.90.")  # fmt: skip
    return "HTMT inference", ["Pair", "HTMT", "95% CI (percentile)", "95% CI (BCa)"], rows, note


def _fornell_larcker(result: PLSResult):
    matrix = result.fornell_larcker

    def cell(a: str, b: str) -> str:
        return apa.bounded(matrix.loc[a, b]) + (criteria.MARK if criteria.fornell_larcker_fails(matrix, a, b) else "")

    rows = lower_triangle(result, matrix, cell, diagonal=lambda c: apa.bounded(matrix.loc[c, c]))
    note = (
        "Diagonal: square root of AVE; below: correlations of the construct scores (Fornell and Larcker, 1981). "
        f"{criteria.MARK} the correlation reaches the square root of the AVE of one or both constructs."
    )
    return "Discriminant validity: Fornell-Larcker criterion", ["Construct", *range_labels(matrix)], rows, note


def _vif(result: PLSResult):
    inner = result.vif[result.vif.kind == "inner"]
    rows = [[construct_label(result, r.rhs), construct_label(result, r.lhs), apa.number(r.vif)]
            for r in inner.itertuples()]  # fmt: skip
    note = "Inner VIF of each antecedent of a construct, from the construct scores; values above 3 (Hair et al.)."
    return "Collinearity of the structural model", ["Antecedent", "Construct", "VIF"], rows, note


def _effect_rows(result: PLSResult, table: pd.DataFrame, names: list[str]) -> list[list[str]]:
    pct, bca = _ci(table)
    rows = []
    for name, row, p, b in zip(names, table.itertuples(), pct, bca, strict=True):
        boot = [apa.number(row.se, 3), apa.number(row.t), apa.p_value(row.pvalue)] if result.bootstrap else [""] * 3
        rows.append([name, apa.number(row.est, 3) + (apa.stars(row.pvalue) if result.bootstrap else ""), *boot, p, b])
    return rows


EFFECT_COLUMNS = ["β", "SE", "t", "p", "95% CI (percentile)", "95% CI (BCa)"]


def _paths(result: PLSResult):
    table = result.paths
    names = [f"{construct_label(result, r.rhs)} → {construct_label(result, r.lhs)}" for r in table.itertuples()]
    rows = _effect_rows(result, table, names)
    for row, f2 in zip(rows, result.f2.f2, strict=True):
        row.append(apa.number(f2, 3) if np.isfinite(f2) else "")
    note = ("β = path coefficient; f² = (R²incl − R²excl)/(1 − R²incl), re-estimating without the path (seminr; "
            ".02/.15/.35 small/medium/large). ")  # fmt: skip
    note += _boot_note(result)
    return "Structural paths", ["Path", *EFFECT_COLUMNS, "f²"], rows, note


def _boot_note(result: PLSResult) -> str:
    if not result.bootstrap:
        return "No bootstrap: no standard errors or intervals."
    return f"SE, t and p (normal) from {result.bootstrap} bootstrap draws. {apa.STARS_NOTE}"


def _indirect(result: PLSResult):
    table = result.indirect_effects
    if table.empty:
        return None
    names = [" → ".join(construct_label(result, c) for c in [r.rhs, *(r.via.split(" -> ")), r.lhs])
             for r in table.itertuples()]  # fmt: skip
    return "Specific indirect effects", ["Effect", *EFFECT_COLUMNS], _effect_rows(result, table, names), \
        "Each effect is the product of its paths. " + _boot_note(result)  # fmt: skip


def _r2(result: PLSResult):
    q2 = None if result.spec.two_stage else result.q2(Q2_DISTANCE)
    rows = [[construct_label(result, c), apa.bounded(result.r2[c], 3), apa.bounded(result.r2_adj[c], 3),
             "" if q2 is None else apa.number(q2[c], 3)] for c in result.r2.index]  # fmt: skip
    note = (f"Q²: Stone-Geisser's cross-validated redundancy by blindfolding, omission distance {Q2_DISTANCE}; "
            "Q² > 0: predictive relevance.")  # fmt: skip
    return "Explained variance and predictive relevance", ["Construct", "R²", "R² adj.", "Q²"], rows, note


def _predict(result: PLSResult):
    if result.spec.two_stage:
        return None
    table = result.predict(**PREDICT, seed=result.seed)
    rows = [[construct_label(result, r.construct), r.item, apa.number(r.q2_predict, 3), apa.number(r.rmse, 3),
             apa.number(r.mae, 3), apa.number(r.lm_rmse, 3), apa.number(r.lm_mae, 3)]
            for r in table.itertuples()]  # fmt: skip
    note = (f"PLSpredict (Shmueli et al., 2019): {PREDICT['folds']}-fold cross-validation, {PREDICT['repeats']} "
            "repetitions, direct antecedents. PLS predictions with RMSE or MAE below the linear model's (LM) "
            "benchmark show predictive power.")  # fmt: skip
    return ("PLSpredict", ["Construct", "Item", "Q²predict", "RMSE", "MAE", "LM RMSE", "LM MAE"], rows, note)


def _fit(result: PLSResult):
    rows = [["SRMR (saturated model)", apa.bounded(result.srmr, 3), "< .08"]]
    return "Model fit", ["Index", "Value", "Cutoff"], rows, "SRMR as SmartPLS reports it (Henseler et al., 2014)."


def _micom(result: PLSResult):
    if result.groups is None:
        return None
    table = result.micom
    rows = []
    for c, r in zip(table.index, table.itertuples(), strict=True):
        rows.append([construct_label(result, c), "yes", apa.number(r.c, 3), apa.number(r.c_5pct, 3),
                     apa.p_value(r.compositional_p)])  # fmt: skip
        for name in ("mean", "log_var"):
            low, high = getattr(r, f"{name}_lower"), getattr(r, f"{name}_upper")
            rows[-1] += [apa.number(getattr(r, f"{name}_diff"), 3), apa.interval(low, high),
                         apa.p_value(getattr(r, f"{name}_p"))]  # fmt: skip
    first, second = result.groups.names
    note = (f"Henseler, Ringle and Sarstedt (2016), {result.permutations} permutations. Step 1: the same model and "
            "treatment in both groups; step 2: c, the correlation of the scores under the two groups' weights, "
            "invariant when not below the permutation 5% quantile; step 3: differences "
            f"({first} minus {second}) of the composites' means and log variances, permutation 95% "
            "intervals.")  # fmt: skip
    columns = ["Construct", "Configural", "c", "5% quantile", "p", "Mean diff.", "95% interval", "p",
               "Log variance diff.", "95% interval", "p"]  # fmt: skip
    return "Measurement invariance of composites (MICOM)", columns, rows, note


def _mga(result: PLSResult):
    if result.groups is None:
        return None
    table = result.mga
    first, second = result.groups.names
    boot = "pls_mga_p" in table
    rows = [[f"{construct_label(result, r.rhs)} → {construct_label(result, r.lhs)}", apa.number(r.est_1, 3),
             apa.number(r.est_2, 3), apa.number(r.diff, 3), apa.p_value(r.pls_mga_p) if boot else "",
             apa.p_value(r.permutation_p)] for r in table.itertuples()]  # fmt: skip
    note = (f"β per group ({first}, {second}); PLS-MGA p: Henseler's one-sided test of {first} above {second} "
            f"from {result.bootstrap} bootstrap draws per group (seminr); permutation p: two-sided, "
            f"{result.permutations} permutations (Chin and Dibbern, 2010).")  # fmt: skip
    columns = ["Path", f"β {first}", f"β {second}", "Difference", "PLS-MGA p", "Permutation p"]
    return "Multigroup analysis (PLS-MGA)", columns, rows, note


def paragraph(result: PLSResult) -> str:
    """The methods-and-results paragraph: estimation, reliability, validity, R² and the hypotheses.

    Examples
    --------
    >>> print(paragraph(res))  # doctest: +SKIP
    The model was estimated by PLS-SEM (path weighting, 5000 bootstrap draws) in socialimp ...
    """
    notice = sample.notice(result)
    text = [f"{apa.capitalized(notice)}."] if notice else []
    text.append(f"The model was estimated by {method(result)} in socialimp (results verified against seminr) on "
                f"N = {result.n} respondents; missing answers were handled by "
                f"{sample.missing_handling(result)}.")  # fmt: skip
    rel = result.reliability
    text.append(f"Composite reliability (ρC) ranged from {apa.bounded(rel.rho_c.min())} to "
                f"{apa.bounded(rel.rho_c.max())}, ρA from {apa.bounded(rel.rho_a.min())} to "
                f"{apa.bounded(rel.rho_a.max())}, and the AVE from {apa.bounded(rel.ave.min())} to "
                f"{apa.bounded(rel.ave.max())}.")  # fmt: skip
    htmt = result.htmt.to_numpy()
    text.append(f"The largest HTMT ratio was {apa.bounded(np.nanmax(htmt))}; R² ranged from "
                f"{apa.bounded(result.r2.min())} to {apa.bounded(result.r2.max())}, and SRMR was "
                f"{apa.bounded(result.srmr, 3)}.")  # fmt: skip
    hyp = result.hypotheses
    tested = hyp[hyp.decision != "not evaluated"]
    if not tested.empty:
        supported = tested[tested.decision == "supported"].hypothesis.tolist()
        text.append(f"Of the {len(tested)} hypotheses PLS tests, {len(supported)} were supported"
                    + (f" ({', '.join(supported)})." if supported else "."))  # fmt: skip
    if result.warnings:
        text.append("Warnings: " + " ".join(result.warnings))
    return " ".join(text)


def path_diagram(result: PLSResult) -> graphviz.Digraph:
    """Constructs as ellipses (R² inside the endogenous ones), path coefficients on the arrows; with bootstrap
    draws, non-significant paths dashed. A higher-order construct's dimensions join it by dotted arrows in the
    direction of its mode (to them for mode A, labelled with their loadings; from them for mode B, weights).

    Examples
    --------
    >>> path_diagram(res).pipe(format="svg")  # doctest: +SKIP
    """
    graph = graphviz.Digraph("model", graph_attr={"rankdir": "LR", "fontname": "Times", "nodesep": "0.35"},
                             node_attr={"fontname": "Times", "fontsize": "12"},
                             edge_attr={"fontname": "Times", "fontsize": "11"})  # fmt: skip
    for c in result.spec.constructs:
        label = construct_label(result, c)
        if c in result.r2.index:
            label += f"\nR² = {apa.bounded(result.r2[c])}"
        graph.node(c, label, shape="ellipse")
    for row in result.paths.itertuples():
        p = row.pvalue if result.bootstrap else np.nan
        graph.edge(row.rhs, row.lhs, label=apa.number(row.est) + (apa.stars(p) if result.bootstrap else ""),
                   style="dashed" if p >= 0.05 else "solid")  # fmt: skip
    outer = result.outer.set_index(["construct", "item"])
    for hoc in result.spec.higher_order:
        mode_a = result.spec.modes[hoc] == "A"
        for d in result.spec.items[hoc]:
            value = outer.loc[(hoc, d), "loading" if mode_a else "weight"]
            graph.edge(d, hoc, label=apa.number(value), style="dotted", dir="back" if mode_a else "forward")
    return graph
