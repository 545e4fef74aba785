"""analysis.simulate(): columns, ranges, missingness, reproducibility and recovery of true values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import semopy

import analysis


@pytest.fixture(scope="module")
def data():
    return analysis.simulate(2000, seed=11)


def test_columns_are_the_codebook_variables(ins, data):
    assert list(data.columns) == ["resp_id", *ins.variables]
    assert data["resp_id"].tolist() == list(range(1, 2001))


def test_values_stay_on_each_items_scale(ins, data):
    for item in ins.items.values():
        for name in item.variables:
            values = data[name].dropna()
            if item.scale:
                assert set(values) <= set(ins.scales[item.scale].values), name
            elif item.type == "integer":
                assert values.between(item.min, item.max).all(), name
            elif item.type == "multi":
                assert set(values) <= {0, 1}, name


def test_everyone_consented_and_works_in_b2b(data):
    assert (data["consent"] == 1).all() and (data["scr_b2b"] == 1).all()


def test_routing_hides_signals_of_unused_channels(data):
    unused = data["smu_sns"] == 1
    assert unused.any()
    assert data.loc[unused, "sig_sns_like"].isna().all()
    assert data.loc[~unused, "sig_sns_like"].notna().all()


def test_reproducible_with_a_seed():
    pd.testing.assert_frame_equal(analysis.simulate(50, seed=3), analysis.simulate(50, seed=3))
    assert not analysis.simulate(50, seed=3).equals(analysis.simulate(50, seed=4))


@pytest.mark.parametrize("mechanism", ["MCAR", "MAR"])
def test_missing_share_of_optional_answers(ins, mechanism):
    data = analysis.simulate(4000, seed=5, missing=0.10, mechanism=mechanism)
    likert = [i for i, item in ins.items.items() if item.type == "likert" and not item.required]
    share = data[likert].isna().to_numpy().mean()
    assert share == pytest.approx(0.10, abs=0.01)
    assert data["scr_years"].notna().all()  # required items are always answered


def test_mar_missingness_depends_on_an_observed_variable(ins):
    data = analysis.simulate(4000, seed=5, missing=0.10, mechanism="MAR")
    skipped = data[list(ins.construct_items["ltr"])].isna().mean(axis=1)
    assert np.corrcoef(skipped, data["scr_years"].astype(float))[0, 1] > 0.1


def test_careless_respondents_straight_line_and_fail_attention_checks(ins):
    data = analysis.simulate(3000, seed=2, careless=0.2)
    likert = [i for i, item in ins.items.items() if item.type == "likert" and item.scale == "agree7"]
    straight = data[likert].nunique(axis=1) == 1
    assert straight.mean() == pytest.approx(0.2, abs=0.03)
    failed = (data["att_1"] != 3) | (data["att_2"] != 6)
    assert failed[straight].mean() > 0.8
    assert not failed[~straight].any()


def test_group_difference_strengthens_buyer_side_paths(ins):
    data = analysis.simulate(6000, seed=9, group_difference=0.8, moderation=0)

    def r(d):
        usage, adaptation = (d[ins.construct_items[c][:4]].astype(float).mean(axis=1) for c in ("smu", "ada"))
        return np.corrcoef(usage, adaptation)[0, 1]

    r = {side: r(d) for side, d in data.groupby("scr_side")}
    assert r[2] > r[1] + 0.1


def test_regression_hypothesis_holds_in_the_population(ins):
    data = analysis.simulate(6000, seed=4)
    platforms = ins.derive(data)["n_platforms"].astype(float)
    assert np.corrcoef(platforms, data["eff_hours"].astype(float))[0, 1] > 0.2
    assert abs(np.corrcoef(data["firm_size"].astype(float), data["eff_hours"].astype(float))[0, 1]) < 0.05


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": 0}, "n must be a positive whole number, not 0"),
        ({"mechanism": "NMAR"}, "mechanism must be one of MCAR, MAR, not 'NMAR'"),
        ({"missing": 1.5}, r"missing must be a share in \[0, 1\), not 1.5"),
        ({"missing": 0.7, "mechanism": "MAR"}, "MAR missingness is calibrated up to a share of 0.5"),
        ({"careless": -0.1}, r"careless must be a share in \[0, 1\]"),
        ({"group": "firm_country", "group_difference": 0.2}, "group must name a choice item"),
    ],
)
def test_bad_options(options, message):
    options = {"n": 10, **options}
    with pytest.raises(ValueError, match=message):
        analysis.simulate(**options)


def test_population_exposes_true_values(ins):
    pop = analysis.population()
    assert pop.path("ctl", "smu") == -0.25  # H7 expects a negative effect
    assert pop.path("ltr", "smu") == 0.10  # a path no hypothesis tests
    assert pop.indirect["ind_inf"] == pytest.approx(0.35 * 0.35)
    assert (pop.loadings[ins.reverse_keyed] < 0).all()
    assert np.allclose(np.diag(pop.latent_correlations), 1)
    with pytest.raises(KeyError, match="no path ada ~ ltr"):
        pop.path("ada", "ltr")
    with pytest.raises(ValueError, match="not a path of the instrument's model"):
        analysis.population(paths={("ada", "ltr"): 0.2})
    with pytest.raises(ValueError, match=r"explain \d+% of its variance; use smaller betas"):
        analysis.population(paths={("dec", p): 0.6 for p in ["pse", "inf", "fin", "soc"]})


def test_large_sample_recovers_sign_and_order_of_true_loadings(ins):
    data = analysis.simulate(20000, seed=21, moderation=0)
    items = [i for members in ins.construct_items.values() for i in members]
    model = semopy.Model(ins.to_lavaan("cfa"))
    model.fit(data[items].astype(float))
    est = model.inspect(std_est=True)
    loadings = est[est.op == "~"].set_index("lval")["Est. Std"]  # semopy lists x =~ as "item ~ factor"
    truth = analysis.population().loadings
    assert (np.sign(loadings[truth.index]) == np.sign(truth)).all()
    for construct, members in ins.construct_items.items():
        recovered = loadings[members].abs().rank().tolist()
        assert recovered == truth[members].abs().rank().tolist(), construct
