"""`analysis.fit()`: a lavaan-style model estimated by ML, with lavaan's numbers."""

from __future__ import annotations

import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

import instrument as instrument_pkg

from . import bootstrap as resampling
from . import engine, fiml, robust, syntax
from .data import numeric, reverse_code
from .errors import DataError, ImproperSolutionWarning, ModelError
from .indices import fit_indices
from .load import load
from .results import FitResult
from .syntax import DEFINE

ESTIMATORS = ("ML", "MLR")
MISSING = ("listwise", "fiml", "ml")  # "ml": lavaan's name for FIML
COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]
OP_ORDER = {"=~": 0, "~": 1, "~~": 2, "~1": 3, ":=": 4}


def fit(
    data: pd.DataFrame | str | Path,
    model: str | None = None,
    *,
    estimator: str = "ML",
    missing: str = "listwise",
    group: str | None = None,
    group_equal: tuple[str, ...] | str = (),
    bootstrap: int = 0,
    seed: int | None = None,
    n_jobs: int | None = None,
    instrument: instrument_pkg.Instrument | None = None,
) -> FitResult:
    """Estimate a structural equation model and everything a paper reports about it.

    Parameters
    ----------
    data : DataFrame, path or database URL
        One row per respondent: a frame, a data file or a survey database, read by `analysis.load`
        (the instrument's missing-value codes become NaN; a source mixing real and simulated
        respondents is refused: choose with ``analysis.load(source, include_simulated=...)``).
    model : str, optional
        lavaan model syntax (``=~ ~ ~~ :=``, labels ``a*x``, fixed values ``1*x``). None: the
        instrument's Social IMP model (measurement, structural paths, indirect effects). As in
        lavaan's ``sem()``, outcomes that predict nothing get free residual covariances unless the
        model states them (`lavaan_defaults`).
    estimator : {"ML", "MLR"}
        "ML": maximum likelihood with expected-information standard errors, as lavaan's default.
        "MLR": the same estimates with Huber-White (sandwich) standard errors and the Yuan-Bentler
        scaled chi-square with robust CFI, TLI and RMSEA, as lavaan's ``estimator = "MLR"``; see
        `analysis.robust`.
    missing : {"listwise", "fiml", "ml"}
        "listwise": rows incomplete on the model's own variables are dropped. "fiml" (or lavaan's
        name "ml"): full-information ML as lavaan's ``missing = "ml"``, every row contributing the
        answers it has: the model gains free intercepts (``~1`` rows; latent means fixed to 0),
        standard errors come from the observed information, chi-square compares with the saturated
        model estimated by EM and SRMR includes the means, all as lavaan; rows missing every model
        variable are dropped (``dropped``), as lavaan does. Under FIML, omega, AVE and HTMT use the
        EM covariances (semTools on a FIML fit, ``htmt(missing = "ml")``); alpha and the item
        statistics use the rows complete on each scale's items (``psych::alpha(use = "complete.obs")``).
        See `analysis.fiml`. Not combined with "MLR" or `bootstrap`.
    group : str, optional
        A column whose values split the rows into groups fitted jointly, as lavaan's
        ``sem(..., group = )``: per-group estimates (column ``group``), joint fit indices, and
        reliability and validity tables per group; see `analysis.multigroup.fit_groups`. ML on
        complete rows only.
    group_equal : tuple of str, or str
        With `group`: parameter classes held equal across groups (lavaan's ``group.equal``),
        e.g. ``("loadings", "intercepts")``; see `analysis.multigroup.GROUP_EQUAL`.
    bootstrap : int
        Number of nonparametric bootstrap draws (0: none). With draws, ``se`` is the SD of the
        draws and ``ci_lower, ci_upper`` are percentile intervals, for free and defined (``:=``)
        parameters alike (lavaan's ``se = "bootstrap"`` with ``boot.ci.type = "perc"``);
        ``std_all`` and the fit indices stay those of the full sample.
    seed : int, optional
        Makes the bootstrap draws reproducible, whatever `n_jobs` is.
    n_jobs : int, optional
        Processes for the bootstrap draws; None uses every available core.
    instrument : Instrument, optional
        Whose reverse-keyed items are recoded (``min + max - x``) and whose hypotheses are
        tested; default: the bundled Social IMP instrument.

    Returns
    -------
    FitResult
        ``fit_indices``, ``estimates``, ``reliability``, ``item_stats``, ``htmt``, ``htmt2``,
        ``fornell_larcker``, ``hypotheses``; ``summary()``, ``to_dict()``.

    Examples
    --------
    >>> import analysis
    >>> res = analysis.fit(analysis.simulate(500, seed=1))
    >>> res.fit_indices[["chisq", "df", "cfi", "rmsea", "srmr"]]  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {estimator!r}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(MISSING)}, not {missing!r}")
    missing = "fiml" if missing == "ml" else missing
    if bootstrap and estimator != "ML":
        raise ValueError("bootstrap needs estimator='ML' (as lavaan): the draws replace the robust standard errors")
    if missing == "fiml" and (estimator != "ML" or bootstrap):
        raise ValueError(
            "missing='fiml' works with estimator='ML' and no bootstrap: lavaan's robust statistics under missing "
            "data (FIML-corrected scaled test and indices) are not implemented; use estimator='MLR' with "
            "missing='listwise', or ML with missing='fiml'"
        )
    if group_equal and group is None:
        raise ValueError("group_equal needs group=: name the column that splits the rows into groups")
    ins = instrument or instrument_pkg.load()
    text = model if model is not None else ins.to_lavaan()
    if group is not None:
        # Imported here: multigroup builds on this module's helpers.
        from .multigroup import fit_groups

        return fit_groups(data, syntax.parse(text), group, group_equal, model=text, instrument=ins,
                          estimator=estimator, missing=missing, bootstrap=bootstrap)  # fmt: skip
    table = lavaan_defaults(syntax.parse(text))
    _check_supported(table)
    observed = syntax.variables(table)["observed"]
    data = _as_frame(data, ins)
    sample, dropped = (_fiml_sample if missing == "fiml" else _analysis_sample)(data, observed, table)
    recoded = [item for item in ins.reverse_keyed if item in observed]
    if recoded:
        codes = ins.scale_of(recoded[0]).codes
        sample = reverse_code(sample, recoded, (min(codes), max(codes)))
    # Model matrices are small (p ~ 100): multithreaded BLAS spends more time syncing than computing (3.5x slower).
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("always")
        text_semopy = _semopy_syntax(table)
        if missing == "fiml":
            (est, estimates, indices), boot = _fit_fiml(text_semopy, table, sample), None
        else:
            est, estimates, indices, boot = _fit_complete(
                text_semopy, table, sample, estimator=estimator, bootstrap=bootstrap, seed=seed, n_jobs=n_jobs
            )
        notes = [str(w.message) for w in caught] + _improper(estimates)
    if boot is not None and boot.failed:
        notes.append(f"{boot.failed} of {bootstrap} bootstrap draws failed (singular resample or no convergence)")
    for note in notes:
        category = ImproperSolutionWarning if "improper" in note else engine.ConvergenceWarning
        warnings.warn(note, category, stacklevel=2)
    return FitResult(
        estimates=estimates,
        fit_indices=indices,
        model=text,
        estimator=estimator,
        missing=missing,
        converged=est.converged,
        iterations=est.iterations,
        warnings=tuple(notes),
        reverse_coded=tuple(recoded),
        dropped=dropped,
        data=sample,
        measurement=_measurement(table),
        sample_cov=pd.DataFrame(est.sample_cov, index=est.observed, columns=est.observed),
        latent_cov=est.latent_cov(),
        instrument=ins if model is None else None,
        raw=data,
        bootstrap=0 if boot is None else len(boot.params),
        bootstrap_failed=0 if boot is None else boot.failed,
    )


def _fit_complete(
    text_semopy: str,
    table: pd.DataFrame,
    sample: pd.DataFrame,
    *,
    estimator: str,
    bootstrap: int,
    seed: int | None,
    n_jobs: int | None,
) -> tuple[engine.Estimation, pd.DataFrame, pd.Series, resampling.Draws | None]:
    """ML (or MLR) on complete rows: estimation, estimates table, fit indices and bootstrap draws."""
    est = engine.estimate(text_semopy, sample)
    boot = resampling.draw(est, text_semopy, sample, draws=bootstrap, seed=seed, n_jobs=n_jobs) if bootstrap else None
    values = sample[est.observed].to_numpy()
    sandwich = robust.sandwich(est, values) if estimator == "MLR" else None
    estimates = _estimates(est, table, boot, vcov=None if sandwich is None else sandwich.vcov)
    indices = fit_indices(est.sample_cov, est.implied_cov, est.n, len(est.params))
    if sandwich is not None:
        indices = pd.concat([indices, robust.robust_indices(indices.chisq, int(indices.df), values, sandwich.trace_h0)])
    return est, estimates, indices, boot


def _fit_fiml(
    text_semopy: str, table: pd.DataFrame, sample: pd.DataFrame
) -> tuple[engine.Estimation, pd.DataFrame, pd.Series]:
    """FIML on incomplete rows (lavaan's missing="ml"): estimation, estimates with intercepts, fit indices."""
    run = fiml.estimate(text_semopy, sample)
    k = len(run.est.params)
    intercepts = run.intercepts(syntax.variables(table)["latent"])
    estimates = _estimates(run.est, table, vcov=run.vcov[:k, :k], intercepts=intercepts)
    return run.est, estimates, run.fit_indices()


def _as_frame(data, ins: instrument_pkg.Instrument | None) -> pd.DataFrame:
    """The data as `analysis.load` reads it: files and database URLs read, missing-value codes as NaN."""
    return load(data, instrument=ins)


def lavaan_defaults(table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with the free parameters lavaan's ``sem()`` adds by itself and semopy does not.

    Those are the residual covariances among the pure outcomes, the variables regressed on others
    that predict none (lavaan's ``auto.cov.y = TRUE``: latent ones first, then observed), unless the
    model already says something about a pair (``y1 ~~ 0*y2`` keeps it fixed). Exogenous latent
    covariances and variances semopy frees as lavaan does.

    Examples
    --------
    >>> table = lavaan_defaults(syntax.parse("f =~ x1 + x2 + x3\\ng =~ x4 + x5 + x6\\nh =~ x7 + x8 + x9\\n"
    ...                                      "g ~ f\\nh ~ f"))
    >>> table.iloc[-1][["lhs", "op", "rhs"]].tolist()
    ['g', '~~', 'h']
    """
    regressions = table[table.op == "~"]
    outcomes = [name for name in dict.fromkeys(regressions.lhs) if name not in set(regressions.rhs)]
    latent = set(table.lhs[table.op == "=~"])
    outcomes = sorted(outcomes, key=lambda name: name not in latent)
    covariances = table[table.op == "~~"]
    stated = {frozenset(pair) for pair in zip(covariances.lhs, covariances.rhs, strict=True)}
    first_line = {name: table.line[(table.lhs == name) | (table.rhs == name)].min() for name in outcomes}
    added = [
        # on the later of the two variables' first lines, so "model line N" in messages stays the first mention
        {"lhs": a, "op": "~~", "rhs": b, "label": "", "fixed": np.nan, "start": np.nan, "free": False,
         "line": max(first_line[a], first_line[b])}
        for a, b in combinations(outcomes, 2)
        if frozenset((a, b)) not in stated
    ]  # fmt: skip
    return pd.concat([table, pd.DataFrame(added, columns=table.columns)], ignore_index=True) if added else table


def _check_supported(table: pd.DataFrame) -> None:
    for row in table.itertuples():
        if row.op == "~1":
            raise ModelError(
                f"line {row.line}: intercepts ({row.lhs} ~ 1) cannot be set in the model; missing='fiml' gives every "
                "observed variable a free intercept (latent means 0), as lavaan's missing='ml'"
            )


def _analysis_sample(data: pd.DataFrame, observed: list[str], table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The model's own columns, as floats, complete rows only (listwise on those columns alone)."""
    values = _model_columns(data, observed, table)
    complete = values.dropna()
    if len(complete) <= len(observed):
        raise DataError(
            f"only {len(complete)} of {len(values)} rows are complete on the model's {len(observed)} variables; "
            "ML needs more complete rows than variables"
        )
    constant = complete.columns[complete.std() == 0]
    if len(constant):
        raise DataError(f"column '{constant[0]}' has no variance in the complete rows; drop it from the model")
    return complete, len(values) - len(complete)


def _fiml_sample(data: pd.DataFrame, observed: list[str], table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The model's own columns, as floats, without the rows missing all of them (lavaan drops those too)."""
    values = _model_columns(data, observed, table)
    kept = values.dropna(how="all")
    if len(kept) <= len(observed):
        raise DataError(
            f"only {len(kept)} of {len(values)} rows answer any of the model's {len(observed)} variables; "
            "FIML needs more rows than variables"
        )
    answers = kept.count()
    if (answers < 2).any():
        column = answers.index[answers < 2][0]
        raise DataError(f"column '{column}' has {answers[column]} answers; FIML needs at least two per variable")
    constant = kept.columns[kept.std() == 0]
    if len(constant):
        raise DataError(f"column '{constant[0]}' has no variance in its answers; drop it from the model")
    return kept, len(values) - len(kept)


def _model_columns(data: pd.DataFrame, observed: list[str], table: pd.DataFrame) -> pd.DataFrame:
    """The model's observed variables as float columns, or a DataError naming a missing or non-numeric one."""
    for column in observed:
        if isinstance(data, pd.DataFrame) and column not in data.columns:
            line = table.loc[(table.lhs == column) | (table.rhs == column), "line"].min()
            raise DataError(f"column '{column}' (model line {line}) is not in the data")
    return numeric(data, observed)


def _semopy_syntax(table: pd.DataFrame) -> str:
    """The table as semopy syntax: one line per (lhs, op), modifiers kept, lavaan's marker loadings made explicit.

    lavaan fixes each factor's first loading to 1 unless it is ``NA*`` or fixed to a value, labelled
    or not; semopy fixes the first loading that has no modifier. So every first loading gets one:
    ``1.0`` (lavaan's marker) or, for ``NA*``, a hidden label (``_p<row>``: free, unnamed), as do the
    other loadings of that factor. ``NA*`` and ``start()`` parameters elsewhere get a hidden label
    too; a start value travels as a
    ``# start <label> <value>`` line, which semopy skips as a comment and `engine.build` applies.

    Examples
    --------
    >>> print(_semopy_syntax(syntax.parse("f =~ NA*x1 + start(0.5)*x2 + x3\nf ~~ 1*f")))
    f =~ _p0*x1 + _p1*x2 + _p2*x3
    f ~~ 1.0*f
    # start _p1 0.5
    """
    model = table[table.op != syntax.DEFINE]
    loadings = model[model.op == "=~"]
    markers = set(loadings.index.to_series().groupby(loadings.lhs).first())
    # a marker's label names a parameter fixed at 1, wherever else it appears (lavaan's equality with a fixed value)
    fixed_labels = {row.label for row in model.loc[list(markers)].itertuples() if row.label and not row.free}
    # a factor without a marker (NA* on its first loading): semopy would fix its next plain loading, so name them all
    unmarked = set(model.lhs[list(markers)][model.free[list(markers)]])
    lines: dict[tuple[str, str], list[str]] = {}
    starts = []
    for row in model.itertuples():
        if not np.isnan(row.fixed):
            modifier = f"{row.fixed!r}"
        elif (row.Index in markers and not row.free) or row.label in fixed_labels:
            modifier = "1.0"
        else:
            hidden = row.free or not np.isnan(row.start) or (row.op == "=~" and row.lhs in unmarked)
            modifier = row.label or (f"_p{row.Index}" if hidden else "")
            if not np.isnan(row.start):
                starts.append(f"# start {modifier} {row.start!r}")
        lines.setdefault((row.lhs, row.op), []).append(f"{modifier}*{row.rhs}" if modifier else row.rhs)
    return "\n".join([*(f"{lhs} {op} {' + '.join(terms)}" for (lhs, op), terms in lines.items()), *starts])


def _estimates(
    est: engine.Estimation,
    table: pd.DataFrame,
    boot: resampling.Draws | None = None,
    vcov: np.ndarray | None = None,
    intercepts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """lavaan's parameterEstimates(fit, standardized=TRUE): one row per parameter.

    Standard errors from `vcov` (default: the inverse expected information); bootstrap SE/CI with `boot`;
    `intercepts`: ``~1`` rows (lhs, op, rhs, label, est, se, std_all, index=-1) of a mean structure.
    """
    vcov = est.vcov() if vcov is None else vcov
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    variances = pd.concat([pd.Series(np.diag(est.implied_cov), index=est.observed), _diag(est.latent_cov())])
    sd = np.sqrt(variances[~variances.index.duplicated()])
    cells = est.cells()
    # lavaan's cov.std: a residual covariance is standardized by the two residual variances.
    residual_sd = {cell.lhs: np.sqrt(abs(cell.value)) for cell in cells if cell.op == "~~" and cell.lhs == cell.rhs}
    rows = []
    for cell in cells:
        free = cell.index is not None
        label = est.labels[cell.index] if free and not est.labels[cell.index].startswith("_") else ""
        rows.append(
            {"lhs": cell.lhs, "op": cell.op, "rhs": cell.rhs, "label": label, "est": cell.value,
             "se": se[cell.index] if free else 0.0, "std_all": _standardized(cell, sd, residual_sd),
             "index": cell.index if free else -1}
        )  # fmt: skip
    frame = pd.concat([pd.DataFrame(rows), intercepts], ignore_index=True)
    frame = frame.iloc[np.lexsort((frame.index, frame.op.map(OP_ORDER)))].reset_index(drop=True)
    if (table.op == syntax.DEFINE).any():
        frame = pd.concat([frame, _defined(est, vcov, table, frame).assign(index=-1)], ignore_index=True)
    half = norm.ppf(0.975) * frame.se
    frame["ci_lower"], frame["ci_upper"] = frame.est - half, frame.est + half
    if boot is not None:
        _use_draws(frame, boot, est.labels, table)
    frame["z"] = frame.est / frame.se.where(frame.se > 0)
    frame["pvalue"] = 2 * norm.sf(np.abs(frame.z))
    return frame[COLUMNS]


def _use_draws(frame: pd.DataFrame, boot: resampling.Draws, labels: list[str], table: pd.DataFrame) -> None:
    """Bootstrap SE and percentile CI in place of the normal-theory ones, free and ``:=`` rows alike."""
    columns = ["se", "ci_lower", "ci_upper"]
    free = frame.index[frame["index"] >= 0]
    frame.loc[free, columns] = resampling.interval(boot.params).iloc[frame.loc[free, "index"]].to_numpy()
    defined = table[table.op == syntax.DEFINE]
    if len(defined):
        values = np.array([defined_values(defined, labels, params) for params in boot.params])
        frame.loc[frame.op == DEFINE, columns] = resampling.interval(values).to_numpy()


def _diag(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(np.diag(frame), index=frame.index)


def _standardized(cell: engine.Cell, sd: pd.Series, residual_sd: dict[str, float]) -> float:
    """std.all: both sides standardized with model-implied total variances (lavaan's standardizedSolution)."""
    if cell.op == "=~":
        return cell.value * sd[cell.lhs] / sd[cell.rhs]
    if cell.op == "~":
        return cell.value * sd[cell.rhs] / sd[cell.lhs]
    if cell.lhs != cell.rhs:
        return cell.value / (residual_sd[cell.lhs] * residual_sd[cell.rhs])
    return cell.value / (sd[cell.lhs] * sd[cell.rhs])


def _defined(est: engine.Estimation, vcov: np.ndarray, table: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Defined parameters (``:=``) with delta-method standard errors, as lavaan."""
    defined = table[table.op == syntax.DEFINE]
    labelled = [n for n, label in enumerate(est.labels) if not label.startswith("_")]

    def values(x: np.ndarray) -> np.ndarray:
        full = est.params.copy()
        full[labelled] = x
        return defined_values(defined, est.labels, full)

    jacobian = np.zeros((len(defined), len(est.params)))
    jacobian[:, labelled] = engine.jacobian(values, est.params[labelled])
    standardized = _evaluate(defined, frame[frame.label != ""].drop_duplicates("label").set_index("label").std_all)
    return pd.DataFrame(
        {"lhs": defined.lhs, "op": DEFINE, "rhs": defined.rhs, "label": defined.lhs,
         "est": values(est.params[labelled]), "se": np.sqrt(np.einsum("ij,jk,ik->i", jacobian, vcov, jacobian)),
         "std_all": [standardized[name] for name in defined.lhs]}
    )  # fmt: skip


def defined_values(defined: pd.DataFrame, labels: list[str], params: np.ndarray) -> np.ndarray:
    """Values of the ``:=`` rows of a parameter table at free-parameter vector `params`."""
    named = {label: value for label, value in zip(labels, params, strict=True) if not label.startswith("_")}
    result = _evaluate(defined, named)
    return np.array([result[name] for name in defined.lhs])


def _evaluate(defined: pd.DataFrame, values) -> dict[str, float]:
    """Values of all defined parameters, in order, each able to use the ones before it."""
    out = dict(values)
    for name, expression in zip(defined.lhs, defined.rhs, strict=True):
        out[name] = syntax.evaluate(expression, out)
    return out


def _improper(estimates: pd.DataFrame) -> list[str]:
    variances = estimates[(estimates.op == "~~") & (estimates.lhs == estimates.rhs)]
    negative = variances[variances.est < 0]
    return [
        f"improper solution: the variance of '{row.lhs}' is negative ({row.est:.3g}), a Heywood case"
        for row in negative.itertuples()
    ]


def _measurement(table: pd.DataFrame) -> dict[str, list[str]]:
    loadings = table[table.op == "=~"]
    return {factor: list(group.rhs) for factor, group in loadings.groupby("lhs", sort=False)}
