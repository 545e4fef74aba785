"""The SEM core's own pieces: analytic derivatives against numerical ones, closed forms against explicit ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, POLDEM_MODEL

import analysis
from analysis import syntax
from analysis.sem import Settings, estimator, inference, partable, prepare
from analysis.sem.numdiff import jacobian

HS = pd.read_csv(DATA / "hs1939.csv")


def model_of(text: str, data: pd.DataFrame, **options):
    parsed = syntax.parse(text)
    settings = Settings(**options)
    return prepare(parsed, [data[partable.names(parsed).observed].to_numpy(float)], settings)


@pytest.mark.parametrize(
    ("text", "data", "options"),
    [(HS_MODEL, HS, {}), (POLDEM_MODEL, pd.read_csv(DATA / "political_democracy.csv"), {}),
     (HS_MODEL + "x1 ~ 1\nspeed ~ visual\n", HS, {"meanstructure": True})],
)  # fmt: skip
def test_the_analytic_gradient_is_the_numerical_one(text, data, options):
    model = model_of(text, data, **options)
    x = estimator.start_values(model) * 1.1 + 0.01
    numerical = jacobian(lambda at: np.array([estimator.objective(model, at)[0]]), x)[0]
    np.testing.assert_allclose(estimator.objective(model, x)[1], numerical, rtol=1e-5, atol=1e-7)


def test_fiml_gradient_is_the_numerical_one():
    data = pd.read_csv(DATA / "hs_missing.csv").dropna(subset=[f"x{k}" for k in range(1, 10)], how="all")
    model = model_of(HS_MODEL, data, missing="fiml")
    x = estimator.start_values(model)
    numerical = jacobian(lambda at: np.array([estimator.objective(model, at)[0]]), x)[0]
    np.testing.assert_allclose(estimator.objective(model, x)[1], numerical, rtol=1e-5, atol=1e-7)


def test_h1_trace_closed_form_is_the_explicit_one():
    model = model_of(HS_MODEL, HS)
    sample = model.samples[0]
    assert inference.h1_trace(model) == pytest.approx(inference._h1_trace(sample, False, []), rel=1e-9)


def test_casewise_scores_do_not_depend_on_the_block_size(monkeypatch):
    model = model_of(HS_MODEL, HS)
    x = estimator.optimize(model).x
    whole = inference.first_order(model, x)
    monkeypatch.setattr(inference, "ROWS_PER_BLOCK", 7)
    np.testing.assert_allclose(inference.first_order(model, x), whole, rtol=1e-12)


@pytest.mark.parametrize(
    ("model", "options", "error", "message"),
    [
        (HS_MODEL + "x1 ~~ c(a, b, c)*x1\n", {"group": "school"}, analysis.ModelError,
         "line 4: c(...) gives 3 modifiers for 'x1 ~~ x1' but the model has 2 group(s): give one per group"),
        (HS_MODEL, {"group": "school", "group_equal": "loadings", "group_partial": ("visual =~ x99",)}, ValueError,
         "group_partial: 'visual =~ x99' is not a parameter of the model"),
        (HS_MODEL, {"group": "school", "group_partial": ("visual",)}, ValueError,
         "group_partial: 'visual' is not a parameter such as 'visual =~ x2' or 'x3 ~ 1'"),
        (HS_MODEL + "speed ~ sex\nsex ~~ sex\n", {}, analysis.ModelError,
         "line 5: 'sex ~~ sex': the (co)variances of the observed covariates (sex) are fixed at their sample values"),
        (HS_MODEL + "speed ~ sex\nsex ~ 1\n", {}, analysis.ModelError,
         "line 5: 'sex ~ 1': the mean of the observed covariate 'sex' is fixed at its sample value"),
        (HS_MODEL, {"information": "hessian"}, ValueError,
         "information must be one of expected, observed, first.order"),
    ],
)  # fmt: skip
def test_unsupported_or_wrong_options_are_refused_naming_the_line(model, options, error, message):
    with pytest.raises(error) as caught:
        analysis.fit(HS, model, **options)
    assert message in str(caught.value)
