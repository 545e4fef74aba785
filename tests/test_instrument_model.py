"""The Instrument object: what the questionnaire contains, as the paper and the issue require."""

from __future__ import annotations

import pandas as pd
import pytest


def test_six_framework_variables_of_the_paper(ins):
    labels = [ins.constructs[c].label for c in ins.framework_constructs]
    assert labels == [
        "Product/service exchange",
        "Information exchange",
        "Financial exchange",
        "Social exchange",
        "Cooperation",
        "Adaptations",
    ]


def test_every_construct_has_four_or_more_items_on_seven_points(ins):
    for construct, items in ins.construct_items.items():
        assert len(items) >= 4, construct
        assert all(len(ins.scale_of(item).values) == 7 for item in items), construct


def test_table_1_communication_forms_each_have_frequency_and_signals(ins):
    forms = ["email", "phone", "f2f", "micro", "sns", "voip", "geo"]
    for form in forms:
        assert ins.items[f"smu_{form}"].scale == "freq7"
        signals = ins.items[f"sig_{form}"]
        assert signals.type == "multi" and signals.show_if.item == f"smu_{form}"


def test_outcome_constructs_have_a_reverse_keyed_item_and_two_attention_checks(ins):
    reversed_constructs = {ins.items[i].construct for i in ins.reverse_keyed}
    assert {"ltr", "dec", "ctl", "coo", "ada"} <= reversed_constructs
    assert ins.attention_checks == {"att_1": 3, "att_2": 6}


def test_every_research_question_of_the_paper_is_there(ins):
    assert [q.id for q in ins.research_questions] == [f"RQ{n}" for n in range(1, 9)] + ["RQC"]
    kinds = {h.test.kind for h in ins.hypotheses}
    assert kinds == {"path", "indirect", "comparison", "regression", "multigroup", "crosstab"}
    assert ins.research_question_of("H6").id == "RQ6"
    with pytest.raises(KeyError, match="no hypothesis 'H99'"):
        ins.research_question_of("H99")


def test_variables_expand_multi_choice_items(ins):
    assert ins.variables[:3] == ["consent", "scr_b2b", "scr_role"]
    assert "sig_sns_like" in ins.variables and "sig_sns" not in ins.variables
    assert len(ins.variables) == len(set(ins.variables))


def test_missing_codes_are_distinct(ins):
    assert ins.missing_codes == {"not_shown": -1, "skipped": -2, "dont_know": -3, "dropped_out": -4}


def test_derived_platform_count(ins):
    data = pd.DataFrame(
        {"smu_micro": [1, 2, 7], "smu_sns": [1, 5, 7], "smu_voip": [1, 1, 7], "smu_geo": [1, 1, 7],
         "cp_wiki": [1, 2, 4], "cp_blog": [1, 1, 4], "cp_video": [1, None, 4]}
    )  # fmt: skip
    assert ins.derive(data)["n_platforms"].tolist()[0::2] == [0, 7]
    assert pd.isna(ins.derive(data)["n_platforms"][1])


def test_scale_of_an_item_without_scale(ins):
    with pytest.raises(KeyError, match="'eff_hours' is a integer item without a scale"):
        ins.scale_of("eff_hours")
