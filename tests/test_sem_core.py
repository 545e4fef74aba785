"""The SEM core of issue 13 against lavaan 0.6.14 and semTools 0.5-6 (tests/data/sem_core.R).

One class per reference fit: lavaan's tutorial syntax (second-order factors, MIMIC with fixed.x, observed paths,
intercepts and fixed latent means, ==, <, > constraints, per-group modifiers, group_partial), the grid of
estimator {ML, MLR, MLM} x missing {listwise, fiml} x {one group, two groups} on Holzinger & Swineford with
answers missing at random, and compare() / invariance() under ML, MLR and MLM against lavTestLRT.
Tolerances as the issue's: fit measures 1e-5 relative, estimates 1e-4, SEs 1e-3 (CheckLavaan).

Each class's fit is made when its first test runs (a class-scoped fixture), not at import, so a model the core
refuses fails its own class's tests and nothing else. Rows are matched by (lhs, op, rhs[, group]) with lavaan's
operator, so a second-order loading must come back as =~ and an observed regression as ~.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, LAVAAN_NAMES, CheckLavaan, CheckLavaanGroups, lavaan_fit

import analysis

HS = pd.read_csv(DATA / "hs1939.csv")
HS_FULL = pd.read_csv(DATA / "hs_full.csv")  # lavaan's data set with ageyr, agemo, grade
HS_FULL_MISSING = pd.read_csv(DATA / "hs_full_missing.csv")  # 10% of x1..x9 MCAR, set.seed(13)
HS_MISSING = pd.read_csv(DATA / "hs_missing.csv")  # 10% of x1..x9 MCAR, rows 5 and 6 empty (robust_fiml.R)
POLDEM = pd.read_csv(DATA / "political_democracy.csv")

VISUAL_TEXTUAL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
TEXTUAL_SPEED = "textual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
MIMIC = HS_MODEL + "visual + textual + speed ~ sex + ageyr\n"
MIMIC_LINES = HS_MODEL + "visual ~ sex + ageyr\ntextual ~ sex + ageyr\nspeed ~ sex + ageyr\n"
ONE_FACTOR = "g =~ " + " + ".join(f"x{k}" for k in range(1, 10)) + "\n"
SCHOOL = {"group": "school", "group_equal": ("loadings", "intercepts"), "group_partial": ("x3~1",)}

# The measures sem_core.R writes, by lavaan's name; the ones CheckLavaan does not cover yet are tested here.
CORE_MEASURES = ("npar", "ngroups", "baseline.chisq", "baseline.df", "unrestricted.logl", "chisq.scaled", "df.scaled",
                 "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled", "baseline.chisq.scaling.factor",
                 "cfi.scaled", "tli.scaled", "rmsea.scaled",
                 "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
                 "srmr", "logl", "aic", "bic", "n")  # fmt: skip
OUR_NAMES = {lavaan: ours for ours, lavaan in LAVAAN_NAMES.items()}


def our_name(lavaan: str) -> str:
    """Our fit_indices name of a lavaan fit measure: '.' as '_', logl as loglik, the scaling factors shortened."""
    return OUR_NAMES.get(lavaan, lavaan.replace(".", "_"))


COVERED = set(analysis.FIT_INDICES) | set(analysis.ROBUST_INDICES)
NEW_MEASURES = [name for name in CORE_MEASURES if our_name(name) not in COVERED]


class CheckCore(CheckLavaan):
    """CheckLavaan of one sem_core.R fit: analysis.fit(data, model, **options), with every fit measure the core adds."""

    atol = 5e-5  # lavaan's nlminb stops ~1e-5 short of the optimum: p values near .05 move by a few 1e-5

    data = HS
    model = HS_MODEL
    options: dict = {}

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _fitted(cls):
        # fitted once per class when its first test runs (pytest keeps a failure for the class's other tests)
        cls.result = analysis.fit(cls.data, cls.model, **cls.options)

    @pytest.mark.parametrize("measure", NEW_MEASURES)
    def test_fit_measure(self, measure):
        reference, ours = lavaan_fit(self.name), self.result.fit_indices
        if measure not in reference:  # lavaan does not define it for this estimator
            assert np.isnan(ours.get(our_name(measure), np.nan)), measure
            return
        theirs = np.nan if reference[measure] is None else reference[measure]
        assert ours[our_name(measure)] == pytest.approx(theirs, rel=1e-5, abs=1e-6, nan_ok=True), measure


class CheckCoreGroups(CheckCore, CheckLavaanGroups):
    """CheckCore keyed by group (CheckLavaanGroups' row tests) for fits by school."""

    options = {"group": "school"}


class TestSecondOrder(CheckCore):
    name = "core_second_order"
    model = HS_MODEL + "g =~ visual + textual + speed\n"

    def test_first_order_factors_are_indicators_of_g(self):
        rows = self.result.estimates.query("lhs == 'g' and op == '=~'")
        assert list(rows.rhs) == ["visual", "textual", "speed"] and list(rows.se > 0) == [False, True, True]


class TestMimic(CheckCore):
    """Several outcomes on one line; fixed.x = TRUE conditions on sex and ageyr (df 36, not 39)."""

    name = "core_mimic"
    data = HS_FULL
    model = MIMIC

    def test_covariates_fixed_at_their_sample_moments(self):
        est = self.result.estimates
        rows = est[(est.op == "~~") & est.lhs.isin(["sex", "ageyr"]) & est.rhs.isin(["sex", "ageyr"])]
        moments = HS_FULL[["sex", "ageyr"]].cov(ddof=0)  # lavaan's fixed.x values: N in the denominator
        assert len(rows) == 3 and (rows.se == 0).all()
        np.testing.assert_allclose(
            rows.est, [moments.loc[a, b] for a, b in zip(rows.lhs, rows.rhs, strict=True)], rtol=1e-10
        )


class TestMimicLines(TestMimic):
    """The same model one regression line per outcome: lavaan gives identical numbers (asserted in sem_core.R)."""

    model = MIMIC_LINES


class TestMimicRandom(CheckCore):
    name = "core_mimic_random"
    data = HS_FULL
    model = MIMIC
    options = {"fixed_x": False}


class TestMimicFIML(CheckCore):
    """fixed.x under FIML: sex and ageyr complete, so lavaan keeps all 301 rows."""

    name = "core_mimic_fiml"
    data = HS_FULL_MISSING
    model = MIMIC
    options = {"missing": "fiml"}


class TestPath(CheckCore):
    name = "core_path"
    data = POLDEM
    model = "y1 ~ x1 + x2\ny5 ~ y1 + x1\n"

    def test_observed_regressions_stay_regressions(self):
        rows = self.result.estimates.query("op == '~'")
        assert sorted(zip(rows.lhs, rows.rhs, strict=True)) == [("y1", "x1"), ("y1", "x2"), ("y5", "x1"), ("y5", "y1")]


class TestIntercepts(CheckCore):
    """x1 ~ 1 implies the mean structure; x2 and x3 share one intercept; a latent mean fixed at 0."""

    name = "core_intercepts"
    model = HS_MODEL + "x1 ~ 1\nx2 ~ i*1\nx3 ~ i*1\nvisual ~ 0*1\n"

    def test_labelled_intercepts_are_one_parameter(self):
        rows = self.result.estimates.query("op == '~1' and label == 'i'")
        assert len(rows) == 2 and rows.est.nunique() == 1


class TestMeanstructure(CheckCore):
    name = "core_meanstructure"
    options = {"meanstructure": True}


class TestEquality(CheckCore):
    """lavaan prints a == row per constraint: est is lhs minus rhs at the optimum, se 0, std.all the same
    function of the standardized values."""

    name = "core_equality"
    model = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + c*x5 + d*x6\nspeed =~ x7 + x8 + x9\na == b\nc == 2*d\n"

    def test_constraints_hold(self):
        loadings = self.result.estimates.set_index("label").est
        assert loadings["a"] == pytest.approx(loadings["b"], abs=1e-8)
        assert loadings["c"] == pytest.approx(2 * loadings["d"], abs=1e-8)


class TestEffects(CheckCore):
    """Effects coding; lavaan's == row has lhs 'a1+a2+a3' (no spaces) and rhs '3'."""

    name = "core_effects"
    model = "visual =~ NA*x1 + a1*x1 + a2*x2 + a3*x3\na1 + a2 + a3 == 3\n" + TEXTUAL_SPEED


class TestBounds(CheckCore):
    """An inactive bound: lavaan's > row holds lhs minus rhs (v9's estimate); no effect on the fit."""

    name = "core_bounds"
    model = HS_MODEL + "x9 ~~ v9*x9\nv9 > 0\n"


class TestBoundActive(CheckCore):
    """An active bound: lavaan's < row holds rhs minus lhs (about 0); df stays 24; the bounded loading has no SE."""

    name = "core_bound_active"
    model = VISUAL_TEXTUAL + "speed =~ x7 + x8 + c9*x9\nc9 < 0.5\n"

    def test_bounded_loading_sits_on_the_bound_without_standard_error(self):
        row = self.result.estimates.query("label == 'c9'").iloc[0]
        assert row.est == pytest.approx(0.5, abs=1e-6) and np.isnan(row.se) and np.isnan(row.pvalue)


class TestNonlinear(CheckCore):
    name = "core_nonlinear"
    model = "visual =~ x1 + a*x2 + b*x3\n" + TEXTUAL_SPEED + "a == b^2\n"


class TestStdLv(CheckCore):
    name = "core_std_lv"
    options = {"std_lv": True}


class TestOrthogonal(CheckCore):
    name = "core_orthogonal"
    options = {"orthogonal": True}


class TestGroupModifiers(CheckCoreGroups):
    name = "core_mg_modifiers"
    model = "visual =~ x1 + c(a1, a2)*x2 + c(b, b)*x3\ntextual =~ x4 + x5 + c(1, NA)*x6\nspeed =~ x7 + x8 + x9\n"

    def test_per_group_values_and_labels(self):
        loadings = self.result.estimates.query("op == '=~'").set_index(["rhs", "group"])
        assert list(loadings.loc["x2"].label) == ["a1", "a2"] and loadings.loc["x2"].est.nunique() == 2
        assert loadings.loc["x3"].est.nunique() == 1
        assert (loadings.loc[("x6", 1), "est"], loadings.loc[("x6", 1), "se"]) == (1, 0)
        assert loadings.loc[("x6", 2), "se"] > 0


class TestPartialMetric(CheckCoreGroups):
    name = "core_mg_partial_metric"
    options = {"group": "school", "group_equal": ("loadings",), "group_partial": ("visual=~x2",)}

    def test_the_freed_loading_differs_between_groups(self):
        loadings = self.result.estimates.query("op == '=~'").groupby("rhs").est.nunique()
        assert loadings["x2"] == 2 and (loadings.drop("x2") == 1).all()


class TestPartialScalar(CheckCoreGroups):
    name = "core_mg_partial_scalar"
    options = {"group": "school", "group_equal": ("loadings", "intercepts"), "group_partial": ("x3~1", "x7~1")}

    def test_freed_intercepts_differ_between_groups(self):
        est = self.result.estimates
        intercepts = est[(est.op == "~1") & est.lhs.str.startswith("x")].groupby("lhs").est.nunique()
        assert sorted(intercepts[intercepts == 2].index) == ["x3", "x7"]
        assert (intercepts.drop(["x3", "x7"]) == 1).all()


# The estimator x missing x groups grid on hs_missing.csv, one class per cell (lavaan refuses MLM with FIML).
GRID = [(estimator, missing, groups) for estimator in ("ML", "MLR", "MLM") for missing in ("listwise", "fiml")
        for groups in (1, 2) if (estimator, missing) != ("MLM", "fiml")]  # fmt: skip
for _estimator, _missing, _groups in GRID:
    _name = f"TestGrid{_estimator}{_missing.title()}G{_groups}"
    globals()[_name] = type(_name, (CheckCoreGroups if _groups == 2 else CheckCore,), {
        "__module__": __name__,
        "__doc__": f"{_estimator}, missing={_missing!r}, {_groups} group(s) on hs_missing.csv.",
        "name": f"core_grid_{_estimator.lower()}_{_missing}_g{_groups}",
        "data": HS_MISSING,
        "options": {"estimator": _estimator, "missing": _missing, **(SCHOOL if _groups == 2 else {})},
    })  # fmt: skip


@pytest.mark.parametrize("groups", [{}, SCHOOL])
def test_mlm_with_fiml_is_refused_as_lavaan(groups):
    # lavaan: 'missing="ml" is not allowed for estimator "MLM"' (tests/data/core_refused.txt)
    with pytest.raises(ValueError, match="MLM"):
        analysis.fit(HS_MISSING, HS_MODEL, estimator="MLM", missing="fiml", **groups)


# compare() against lavTestLRT (tests/data/core_lrt.json): the restricted model first
with open(DATA / "core_lrt.json") as _handle:
    LRT = json.load(_handle)
STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}


