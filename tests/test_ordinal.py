"""Ordinal items fitted by DWLS, WLSMV and ULSMV (analysis.fit(ordered=)) against lavaan 0.6.14 (tests/data/ordinal.R):
Holzinger-Swineford's items cut into 3-4 categories (tests/data/hs_ordinal.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, CheckLavaan, CheckLavaanGroups, lavaan_fit

import analysis

STRUCTURAL = HS_MODEL + "\ntextual ~ a*visual\nspeed ~ b*textual\nab := a*b\n"
ITEMS = [f"x{k}" for k in range(1, 10)]
GROUPED = {"ordered": True, "estimator": "WLSMV", "group": "school"}
REFERENCE_NAMES = {"scaling_factor": "chisq.scaling.factor", "shift_parameter": "chisq.shift.parameter",
                   "baseline_scaling_factor": "baseline.chisq.scaling.factor",
                   "baseline_shift_parameter": "baseline.chisq.shift.parameter"}  # fmt: skip
NOT_IN_FITMEASURES = ("shift_parameter", "baseline_shift_parameter")  # lavaan 0.6.14 prints them, fitMeasures has none


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(DATA / "hs_ordinal.csv")


def fitted(estimator="WLSMV", model=HS_MODEL, ordered=ITEMS, data=None, **options):
    data = pd.read_csv(DATA / "hs_ordinal.csv") if data is None else data
    return analysis.fit(data, model, estimator=estimator, ordered=ordered, **options)


class OrdinalFitIndices:
    """The fit indices of a DWLS fit (`analysis.sem.wls.fit_measures`) against lavaan's, in place of CheckLavaan's."""

    atol = 1e-6
    parameterization = "delta"
    rel = 1e-5

    def test_fit_index(self, index=None):
        reference = lavaan_fit(self.name)
        for index, ours in self.result.fit_indices.items():
            if index in NOT_IN_FITMEASURES:
                continue
            theirs = reference[REFERENCE_NAMES.get(index, index.replace("_", "."))]
            theirs = np.nan if theirs is None else theirs
            # lavaan finds the RMSEA interval's non-centrality with a looser root-finder (2e-5 apart near 0)
            rel = 1e-4 if index.startswith("rmsea_ci") else self.rel
            assert ours == pytest.approx(theirs, rel=rel, abs=1e-8, nan_ok=True), index

    def test_estimator_as_lavaan(self):
        reference = lavaan_fit(self.name)
        assert reference["parameterization"] == self.parameterization
        assert ("chisq_scaled" in self.result.fit_indices) == (reference["test"] == "scaled.shifted")


class CheckOrdinal(OrdinalFitIndices, CheckLavaan):
    """CheckLavaan with the fit indices of a DWLS fit."""


class CheckOrdinalGroups(OrdinalFitIndices, CheckLavaanGroups):
    """CheckLavaanGroups with the fit indices of a DWLS fit; p-values to 1e-5 (lavaan's optimizer stops some 1e-6
    short of the optimum, relative, in these larger models: p-values move by up to 6e-6)."""

    atol = 1e-5


class TestWLSMV(CheckOrdinal):
    name = "ordinal_cfa"
    result = fitted()

    def test_thresholds_are_the_sample_thresholds(self):
        polychoric = analysis.polychoric(pd.read_csv(DATA / "hs_ordinal.csv"), ITEMS)
        rows = self.result.estimates[self.result.estimates.op == "|"]
        np.testing.assert_allclose(rows.est, polychoric.thresholds.value, atol=1e-8)

    def test_latent_responses_have_unit_variance(self):
        rows = self.result.estimates
        residual = rows[(rows.op == "~~") & (rows.lhs == rows.rhs) & rows.lhs.isin(ITEMS)].set_index("lhs").est
        loadings = rows[rows.op == "=~"].set_index("rhs").std_all
        np.testing.assert_allclose(residual[ITEMS] + loadings[ITEMS] ** 2, 1.0)


class TestDWLS(CheckOrdinal):
    name = "ordinal_cfa_dwls"
    result = fitted("DWLS")


class TestULSMV(CheckOrdinal):
    name = "ordinal_cfa_ulsmv"
    result = fitted("ULSMV")


class TestStdLv(CheckOrdinal):
    name = "ordinal_cfa_std_lv"
    result = fitted(std_lv=True)


class TestIndirectEffect(CheckOrdinal):
    name = "ordinal_sem"
    result = fitted(model=STRUCTURAL)


class TestPairwise(CheckOrdinal):
    name = "ordinal_pairwise"
    result = analysis.fit(pd.read_csv(DATA / "hs_ordinal_missing.csv"), HS_MODEL, estimator="WLSMV", ordered=True,
                          missing="pairwise")  # fmt: skip

    def test_summary_says_pairwise(self):
        assert "Missing data: pairwise" in self.result.summary()


class TestGroupsConfigural(CheckOrdinalGroups):
    name = "ordinal_mg_configural"
    result = fitted(group="school")


class TestGroupsEqualThresholds(CheckOrdinalGroups):
    """lavaan 0.6.14 frees the scales (``~*~``) and latent means of the second group when thresholds are equal."""

    name = "ordinal_mg_thresholds"
    result = fitted(group="school", group_equal="thresholds")


class TestGroupsEqualThresholdsLoadings(CheckOrdinalGroups):
    name = "ordinal_mg_loadings"
    result = fitted(group="school", group_equal=("thresholds", "loadings"))


def test_refuses_a_category_empty_in_one_group(data):
    # x1's top category only in Pasteur: Grant-White then has one threshold fewer
    frame = data.assign(x1=np.where((data.school == "Grant-White") & (data.x1 == 4), 3, data.x1))
    with pytest.raises(analysis.DataError, match="item 'x1' has 3 categories in group 'Grant-White' but 4 in group"):
        analysis.fit(frame, HS_MODEL, estimator="WLSMV", ordered=True, group="school")


def test_ordered_true_takes_every_observed_variable(data):
    ours = analysis.fit(data, HS_MODEL, estimator="WLSMV", ordered=True).fit_indices
    assert ours["chisq"] == pytest.approx(lavaan_fit("ordinal_cfa")["chisq"], rel=1e-6)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"estimator": "WLSMV"}, "estimator='WLSMV' fits ordinal items: name them with ordered="),
        ({"ordered": True}, "ordered= items need estimator='WLSMV'"),
        ({"ordered": True, "estimator": "WLSMV", "missing": "fiml"}, "missing='fiml' is not supported with ordered="),
        ({"missing": "pairwise"}, "missing='pairwise' is for ordered= items"),
        ({"ordered": True, "estimator": "WLSMV", "information": "observed"}, "information= does not apply"),
        ({"ordered": True, "estimator": "WLSMV", "meanstructure": True}, "meanstructure= does not apply"),
        ({"ordered": ["x1", "x99"], "estimator": "WLSMV"}, "ordered: 'x99' is not an observed variable"),
        ({**GROUPED, "group_equal": "intercepts"}, "group_equal: 'intercepts' is not supported with ordered= items"),
        ({**GROUPED, "group_equal": "loadings", "group_partial": "visual =~ x2"}, "group_partial= is not supported"),
        (
            {**GROUPED, "ordered": ITEMS[:8], "identification": "Wu.Estabrook.2016", "std_lv": True},
            "not supported with identification='Wu.Estabrook.2016'",
        ),
        ({**GROUPED, "identification": "Wu"}, "identification must be one of lavaan, Wu.Estabrook.2016, not 'Wu'"),
        ({**GROUPED, "identification": "Wu.Estabrook.2016"}, "is for ordered= items with std_lv=True"),
        (
            {**GROUPED, "identification": "Wu.Estabrook.2016", "std_lv": True, "group_equal": "loadings"},
            "holds thresholds equal before loadings",
        ),
    ],
)
def test_refusals_name_the_option(data, options, message):
    with pytest.raises(ValueError, match=message):
        analysis.fit(data, HS_MODEL, **options)


class TestTheta(CheckOrdinal):
    """p-values to 1e-5, as `CheckOrdinalGroups`: lavaan's optimizer stops short of the optimum under theta too."""

    name = "ordinal_cfa_theta"
    result = fitted(parameterization="theta")
    parameterization = "theta"
    atol = 1e-5


