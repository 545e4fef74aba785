"""Hypothesis decisions that are not model parameters: RQ5's crosstab (RQ2 and RQ4 are tested with the reports
and the multi-group fits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

import analysis


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
