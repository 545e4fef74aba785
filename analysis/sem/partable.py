"""The parameter table: a parsed model with lavaan's defaults for ``sem()``/``cfa()``, one row per parameter per group.

lavaan's ``lavaanify``: every row has ``lhs, op, rhs, group, label, free, value, user, exo, line``;
``free`` numbers the free parameters from 1 (0: fixed at ``value``), shared by rows held equal
(one label, or a ``group_equal`` class across groups); ``exo`` marks the (co)variances and means of
observed exogenous covariates that ``fixed_x`` fixes at their sample values (filled in by
`analysis.sem.samplestats`). ``:=`` and constraint rows (``==``, ``<``, ``>``) come last, group 0.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from .. import syntax
from ..errors import ModelError

GROUP_EQUAL = ("loadings", "intercepts", "means", "regressions", "residuals", "residual.covariances",
               "lv.variances", "lv.covariances", "thresholds")  # fmt: skip
COLUMNS = ["lhs", "op", "rhs", "group", "label", "free", "value", "start", "user", "exo", "line"]
PARTIAL = re.compile(r"^\s*([A-Za-z_.][\w.]*)\s*(=~|~~|~)\s*([\w.]*)\s*$")


@dataclass(frozen=True)
class Names:
    """The model's variables by role, in lavaan's order (``lav_partable_vnames``)."""

    latent: list[str]
    observed: list[str]  # indicators first, then the other observed variables
    exogenous: list[str]  # observed covariates fixed at their sample moments (``ov.x`` under fixed.x)
    covariates: list[str]  # observed covariates (``ov.x``), fixed or not


@dataclass(frozen=True)
class Options:
    """lavaan's model options that shape the parameter table."""

    ngroups: int = 1
    meanstructure: bool = False
    std_lv: bool = False
    orthogonal: bool = False
    fixed_x: bool = True
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    thresholds: tuple[tuple[str, int], ...] = ()  # ordinal items and their number of thresholds
    wu_estabrook: bool = False  # semTools' ID.cat = "Wu.Estabrook.2016" in groups 2.. (with std_lv)
    theta: bool = False  # ordinal items' residual variances fixed at 1 (free where thresholds anchor), scales derived


def names(parsed: pd.DataFrame, fixed_x: bool = True) -> Names:
    """Latent, observed and fixed exogenous observed variables of a parsed model.

    Examples
    --------
    >>> names(syntax.parse("f =~ y1 + y2 + y3\\nf ~ x"))
    Names(latent=['f'], observed=['y1', 'y2', 'y3', 'x'], exogenous=['x'], covariates=['x'])
    """
    found = syntax.variables(parsed)
    latent = found["latent"]
    indicators = [name for name in dict.fromkeys(parsed.rhs[parsed.op == "=~"]) if name not in latent]
    observed = indicators + [name for name in found["observed"] if name not in indicators]
    regressions = parsed[parsed.op == "~"]
    dependent = set(regressions.lhs) | set(indicators)
    exogenous = [name for name in dict.fromkeys(regressions.rhs) if name in observed and name not in dependent]
    return Names(latent, observed, exogenous if fixed_x else [], exogenous)


def build(parsed: pd.DataFrame, options: Options = Options()) -> pd.DataFrame:
    """The full parameter table of a parsed model (`analysis.syntax.parse`) under `options`.

    Examples
    --------
    >>> table = build(syntax.parse("f =~ x1 + x2 + x3"))
    >>> table[["lhs", "op", "rhs", "free", "value"]].head(2).values.tolist()
    [['f', '=~', 'x1', 0, 1.0], ['f', '=~', 'x2', 1, nan]]
    """
    known = names(parsed, options.fixed_x)
    _check(parsed, known, options)
    model = parsed[~parsed.op.isin((syntax.DEFINE, *syntax.CONSTRAINTS))]
    rows = [row for g in range(1, options.ngroups + 1) for row in _group_rows(model, known, options, g)]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = _number_free(table, known, options)
    extra = parsed[parsed.op.isin((syntax.DEFINE, *syntax.CONSTRAINTS))]
    tail = pd.DataFrame({"lhs": extra.lhs, "op": extra.op, "rhs": extra.rhs, "group": 0, "label": extra.label,
                         "free": 0, "value": np.nan, "start": np.nan, "user": 1, "exo": 0,
                         "line": extra.line})  # fmt: skip
    return pd.concat([table, tail], ignore_index=True) if len(tail) else table


