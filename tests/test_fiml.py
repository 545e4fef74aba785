"""FIML (missing="fiml", lavaan's missing="ml") against lavaan 0.6.14 and semTools 0.5-6.

References: tests/data/robust_fiml.R (data with answers missing completely at random, and two rows
missing every model variable). Reached: fit indices within 2e-7 absolute (SRMR: lavaan stops its EM
at a change of 1e-5, we go on to 1e-10), estimates within 4e-6 and SEs within 1e-5 relative on
Holzinger & Swineford; Political Democracy within 6e-5 (lavaan's optimizer stops short, as under ML).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, POLDEM_MODEL, CheckLavaan
from scipy.stats import multivariate_normal

import analysis
from analysis.sem import estimator
from analysis.sem import mvnorm_missing as fiml
from survey_app.cli import main

HS_MISSING = pd.read_csv(DATA / "hs_missing.csv")


class TestHolzingerSwinefordFIML(CheckLavaan):
    name = "hs_fiml"
    result = analysis.fit(HS_MISSING, HS_MODEL, missing="fiml")

    def test_rows_missing_every_variable_are_dropped_and_reported(self):
        assert (self.result.n, self.result.dropped, self.result.missing) == (299, 2, "fiml")
        summary = self.result.summary()
        assert 'Missing data: FIML (lavaan missing = "ml")' in summary
        assert "Rows dropped (no model variable answered)    2" in summary
        assert "Intercepts" in summary

    def test_lavaan_name_ml_is_accepted(self):
        again = analysis.fit(HS_MISSING, HS_MODEL, missing="ml")
        pd.testing.assert_series_equal(again.fit_indices, self.result.fit_indices)

    @pytest.mark.parametrize("column", ["omega", "ave"])
    def test_omega_and_ave_use_the_em_covariances_as_semtools(self, column):
        theirs = pd.read_csv(DATA / "hs_fiml_validity.csv", index_col="construct")[column]
        np.testing.assert_allclose(self.result.reliability.loc[theirs.index, column], theirs, rtol=1e-5)

    def test_htmt_uses_the_em_correlations_as_semtools(self):
        theirs = pd.read_csv(DATA / "hs_fiml_htmt.csv", index_col=0)
        np.testing.assert_allclose(self.result.htmt.loc[theirs.index, theirs.columns], theirs, rtol=1e-5)

    def test_alpha_uses_the_rows_complete_on_each_scale(self):
        items = ["x4", "x5", "x6"]
        theirs = analysis.reliability(HS_MISSING.dropna(subset=items), {"textual": items})
        assert self.result.reliability.loc["textual", "alpha"] == pytest.approx(theirs.alpha.iloc[0], abs=1e-12)
        assert self.result.item_stats.loc["x5", "sd"] == pytest.approx(theirs.loc["x5", "sd"], abs=1e-12)


class TestPoliticalDemocracyFIML(CheckLavaan):
    name = "poldem_fiml"
    atol = 1e-4  # lavaan's nlminb stops 7e-9 of log-likelihood short of the optimum; dem65 ~~ dem65 moves 6e-5
    result = analysis.fit(pd.read_csv(DATA / "poldem_missing.csv"), POLDEM_MODEL, missing="fiml")


class TestStructuralFIML(CheckLavaan):
    """Two outcomes of one predictor: lavaan's sem() frees their residual covariance (auto.cov.y), and so do we."""

    name = "hs_sem_fiml"
    model = HS_MODEL + "textual ~ visual\nspeed ~ visual\n"
    result = analysis.fit(HS_MISSING, model, missing="fiml")

    def test_residual_covariance_of_the_outcomes_is_free(self):
        row = self.result.estimates.query("op == '~~' and lhs != rhs").iloc[0]
        assert {row.lhs, row.rhs} == {"textual", "speed"} and row.se > 0

    def test_a_covariance_the_model_states_is_kept(self):
        fixed = analysis.fit(HS_MISSING, self.model + "textual ~~ 0*speed", missing="fiml")
        assert fixed.fit_indices.df == self.result.fit_indices.df + 1


def test_complete_data_give_ml_with_the_sample_means():
    hs = pd.read_csv(DATA / "hs1939.csv")
    ml, full = analysis.fit(hs, HS_MODEL), analysis.fit(hs, HS_MODEL, missing="fiml")
    same = ["chisq", "df", "cfi", "tli", "rmsea", "loglik"]
    np.testing.assert_allclose(full.fit_indices[same], ml.fit_indices[same], rtol=1e-7)
    # SRMR averages in the nine mean residuals, zero here (as lavaan's srmr with meanstructure = TRUE).
    assert full.fit_indices.srmr == pytest.approx(ml.fit_indices.srmr * np.sqrt(45 / 54), rel=1e-6)
    assert full.fit_indices.aic - ml.fit_indices.aic == pytest.approx(2 * 9)  # nine intercepts
    covariance = full.estimates[full.estimates.op != "~1"]
    np.testing.assert_allclose(covariance.est, ml.estimates.est, atol=1e-6)
    intercepts = full.estimates[full.estimates.op == "~1"].set_index("lhs").est
    np.testing.assert_allclose(intercepts[hs.columns[3:]], hs[hs.columns[3:]].mean(), atol=1e-6)
    assert (intercepts[["visual", "textual", "speed"]] == 0).all()


