"""R², modification indices, residuals and scaled comparisons against lavaan (reference: tests/data/diagnostics.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, POLDEM_MODEL

import analysis
import reports

BFI = pd.read_csv(DATA / "bfi.csv")
FACTORS = {"agree": "A", "consc": "C", "extra": "E", "neuro": "N", "open": "O"}
FIVE = "\n".join(f"{name} =~ " + " + ".join(f"{s}{k}" for k in range(1, 6)) for name, s in FACTORS.items())
ONE = "big =~ " + " + ".join(f"{s}{k}" for s in FACTORS.values() for k in range(1, 6))
MIMIC = f"{HS_MODEL}\nvisual + textual + speed ~ sex + ageyr"
FITS = {
    "hs": lambda: analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL),
    "hs_mlr": lambda: analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL, estimator="MLR"),
    "hs_fiml_mlr": lambda: analysis.fit(pd.read_csv(DATA / "hs_missing.csv"), HS_MODEL, missing="fiml",
                                        estimator="MLR"),
    "hs_mlm": lambda: analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL, estimator="MLM"),
    "hs_fiml": lambda: analysis.fit(pd.read_csv(DATA / "hs_missing.csv"), HS_MODEL, missing="fiml"),
    "poldem": lambda: analysis.fit(pd.read_csv(DATA / "political_democracy.csv"), POLDEM_MODEL),
    "bfi5": lambda: analysis.fit(BFI, FIVE, estimator="MLR"),
    "mimic": lambda: analysis.fit(pd.read_csv(DATA / "hs_full.csv"), MIMIC),
    "hs_ordinal": lambda: analysis.fit(pd.read_csv(DATA / "hs_ordinal.csv"), HS_MODEL, estimator="WLSMV",
                                       ordered=[f"x{k}" for k in range(1, 10)]),
    "hs_mg_configural": lambda: analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL, group="school"),
    "hs_mg_metric": lambda: analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL, group="school",
                                         group_equal="loadings"),
}  # fmt: skip
_CACHE: dict = {}


def fitted(name: str) -> analysis.FitResult:
    if name not in _CACHE:
        _CACHE[name] = FITS[name]()
    return _CACHE[name]


@pytest.mark.parametrize("name", [name for name in FITS if "_mg_" not in name])
def test_r2_matches_lavinspect(name):
    theirs = pd.read_csv(DATA / f"diag_{name}_r2.csv").set_index("variable").r2
    ours = fitted(name).r2
    assert set(ours.index) == set(theirs.index)
    np.testing.assert_allclose(ours[theirs.index], theirs, atol=1e-5)


@pytest.mark.parametrize(
    "name",
    ["hs", "hs_mlr", "hs_mlm", "hs_fiml", "hs_fiml_mlr", "poldem", "bfi5", "mimic", "hs_mg_configural", "hs_mg_metric"],
)
@pytest.mark.parametrize("column", ["mi", "epc", "sepc_all"])
def test_modindices_match_lavaan(name, column):
    """Every candidate lavaan lists, and only those: cross-loadings, residual covariances, and under equality
    constraints (PolDem's labels, metric invariance) the markers; per group in multi-group fits."""
    theirs = pd.read_csv(DATA / f"diag_{name}_mi.csv").rename(columns={"sepc.all": "sepc_all"})
    ours = fitted(name).modindices()
    assert len(ours) == len(theirs)
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in theirs else [])
    merged = theirs.merge(ours, on=keys, suffixes=("_lavaan", ""))
    assert len(merged) == len(theirs)
    # lavaan stops bfi5 a little short of the optimum (chisq agrees to 1e-8, single estimates to ~1e-4): MIs to 3e-3
    rtol = 3e-3 if name == "bfi5" else 1e-4
    np.testing.assert_allclose(merged[column], merged[f"{column}_lavaan"], rtol=rtol, atol=2e-4)


def test_modindices_sorted_largest_first():
    mi = fitted("hs").modindices()
    assert mi.mi.is_monotonic_decreasing
    assert mi.iloc[0][["lhs", "op", "rhs"]].tolist() == ["visual", "=~", "x9"]