def _check(parsed: pd.DataFrame, known: Names, options: Options) -> None:
    """Refuse what lavaan refuses and what we do not estimate, naming the model line."""
    for row in parsed.itertuples():
        if row.op in ("=~",) and row.rhs in known.latent and row.rhs == row.lhs:
            raise ModelError(f"line {row.line}: '{row.lhs}' cannot measure itself")
        if row.op == "~1" and row.lhs in known.exogenous:
            raise ModelError(
                f"line {row.line}: '{row.lhs} ~ 1': the mean of the observed covariate '{row.lhs}' is fixed at its "
                "sample value (fixed_x=True, as lavaan); pass fixed_x=False to estimate it"
            )
        if row.op == "~~" and (row.lhs in known.exogenous or row.rhs in known.exogenous):
            raise ModelError(
                f"line {row.line}: '{row.lhs} ~~ {row.rhs}': the (co)variances of the observed covariates "
                f"({', '.join(known.exogenous)}) are fixed at their sample values (fixed_x=True, as lavaan); pass "
                "fixed_x=False to estimate them"
            )
        ordinal = {item for item, _ in options.thresholds}
        if row.op == "~~" and row.lhs == row.rhs and row.lhs in ordinal:
            raise ModelError(
                f"line {row.line}: '{row.lhs} ~~ {row.lhs}': the residual variance of the ordinal item '{row.lhs}' is "
                "not a parameter of the model (delta parameterization: 1 minus the explained variance; theta: "
                "fixed at 1)"
            )
        if row.op == "~1" and ordinal:
            raise ModelError(
                f"line {row.line}: '{row.lhs} ~ 1': mean structures of models with ordinal items (free intercepts or "
                "latent means) are not supported"
            )
        modifiers = row.by_group
        if modifiers is not None and len(modifiers) != options.ngroups:
            raise ModelError(
                f"line {row.line}: c(...) gives {len(modifiers)} modifiers for '{row.lhs} {row.op} {row.rhs}'"
                f" but the model has {options.ngroups} group(s): give one per group"
            )
    for name in options.group_equal:
        if name not in GROUP_EQUAL:
            close = difflib.get_close_matches(str(name), GROUP_EQUAL, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"group_equal: {name!r} is not one of {', '.join(GROUP_EQUAL)}{hint}")
    if "thresholds" in options.group_equal and not options.thresholds:
        raise ValueError("group_equal: 'thresholds' applies to ordinal items: name them with ordered=")
    if (options.group_equal or options.group_partial) and options.ngroups < 2:
        raise ValueError("group_equal and group_partial need group=: name the column that splits the rows into groups")


def _row(lhs, op, rhs, group, *, label="", free=True, value=np.nan, start=np.nan, user=0, exo=0, line=0) -> list:
    return [lhs, op, rhs, group, label, int(free), value, start, user, exo, line]


def _user_row(row, group: int) -> list:
    """A row the model states, with its modifiers for `group` (``c(...)`` picks the group's own)."""
    label, fixed, free_na = row.label, row.fixed, row.free
    if row.by_group is not None:
        label, fixed, free_na = row.by_group[group - 1]
    free = np.isnan(fixed)
    return [*_row(row.lhs, row.op, row.rhs, group, label=label, free=free, value=fixed, start=row.start, user=1,
                  line=row.line), free_na]  # fmt: skip