class TestThetaStructural(TestTheta):
    name = "ordinal_sem_theta"
    result = fitted(model=STRUCTURAL, parameterization="theta")


def test_theta_fits_as_delta():
    # the same model in other units: one test statistic, scales the inverse SDs of the latent responses
    assert TestTheta.result.fit_indices["chisq_scaled"] == pytest.approx(TestWLSMV.result.fit_indices["chisq_scaled"])
    scales = TestTheta.result.estimates.query("op == '~*~'").est.to_numpy()
    residual = TestTheta.result.estimates.query("op == '~~' and lhs == 'x1' and rhs == 'x1'").std_all.iloc[0]
    assert residual == pytest.approx(scales[0] ** 2)
    assert "Parameterization                         theta" in TestTheta.result.summary()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"parameterization": "Theta"}, "parameterization must be one of delta, theta, not 'Theta'"),
        ({"parameterization": "theta", "ordered": False, "estimator": "ML"}, "'theta' is for ordered= items"),
    ],
)
def test_theta_refusals(data, options, message):
    with pytest.raises(ValueError, match=message):
        analysis.fit(data, HS_MODEL, **{"estimator": "WLSMV", "ordered": True, **options})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("x1 ~~ x1", "line 5: 'x1 ~~ x1': the residual variance of the ordinal item 'x1' is not a parameter"),
        ("x1 ~ 1", "line 5: 'x1 ~ 1': mean structures of models with ordinal items"),
        ("x4 ~ x1", "line 5: 'x4 ~ x1': an ordinal item that predicts another variable is not supported"),
    ],
)
def test_refused_model_lines(data, line, message):
    with pytest.raises(analysis.ModelError, match=message):
        analysis.fit(data, HS_MODEL + "\n" + line, estimator="WLSMV", ordered=True)