@pytest.mark.parametrize("name", ["hs", "hs_mlr", "hs_mlm", "hs_fiml", "hs_fiml_mlr", "poldem", "mimic"])
@pytest.mark.parametrize("kind", ["raw", "cor", "standardized"])
def test_residuals_match_lavaan(name, kind):
    theirs = pd.read_csv(DATA / f"diag_{name}_resid_{kind}.csv", index_col=0)
    ours = fitted(name).residuals(kind)
    # PolDem's variances reach 15 and lavaan stops its estimates ~1e-5 short: z agrees to 5e-4 there; lavaan's EM
    # stops at 1e-5 (FIML): z to 1e-4
    atol = 1e-3 if (name, kind) == ("poldem", "standardized") else 2e-4 if "fiml" in name else 1e-4
    np.testing.assert_allclose(ours.loc[theirs.index, theirs.columns], theirs, atol=atol)


def test_residuals_refused_where_not_as_lavaan():
    first_order = analysis.fit(
        pd.read_csv(DATA / "hs_missing.csv"), HS_MODEL, missing="fiml", information="first.order"
    )
    with pytest.raises(analysis.ModelError, match="standardized residuals under missing='fiml' need information="):
        first_order.residuals("standardized")
    with pytest.raises(ValueError, match="type must be one of raw, cor, standardized, not 'x'"):
        fitted("hs").residuals("x")


def test_scaled_difference_five_vs_one_factor_matches_lavtestlrt():
    with open(DATA / "diag_bfi_lrt.json") as handle:
        lrt = json.load(handle)
    test = analysis.compare(fitted("bfi5"), analysis.fit(BFI, ONE, estimator="MLR"))
    assert test.chisq_diff == pytest.approx(lrt["chisq_diff"], rel=1e-5)  # 4646.98, not the plain 6507.77
    assert test.df_diff == lrt["df_diff"]
    assert test.method == "satorra.bentler.2001" and "satorra.bentler.2001" in lrt["method"]


def test_converged_fit_is_reported_converged():
    with open(DATA / "diag_bfi5_fit.json") as handle:
        theirs = json.load(handle)
    res = fitted("bfi5")
    assert res.fit_indices.chisq == pytest.approx(theirs["chisq"], rel=1e-6)
    assert res.converged and "DID NOT CONVERGE" not in res.summary()


def test_repr_is_one_line():
    text = repr(fitted("hs_mlr"))
    assert "\n" not in text
    assert text.startswith("<FitResult MLR, n = 301, chisq_scaled = ") and "CFI_scaled = " in text


def test_summary_as_lavaan():
    text = fitted("poldem").summary()
    assert "Number of model parameters                  31" in text  # as lavaan: 31 free rows, 3 pairs of equal labels
    assert "Number of equality constraints               3" in text
    assert "Model test baseline model" in text and "730.654" in text
    assert "dem60 =~ y2 (a)" in text
    assert "R-Square" in text and f"{fitted('poldem').r2['dem65']:.3f}" in text
    marker = next(line for line in text.splitlines() if line.startswith("ind60 =~ x1"))
    assert marker.split() == ["ind60", "=~", "x1", "1.000", "0.920"]  # fixed: no SE, z or p


def test_summary_groups_loadings_by_factor_in_model_order():
    model = "visual =~ x1 + x2\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nvisual =~ x3"
    text = analysis.fit(pd.read_csv(DATA / "hs1939.csv"), model).summary()
    block = text[text.index("Latent variables") : text.index("Covariances")]
    rows = [line.split()[:3] for line in block.splitlines() if " =~ " in line]
    assert [r[0] for r in rows] == ["visual"] * 3 + ["textual"] * 3 + ["speed"] * 3


def test_repr_html_is_compact():
    html = fitted("hs")._repr_html_()
    assert "<h4>socialimp SEM: ML, n = 301, chisq = 85.31 on 24 df" in html
    assert "<h5>Loadings</h5>" in html and "<h5>Reliability</h5>" in html
    assert "rmsea_ci_lower" not in html  # no wide row of every index


