"""lavaan model syntax -> a flat parameter table (lavaan's ``lavaanify``, the parts we estimate).

One row per model element: ``lhs, op, rhs, label, fixed, start, free, line, by_group``. Supported:
``=~`` (loadings), ``~`` (regressions), ``~~`` (variances, covariances), ``~ 1`` (intercepts and
latent means, op ``~1``), several variables left of the operator (``y1 + y2 ~ x``, one row per
pair), ``:=`` (defined parameters), constraints ``==``, ``<``, ``>`` between expressions of labels
(op as written, ``lhs`` and ``rhs`` the two expressions), and per-term modifiers chained with
``*``: a label ``a*x``, a fixed value ``1*x``, ``NA*x`` (free a parameter fixed by default),
``start(0.5)*x``, and per-group modifiers ``c(a1, a2)*x``, ``c(1, NA)*x`` (column ``by_group``:
one ``(label, fixed, free)`` per group). Comments start with ``#`` or ``!``; ``;`` separates
statements; a formula ending in ``+`` or an operator continues on the next line.

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
CONSTRAINTS = ("==", "<", ">")
OPERATORS = ("=~", "~~", ":=", "~")  # longest first, so "~~" is not read as "~"
COLUMNS = ["lhs", "op", "rhs", "label", "fixed", "start", "free", "line", "by_group"]
NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*$")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
CONTINUES = re.compile(r"(\+|\*|=~|~~|~|:=|==|<|>)\s*$")
CONSTRAINT = re.compile(r"(==|<=?|>=?)")
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
    model = table[~table.op.isin((DEFINE, *CONSTRAINTS))]
    latent = list(dict.fromkeys(model.lhs[model.op == "=~"]))
    names = [name for row in model.itertuples() for name in (row.lhs, row.rhs) if name]
    observed = [name for name in dict.fromkeys(names) if name not in latent]
    return {"latent": latent, "observed": observed}


def deparse(table: pd.DataFrame) -> str:
    """lavaan syntax of a parsed table, one line per (lhs, op): the inverse of `parse` (per-group modifiers kept).

    Examples
    --------
    >>> print(deparse(parse("f =~ x1 + a*x2 + 0.5*x3\nx1 ~ 1\nd := a*2")))
    f =~ x1 + a*x2 + 0.5*x3
    x1 ~ 1
    d := a*2
    """
    lines: dict[tuple[str, str], list[str]] = {}
    for row in table.itertuples():
        if row.op in (DEFINE, *CONSTRAINTS):
            lines[(f"{row.lhs} {row.op} {row.rhs}", "")] = []
            continue
        modifiers = []
        if row.by_group is not None:
            parts = [label or ("NA" if free else (repr(fixed) if not np.isnan(fixed) else "NA"))
                     for label, fixed, free in row.by_group]  # fmt: skip
            modifiers.append(f"c({', '.join(parts)})")
        if row.label:
            modifiers.append(row.label)
        if not np.isnan(row.fixed):
            modifiers.append(f"{row.fixed:g}")
        if row.free:
            modifiers.append("NA")
        if not np.isnan(row.start):
            modifiers.append(f"start({row.start:g})")
        op, rhs = ("~", "1") if row.op == "~1" else (row.op, row.rhs)
        lines.setdefault((row.lhs, op), []).append("*".join([*modifiers, rhs]))
    return "\n".join(f"{lhs} {op} {' + '.join(terms)}" if terms else lhs for (lhs, op), terms in lines.items())


def evaluate(expression: str, values: dict[str, float]) -> float:
    """Value of a ``:=`` expression given parameter values by label.

    Examples
    --------
    >>> evaluate("a*b + sqrt(c)", {"a": 2.0, "b": 3.0, "c": 4.0})
    8.0
    """
    return float(_eval(ast.parse(expression, mode="eval").body, values))  # "^" parses as xor: evaluated as power


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
    if "<~" in statement:
        raise ModelSyntaxError(
            "'<~' defines a formative composite, which covariance-based SEM does not estimate here; fit composites "
            "with analysis.pls (PLS-SEM, as seminr), or write the construct reflectively with '=~'",
            statement, line, statement.index("<~"),
        )  # fmt: skip
    if DEFINE not in statement and "=~" not in statement and CONSTRAINT.search(statement):
        return [_constraint(statement, line)]
    op = next((op for op in OPERATORS if op in statement), None)
    if op is None:
        raise ModelSyntaxError("no operator: expected one of =~ ~ ~~ := == < >", statement, line, 0)
    at = statement.index(op)
    lhs, rhs = statement[:at].strip(), statement[at + len(op) :].strip()
    if op == DEFINE:
        if not NAME.match(lhs):
            raise ModelSyntaxError(f"'{lhs}' is not a name for a defined parameter", statement, line, 0)
        return [_define(lhs, rhs, statement, line)]
    outcomes = [name.strip() for name in lhs.split("+")]
    for name in outcomes:
        if not NAME.match(name):
            raise ModelSyntaxError(f"'{name}' is not a variable name", statement, line, max(statement.find(name), 0))
    if not rhs:
        raise ModelSyntaxError(f"nothing after '{op}'", statement, line, len(statement))
    rows, column = {}, at + len(op)
    for term in rhs.split("+"):
        column = statement.index(term.strip(), column) if term.strip() else column
        for name in outcomes:
            row = _term(name, op, term.strip(), statement, line, column)
            key = (row["lhs"], row["op"], row["rhs"])
            rows[key] = _merged(rows[key], row, statement, line, column) if key in rows else row
        column += len(term.strip())
    return list(rows.values())


def _merged(first: dict, second: dict, statement: str, line: int, column: int) -> dict:
    """One term written twice in a statement (``NA*x1 + a1*x1``, lavaan's effects coding): its modifiers joined."""
    out = dict(first)
    out["label"] = second["label"] or first["label"]
    out["free"] = first["free"] or second["free"]
    out["fixed"] = second["fixed"] if not np.isnan(second["fixed"]) else first["fixed"]
    out["start"] = second["start"] if not np.isnan(second["start"]) else first["start"]
    if out["free"] and not np.isnan(out["fixed"]):
        raise ModelSyntaxError(f"'{out['rhs']}' is both fixed and free (NA)", statement, line, column)
    return out


def _term(lhs: str, op: str, term: str, statement: str, line: int, column: int) -> dict:
    *modifiers, name = (part.strip() for part in term.split("*"))
    if not name:
        raise ModelSyntaxError("a variable is missing here", statement, line, column)
    if op == "~" and name == "1":  # an intercept or a latent mean, lavaan's "~1"
        op, name = "~1", ""
    elif not NAME.match(name):
        raise ModelSyntaxError(f"'{term}' is not a variable name", statement, line, column)
    row = _row(lhs, op, name, line)
    for modifier in modifiers:
        _apply(modifier, row, statement, line, column)
    return row


def _apply(modifier: str, row: dict, statement: str, line: int, column: int) -> None:
    start = re.fullmatch(r"start\((.+)\)", modifier)
    per_group = re.fullmatch(r"c\((.*)\)", modifier)
    if per_group:
        row["by_group"] = tuple(
            _single(part.strip(), statement, line, column) for part in per_group.group(1).split(",")
        )
    elif start and NUMBER.match(start.group(1).strip()):
        row["start"] = float(start.group(1))
    else:
        label, fixed, free = _single(modifier, statement, line, column)
        row["label"] = label or row["label"]
        row["fixed"] = fixed if not np.isnan(fixed) else row["fixed"]
        row["free"] = free or row["free"]
    if row["free"] and not np.isnan(row["fixed"]):
        name = row["rhs"] or "1"
        raise ModelSyntaxError(f"'{name}' is both fixed and free (NA)", statement, line, column)


def _single(modifier: str, statement: str, line: int, column: int) -> tuple[str, float, bool]:
    """(label, fixed value, NA-freed) of one modifier: a number, NA or a label."""
    if modifier == "NA":
        return "", np.nan, True
    if NUMBER.match(modifier):
        return "", float(modifier), False
    if NAME.match(modifier) and modifier not in FUNCTIONS:
        return modifier, np.nan, False
    raise ModelSyntaxError(
        f"modifier '{modifier}' is not a number, a label, NA, start(value) or c(...) of those", statement, line, column
    )


def _constraint(statement: str, line: int) -> dict:
    """A constraint ``lhs == rhs``, ``lhs < rhs`` or ``lhs > rhs`` between expressions of labels (``<=`` is ``<``)."""
    found = CONSTRAINT.search(statement)
    lhs, rhs = statement[: found.start()].strip(), statement[found.end() :].strip()
    for side, at in ((lhs, 0), (rhs, found.end())):
        try:
            ast.parse(side, mode="eval")
        except SyntaxError:
            raise ModelSyntaxError(f"'{side}' is not an expression", statement, line, at) from None
    row = _row(lhs, found.group(1)[0] if found.group(1) != "==" else "==", rhs, line)
    return row


def _define(lhs: str, rhs: str, statement: str, line: int) -> dict:
    try:
        ast.parse(rhs, mode="eval")
    except SyntaxError:
        raise ModelSyntaxError(f"'{rhs}' is not an expression", statement, line, statement.index(DEFINE) + 3) from None
    row = _row(lhs, DEFINE, rhs, line)
    row["label"] = lhs
    return row


def _row(lhs: str, op: str, rhs: str, line: int) -> dict:
    return dict(zip(COLUMNS, (lhs, op, rhs, "", np.nan, np.nan, False, line, None), strict=True))


def _check_duplicates(table: pd.DataFrame, text: str) -> None:
    table = table[~table.op.isin(CONSTRAINTS)]
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
    """Every name in a ``:=`` or constraint expression is a label (or, in a constraint, a defined parameter)."""
    labels = {label for label in table.label[table.op != DEFINE] if label}
    groups = table.by_group.dropna()
    labels |= {label for modifiers in groups for label, _, _ in modifiers if label}
    known = labels | set(table.lhs[table.op == DEFINE])
    for row in table[table.op.isin((DEFINE, *CONSTRAINTS))].itertuples():
        sides = [row.rhs] if row.op == DEFINE else [row.lhs, row.rhs]
        missing = [name for side in sides for name in _names(side) if name not in known]
        if missing:
            line = _line(text, row.line)
            shown = f"{row.lhs} := {row.rhs}" if row.op == DEFINE else f"{row.lhs} {row.op} {row.rhs}"
            raise ModelSyntaxError(
                f"'{missing[0]}' in '{shown}' is not the label of a parameter (label one with e.g. 'y ~ a*x')",
                line,
                int(row.line),
                max(line.find(missing[0], line.find(DEFINE) if row.op == DEFINE else 0), 0),
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
    ast.BitXor: lambda a, b: a**b,  # R's power operator, as lavaan writes b^2
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