@functools.cache
def by_school(estimator: str, step: str) -> analysis.FitResult:
    return analysis.fit(HS, HS_MODEL, estimator=estimator, group="school", group_equal=STEPS[step])


@functools.cache
def one_group(estimator: str, model: str) -> analysis.FitResult:
    return analysis.fit(HS, model, estimator=estimator)


PAIRS = {
    "ml_metric_configural": lambda: (by_school("ML", "metric"), by_school("ML", "configural")),
    "mlr_metric_configural": lambda: (by_school("MLR", "metric"), by_school("MLR", "configural")),
    "mlr_scalar_metric": lambda: (by_school("MLR", "scalar"), by_school("MLR", "metric")),
    "mlr_one_factor_three_factors": lambda: (one_group("MLR", ONE_FACTOR), one_group("MLR", HS_MODEL)),
    "mlm_one_factor_three_factors": lambda: (one_group("MLM", ONE_FACTOR), one_group("MLM", HS_MODEL)),
}


def test_every_lavaan_comparison_is_tested():
    assert sorted(PAIRS) == sorted(LRT)


@pytest.mark.parametrize("comparison", sorted(PAIRS))
def test_compare_matches_lavtestlrt(comparison):
    # ML: the chi-square difference; MLR and MLM: lavaan's default scaled difference, satorra.bentler.2001
    lrt = LRT[comparison]
    test = analysis.compare(*PAIRS[comparison]())
    assert (test.chisq_diff, test.df_diff, test.pvalue, test.method) == (
        pytest.approx(lrt["chisq_diff"], rel=1e-5),
        lrt["df_diff"],
        pytest.approx(lrt["pvalue"], rel=1e-4),
        lrt["method"],
    )


