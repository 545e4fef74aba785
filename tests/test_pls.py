"""analysis.pls against the seminr port (tests/data/pls_reference.py): six models (two higher-order) x three schemes,
and PLSc."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import DataError, ModelError, ModelSyntaxError
from analysis.pls import parse

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "pls_reference.json").read_text())
CASES = [(name, k) for name, model in REFERENCE.items() for k in range(len(model["cases"]))]
IDS = [f"{name}-{REFERENCE[name]['cases'][k]['scheme']}{'-plsc' * REFERENCE[name]['cases'][k]['consistent']}"
       for name, k in CASES]  # fmt: skip
TOL = 1e-6


@cache
def data(file: str) -> pd.DataFrame:
    return pd.read_csv(DATA / file)


@cache
def estimate(name: str, k: int):
    model, case = REFERENCE[name], REFERENCE[name]["cases"][k]
    return analysis.pls(data(model["data"]), model["model"], scheme=case["scheme"], consistent=case["consistent"],
                        na_values=model["na_values"])  # fmt: skip


@pytest.fixture(params=CASES, ids=IDS)
def case(request):
    name, k = request.param
    return estimate(name, k), REFERENCE[name]["cases"][k]


def pairs(frame: pd.DataFrame, a: str, b: str, value: str) -> dict:
    return {(x, y): v for x, y, v in zip(frame[a], frame[b], frame[value], strict=True)}


def test_iterations(case):
    res, ref = case
    assert res.converged and res.iterations == ref["iterations"]


def test_paths(case):
    res, ref = case
    ours = pairs(res.paths, "rhs", "lhs", "est")
    assert ours.keys() == {(s, t) for s, t, _ in ref["paths"]}
    np.testing.assert_allclose([ours[s, t] for s, t, _ in ref["paths"]], [v for *_, v in ref["paths"]], atol=TOL)


@pytest.mark.parametrize("column", ["weight", "loading"])
def test_outer(case, column):
    res, ref = case
    ours = pairs(res.outer, "item", "construct", column)
    expected = ref["weights" if column == "weight" else "loadings"]
    assert len(ours) == len(expected)
    np.testing.assert_allclose([ours[i, c] for i, c, _ in expected], [v for *_, v in expected], atol=TOL)


def test_r2(case):
    res, ref = case
    for stat, construct, value in ref["r2"]:
        ours = res.r2 if stat == "Rsq" else res.r2_adj
        assert ours[construct] == pytest.approx(value, abs=TOL)


def test_reliability(case):
    res, ref = case
    columns = {"alpha": "alpha", "rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"}
    for construct, stat, value in ref["reliability"]:
        assert res.reliability.loc[construct, columns[stat]] == pytest.approx(value, abs=TOL), (construct, stat)


def test_htmt(case):
    res, ref = case
    for a, b, value in ref["htmt"]:
        assert res.htmt.loc[a, b] == pytest.approx(value, abs=TOL)
        assert res.htmt_ci.set_index(["lhs", "rhs"]).est.get((b, a), res.htmt.loc[b, a]) == pytest.approx(value)


def test_fornell_larcker(case):
    res, ref = case
    table = res.fornell_larcker
    for a, b, value in ref["fornell_larcker"]:  # seminr orders single items as declared, we after the blocks
        ours = table.loc[a, b] if not np.isnan(table.loc[a, b]) else table.loc[b, a]
        assert ours == pytest.approx(value, abs=TOL)


def test_cross_loadings(case):
    res, ref = case
    got = [res.cross_loadings.loc[i, c] for i, c, _ in ref["cross_loadings"]]
    np.testing.assert_allclose(got, [v for *_, v in ref["cross_loadings"]], atol=TOL)


def test_f2(case):
    res, ref = case
    ours = pairs(res.f2, "rhs", "lhs", "f2")
    expected = {(s, t): v for s, t, v in ref["f2"] if abs(v) > 1e-12}
    assert expected.keys() <= ours.keys()
    components = {c for iv, moderator, _ in res.spec.interactions for c in (iv, moderator)}
    assert all(np.isnan(v) == (s in components and t == "Satisfaction") for (s, t), v in ours.items())
    np.testing.assert_allclose([ours[k] for k in expected], list(expected.values()), atol=TOL)


def test_total_effects(case):
    res, ref = case
    ours = pairs(res.total_effects, "rhs", "lhs", "est")
    np.testing.assert_allclose([ours[s, t] for s, t, _ in ref["total_effects"]],
                               [v for *_, v in ref["total_effects"]], atol=TOL)  # fmt: skip


def test_specific_indirect_effects_add_up_to_seminr_total_indirect(case):
    res, ref = case
    total = res.indirect_effects.groupby(["rhs", "lhs"]).est.sum()
    for s, t, value in ref["total_indirect_effects"]:
        assert total[s, t] == pytest.approx(value, abs=TOL)
    assert len(total) == len([v for v in ref["total_indirect_effects"] if abs(v[2]) > 1e-15])


def test_vif(case):
    res, ref = case
    outer = res.vif[res.vif.kind == "outer"].set_index("rhs").vif
    for _, item, value in ref["vif_items"]:
        assert outer[item] == pytest.approx(value, abs=TOL)
    inner = res.vif[res.vif.kind == "inner"].set_index(["lhs", "rhs"]).vif
    for target, source, value in ref["vif_antecedents"]:
        # seminr: NaN for a sole antecedent; 1 here (nothing to be collinear with)
        assert inner[target, source] == pytest.approx(1.0 if np.isnan(value) else value, abs=TOL)


def test_scores(case):
    res, ref = case
    np.testing.assert_allclose(res.construct_scores[ref["score_columns"]].to_numpy()[:10], ref["scores"], atol=TOL)
    sd = res.construct_scores.std(ddof=1)  # unit variance, but an interaction term keeps its product's SD
    terms = [name for *_, name in res.spec.interactions]
    np.testing.assert_allclose(sd.drop(terms), 1.0)
    np.testing.assert_allclose(sd[terms], res.values[terms].std(ddof=1))


PREDICT = [(name, k) for name, model in REFERENCE.items() for k in range(len(model.get("predict", [])))]


@pytest.mark.parametrize(("name", "k"), PREDICT, ids=[f"{n}-{'plsc' if k else 'pls'}" for n, k in PREDICT])
def test_plspredict(name, k):
    model, ref = REFERENCE[name], REFERENCE[name]["predict"][k]
    res = analysis.pls(data(model["data"]), model["model"], consistent=ref["consistent"], na_values=model["na_values"])
    table = res.predict(folds=ref["folds"], repeats=1, seed=ref["seed"]).set_index("item").loc[ref["items"]]
    for column in ("rmse", "mae", "q2_predict"):
        np.testing.assert_allclose(table[column], ref[f"pls_{column}"], atol=TOL, err_msg=column)
        np.testing.assert_allclose(table[f"lm_{column}"], ref[f"lm_{column}"], atol=TOL, err_msg=column)


def test_plspredict_repeats_average_the_repetitions():
    res = estimate("corp_rep", 0)
    one = res.predict(folds=5, repeats=1, seed=2)
    three = res.predict(folds=5, repeats=3, seed=2)
    assert one.rmse.tolist() != three.rmse.tolist()
    assert three.rmse.tolist() == res.predict(folds=5, repeats=3, seed=2).rmse.tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [({"folds": 1}, ValueError, "folds must be a whole number from 2 to 250"),
     ({"repeats": 0}, ValueError, "repeats must be a whole number, at least 1")],
)  # fmt: skip
def test_plspredict_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        estimate("mobi_formative", 0).predict(**kwargs)


def test_plspredict_refuses_interactions():
    with pytest.raises(ModelError, match="PLSpredict of a model with interaction terms is not supported"):
        estimate("mobi_interaction", 0).predict()


# --- higher-order constructs -------------------------------------------------------------------------------------

HIGHER = REFERENCE["corp_rep_higher_order"]


def test_higher_order_stages_rewire_the_paths_as_seminr():
    spec = parse(HIGHER["model"])
    assert spec.higher_order == ("IMAGE", "REP") and spec.dimensions == ("PERF", "CSOR", "COMP", "LIKE")
    first = spec.first_order()  # seminr's expand_hoc_to_locs, IMAGE first, then REP
    assert set(first.paths) == {(s, t) for s in ("QUAL", "ATTR", "PERF", "CSOR") for t in ("COMP", "LIKE")} | {
        (s, t) for s in ("COMP", "LIKE") for t in ("cusa", "CUSL")} | {("cusa", "CUSL")}  # fmt: skip
    assert "IMAGE" not in first.constructs and not first.higher_order
    second = spec.second_order()
    assert second.paths == spec.paths and "PERF" not in second.constructs
    assert second.items["IMAGE"] == ("PERF", "CSOR") and second.modes["IMAGE"] == "B"
    assert spec.measured == first.indicators and spec.indicators[-4:] == spec.dimensions


def test_higher_order_dimension_scores_are_first_stage_scores():
    res = estimate("corp_rep_higher_order", 0)
    blocks = [line for line in HIGHER["model"].splitlines() if "=~" in line or "<~" in line][:-2]  # but the HOCs'
    paths = ["COMP ~ QUAL + ATTR + PERF + CSOR", "LIKE ~ QUAL + ATTR + PERF + CSOR", "cusa ~ COMP + LIKE",
             "CUSL ~ COMP + LIKE + cusa"]  # fmt: skip
    first = analysis.pls(data(HIGHER["data"]), "\n".join(blocks + paths), na_values=HIGHER["na_values"])
    scores = first.construct_scores
    for dimension in res.spec.dimensions:
        np.testing.assert_allclose(res.values[dimension], scores[dimension], atol=1e-12)
        np.testing.assert_allclose(res.construct_scores[dimension], scores[dimension], atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [(lambda res: res.predict(), "PLSpredict of a model with higher-order constructs \\('IMAGE'\\) is not supported"),
     (lambda res: res.q2(), "blindfolding of a model with higher-order constructs \\('IMAGE'\\) is not supported; "
                            "replace 'IMAGE' by its dimensions")],
)  # fmt: skip
def test_higher_order_refused_by_prediction(call, message):
    with pytest.raises(ModelError, match=message):
        call(estimate("corp_rep_higher_order", 0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"consistent": True}, "consistent=True with the higher-order construct 'IMAGE' is not supported"),
     ({"group": "servicetype"}, "group= \\(PLS-MGA, MICOM\\) with higher-order constructs \\('IMAGE'\\)")],
)  # fmt: skip
def test_higher_order_refused_by_plsc_and_groups(kwargs, message):
    with pytest.raises(ModelError, match=message):
        analysis.pls(data(HIGHER["data"]), HIGHER["model"], na_values=HIGHER["na_values"], permutations=10, **kwargs)


def test_higher_order_bootstrap_reruns_both_stages():
    res = analysis.pls(data(HIGHER["data"]), HIGHER["model"], na_values=HIGHER["na_values"], bootstrap=20, seed=1,
                       executor=ThreadPoolExecutor(1))  # fmt: skip
    assert res.bootstrap == 20 and res.paths.se.gt(0).all()
    weights = res.outer.set_index(["construct", "item"]).weight_se
    assert weights["IMAGE"].gt(0).all() and weights["PERF"].gt(0).all() and weights["REP"].isna().all()


def test_blindfolding_q2_below_r2():
    # no reference computes blindfolding (seminr has none): Q² of cross-validated redundancy is positive and
    # below R² (it predicts held-out items, not the construct, and loses the omitted points)
    res = estimate("mobi_reflective", 0)
    q2 = res.q2()
    assert list(q2.index) == res.spec.endogenous
    assert (q2 > 0).all() and (q2 < res.r2).all()
    assert not np.allclose(q2, res.q2(distance=9))


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"),
    [("mobi_reflective", {"distance": 1}, ValueError, "omission distance must be a whole number from 2 to 249"),
     ("mobi_interaction", {}, ModelError, "blindfolding of a model with interaction terms is not supported")],
)  # fmt: skip
def test_blindfolding_errors(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        estimate(name, 0).q2(**kwargs)


# --- behaviour ---------------------------------------------------------------------------------------------------

MOBI = REFERENCE["mobi_formative"]["model"]


def mobi() -> pd.DataFrame:
    return data("pls_mobi.csv")


def test_summary_to_dict_html():
    res = estimate("mobi_formative", 0)
    assert "PLS-SEM (path weighting)" in res.summary() and "SRMR" in res.summary()
    assert json.dumps(res.to_dict())
    assert "<table" in res._repr_html_()


def test_result_is_read_only():
    res = estimate("mobi_formative", 0)
    with pytest.raises(AttributeError):
        res.scheme = "factor"


def test_srmr_zero_for_the_implied_correlations():
    res = estimate("corp_rep", 0)
    assert 0 < res.srmr < 0.1
    from analysis.pls import quality

    implied = quality.implied(res.correlations, res.estimates, res.layout)
    assert quality.srmr(implied, res.estimates, res.layout) < 0.2


def test_missing_mean_replacement_and_codes():
    frame = mobi().copy()
    frame.loc[:9, "CUEX1"] = -99
    coded = analysis.pls(frame, MOBI, na_values=[-99])
    filled = frame.assign(CUEX1=frame.CUEX1.mask(frame.CUEX1 == -99))
    filled["CUEX1"] = filled.CUEX1.fillna(filled.CUEX1.mean())
    assert coded.paths.est.tolist() == pytest.approx(analysis.pls(filled, MOBI).paths.est.tolist())
    assert analysis.pls(frame, MOBI, na_values=[-99], missing="listwise").n == len(frame) - 10


def test_interaction_needs_its_main_effects():
    with pytest.raises(ModelError, match="'X:M' needs the main effect of 'M' as well: add 'M' to the 'Y ~' line"):
        parse("X =~ CUEX1 + CUEX2\nY =~ CUSA1 + CUSA2\nM =~ IMAG1 + IMAG2\nY ~ X + X:M")


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("X =~ a + b\nY ~~ X", "line 2, column 3: '~~' is not part of a PLS model"),
        ("X =~ a + 2*b\nY ~ X", "'\\*' is not part of a PLS model"),
        ("X =~ a + b\nX =~ c\nY ~ X", "line 2.*defined twice"),
        ("X =~ a + b\nY ~ X + X", "'X' is given twice"),
        ("X =~ a + + b\nY ~ X", "line 1, column 10: '' is not a variable name"),
        ("X =~ a + b", "needs structural paths"),
        ("X =~ a + b\nZ =~ c\nY ~ X", "'Z' is in no structural path"),
        ("X =~ a + b\nY =~ a + c\nY ~ X", "item 'a' measures both 'X' and 'Y'"),
        ("X =~ a + b\nY =~ c + d\nY ~ X\nX ~ Y", "feedback loop"),
        ("X =~ a\nY ~ X:X", "two different constructs"),
        ("A =~ a + b\nH =~ A + c\nY ~ H", "construct 'H' is measured by constructs and by item 'c'"),
        ("A =~ a + b\nB =~ c + d\nH =~ A + B\nG =~ H + B\nY ~ G", "measured by 'H', itself higher-order"),
        (
            "A =~ a + b\nB =~ c + d\nH =~ A + B\nY ~ H + A",
            "'A' is a dimension of the higher-order construct 'H' and in a structural path",
        ),
        (
            "A =~ a + b\nB =~ c + d\nH =~ A + B\nY ~ H + X + H:X",
            "higher-order constructs \\('H'\\) and interaction terms",
        ),
    ],
)
def test_model_errors(model, message):
    with pytest.raises(ModelError, match=message):
        parse(model)


def test_syntax_error_is_a_model_syntax_error():
    with pytest.raises(ModelSyntaxError):
        parse("X =~ a +\n+ b\nY ~ X")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"scheme": "weighted"}, ValueError, "scheme must be one of path, factor, centroid"),
        ({"missing": "fiml"}, ValueError, "missing must be one of mean, listwise"),
        ({"bootstrap": -1}, ValueError, "bootstrap must be a whole number"),
        ({"model": "X =~ CUEX1 + nope\nY =~ CUSA1 + CUSA2\nY ~ X"}, DataError, "column 'nope' is not in the data"),
    ],
)
def test_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        analysis.pls(mobi(), **{"model": MOBI, **kwargs})


@cache
def social_imp(bootstrap: int = 0):
    return analysis.pls(analysis.simulate(300, seed=2), bootstrap=bootstrap, seed=1, executor=ThreadPoolExecutor(2))


def test_model_none_is_the_instruments_model_with_reverse_keyed_items_recoded():
    import instrument

    ins = instrument.load()
    res = social_imp()
    assert res.model == ins.to_lavaan("pls") and "rtm" not in res.spec.constructs
    raw = analysis.load(analysis.simulate(300, seed=2), instrument=ins)
    codes = ins.scale_of("coo_5").codes
    np.testing.assert_allclose(res.values.coo_5, min(codes) + max(codes) - raw.coo_5.astype(float))
    assert (res.outer.loading > 0).all()


def test_hypotheses_on_pls_paths_and_indirect_effects():
    table = social_imp(200).hypotheses.set_index("hypothesis")
    assert table.loc["H1a", "test"] == "PLS indirect effect smu -> inf -> ltr"
    assert table.loc["H2b", "test"] == "PLS path dec ~ inf"
    paths = social_imp(200).paths.set_index(["lhs", "rhs"])
    assert table.loc["H2b", "estimate"] == paths.est["dec", "inf"]
    assert table.loc["H2b", "pvalue"] == paths.pvalue["dec", "inf"]
    assert table.loc["H2a", "decision"] == "not evaluated"
    assert set(table.decision) <= {"supported", "not supported", "not evaluated"}
    assert (social_imp().hypotheses.decision == "not evaluated").all()
    assert estimate("mobi_formative", 0).hypotheses.empty


def test_constant_item_refused():
    with pytest.raises(DataError, match="'CUEX1' has no variance"):
        analysis.pls(mobi().assign(CUEX1=1.0), MOBI)


# --- bootstrap ---------------------------------------------------------------------------------------------------


def test_bootstrap_same_draws_whatever_the_executor():
    serial = analysis.pls(mobi(), MOBI, bootstrap=40, seed=3, executor=ThreadPoolExecutor(1))
    threads = analysis.pls(mobi(), MOBI, bootstrap=40, seed=3, executor=ThreadPoolExecutor(2))
    pool = analysis.pls(mobi(), MOBI, bootstrap=40, seed=3)  # the default: a process pool over all cores
    np.testing.assert_array_equal(serial.draws.values, threads.draws.values)
    np.testing.assert_array_equal(serial.draws.values, pool.draws.values)
    assert serial.bootstrap == 40
    table = serial.paths
    assert {"se", "t", "pvalue", "ci_lower", "ci_upper", "bca_lower", "bca_upper"} <= set(table.columns)
    assert (table.ci_lower <= table.est).all() and (table.est <= table.ci_upper).all()
    formative = serial.outer["mode"] == "B"
    assert serial.outer.weight_se[formative].notna().all() and serial.outer.weight_se[~formative].isna().all()
    assert serial.indirect_effects.se.notna().all() and serial.htmt_ci.bca_upper.notna().all()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "file", "formative_count"),
    [("corp_rep", "pls_boot_reference.json", 21),
     ("corp_rep_higher_order", "pls_higher_order_boot_reference.json", 23)],
)  # fmt: skip
def test_bootstrap_se_within_monte_carlo_error_of_seminr(name, file, formative_count):
    ref = json.loads((DATA / file).read_text())
    model = REFERENCE[name]
    res = analysis.pls(data(model["data"]), model["model"], na_values=model["na_values"], bootstrap=2000, seed=1,
                       executor=ThreadPoolExecutor(1))  # fmt: skip
    # the SD of B draws has relative Monte Carlo error ~ 1/sqrt(2B): 1.6% (2000) and 1.0% (5000)
    tolerance = 4 * np.sqrt(1 / 4000 + 1 / (2 * ref["draws"]))
    paths = res.paths.set_index(["rhs", "lhs"]).se
    np.testing.assert_allclose([paths[s, t] for s, t, _ in ref["paths"]], [v for *_, v in ref["paths"]],
                               rtol=tolerance)  # fmt: skip
    weights = res.outer.set_index(["item", "construct"]).weight_se
    formative = [(i, c, v) for i, c, v in ref["weights"] if (i, c) in weights.dropna().index]
    assert len(formative) == formative_count
    np.testing.assert_allclose([weights[i, c] for i, c, _ in formative], [v for *_, v in formative], rtol=tolerance)
    htmt = res.htmt_ci.set_index(["lhs", "rhs"]).se
    assert len(ref["htmt"]) == len(htmt)
    ours = [htmt.get((a, b), htmt.get((b, a))) for a, b, _ in ref["htmt"]]  # single items come last here
    np.testing.assert_allclose(ours, [v for *_, v in ref["htmt"]], rtol=tolerance)


def test_na_values_are_read_as_analysis_fit_reads_them():
    """A code, a list or a dict per column: the same missing answers (corp_rep codes them -99)."""
    model = REFERENCE["corp_rep"]
    listed = estimate("corp_rep", 0)
    frame = data(model["data"])
    for codes in (-99, {column: -99 for column in frame.columns if frame[column].eq(-99).any()}):
        other = analysis.pls(frame, model["model"], na_values=codes)
        assert other.imputed == listed.imputed > 0
        pd.testing.assert_frame_equal(other.paths, listed.paths)
    with pytest.raises(DataError, match="na_values names column 'nope', which is not in the data"):
        analysis.pls(frame, model["model"], na_values={"nope": -99})
