"""lavaan model syntax -> a flat parameter table (lavaan's ``lavaanify``, the parts we estimate).

One row per model element: ``lhs, op, rhs, label, fixed, start, free, line``. Supported:
``=~`` (loadings), ``~`` (regressions), ``~~`` (variances, covariances), ``~ 1`` (intercepts, op
``~1``), ``:=`` (defined parameters), and per-term modifiers chained with ``*``: a label ``a*x``, a
fixed value ``1*x``, ``NA*x`` (free a parameter fixed by default), ``start(0.5)*x``. Comments
start with ``#`` or ``!``; ``;`` separates statements; a formula ending in ``+`` or an operator
continues on the next line.

Written by hand: semopy's parser drops line numbers and accepts typos silently; lavaan's is R.
"""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import pandas as pd

from .errors import ModelError

DEFINE = ":="
OPERATORS = ("=~", "~~", ":=", "~")  # longest first, so "~~" is not read as "~"
UNSUPPORTED = ("==", "<", ">")
COLUMNS = ["lhs", "op", "rhs", "label", "fixed", "start", "free", "line"]
NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*$")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
CONTINUES = re.compile(r"(\+|\*|=~|~~|~|:=)\s*$")
FUNCTIONS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}


class ModelSyntaxError(ModelError):
    """A model that cannot be read; the message shows the line, the column and a caret."""

    def __init__(self, problem: str, text: str, line: int, column: int):
        self.problem, self.line, self.column = problem, line, column
        super().__init__(f"model line {line}, column {column + 1}: {problem}\n  {text}\n  {' ' * column}^")


def parse(text: str) -> pd.DataFrame:
    """Read lavaan model syntax into a parameter table.

    Examples
    --------
    >>> parse("visual =~ x1 + a*x2 + 0.5*x3\\nind := a*2")[["lhs", "op", "rhs", "label", "fixed"]]
          lhs  op  rhs label  fixed
    0  visual  =~   x1          NaN
    1  visual  =~   x2     a    NaN
    2  visual  =~   x3          0.5
    3     ind  :=  a*2   ind    NaN
    """
    if not isinstance(text, str):
        raise TypeError(f"model must be lavaan syntax as a string, not {type(text).__name__}")
    rows: list[dict] = []
    for statement, line in _statements(text):
        rows.extend(_parse_statement(statement, line))
    if not rows:
        raise ModelError("the model is empty: give at least one '=~', '~' or '~~' line")
    table = pd.DataFrame(rows, columns=COLUMNS)
    _check_duplicates(table, text)
    _check_defined(table, text)
    return table


def variables(table: pd.DataFrame) -> dict[str, list[str]]:
    """Latent and observed variable names of a parameter table, in order of first appearance.

    Examples
    --------
    >>> variables(parse("f =~ x1 + x2 + x3\\ny ~ f"))
    {'latent': ['f'], 'observed': ['x1', 'x2', 'x3', 'y']}
    """
    model = table[table.op != DEFINE]
    latent = list(dict.fromkeys(model.lhs[model.op == "=~"]))
    names = [name for row in model.itertuples() for name in (row.lhs, row.rhs) if name]
    observed = [name for name in dict.fromkeys(names) if name not in latent]
    return {"latent": latent, "observed": observed}


def evaluate(expression: str, values: dict[str, float]) -> float:
    """Value of a ``:=`` expression given parameter values by label.

    Examples
    --------
    >>> evaluate("a*b + sqrt(c)", {"a": 2.0, "b": 3.0, "c": 4.0})
    8.0
    """
    return float(_eval(ast.parse(expression, mode="eval").body, values))


