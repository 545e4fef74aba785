"""Instrument.to_lavaan(): syntax that semopy parses, naming each construct and item exactly once."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import semopy


def measured(syntax: str) -> dict[str, list[str]]:
    lines = [line for line in syntax.splitlines() if "=~" in line]
    return {lhs.strip(): [t.strip() for t in rhs.split("+")] for lhs, rhs in (line.split("=~") for line in lines)}


@pytest.mark.parametrize("model", ["sem", "cfa", "six_factor", "one_factor"])
def test_parses_in_semopy(ins, model):
    syntax = ins.to_lavaan(model)
    # semopy has no ":=" (analysis handles defined parameters itself), so it parses the rest.
    parsed = semopy.Model("\n".join(line for line in syntax.splitlines() if ":=" not in line))
    factors = measured(syntax)
    assert set(parsed.vars["latent"]) == set(factors)
    assert set(parsed.vars["observed"]) == {item for items in factors.values() for item in items}


def test_sem_names_every_construct_and_item_exactly_once(ins):
    factors = measured(ins.to_lavaan())
    assert list(factors) == list(ins.constructs)
    items = Counter(item for members in factors.values() for item in members)
    assert set(items.values()) == {1}
    assert set(items) == {i for members in ins.construct_items.values() for i in members}


def test_structural_paths_are_labelled_and_indirect_effects_multiply_them(ins):
    syntax = ins.to_lavaan()
    assert "ltr ~ ltr_inf*inf + ltr_soc*soc + ltr_smu*smu" in syntax
    assert "ind_inf := inf_smu*ltr_inf" in syntax
    assert re.search(r"^# .*version 1\.0\.0, hash [0-9a-f]{12}$", syntax.splitlines()[0])


def test_rq2_rival_models(ins):
    six = measured(ins.to_lavaan("six_factor"))
    one = measured(ins.to_lavaan("one_factor"))
    assert list(six) == ins.framework_constructs
    assert one == {"general": [item for items in six.values() for item in items]}
    assert " ~ " not in ins.to_lavaan("cfa")


def test_pls_model_has_the_paths_without_labels_and_only_constructs_on_a_path(ins):
    syntax = ins.to_lavaan("pls")
    assert "ltr ~ inf + soc + smu" in syntax and ":=" not in syntax and "*" not in syntax
    assert "rtm" not in measured(syntax) and "ltr" in measured(syntax)


def test_unknown_model_name(ins):
    with pytest.raises(ValueError, match="model must be one of sem, cfa, six_factor, one_factor, pls, not 'plsc'"):
        ins.to_lavaan("plsc")
