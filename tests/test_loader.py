"""instrument.load(): the bundled file validates; each kind of malformed file gets its own clear error."""

from __future__ import annotations

import re

import pytest

import instrument


def test_bundled_instrument_loads_cleanly(ins):
    assert ins.version == "1.0.0"
    assert ins.warnings == ()
    assert len(ins.framework_constructs) == 6
    assert re.fullmatch(r"[0-9a-f]{64}", ins.content_hash)


def problem(edited, *replacements) -> instrument.Problem:
    """Load an edited instrument that must fail with exactly one problem, and return it."""
    path = edited(*replacements)
    with pytest.raises(instrument.InstrumentError) as caught:
        instrument.load(path)
    assert str(path) in str(caught.value)
    assert len(caught.value.problems) == 1, caught.value
    return caught.value.problems[0]


def line_of(path_text: str, needle: str) -> int:
    return next(n for n, line in enumerate(path_text.splitlines(), 1) if needle in line)


def test_duplicate_item_id(edited, bundled_text):
    p = problem(edited, ("      - id: inf_2\n", "      - id: inf_1\n"))
    assert p.message == "duplicate item id; item ids must be unique"
    assert p.place == "item 'inf_1'"
    assert p.line == line_of(bundled_text, "- id: inf_2")


def test_item_in_no_construct(edited):
    p = problem(
        edited, ("        construct: soc\n        text: Online social gestures", "        text: Online social gestures")
    )
    assert p.place == "item 'soc_1'"
    assert "likert item in no construct" in p.message


def test_unknown_scale(edited, bundled_text):
    old = "        scale: agree7\n        construct: pse\n        text: Online conversations"
    p = problem(edited, (old, old.replace("agree7", "agree5")))
    assert p.message.startswith("unknown scale 'agree5'; defined scales: agree7, freq7")
    assert p.line == line_of(bundled_text, "- id: pse_1")


def test_hypothesis_naming_missing_construct(edited, bundled_text):
    p = problem(
        edited,
        ("test: {kind: path, outcome: ada, predictor: smu}", "test: {kind: path, outcome: adapt, predictor: smu}"),
    )
    assert p.place == "hypothesis H6"
    assert p.message == "names missing construct 'adapt'"
    assert p.line == line_of(bundled_text, "outcome: ada, predictor: smu")


def test_hypothesis_on_a_path_the_model_lacks(edited):
    p = problem(edited, ("outcome: ada, predictor: smu}", "outcome: ada, predictor: ltr}"))
    assert p.message == "tests path ada ~ ltr, which the model does not have; add it under model.paths"


def test_hypothesis_naming_unknown_indirect_effect(edited):
    p = problem(edited, ("{kind: indirect, effect: ind_inf}", "{kind: indirect, effect: ind_x}"))
    assert p.message == "names unknown indirect effect 'ind_x'"


def test_regression_naming_unknown_variable(edited):
    p = problem(edited, ("controls: [firm_size, scr_years]", "controls: [firm_size, years]"))
    assert p.message == "names unknown variable 'years'"


def test_indirect_effect_with_a_missing_link(edited):
    p = problem(edited, ("ind_soc: [smu, soc, ltr]", "ind_soc: [smu, soc, ada]"))
    assert p.place == "indirect effect 'ind_soc'"
    assert p.message == "link soc -> ada is not a path; add it under model.paths"


def test_path_naming_unknown_construct(edited):
    p = problem(edited, ("    ada: [smu]\n", "    ada: [smu, social]\n"))
    assert p.message == "'social' is not a construct"


def test_construct_without_items(edited):
    p = problem(edited, ("constructs:\n", "constructs:\n  trust:\n    label: T\n    definition: D\n    source: S\n"))
    assert p.place == "construct 'trust'"
    assert p.message == "has no items"


def test_show_if_pointing_forward(edited):
    p = problem(edited, ("show_if: {item: smu_email, min: 2}", "show_if: {item: ltr_1, min: 2}"))
    assert "comes after it; routing looks back only" in p.message


def test_attention_check_answer_off_the_scale(edited):
    p = problem(edited, ("        check: 3\n", "        check: 9\n"))
    assert p.message == "check value 9 is not on scale 'agree7'"


def test_reverse_keyed_standalone_item(edited):
    p = problem(
        edited,
        (
            "        standalone: true\n        text: E-mail messages",
            "        standalone: true\n        reverse: true\n        text: E-mail messages",
        ),
    )
    assert p.message == "reverse keying applies only to items of a construct"


def test_unknown_field_is_refused_with_its_line(edited, bundled_text):
    p = problem(
        edited,
        (
            "        type: likert\n        scale: agree7\n        construct: inf\n        text: Much",
            "        type: likert\n        scael: agree7\n        construct: inf\n        text: Much",
        ),
    )
    assert p.message == "unknown field 'scael'"
    assert p.place == "sections[5].items[4]"


def test_missing_required_field(edited):
    p = problem(edited, ('version: "1.0.0"\n', ""))
    assert p.message == "missing required field 'version'"


def test_item_type_needs_its_fields(edited):
    p = problem(edited, ("        min: 0\n        max: 80\n", "        max: 80\n"))
    assert p.message == "a integer item needs min"


def test_duplicate_yaml_key_is_not_silently_dropped(edited, bundled_text):
    p = problem(edited, ("    label: Cooperation\n", "    label: Cooperation\n    label: Co-operation\n"))
    assert p.message == "duplicate key 'label'"
    assert p.line == line_of(bundled_text, "label: Cooperation") + 1


def test_yaml_syntax_error_names_the_line(edited, bundled_text):
    p = problem(edited, ("  agree7:\n    kind: ordinal\n", "  agree7:\n    kind: [ordinal\n"))
    assert p.place == "YAML"
    assert p.line is not None


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(instrument.InstrumentError, match="cannot be read"):
        instrument.load(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    with pytest.raises(instrument.InstrumentError, match="is empty"):
        instrument.load(tmp_path / "empty.yaml")


def test_all_problems_are_listed_at_once(edited):
    path = edited(
        ("      - id: inf_2\n", "      - id: inf_1\n"),
        ("outcome: ada, predictor: smu}", "outcome: adapt, predictor: smu}"),
    )
    with pytest.raises(instrument.InstrumentError) as caught:
        instrument.load(path)
    assert "has 2 problems" in str(caught.value)


def test_warnings_are_collected_not_printed(edited, capsys):
    path = edited(("        construct: ltr\n        reverse: true\n", "        construct: ltr\n"))
    ins = instrument.load(path)
    assert capsys.readouterr() == ("", "")
    assert len(ins.warnings) == 1
    assert "construct 'ltr': is an outcome with no reverse-keyed item" in ins.warnings[0]


def test_content_hash_ignores_comments_but_not_wording(edited, ins):
    assert instrument.load(edited(("# The Social IMP", "# Our Social IMP"))).content_hash == ins.content_hash
    reworded = instrument.load(edited(("We trust this partner", "We fully trust this partner")))
    assert reworded.content_hash != ins.content_hash