def test_refuses_bootstrap(data):
    with pytest.raises(ValueError, match="bootstrap= is not supported with ordered="):
        analysis.fit(data, HS_MODEL, estimator="WLSMV", ordered=True, bootstrap=10)


def test_summary_names_the_scaled_shifted_test():
    text = TestWLSMV.result.summary()
    assert "Scaled-shifted chi-square" in text and "Thresholds" in text and "x1 | t1" in text
    assert "Reliability (ordinal alpha and categorical omega" in text
    assert "Yuan-Bentler" not in text


@pytest.mark.parametrize("column", ["alpha", "omega", "ave"])
def test_reliability_as_semtools(column):
    """Ordinal alpha, categorical omega (compRelSEM) and AVE of the WLSMV fit."""
    semtools = pd.read_csv(DATA / "ordinal_reliability.csv", index_col="construct")
    ours = TestWLSMV.result.reliability
    np.testing.assert_allclose(ours.loc[semtools.index, column], semtools[column], rtol=1e-5)
    assert "polychoric" in ours.attrs["basis"]


@pytest.mark.parametrize("kind", ["htmt", "htmt2"])
def test_htmt_from_polychorics_as_semtools(kind):
    semtools = pd.read_csv(DATA / f"ordinal_{kind}.csv", index_col=0)
    ours = getattr(TestWLSMV.result, kind)
    np.testing.assert_allclose(ours.loc[semtools.index, semtools.columns], semtools, rtol=1e-5)


def test_to_dict():
    out = TestWLSMV.result.to_dict()
    assert len(out["reliability"]) == 3 and out["fit_indices"]["chisq_scaled"] > 0


def test_equal_thresholds_need_ordinal_items():
    frame = pd.read_csv(DATA / "hs1939.csv")
    with pytest.raises(ValueError, match="group_equal: 'thresholds' applies to ordinal items"):
        analysis.fit(frame, HS_MODEL, group="school", group_equal="thresholds")


class TestWuEstabrookConfigural(CheckOrdinalGroups):
    """semTools' measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"), configural."""

    name = "ordinal_we_configural"
    result = fitted(group="school", std_lv=True, identification="Wu.Estabrook.2016")