def _statements(text: str):
    """(statement, its first line number), comments removed and continuation lines joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        code = re.split(r"[#!]", raw, maxsplit=1)[0]
        for piece in filter(str.strip, code.split(";")):
            pending, start = (f"{pending} {piece.strip()}", start) if pending else (piece.strip(), number)
            if not CONTINUES.search(pending):
                yield pending, start
                pending = ""
    if pending:
        yield pending, start


def _parse_statement(statement: str, line: int) -> list[dict]:
    for bad in UNSUPPORTED:
        if bad in statement and not any(op in statement for op in ("=~", ":=")):
            raise ModelSyntaxError(
                f"constraints with '{bad}' are not supported; give parameters the same label to make them equal",
                statement,
                line,
                statement.index(bad),
            )
    op = next((op for op in OPERATORS if op in statement), None)
    if op is None:
        raise ModelSyntaxError("no operator: expected one of =~ ~ ~~ := ", statement, line, 0)
    at = statement.index(op)
    lhs, rhs = statement[:at].strip(), statement[at + len(op) :].strip()
    if not NAME.match(lhs):
        raise ModelSyntaxError(f"'{lhs}' is not a variable name", statement, line, 0)
    if op == DEFINE:
        return [_define(lhs, rhs, statement, line)]
    if not rhs:
        raise ModelSyntaxError(f"nothing after '{op}'", statement, line, len(statement))
    if op == "~" and rhs == "1":
        return [_row(lhs, "~1", "", line)]
    rows, column = [], at + len(op)
    for term in rhs.split("+"):
        column = statement.index(term.strip(), column) if term.strip() else column
        rows.append(_term(lhs, op, term.strip(), statement, line, column))
        column += len(term.strip())
    return rows


def _term(lhs: str, op: str, term: str, statement: str, line: int, column: int) -> dict:
    *modifiers, name = (part.strip() for part in term.split("*"))
    if not name:
        raise ModelSyntaxError("a variable is missing here", statement, line, column)
    if not NAME.match(name):
        raise ModelSyntaxError(f"'{term}' is not a variable name", statement, line, column)
    row = _row(lhs, op, name, line)
    for modifier in modifiers:
        _apply(modifier, row, statement, line, column)
    return row


def _apply(modifier: str, row: dict, statement: str, line: int, column: int) -> None:
    start = re.fullmatch(r"start\((.+)\)", modifier)
    if modifier == "NA":
        row["free"] = True
    elif start and NUMBER.match(start.group(1).strip()):
        row["start"] = float(start.group(1))
    elif NUMBER.match(modifier):
        row["fixed"] = float(modifier)
    elif NAME.match(modifier) and modifier not in FUNCTIONS:
        row["label"] = modifier
    else:
        problem = (
            "per-group modifiers c(...) are not supported yet"
            if modifier.startswith("c(")
            else f"modifier '{modifier}' is not a number, a label, NA or start(value)"
        )
        raise ModelSyntaxError(problem, statement, line, column)
    if row["free"] and not np.isnan(row["fixed"]):
        raise ModelSyntaxError(f"'{row['rhs']}' is both fixed and free (NA)", statement, line, column)


def _define(lhs: str, rhs: str, statement: str, line: int) -> dict:
    try:
        ast.parse(rhs, mode="eval")
    except SyntaxError:
        raise ModelSyntaxError(f"'{rhs}' is not an expression", statement, line, statement.index(DEFINE) + 3) from None
    row = _row(lhs, DEFINE, rhs, line)
    row["label"] = lhs
    return row


def _row(lhs: str, op: str, rhs: str, line: int) -> dict:
    return dict(zip(COLUMNS, (lhs, op, rhs, "", np.nan, np.nan, False, line), strict=True))


def _check_duplicates(table: pd.DataFrame, text: str) -> None:
    keys = table.lhs + " " + table.op + " " + table.rhs
    # lavaan treats x ~~ y and y ~~ x as the same covariance.
    covariance = table.op == "~~"
    keys[covariance] = [
        " ~~ ".join(sorted(pair)) for pair in zip(table.lhs[covariance], table.rhs[covariance], strict=True)
    ]
    repeated = keys.duplicated()
    if repeated.any():
        row = table[repeated].iloc[0]
        first = table.line[keys == keys[repeated].iloc[0]].iloc[0]
        raise ModelSyntaxError(
            f"'{row.lhs} {row.op} {row.rhs}' is already in the model (line {first})",
            _line(text, row.line),
            int(row.line),
            0,
        )


def _check_defined(table: pd.DataFrame, text: str) -> None:
    known = set(table.label[table.label != ""])
    for row in table[table.op == DEFINE].itertuples():
        missing = [name for name in _names(row.rhs) if name not in known]
        if missing:
            line = _line(text, row.line)
            raise ModelSyntaxError(
                f"'{missing[0]}' in '{row.lhs} := {row.rhs}' is not the label of a parameter "
                "(label one with e.g. 'y ~ a*x')",
                line,
                int(row.line),
                max(line.find(missing[0], line.find(DEFINE)), 0),
            )


def _names(expression: str) -> list[str]:
    tree = ast.parse(expression, mode="eval")
    return sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - set(FUNCTIONS))


def _line(text: str, number: int) -> str:
    return text.splitlines()[number - 1].strip()


_OPERATIONS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _eval(node: ast.AST, values: dict[str, float]) -> float:
    """Arithmetic on labels, numbers and a few functions; nothing else is evaluated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise ModelError(f"'{node.id}' in a defined parameter is not the label of a parameter")
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATIONS:
        return _OPERATIONS[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand, values)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        return FUNCTIONS[node.func.id](*(_eval(arg, values) for arg in node.args))
    raise ModelError(f"'{ast.unparse(node)}' is not allowed in a defined parameter (use + - * / ** sqrt exp log abs)")
