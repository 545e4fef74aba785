"""Bootstrap refits against lavaan's refits of the same resamples (reference: tests/data/bootstrap.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import syntax
from analysis.sem import Settings, bootstrap, fit_model, partable, prepare

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def hs_fit():
    parsed = syntax.parse((DATA / "hs.lavaan").read_text())
    data = pd.read_csv(DATA / "hs1939.csv")[partable.names(parsed).observed].to_numpy(float)
    model = prepare(parsed, [data], Settings())
    return model, fit_model(model, Settings())


def test_each_refit_matches_lavaans_refit_of_the_same_resample(hs_fit):
    model, fit = hs_fit
    rows = pd.read_csv(DATA / "hs_boot_rows.csv")
    lavaan = pd.read_csv(DATA / "hs_boot_lavaan.csv")
    free = model.table[model.table.group > 0]
    for b, column in enumerate(rows.columns, start=1):
        params, _ = bootstrap.refit(model, "listwise", [rows[column].to_numpy() - 1], fit.x)
        ours = {(r.lhs, r.op, r.rhs): (params[r.free - 1] if r.free else r.value) for r in free.itertuples()}
        for row in lavaan[lavaan.draw == b].itertuples():
            key = (row.lhs, row.op, row.rhs) if (row.lhs, row.op, row.rhs) in ours else (row.rhs, row.op, row.lhs)
            assert ours[key] == pytest.approx(row.est, abs=1e-5), (b, key)


def test_draws_are_the_same_whatever_the_executor(hs_fit):
    model, fit = hs_fit
    one = bootstrap.draw(model, Settings(), fit.x, draws=12, seed=7, n_jobs=1)
    two = bootstrap.draw(model, Settings(), fit.x, draws=12, seed=7, n_jobs=2)
    np.testing.assert_allclose(one.params, two.params, rtol=0, atol=1e-12)
    assert one.failed == 0 and one.params.shape == (12, model.npar)
    other = bootstrap.draw(model, Settings(), fit.x, draws=12, seed=8, n_jobs=1)
    assert not np.allclose(one.params, other.params)


@pytest.mark.slow
def test_a_dask_cluster_takes_the_draws_and_gives_the_same_ones(hs_fit):
    distributed = pytest.importorskip("distributed")
    model, fit = hs_fit
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        on_dask = bootstrap.draw(model, Settings(), fit.x, draws=8, seed=3, executor=client.get_executor())
    here = bootstrap.draw(model, Settings(), fit.x, draws=8, seed=3, n_jobs=1)
    np.testing.assert_allclose(on_dask.params, here.params, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_bootstrap_standard_errors_agree_with_the_information_matrix(hs_fit):
    # For near-normal data the two estimate the same sampling SD; 400 draws give ~4% Monte Carlo error.
    model, fit = hs_fit
    boot = bootstrap.draw(model, Settings(), fit.x, draws=400, seed=1)
    ratio = bootstrap.interval(boot.params).se / np.sqrt(np.diag(fit.vcov))
    assert 0.8 < ratio.median() < 1.25


def test_interval_is_the_sd_and_r_type_7_percentiles():
    values = np.arange(1.0, 11.0)[:, None]
    table = bootstrap.interval(values, level=0.9)
    # R: sd(1:10); quantile(1:10, c(.05, .95))
    assert table.se[0] == pytest.approx(3.0276503541)
    assert (table.ci_lower[0], table.ci_upper[0]) == pytest.approx((1.45, 9.55))


def test_a_singular_resample_is_dropped(hs_fit):
    model, fit = hs_fit
    assert bootstrap.refit(model, "listwise", [np.zeros(model.n, dtype=int)], fit.x) is None


@pytest.mark.parametrize(
    ("draws", "n_jobs", "message"),
    [(0, 1, "at least 1, not 0"), (2.5, 1, "whole number of draws"), (10, 0, "n_jobs must be")],
)
def test_bad_arguments_get_a_clear_error(hs_fit, draws, n_jobs, message):
    model, fit = hs_fit
    with pytest.raises(ValueError, match=message):
        bootstrap.draw(model, Settings(), fit.x, draws=draws, n_jobs=n_jobs)