@pytest.mark.parametrize(("name", "equal"), [("metric", "loadings"), ("scalar", ("loadings", "intercepts"))])
def test_score_tests_match_lavtestscore(name, equal):
    theirs = pd.read_csv(DATA / f"diag_hs_mg_{name}_score.csv")
    res = analysis.fit(pd.read_csv(DATA / "hs1939.csv"), HS_MODEL, group="school", group_equal=equal)
    ours = res.score_tests()
    assert (ours.lhs + " " + ours.op + " " + ours.rhs).str.strip().tolist() == theirs.parameter.str.strip().tolist()
    assert ours.group.tolist() == theirs.group.tolist()
    np.testing.assert_allclose(ours.x2, theirs.X2, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.pvalue, theirs["p.value"], rtol=1e-4, atol=1e-5)
    assert (ours.df == 1).all()


def test_score_tests_need_equalities_across_groups():
    with pytest.raises(analysis.ModelError, match=r"score_tests\(\) tests equality constraints across groups"):
        fitted("hs_mg_configural").score_tests()


def test_a_fit_stopped_at_gradient_3e6_is_converged():
    """The issue's case: a largest gradient of 2.8e-6 with lavaan's chi-square is converged (lavaan's own check,
    optim.dx.tol, allows 1e-3 on its objective F/2; ours is 1e-5 on F)."""
    from analysis.sem import estimator

    model = fitted("bfi5").core.model
    solution = estimator.optimize(model, tolerance=3e-6)
    assert solution.converged and solution.gradient < estimator.GRADIENT_TOLERANCE
    chisq = model.n * estimator.objective(model, solution.x)[0]
    assert chisq == pytest.approx(fitted("bfi5").fit_indices.chisq, rel=1e-6)


@pytest.mark.parametrize("call", [lambda r: r.modindices(), lambda r: r.residuals("cor"), lambda r: r.score_tests()])
def test_ordinal_diagnostics_refused_but_r2_given(call):
    with pytest.raises(analysis.ModelError, match=r"for ordered items \(lavaan's WLS-based ones\) is not computed yet"):
        call(fitted("hs_ordinal"))


def test_to_dict_carries_r2():
    records = fitted("poldem").to_dict()["r2"]
    assert {"variable": "dem65", "r2": pytest.approx(fitted("poldem").r2["dem65"])} in records


@pytest.mark.parametrize("kind", ["raw", "standardized"])
@pytest.mark.parametrize("school", ["Pasteur", "Grant-White"])
def test_residuals_per_group_match_lavaan(kind, school):
    theirs = pd.read_csv(DATA / f"diag_hs_mg_configural_resid_{kind}_{school}.csv", index_col=0)
    ours = fitted("hs_mg_configural").residuals(kind).loc[school]
    # raw residuals agree to 3e-5 (lavaan's two-group estimates); over SEs near .05 that is 6e-4 in z
    np.testing.assert_allclose(ours.loc[theirs.index, theirs.columns], theirs, atol=1e-4 if kind == "raw" else 1e-3)


def test_iterations_count_both_optimizer_stages():
    assert fitted("hs_mg_metric").iterations > 10  # the preconditioned stage did the work; BFGS only polished


def test_non_convergence_warning_states_the_criterion(monkeypatch):
    from analysis.sem import estimator

    monkeypatch.setattr(estimator, "GRADIENT_TOLERANCE", 1e-30)  # no fit gets there
    with pytest.warns(analysis.ConvergenceWarning, match=r"largest gradient [\d.e-]+, converged below 1e-30\)"):
        solution = estimator.optimize(fitted("hs").core.model)
    assert not solution.converged


@pytest.mark.slow
def test_the_readme_example_on_bfi_runs_as_written(tmp_path, monkeypatch):
    """The README's worked example, from the CSV with missing codes to the report, run as printed."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Your own data, and what a reviewer asks for") :]
    code = section[section.index("```python") + len("```python") : section.index("```", section.index("```python") + 9)]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests" / "data").mkdir(parents=True)
    (tmp_path / "tests" / "data" / "bfi_coded.csv").write_bytes(
        (Path(__file__).parent / "data" / "bfi_coded.csv").read_bytes()
    )
    namespace = {"analysis": analysis, "reports": reports}
    exec(compile(code, "README.md", "exec"), namespace)
    assert repr(namespace["res"]).startswith("<FitResult MLR, n = 2436")
    page = (tmp_path / "bfi_report" / "report.html").read_text(encoding="utf-8")
    assert "correlation residuals" in page and "poorly" in page