def _group_rows(model: pd.DataFrame, known: Names, options: Options, group: int) -> list[list]:
    """The rows of one group: the model's own, then lavaan's defaults (``lav_partable_flat``)."""
    user = [_user_row(row, group) for row in model.itertuples()]
    _fix_markers(user, options.std_lv)
    rows = [row[:-1] for row in user]
    stated = {(r[0], r[1], r[2]) for r in rows} | {(r[2], r[1], r[0]) for r in rows if r[1] == "~~"}
    lines = {}
    for r in rows:
        lines.setdefault(r[0], r[10])
        lines.setdefault(r[2], r[10])

    def add(lhs, op, rhs, **kwargs):
        if (lhs, op, rhs) not in stated:
            stated.update({(lhs, op, rhs), (rhs, op, lhs)})
            rows.append(_row(lhs, op, rhs, group, line=max(lines.get(lhs, 0), lines.get(rhs, 0)), **kwargs))

    regressions = model[model.op == "~"]
    indicators = set(model.rhs[model.op == "=~"])
    endogenous = [v for v in known.observed if v not in known.exogenous]
    ordinal = dict(options.thresholds)
    # lavaan 0.6.14: with thresholds held equal, the items' scales (delta) or residual variances (theta) and the
    # latent means of groups 2.. are free; Wu & Estabrook (2016) free the items' intercepts in place of the means,
    # and with loadings equal too the latent variances
    anchored = group > 1 and "thresholds" in options.group_equal
    later = group > 1 and options.wu_estabrook
    for name in endogenous + known.latent:  # auto.var; std.lv fixes the latent ones at 1
        if name in ordinal:  # delta derives an ordinal item's (0 here, `matrices`); theta fixes it at 1
            free = options.theta and anchored
            value = np.nan if free else 1.0 if options.theta else 0.0
        else:
            unit = name in known.latent and options.std_lv and not (later and "loadings" in options.group_equal)
            free, value = not unit, 1.0 if unit else np.nan
        add(name, "~~", name, free=free, value=value)
    _fix_single_indicators(model, rows, known, stated)
    latent_x = [v for v in known.latent if v not in set(regressions.lhs) and v not in indicators]
    for a, b in combinations(latent_x, 2):  # auto.cov.lv.x
        add(a, "~~", b, free=not options.orthogonal, value=0.0 if options.orthogonal else np.nan)
    outcomes = [v for v in dict.fromkeys(regressions.lhs) if v not in set(regressions.rhs)]
    outcomes = sorted(outcomes, key=lambda v: v not in known.latent)  # lv.y before ov.y, as lavaan
    for a, b in combinations(outcomes, 2):  # auto.cov.y
        orthogonal = options.orthogonal and a in known.latent and b in known.latent
        add(a, "~~", b, free=not orthogonal, value=0.0 if orthogonal else np.nan)
    fixed = bool(known.exogenous)
    for k, a in enumerate(known.covariates):  # the covariates' moments: fixed.x at their sample values, else free
        for b in known.covariates[: k + 1]:
            add(b, "~~", a, free=not fixed, exo=int(fixed))
    for name in endogenous:  # thresholds and the delta scales (``~*~``) of ordinal items, as lavaan
        for k in range(ordinal.get(name, 0)):
            add(name, "|", f"t{k + 1}")
    free_scales = anchored and not options.theta  # theta derives them
    for name in (name for name in endogenous if name in ordinal):
        add(name, "~*~", name, free=free_scales, value=np.nan if free_scales else 1.0)
    if options.meanstructure:
        for name in endogenous:  # int.ov.free; an ordinal item's intercept is fixed at 0 (but Wu & Estabrook's)
            free = name not in ordinal or (later and anchored)
            add(name, "~1", "", free=free, value=np.nan if free else 0.0)
        for name in known.exogenous:
            add(name, "~1", "", free=False, exo=1)
        for name in known.latent:  # int.lv.free = FALSE; free in groups 2.. when intercepts (thresholds) are equal
            anchored = "intercepts" in options.group_equal or (
                bool(ordinal) and "thresholds" in options.group_equal and not options.wu_estabrook
            )
            free = group > 1 and anchored and "means" not in options.group_equal
            add(name, "~1", "", free=free, value=np.nan if free else 0.0)
    return rows


def _fix_markers(rows: list[list], std_lv: bool) -> None:
    """auto.fix.first: each factor's first loading is fixed at 1 unless ``NA*`` frees it or it has a value.

    A labelled first loading is fixed too, as lavaan; with `std_lv` no loading is fixed.
    """
    if std_lv:
        return
    seen = set()
    for row in rows:
        if row[1] != "=~" or row[0] in seen:
            continue
        seen.add(row[0])
        free_na = row[-1]
        if row[5] and not free_na:
            row[5], row[6] = 0, 1.0