def test_likelihood_by_pattern_equals_the_sum_over_rows():
    rng = np.random.default_rng(3)
    cov = np.array([[1.0, 0.4, 0.2], [0.4, 1.5, 0.3], [0.2, 0.3, 0.8]])
    values = rng.multivariate_normal([1.0, 2.0, 3.0], cov, size=40)
    values[:12, 0] = np.nan  # frequent pattern: collapsed to its scatter factor and mean
    values[12:14, [1, 2]] = np.nan  # rare pattern: rows kept
    mu, sigma = np.array([0.9, 2.1, 3.2]), cov * 1.1
    by_row = 0.0
    for row in values:
        answered = ~np.isnan(row)
        by_row += multivariate_normal(mu[answered], sigma[np.ix_(answered, answered)]).logpdf(row[answered])
    assert fiml.minus_two_loglik(fiml.patterns(values), mu, sigma) == pytest.approx(-2 * by_row, rel=1e-12)


def test_em_reaches_the_saturated_maximum():
    values = HS_MISSING.iloc[:, 3:].dropna(how="all").to_numpy()
    pat = fiml.patterns(values)
    mu, sigma = fiml.em_moments(pat)
    best = fiml.minus_two_loglik(pat, mu, sigma)
    assert -best / 2 == pytest.approx(-3314.00339331682, abs=1e-6)  # lavaan's unrestricted.logl
    for shift in (1e-3 * np.eye(9)[0], -1e-3 * np.eye(9)[4]):
        assert fiml.minus_two_loglik(pat, mu + shift, sigma) > best
    assert fiml.minus_two_loglik(pat, mu, sigma * 1.001) > best


def test_fiml_that_does_not_converge_says_so(monkeypatch):
    monkeypatch.setattr(estimator, "GRADIENT_TOLERANCE", 0.0)
    with pytest.warns(analysis.ConvergenceWarning, match="the optimizer did not converge"):
        result = analysis.fit(HS_MISSING, HS_MODEL, missing="fiml")
    assert not result.converged and "DID NOT CONVERGE" in result.summary()


def test_em_that_stops_early_says_so(monkeypatch):
    monkeypatch.setattr(fiml, "EM_ITERATIONS", 2)
    with pytest.warns(analysis.ConvergenceWarning, match="EM for the saturated model did not converge in 2 steps"):
        fiml.em_moments(fiml.patterns(HS_MISSING.iloc[:, 3:].dropna(how="all").to_numpy()))


def test_command_line_fits_with_fiml(tmp_path, capsys):
    data, model = tmp_path / "hs.csv", tmp_path / "hs.lavaan"
    HS_MISSING.to_csv(data, index=False)
    model.write_text(HS_MODEL)
    assert main(["fit", str(data), "--model", str(model), "--missing", "fiml"]) == 0
    assert "Chi-square                              66.572" in capsys.readouterr().out


def test_an_intercept_line_under_fiml_changes_nothing():
    """FIML frees every intercept already, as lavaan: stating one is the same model."""
    plain = analysis.fit(HS_MISSING, HS_MODEL, missing="fiml")
    stated = analysis.fit(HS_MISSING, HS_MODEL + "x1 ~ 1\n", missing="fiml")
    assert stated.fit_indices.chisq == pytest.approx(plain.fit_indices.chisq, rel=1e-8)


@pytest.mark.parametrize(
    ("change", "options", "error", "message"),
    [
        (lambda d: d, {"estimator": "MLM"}, ValueError, "estimator='MLM' (Satorra-Bentler) needs complete data"),
        (lambda d: d, {"missing": "em"}, ValueError, "missing must be one of listwise, fiml, ml, pairwise, not 'em'"),
        (lambda d: d.assign(x1=np.nan), {}, analysis.DataError, "column 'x1' has 0 answers; FIML needs at least two"),
        (lambda d: d.assign(x3=2.0), {}, analysis.DataError, "column 'x3' has no variance; drop it from the model"),
        (lambda d: d.head(9), {}, analysis.DataError, "only 7 rows answering any model variable; "
         "the model's 9 variables need more"),
        (lambda d: d.assign(x2=2 * d.x1), {}, analysis.DataError, "covariance matrix estimated from the incomplete "
         "rows (EM) is singular"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error(change, options, error, message):
    with pytest.raises(error) as caught:
        analysis.fit(change(HS_MISSING), HS_MODEL, **{"missing": "fiml", **options})
    assert message in str(caught.value)
