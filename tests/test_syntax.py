"""The lavaan syntax parser: the table it builds, and the line, column and caret of every error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import ModelError, ModelSyntaxError
from analysis.syntax import evaluate, parse, variables


def test_terms_with_labels_fixed_values_and_start_values():
    table = parse("f =~ x1 + a*x2 + 0.5*x3 + start(0.8)*x4 + NA*x5")
    assert list(table.rhs) == ["x1", "x2", "x3", "x4", "x5"]
    assert list(table.label) == ["", "a", "", "", ""]
    assert table.fixed[2] == 0.5 and np.isnan(table.fixed[0])
    assert table.start[3] == 0.8 and table.free[4]


def test_operators_intercepts_and_definitions():
    table = parse("y ~ b*x\ny ~~ y\ny ~ 1\nd := 2*b")
    assert list(table.op) == ["~", "~~", "~1", ":="]
    defined = table.iloc[3]
    assert (defined.lhs, defined.rhs, defined.label) == ("d", "2*b", "d")


def test_comments_semicolons_and_continuation_lines():
    table = parse("# model\nf =~ x1 +  # first\n     x2 + x3 ! lavaan comments too\ng =~ y1 + y2; g ~ f")
    assert list(table.rhs) == ["x1", "x2", "x3", "y1", "y2", "f"]
    assert list(table.line) == [2, 2, 2, 4, 4, 4]


def test_variables_in_order_of_first_appearance():
    names = variables(parse("f =~ x1 + x2\ny ~ f + z\nx1 ~~ x2"))
    assert names == {"latent": ["f"], "observed": ["x1", "x2", "y", "z"]}


def test_evaluate_arithmetic_and_functions():
    assert evaluate("a*b + sqrt(c) - 1/d", {"a": 2, "b": 3, "c": 4, "d": 2}) == 7.5
    assert evaluate("exp(log(a)) ** 2", {"a": 3}) == pytest.approx(9)
    assert math.isclose(evaluate("-a", {"a": 1.5}), -1.5)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("f =~ x1\nf x2", "no operator", 2, 1),
        ("f =~ x1 + 2x", "'2x' is not a variable name", 1, 11),
        ("f =~ x1 + x(2)*x2", "modifier 'x(2)' is not a number, a label, NA, start(value) or c(...) of those", 1, 11),
        ("f =~ c(a, 2x)*x1", "modifier '2x' is not a number, a label, NA, start(value) or c(...) of those", 1, 6),
        ("f =~ NA*1*x1", "'x1' is both fixed and free (NA)", 1, 6),
        ("f =~ x1 + x2\ny ~ f\nf =~ x2", "'f =~ x2' is already in the model (line 1)", 3, 1),
        ("a ~~ b\nb ~~ a", "'b ~~ a' is already in the model (line 1)", 2, 1),
        ("y ~ a*x\nd := a*b", "'b' in 'd := a*b' is not the label of a parameter", 2, 8),
        ("y ~ a*x\nd := a*", "'a*' is not an expression", 2, 6),
        ("y ~ a*x\na == b", "'b' in 'a == b' is not the label of a parameter", 2, 6),
        ("y ~ a*x\na == (", "'(' is not an expression", 2, 5),
        ("f =~", "nothing after '=~'", 1, 5),
    ],
)
def test_errors_name_line_and_column_with_a_caret(text, message, line, column):
    with pytest.raises(ModelSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert message in str(error)
    assert (error.line, error.column + 1) == (line, column)
    assert str(error).startswith(f"model line {line}, column {column}:")
    assert str(error).splitlines()[-1] == "  " + " " * (column - 1) + "^"


def test_empty_model_and_bad_type():
    with pytest.raises(ModelError, match="the model is empty"):
        parse("# nothing here\n")
    with pytest.raises(TypeError, match="lavaan syntax as a string"):
        parse(None)


def test_evaluate_refuses_anything_but_arithmetic():
    with pytest.raises(ModelError, match="'__import__\\('os'\\)' is not allowed"):
        evaluate("__import__('os')", {})
    with pytest.raises(ModelError, match="'z' in a defined parameter is not the label"):
        evaluate("z + 1", {})


def test_formative_composite_points_to_pls():
    with pytest.raises(ModelSyntaxError, match=r"'<~' defines a formative composite.*analysis\.pls") as caught:
        parse("f =~ y1 + y2 + y3\ng <~ x1 + x2")
    assert "model line 2, column 3" in str(caught.value)
