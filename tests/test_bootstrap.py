"""Bootstrap refits against lavaan's refits of the same resamples (reference: tests/data/bootstrap.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import bootstrap, engine, syntax
from analysis.fit import _semopy_syntax

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def hs_fit():
    table = syntax.parse((DATA / "hs.lavaan").read_text())
    data = pd.read_csv(DATA / "hs1939.csv")
    text = _semopy_syntax(table)
    est = engine.estimate(text, data)
    return est, text, data[est.observed]


def test_each_refit_matches_lavaans_refit_of_the_same_resample(hs_fit):
    est, text, data = hs_fit
    rows = pd.read_csv(DATA / "hs_boot_rows.csv")
    lavaan = pd.read_csv(DATA / "hs_boot_lavaan.csv")
    model = engine.build(text)
    hessian = bootstrap.inverse_hessian(est)
    with engine._quiet_semopy():
        model.load(data=data)
        for b, column in enumerate(rows.columns, start=1):
            sample = data.to_numpy()[rows[column].to_numpy() - 1]
            params = bootstrap._one(model, np.cov(sample, rowvar=False, bias=True), est.params, hessian)
            model.update_matrices(params)
            ours = {(c.lhs, c.op, c.rhs): c.value for c in est.cells()} | {
                (c.lhs, c.op, c.rhs): params[c.index] for c in est.cells() if c.index is not None
            }
            theirs = lavaan[lavaan.draw == b]
            for row in theirs.itertuples():
                key = (row.lhs, row.op, row.rhs) if (row.lhs, row.op, row.rhs) in ours else (row.rhs, row.op, row.lhs)
                assert ours[key] == pytest.approx(row.est, abs=1e-5), (b, key)


def test_draws_are_the_same_whatever_the_number_of_processes(hs_fit):
    est, text, data = hs_fit
    one = bootstrap.draw(est, text, data, draws=12, seed=7, n_jobs=1)
    two = bootstrap.draw(est, text, data, draws=12, seed=7, n_jobs=2)
    np.testing.assert_allclose(one.params, two.params, rtol=0, atol=1e-12)
    assert one.failed == 0 and one.params.shape == (12, len(est.params))
    other = bootstrap.draw(est, text, data, draws=12, seed=8, n_jobs=1)
    assert not np.allclose(one.params, other.params)


@pytest.mark.slow
def test_bootstrap_standard_errors_agree_with_the_information_matrix(hs_fit):
    # For near-normal data the two estimate the same sampling SD; 400 draws give ~4% Monte Carlo error.
    est, text, data = hs_fit
    boot = bootstrap.draw(est, text, data, draws=400, seed=1)
    ratio = bootstrap.interval(boot.params).se / np.sqrt(np.diag(est.vcov()))
    assert 0.8 < ratio.median() < 1.25


def test_interval_is_the_sd_and_r_type_7_percentiles():
    values = np.arange(1.0, 11.0)[:, None]
    table = bootstrap.interval(values, level=0.9)
    # R: sd(1:10); quantile(1:10, c(.05, .95))
    assert table.se[0] == pytest.approx(3.0276503541)
    assert (table.ci_lower[0], table.ci_upper[0]) == pytest.approx((1.45, 9.55))


def test_a_singular_resample_is_dropped(hs_fit):
    est, text, data = hs_fit
    model = engine.build(text)
    with engine._quiet_semopy():
        model.load(data=data)
        constant = np.repeat(data.to_numpy()[:1], len(data), axis=0)
        assert (
            bootstrap._one(model, np.cov(constant, rowvar=False, bias=True), est.params, np.eye(len(est.params)))
            is None
        )


@pytest.mark.parametrize(
    ("draws", "n_jobs", "message"),
    [(0, 1, "at least 1, not 0"), (2.5, 1, "whole number of draws"), (10, 0, "n_jobs must be")],
)
def test_bad_arguments_get_a_clear_error(hs_fit, draws, n_jobs, message):
    est, text, data = hs_fit
    with pytest.raises(ValueError, match=message):
        bootstrap.draw(est, text, data, draws=draws, n_jobs=n_jobs)