class TestWuEstabrookThresholds(CheckOrdinalGroups):
    """measEq.syntax(..., group.equal = "thresholds"): x9's thresholds are symmetric in both groups, so its
    intercept in the second group is 0; lavaan stops at -1.7e-6 (z -1.3e-5), hence z to 2e-5."""

    name = "ordinal_we_thresholds"
    atol = 2e-5
    result = fitted(group="school", group_equal="thresholds", std_lv=True, identification="Wu.Estabrook.2016")


class TestWuEstabrookMetric(CheckOrdinalGroups):
    name = "ordinal_we_metric"
    result = fitted(group="school", group_equal=("thresholds", "loadings"), std_lv=True,
                    identification="Wu.Estabrook.2016")  # fmt: skip


class TestGroupsEqualLoadings(CheckOrdinalGroups):
    name = "ordinal_mg_loadings_only"
    result = fitted(group="school", group_equal="loadings")


class TestThetaGroupsEqualThresholds(CheckOrdinalGroups):
    """lavaan 0.6.14 under theta frees the residual variances (not the scales) and latent means of the second group."""

    name = "ordinal_mg_theta_thresholds"
    result = fitted(group="school", group_equal="thresholds", parameterization="theta")
    parameterization = "theta"


class TestThetaWuEstabrookMetric(CheckOrdinalGroups):
    """The metric step under theta: lavaan (BFGS) stops at chisq 64.998521285, ours 64.998520429 (the delta fit's
    too, an equivalent model); p-values to 2e-5."""

    name = "ordinal_we_theta_metric"
    atol = 2e-5
    result = fitted(group="school", group_equal=("thresholds", "loadings"), std_lv=True, parameterization="theta",
                    identification="Wu.Estabrook.2016")  # fmt: skip
    parameterization = "theta"


@pytest.mark.parametrize("column", ["alpha", "omega", "ave"])
def test_reliability_per_group_of_a_configural_fit_as_semtools(column):
    semtools = pd.read_csv(DATA / "ordinal_mg_reliability.csv").query("what == @column")
    ours = TestGroupsConfigural.result.reliability[column]
    expected = semtools.set_index(["school", "construct"]).value
    np.testing.assert_allclose(ours.loc[expected.index], expected, rtol=1e-5)


def test_reliability_of_constrained_groups_refused_by_name():
    result = TestGroupsEqualThresholds.result
    message = "reliability of a multi-group ordinal fit with group_equal"
    with pytest.raises(analysis.ModelError, match=message):
        _ = result.reliability
    with pytest.raises(analysis.ModelError, match=message):
        _ = result.fornell_larcker
    assert f"Reliability: not computed ({message}" in result.summary() and result.to_dict()["reliability"] is None


def test_difference_test_with_constraints_refused(data):
    constrained = HS_MODEL.replace("x2 + x3", "a*x2 + b*x3") + "\na == b\n"
    restricted = analysis.fit(data, constrained, estimator="WLSMV", ordered=True)
    with pytest.raises(analysis.ModelError, match="difference test of ordinal fits with constraints"):
        analysis.compare(TestWLSMV.result, restricted)


MIXED_MODEL = HS_MODEL.replace("x9", "x9c")


class TestPolyserial(CheckOrdinal):
    """x9c continuous beside the ordinal x1..x8: its mean, variance and covariances among the statistics, its
    intercept and residual variance free, no scale."""

    name = "ordinal_mixed_cfa"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8])

    def test_continuous_rows(self):
        rows = self.result.estimates.set_index(["lhs", "op"])
        assert ("x9c", "~*~") not in rows.index
        assert rows.loc[("x9c", "~1"), "se"] > 0 and rows.loc[("x9c", "~~"), "se"] > 0

    def test_htmt_as_semtools(self):
        semtools = pd.read_csv(DATA / "ordinal_mixed_htmt.csv", index_col=0)
        np.testing.assert_allclose(self.result.htmt.loc[semtools.index, semtools.columns], semtools, rtol=1e-5)

    def test_reliability_refused_by_name(self):
        with pytest.raises(analysis.ModelError, match="the continuous variable 'x9c'"):
            _ = self.result.reliability
        assert "Reliability: not computed (reliability of an ordinal fit with the continuous" in self.result.summary()


