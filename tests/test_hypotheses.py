"""Hypothesis decisions: RQ5's crosstab (RQ2 and RQ4 are tested with the reports and the multi-group fits), and a
user's own hypotheses (`fit(hypotheses=)`) against lavaan (tests/data/user_hypotheses.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

import analysis
from analysis import ModelError, ModelSyntaxError
from reports.tables import build

DATA = Path(__file__).parent / "data"
LAVAAN = json.loads((DATA / "user_hypotheses.json").read_text(encoding="utf-8"))
POLDEM = (DATA / "poldem.lavaan").read_text(encoding="utf-8")
POLDEM_RIVAL = "ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60; " \
    "dem65 ~ ind60 + dem60"  # fmt: skip
HS_PATHS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; speed ~ visual + textual"
HS_RIVAL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; speed ~ visual"


def test_rq5_crosstab_is_pearsons_chi_square_of_media_by_contact_pattern(ins):
    data = analysis.simulate(300, seed=2, instrument=ins)
    row = analysis.fit(data, instrument=ins).hypotheses.set_index("hypothesis").loc["H5"]
    items = next(h.test.items for h in ins.hypotheses if h.id == "H5")
    long = data[items].melt(var_name="medium", value_name="pattern").dropna()
    observed = pd.crosstab(long.medium, long.pattern).to_numpy()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    statistic = ((observed - expected) ** 2 / expected).sum()
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    assert row.df == df
    assert row.pvalue == pytest.approx(chi2.sf(statistic, df), rel=1e-9)
    assert row.estimate == pytest.approx(np.sqrt(statistic / (observed.sum() * (min(observed.shape) - 1))))
    assert row.decision == ("supported" if row.pvalue < 0.05 else "not supported")


@pytest.fixture(scope="module")
def poldem() -> analysis.FitResult:
    hypotheses = {"H1": "dem65 ~ dem60 > 0", "H2": "ind := g1*b2", "H3": "ind2 := g1*g2 < 0",
                  "H4": f"compare: {POLDEM_RIVAL}"}  # fmt: skip
    return analysis.fit(pd.read_csv(DATA / "political_democracy.csv"), POLDEM, hypotheses=hypotheses)


@pytest.fixture(scope="module")
def hs_paths() -> analysis.FitResult:
    hypotheses = {"Ha": "speed ~ visual > 0", "Hb": "speed ~ textual", "Hc": f"compare: {HS_RIVAL}"}
    return analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_PATHS, estimator="MLR", hypotheses=hypotheses)


def rows(result: analysis.FitResult) -> pd.DataFrame:
    return result.hypotheses.set_index("hypothesis")


@pytest.mark.parametrize(("case", "hypothesis", "parameter"), [
    ("poldem", "H1", "dem65 ~ dem60"), ("poldem", "H2", "ind"), ("poldem", "H3", "ind2"),
    ("hs_paths", "Ha", "speed ~ visual"), ("hs_paths", "Hb", "speed ~ textual"),
])  # fmt: skip
def test_parameter_hypotheses_are_lavaans_estimates(case, hypothesis, parameter, request):
    row = rows(request.getfixturevalue(case)).loc[hypothesis]
    expected = LAVAAN[case]["estimates"][parameter]
    assert row.estimate == pytest.approx(expected["est"], abs=1e-4)
    assert row.pvalue == pytest.approx(expected["pvalue"], abs=1e-4)


def test_decisions_follow_the_stated_sign(poldem, hs_paths):
    table, other = rows(poldem), rows(hs_paths)
    assert table.loc["H1", ["decision", "rule"]].tolist() == ["supported", "two-sided p < .05 and the expected sign"]
    assert table.loc["H2", ["decision", "rule"]].tolist() == ["supported", "two-sided p < .05"]
    assert table.loc["H3", "decision"] == "not supported"  # significant, but positive where "< 0" was stated
    assert other.loc["Ha", "decision"] == "supported" and other.loc["Hb", "decision"] == "not supported"  # p = .31
    assert table.loc["H2", "test"] == "defined effect ind := g1*b2 (delta method)"
    assert list(table.kind) == ["path", "indirect", "indirect", "rival"]


def test_a_new_defined_effect_joins_the_model_and_an_existing_one_is_reused(poldem):
    assert poldem.model.rstrip().endswith("ind2 := g1*g2")
    assert poldem.model.count("ind :=") == 1
    assert poldem.fit_indices.chisq == pytest.approx(LAVAAN["poldem"]["chisq"][0], abs=1e-3)  # the fit is unchanged


@pytest.mark.parametrize("case", ["poldem", "hs_paths"])
def test_rival_comparison_is_lavaans_likelihood_ratio_test(case, request):
    row, expected = rows(request.getfixturevalue(case)).iloc[-1], LAVAAN[case]
    assert row.estimate == pytest.approx(expected["chisq_diff"], abs=1e-3)  # MLR: scaled (Satorra-Bentler 2001)
    assert row.df == expected["df_diff"] and row.pvalue == pytest.approx(expected["pvalue"], abs=1e-5)
    assert row.decision == ("supported" if expected["pvalue"] < 0.05 else "not supported")
    assert row.rule == "the more restricted rival fits significantly worse: p < .05"


def test_a_more_general_rival_asks_whether_the_models_restrictions_hold():
    data = pd.read_csv(DATA / "hs1939.csv")
    res = analysis.fit(data, HS_RIVAL, estimator="MLR", hypotheses={"H": f"compare: {HS_PATHS}"})
    row = res.hypotheses.iloc[0]
    assert row.pvalue == pytest.approx(LAVAAN["hs_paths"]["pvalue"], abs=1e-5) and row.decision == "supported"
    assert row.rule == "the model's restrictions of the more general rival hold: p >= .05"
    fit_rows = {row[0]: row for row in next(t for t in build(res) if t.title == "Model fit").rows}
    assert fit_rows["Fitted model vs rival (H)"][1:] == ["Δχ²(1) = 1.13, p = .287", "p ≥ .05"]


def test_user_hypotheses_fill_the_hypotheses_table_and_the_fit_table(poldem):
    tables = {t.title: t for t in build(poldem)}
    hypotheses = tables["Hypotheses"]
    assert hypotheses.number == 8 and hypotheses.columns == ["Hypothesis", "Evidence", "Decision"]  # no RQ column
    assert hypotheses.rows[0] == ["H1: dem65 ~ dem60 > 0", "path dem65 ~ dem60; estimate 0.87, p < .001", "supported"]
    fit_rows = {row[0]: row for row in tables["Model fit"].rows}
    assert fit_rows["Fitted model vs rival (H4)"][1] == "Δχ²(3) = 32.28, p < .001"
    assert "H4 supported: the more restricted rival fits significantly worse" in tables["Model fit"].note


def test_a_defined_group_difference_is_tested_and_a_bare_path_refused_in_a_multigroup_fit():
    data = pd.read_csv(DATA / "hs1939.csv")
    model = HS_PATHS.replace("speed ~ visual", "speed ~ c(b1, b2)*visual")
    res = analysis.fit(data, model, group="school", hypotheses={"H": "d := b1 - b2"})
    est = res.estimates.set_index(["lhs", "op"]).loc[("speed", "~")]
    slopes = est[est.rhs == "visual"].sort_values("group").est.to_numpy()
    assert res.hypotheses.iloc[0].estimate == pytest.approx(slopes[0] - slopes[1], abs=1e-9)
    with pytest.raises(ModelError, match="one estimate per group; label it per group"):
        analysis.fit(data, model, group="school", hypotheses={"H": "speed ~ textual"})


def test_a_rival_that_is_not_comparable_leaves_the_hypothesis_open():
    data = pd.read_csv(DATA / "hs1939.csv")
    res = analysis.fit(data, HS_PATHS, hypotheses={"H": "compare: visual =~ x1 + x2 + x3"})
    row = res.hypotheses.iloc[0]
    assert row.decision == "not evaluated" and "same rows and observed variables" in row.rule


@pytest.mark.parametrize(("hypotheses", "error", "message"), [
    (["dem65 ~ dem60"], ValueError, "hypotheses must be a dict of id -> statement, not list"),
    ({"H1": "dem65 dem60"}, ValueError, "hypothesis 'H1': cannot read 'dem65 dem60'; write 'y ~ x', 'y ~ x > 0'"),
    ({"H1": 0.5}, ValueError, "hypothesis 'H1': give a string"),
    ({"H1": "dem65 ~~ dem60"}, ValueError, "hypothesis 'H1': cannot read 'dem65 ~~ dem60' as a path"),
    ({"H1": "dem60 ~ dem65"}, ModelError, "hypothesis 'H1': the model has no path dem60 ~ dem65; its paths: "
     "dem60 ~ ind60, dem65 ~ ind60, dem65 ~ dem60"),
    ({"H2": "ind := g1*g2"}, ModelError, "hypothesis 'H2': the model defines ind := g1*b2, not g1*g2; use another"),
    ({"H3": "compare: f =~ x1 +"}, ModelSyntaxError, ""),
])  # fmt: skip
def test_hypotheses_that_cannot_be_tested_are_refused_before_the_fit(hypotheses, error, message):
    data = pd.read_csv(DATA / "political_democracy.csv")
    with pytest.raises(error) as caught:
        analysis.fit(data, POLDEM, hypotheses=hypotheses)
    assert str(caught.value).startswith(message)