def _fix_single_indicators(model: pd.DataFrame, rows: list[list], known: Names, stated: set) -> None:
    """auto.fix.single: a factor with one observed indicator fixes that indicator's residual variance at 0."""
    loadings = model[model.op == "=~"]
    for _, items in loadings.groupby("lhs", sort=False).rhs:
        if len(items) == 1 and items.iloc[0] in known.observed:
            item = items.iloc[0]
            for row in rows:
                if row[:3] == [item, "~~", item] and not row[8]:
                    row[5], row[6] = 0, 0.0


def _equal_class(row, latent: set[str], continuous: set[str]) -> str:
    """The ``group_equal`` class of a row (lavaan's group.equal names); the intercepts of `continuous` variables
    beside ordinal ones are "thresholds"."""
    if row.op == "=~":
        return "loadings"
    if row.op == "|":
        return "thresholds"
    if row.op == "~":
        return "regressions"
    if row.op == "~1":
        return "means" if row.lhs in latent else "thresholds" if row.lhs in continuous else "intercepts"
    both_latent = row.lhs in latent and row.rhs in latent
    if row.lhs == row.rhs:
        return "lv.variances" if both_latent else "residuals"
    return "lv.covariances" if both_latent else "residual.covariances"


def _partial_keys(partial: tuple[str, ...], table: pd.DataFrame) -> set[tuple[str, str, str]]:
    """``group_partial`` entries ("visual =~ x2", "x3 ~ 1") as (lhs, op, rhs), each checked against the table."""
    keys = set()
    for entry in partial:
        found = PARTIAL.match(str(entry))
        if not found:
            raise ValueError(f"group_partial: {entry!r} is not a parameter such as 'visual =~ x2' or 'x3 ~ 1'")
        lhs, op, rhs = found.groups()
        if op == "~" and rhs == "1":
            op, rhs = "~1", ""
        exists = ((table.lhs == lhs) & (table.op == op) & (table.rhs == rhs)) | (
            (op == "~~") & (table.lhs == rhs) & (table.op == op) & (table.rhs == lhs)
        )
        if not exists.any():
            raise ValueError(f"group_partial: {entry!r} is not a parameter of the model")
        keys |= {(lhs, op, rhs), (rhs, op, lhs)} if op == "~~" else {(lhs, op, rhs)}
    return keys


def _number_free(table: pd.DataFrame, known: Names, options: Options) -> pd.DataFrame:
    """Number the free parameters: one number per label, and per `group_equal` row across groups."""
    partial = _partial_keys(options.group_partial, table)
    latent = set(known.latent)
    # lavaan keeps a continuous variable's mean among an ordinal model's thresholds: "thresholds" holds it equal
    continuous = set(known.observed) - {item for item, _ in options.thresholds} if options.thresholds else set()
    # a label on a fixed row (a labelled marker) fixes every row with that label: lavaan's equality with a constant
    fixed_labels = dict(zip(table.label[(table.free == 0) & (table.label != "")],
                            table.value[(table.free == 0) & (table.label != "")], strict=True))  # fmt: skip
    table = table.copy()
    bound = table.label.isin(list(fixed_labels)).to_numpy()
    if bound.any():
        table.loc[bound, "value"] = [fixed_labels[label] for label in table.label[bound]]
        table.loc[bound, "free"] = 0
    numbers: dict[tuple, int] = {}
    free = np.zeros(len(table), dtype=int)
    for k, row in enumerate(table.itertuples()):
        if not row.free:
            continue
        if row.label:
            key = ("label", row.label)
        elif (_equal_class(row, latent, continuous) in options.group_equal and (row.lhs, row.op, row.rhs) not in partial
              and row.group > 1):  # fmt: skip
            key = ("row", row.lhs, row.op, row.rhs, 1)
        else:
            key = ("row", row.lhs, row.op, row.rhs, row.group)
        if key not in numbers and key[0] == "row" and key[-1] == 1 and row.group > 1:
            key = ("row", row.lhs, row.op, row.rhs, row.group)  # fixed in group 1 (c(1, NA)): its own parameter
        numbers.setdefault(key, len(numbers) + 1)
        free[k] = numbers[key]
    return table.assign(free=free)