# invariance() under MLR against tests/data/core_invariance_mlr.csv. Its delta_chisq is compare()'s, so under MLR
# the scaled difference, lavTestLRT's "Chisq diff" (delta_chisq_scaled in the reference).
INVARIANCE = pd.read_csv(DATA / "core_invariance_mlr.csv", index_col="step")
INVARIANCE_COLUMNS = {column: "delta_chisq" if column == "delta_chisq_scaled" else our_name(column)
                      for column in INVARIANCE.columns}  # fmt: skip


@pytest.fixture(scope="module")
def mlr_invariance() -> pd.DataFrame:
    return analysis.invariance(HS, HS_MODEL, "school", steps=tuple(INVARIANCE.index), estimator="MLR")


@pytest.mark.parametrize("column", list(INVARIANCE_COLUMNS))
def test_mlr_invariance_matches_lavaan(mlr_invariance, column):
    assert list(mlr_invariance.index) == list(INVARIANCE.index)
    ours = mlr_invariance[INVARIANCE_COLUMNS[column]].astype(float)
    # p values 1e-4: lavaan's optimizer stops ~1e-5 short of the optimum (see CheckCore.atol)
    rtol = 1e-4 if "pvalue" in column else 1e-5
    np.testing.assert_allclose(ours, INVARIANCE[column], rtol=rtol, atol=1e-9, err_msg=column)