class TestPolyserialStructural(CheckOrdinal):
    name = "ordinal_mixed_sem"
    result = fitted(model=STRUCTURAL.replace("x9", "x9c"), ordered=ITEMS[:8])


class TestPolyserialGroups(CheckOrdinalGroups):
    name = "ordinal_mixed_mg_configural"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], group="school")


class TestPolyserialGroupsEqualLoadings(CheckOrdinalGroups):
    name = "ordinal_mixed_mg_loadings"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], group="school", group_equal="loadings")


class TestPolyserialGroupsEqualThresholds(CheckOrdinalGroups):
    """Thresholds equal hold x9c's intercept equal too, as lavaan (its mean is among the thresholds). p-values to
    3e-5: the fit is flat, lavaan's optimizers (BFGS here, nlminb) stop with a chisq 4e-7 above ours."""

    name = "ordinal_mixed_mg_thresholds"
    atol = 3e-5
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], group="school", group_equal="thresholds")

    def test_intercept_of_the_continuous_variable_equal(self):
        rows = self.result.estimates.query("lhs == 'x9c' and op == '~1'")
        assert rows.est.nunique() == 1


class TestPolyserialGroupsEqualThresholdsLoadings(CheckOrdinalGroups):
    name = "ordinal_mixed_mg_thresholds_loadings"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], group="school", group_equal=["thresholds", "loadings"])


class TestPolyserialPairwise(CheckOrdinal):
    """x1..x8 with 10% missing, x9c complete: each polyserial on the rows answering the item."""

    name = "ordinal_mixed_pairwise"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], data=pd.read_csv(DATA / "hs_ordinal_missing.csv"),
                    missing="pairwise")  # fmt: skip


def test_pairwise_refuses_missing_continuous_values():
    holes = pd.read_csv(DATA / "hs_ordinal_missing.csv")
    holes.loc[3, "x9c"] = np.nan
    with pytest.raises(analysis.DataError, match="column 'x9c' is continuous and has missing values"):
        fitted(model=MIXED_MODEL, ordered=ITEMS[:8], data=holes, missing="pairwise")


class TestPolyserialTheta(CheckOrdinal):
    """p-values to 1e-5, as `TestTheta`."""

    name = "ordinal_mixed_cfa_theta"
    result = fitted(model=MIXED_MODEL, ordered=ITEMS[:8], parameterization="theta")
    parameterization = "theta"
    atol = 1e-5


class TestPolyserialDWLS(CheckOrdinal):
    name = "ordinal_mixed_cfa_dwls"
    result = fitted("DWLS", model=MIXED_MODEL, ordered=ITEMS[:8])


class TestPolyserialULSMV(CheckOrdinal):
    name = "ordinal_mixed_cfa_ulsmv"
    result = fitted("ULSMV", model=MIXED_MODEL, ordered=ITEMS[:8])


class TestPolyserialAndPearson(CheckOrdinal):
    """x7c, x8c and x9c continuous (hs1939.csv's x7..x9). Fit indices to 1e-4: lavaan stops the x2-x8c polyserial
    4e-6 short (tests/test_polychoric.py), which moves the p-values by 3e-5, relative."""

    name = "ordinal_mixed3_cfa"
    rel = 1e-4
    result = fitted(
        model=HS_MODEL.replace("x7", "x7c").replace("x8", "x8c").replace("x9", "x9c"),
        ordered=ITEMS[:6],
        data=pd.read_csv(DATA / "hs_ordinal.csv").assign(**pd.read_csv(DATA / "hs1939.csv")[["x7", "x8", "x9"]]
                                                           .add_suffix("c")),
    )  # fmt: skip


def test_continuous_covariate_refused(data):
    with pytest.raises(analysis.ModelError, match="'x9c' is a continuous covariate of ordinal items"):
        analysis.fit(data, HS_MODEL + "speed ~ x9c\n", estimator="WLSMV", ordered=ITEMS)
