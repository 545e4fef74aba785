"""The SEM core's own pieces: analytic derivatives against numerical ones, closed forms against explicit ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_check import DATA, HS_MODEL, POLDEM_MODEL

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
