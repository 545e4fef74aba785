"""`analysis.fit()`: a lavaan-style model estimated by the SEM core (`analysis.sem`), with lavaan's numbers."""

from __future__ import annotations

import difflib
import warnings
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

import instrument as instrument_pkg

from . import hypotheses as hypothesis_tests
from . import sem, syntax
from .data import close_match, numeric, reverse_code, reverse_keyed, warn_outliers
from .errors import ConvergenceWarning, DataError, DataWarning, ImproperSolutionWarning, ModelError
from .load import load
from .results import FitResult
from .sem import bootstrap as resampling
from .sem import partable

ESTIMATORS = sem.ESTIMATORS
MISSING = ("listwise", "fiml", "ml", "pairwise")  # "ml": lavaan's name for FIML


def fit(
    data: pd.DataFrame | str | Path,
    model: str | None = None,
    *,
    estimator: str = "ML",
    missing: str = "listwise",
    group: str | None = None,
    group_equal: tuple[str, ...] | str = (),
    group_partial: tuple[str, ...] | str = (),
    std_lv: bool = False,
    orthogonal: bool = False,
    fixed_x: bool = True,
    meanstructure: bool | None = None,
    information: str | None = None,
    ordered: bool | list[str] | tuple[str, ...] = False,
    parameterization: str = "delta",
    identification: str = "lavaan",
    bootstrap: int = 0,
    seed: int | None = None,
    executor: Executor | None = None,
    n_jobs: int | None = None,
    instrument: instrument_pkg.Instrument | None = None,
    na_values=None,
    value_labels: dict | None = None,
    reverse: tuple[str, ...] | list[str] = (),
    scale_range: tuple[float, float] | None = None,
    hypotheses: dict[str, str] | None = None,
) -> FitResult:
    """Estimate a structural equation model and everything a paper reports about it, as lavaan's ``sem()``.

    Parameters
    ----------
    data : DataFrame, path or database URL
        One row per respondent, read by `analysis.load` (missing-value codes become NaN).
    model : str, optional
        lavaan model syntax (see `analysis.syntax` and the README's table). None: the instrument's
        Social IMP model (measurement, structural paths, indirect effects).
    estimator : {"ML", "MLR", "MLM", "WLSMV", "DWLS", "ULSMV"}
        "ML": normal-theory standard errors and test. "MLR": Huber-White standard errors and the
        Yuan-Bentler (Mplus) scaled test with robust CFI, TLI and RMSEA. "MLM": Satorra-Bentler
        (robust.sem standard errors, scaled test), complete data only. As lavaan's ``estimator =``.
        With `ordered`: "WLSMV" (DWLS on thresholds and polychorics, robust standard errors, the
        mean-and-variance adjusted test), "ULSMV" (the same, unweighted) or "DWLS" (standard errors
        and test not robust).
    missing : {"listwise", "fiml", "ml", "pairwise"}
        "listwise": rows incomplete on the model's variables are dropped. "fiml" (lavaan's "ml"):
        every row contributes the answers it has; rows missing every model variable, and (fixed.x)
        rows missing a covariate, are dropped, as lavaan. Any estimator but MLM. "pairwise"
        (ordinal items only): thresholds from each item's answers, each polychoric from the rows
        answering both items, as lavaan's ``missing = "pairwise"``.
    group : str, optional
        A column splitting the rows into groups fitted jointly (lavaan's ``group =``); groups in
        order of first appearance. ``estimates`` then has a ``group`` column.
    group_equal, group_partial : tuple of str, or str
        Classes held equal across groups (lavaan's ``group.equal``: "loadings", "intercepts",
        "means", "regressions", "residuals", "residual.covariances", "lv.variances",
        "lv.covariances") and parameters exempt from them ("visual =~ x2", "x3 ~ 1").
    std_lv, orthogonal, fixed_x, meanstructure
        lavaan's options of the same names (``meanstructure=None``: lavaan's rule).
    information : {"expected", "observed", "first.order"}, optional
        The information matrix behind the standard errors; None: lavaan's default.
    ordered : bool or list of str
        Ordinal items (lavaan's ``ordered =``); True: every observed variable of the model. Another
        observed variable is continuous (polyserial correlations; complete values under
        "pairwise", lavaan's identification across groups; not an exogenous covariate), its
        intercept (held equal across groups by "thresholds") and residual variance free;
        ``estimates`` then has lavaan's rows for the ordinal items: thresholds (``x1 | t1``),
        scales (``~*~``), intercepts fixed at 0 and residual variances (derived from the
        loadings under "delta").
    parameterization : {"delta", "theta"}
        Of ordinal items, as lavaan's: "delta", latent responses of unit variance, their residual
        variances derived; "theta", residual variances fixed at 1 (free in groups 2.. where
        thresholds are held equal), the scales ``~*~`` derived.
    identification : {"lavaan", "Wu.Estabrook.2016"}
        How ordinal items are identified across groups: lavaan's defaults, or Wu & Estabrook's (2016)
        as semTools' ``measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` builds it
        (needs `std_lv`): with thresholds equal, the items' intercepts and scales (theta: residual
        variances) are free in groups 2.. and the latent means stay 0; with loadings equal too, the
        latent variances are free there.
    bootstrap : int
        Nonparametric bootstrap draws (0: none), resampled within groups; ``se`` is the SD of the
        draws and the CI percentile intervals, for free and ``:=`` parameters (lavaan's
        ``se = "bootstrap"``); the test and fit indices stay those of the full sample.
    seed : int, optional
        Makes the draws reproducible, whatever the executor.
    executor : concurrent.futures.Executor, optional
        Where the draws run (a Dask cluster's ``client.get_executor()``, say); default: a process
        pool over `n_jobs` processes (None: every core; 1: in this process).
    instrument : Instrument, optional
        Whose reverse-keyed items are recoded and whose hypotheses are tested.
    na_values : number, list or dict, optional
        Missing-value codes in the data (``[-99, -9]``, or per column), read as missing (see `analysis.load`).
        A Likert-looking column holding values far outside the rest (or outside `scale_range`) gives
        a `DataWarning` naming the column and the values.
    value_labels : dict, optional
        Text answers -> codes, for every column or per column (see `analysis.load`).
    reverse : list of str
        Reverse-keyed items, recoded as ``min + max - x`` over `scale_range` before fitting (the
        instrument's reverse-keyed items are recoded anyway), as `analysis.reliability`.
    scale_range : (min, max), optional
        The response scale's ends; needed with `reverse`.
    hypotheses : dict, optional
        Your own hypotheses, id -> statement, tested in ``res.hypotheses`` and the report instead of
        the instrument's: ``"y ~ x"`` (or ``"y ~ x > 0"``, ``"< 0"``), ``"ind := a*b"`` (added to the
        model when new), ``"compare: <lavaan model>"`` (the model against a rival); see
        `analysis.hypotheses`.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import analysis
    >>> res = analysis.fit(analysis.simulate(500, seed=1))
    >>> res.fit_indices[["chisq", "df", "cfi", "rmsea", "srmr"]]  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    >>> analysis.fit(data, model, hypotheses={"H1": "dem65 ~ dem60 > 0", "H2": "ind := g1*b2"})  # doctest: +SKIP
    """
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(MISSING)}, not {missing!r}")
    missing = "fiml" if missing == "ml" else missing
    ins = instrument or instrument_pkg.load()
    text = model if model is not None else ins.to_lavaan()
    claims = hypothesis_tests.parse(hypotheses, syntax.parse(text), grouped=group is not None)
    text = hypothesis_tests.with_definitions(text, claims)
    parsed = syntax.parse(text)
    names = partable.names(parsed, fixed_x)
    settings = sem.Settings(estimator, missing, information, std_lv, orthogonal, fixed_x, meanstructure,
                            _tuple(group_equal), _tuple(group_partial), _ordered(ordered, names, parsed),
                            parameterization=parameterization, identification=identification)  # fmt: skip
    if (settings.group_equal or settings.group_partial) and group is None:
        raise ValueError("group_equal and group_partial need group=: name the column that splits the rows into groups")
    if bootstrap and settings.ordinal:
        raise ValueError("bootstrap= is not supported with ordered= items (the draws would not recompute polychorics)")
    raw = load(data, instrument=ins, na_values=na_values, value_labels=value_labels)
    _check_latent_names(parsed, names, raw)
    sample, labels, dropped = _sample(raw, parsed, names, group, missing)
    _warn_duplicates(sample)
    warn_outliers(sample, sample.columns, scale_range)
    sample, recoded = _reverse_coded(sample, ins, list(reverse), scale_range)
    order = list(pd.unique(labels)) if labels is not None else [None]
    parts = [sample.to_numpy() if labels is None else sample[(labels == g).to_numpy()].to_numpy() for g in order]
    # Model matrices are small (p ~ 100): multithreaded BLAS spends more time syncing than computing (3.5x slower).
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("always")
        prepared = sem.prepare(parsed, parts, settings, order)
        result = sem.fit_model(prepared, settings)
        boot = None
        if bootstrap:
            boot = resampling.draw(prepared, settings, result.x, draws=bootstrap, seed=seed, executor=executor,
                                   n_jobs=n_jobs)  # fmt: skip
        notes = [str(w.message) for w in caught]
    estimates = result.estimates if boot is None else resampling.use_draws(result.estimates, prepared, boot)
    notes += _improper(estimates, order if group else None)
    if boot is not None and boot.failed:
        notes.append(f"{boot.failed} of {bootstrap} bootstrap draws failed (singular resample or no convergence)")
    for note in notes:
        warnings.warn(note, ImproperSolutionWarning if "improper" in note else ConvergenceWarning, stacklevel=2)
    single = group is None
    return FitResult(
        estimates=estimates.drop(columns="group") if single else estimates,
        fit_indices=result.fit_indices,
        model=text,
        estimator=estimator,
        missing=missing,
        converged=result.solution.converged,
        iterations=result.solution.iterations,
        warnings=tuple(notes),
        reverse_coded=tuple(recoded),
        dropped=dropped,
        data=sample,
        measurement=_measurement(parsed),
        sample_cov=result.sample_cov(0) if single else _stacked([result.sample_cov(k) for k in range(len(order))],
                                                                order, group),
        latent_cov=result.latent_cov(0) if single else _stacked([result.latent_cov(k) for k in range(len(order))],
                                                                order, group),
        instrument=ins if model is None else None,
        raw=raw,
        bootstrap=0 if boot is None else len(boot.params),
        bootstrap_failed=0 if boot is None else boot.failed,
        groups=None if single else labels,
        core=result,
        claims=claims,
        options=dict(estimator=estimator, missing=missing, group=group, group_equal=group_equal,
                     group_partial=group_partial, std_lv=std_lv, orthogonal=orthogonal, fixed_x=fixed_x,
                     meanstructure=meanstructure, information=information, ordered=ordered,
                     parameterization=parameterization, identification=identification, instrument=instrument,
                     reverse=tuple(reverse), scale_range=scale_range),
    )  # fmt: skip


def _reverse_coded(sample: pd.DataFrame, ins: instrument_pkg.Instrument, reverse: list[str], scale_range):
    """`sample` with the instrument's and the user's reverse-keyed items recoded, and those items."""
    if reverse and scale_range is None:
        raise ValueError("reverse-keyed items need scale_range=(min, max), e.g. (1, 6), to be recoded")
    unknown = [item for item in reverse if item not in sample.columns]
    if unknown:
        raise DataError(f"reverse-keyed item '{unknown[0]}' is not a variable of the model")
    sample, recoded = reverse_keyed(sample, ins, [column for column in sample.columns if column not in reverse])
    if reverse:
        sample = reverse_code(sample, reverse, scale_range)
    return sample, recoded + reverse


def _tuple(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _ordered(ordered, names: partable.Names, parsed: pd.DataFrame) -> tuple[str, ...]:
    """The ordinal items: every observed variable for True, else the named ones, each a variable of the model."""
    if ordered is True:
        return tuple(names.observed)
    if ordered is False or ordered is None:
        return ()
    items = _tuple(ordered)
    for item in items:
        if item not in names.observed:
            close = difflib.get_close_matches(str(item), names.observed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ModelError(f"ordered: '{item}' is not an observed variable of the model{hint}")
    return items


def _sample(raw: pd.DataFrame, parsed: pd.DataFrame, names: partable.Names, group: str | None, missing: str):
    """The model's columns as floats on the rows the estimator uses, each row's group, and the rows dropped."""
    values = _model_columns(raw, names.observed, parsed)
    keep = values.notna().all(axis=1) if missing == "listwise" else values.notna().any(axis=1)
    if missing == "fiml" and names.exogenous:  # lavaan's missing = "ml" deletes rows missing a fixed covariate
        keep &= values[names.exogenous].notna().all(axis=1)
    labels = None
    if group is not None:
        labels = _group_labels(raw, group, names.observed)
        keep &= labels.notna()
        labels = labels[keep]
    sample = values[keep]
    for label in pd.unique(labels) if labels is not None else [None]:
        _check_rows(sample if label is None else sample[(labels == label).to_numpy()], names, missing, group, label)
    return sample, labels, len(values) - int(keep.sum())


def _check_latent_names(parsed: pd.DataFrame, names: partable.Names, raw: pd.DataFrame) -> None:
    """lavaan refuses a latent variable named like a data column ("names collide"): the model would be ambiguous."""
    for latent in names.latent:
        if latent in raw.columns:
            line = parsed.loc[(parsed.lhs == latent) & (parsed.op == "=~"), "line"].min()
            raise ModelError(
                f"model line {line}: latent variable '{latent}' has the name of a column of the data; rename the "
                "latent variable (lavaan refuses this too)"
            )


def _warn_duplicates(sample: pd.DataFrame) -> None:
    """Warn of a model variable that repeats another answer for answer (a column exported twice, say)."""
    repeated = sample.T.duplicated()
    for column in repeated.index[repeated]:
        first = next(c for c in sample.columns if c != column and sample[c].equals(sample[column]))
        warnings.warn(
            f"column '{column}' is an exact duplicate of column '{first}': their covariance matrix is singular; "
            "drop one of them from the model",
            DataWarning,
            stacklevel=3,
        )


def _group_labels(raw: pd.DataFrame, group: str, observed: list[str]) -> pd.Series:
    if group not in raw.columns:
        close = difflib.get_close_matches(group, [str(c) for c in raw.columns], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise DataError(f"group column '{group}' is not in the data{hint}")
    if group in observed:
        raise DataError(f"group column '{group}' is a variable of the model; group by a column outside it")
    labels = raw[group].rename(group)
    if labels.nunique() < 2:
        raise DataError(f"column '{group}' has {labels.nunique()} value(s); multi-group estimation needs at least two")
    return labels


def _check_rows(rows: pd.DataFrame, names: partable.Names, missing: str, group, label) -> None:
    """Enough rows, answers and variance for the estimator; a DataError naming the column (and group) if not."""
    where = "" if group is None else f" in group {label!r} of '{group}'"
    p = len(names.observed)
    kind = "complete rows" if missing == "listwise" else "rows answering any model variable"
    if len(rows) <= p:
        raise DataError(f"only {len(rows)} {kind}{where}; the model's {p} variables need more")
    if missing == "fiml":
        answers = rows.count()
        if (answers < 2).any():
            column = answers.index[answers < 2][0]
            raise DataError(f"column '{column}' has {answers[column]} answers{where}; FIML needs at least two")
    constant = rows.columns[rows.std() == 0]
    if len(constant):
        raise DataError(f"column '{constant[0]}' has no variance{where}; drop it from the model")


def _model_columns(data: pd.DataFrame, observed: list[str], parsed: pd.DataFrame) -> pd.DataFrame:
    """The model's observed variables as float columns, or a DataError naming a missing or non-numeric one."""
    for column in observed:
        if column not in data.columns:
            line = parsed.loc[(parsed.lhs == column) | (parsed.rhs == column), "line"].min()
            raise DataError(
                f"column '{column}' (model line {line}) is not in the data{close_match(column, data.columns)}"
            )
    return numeric(data, observed)


def _improper(estimates: pd.DataFrame, groups: list | None) -> list[str]:
    variances = estimates[(estimates.op == "~~") & (estimates.lhs == estimates.rhs) & (estimates.est < 0)]
    where = (lambda row: f" in group {groups[row.group - 1]!r}") if groups else (lambda row: "")
    return [f"improper solution: the variance of '{row.lhs}' is negative ({row.est:.3g}), a Heywood case{where(row)}"
            for row in variances.itertuples()]  # fmt: skip


def _measurement(parsed: pd.DataFrame) -> dict[str, list[str]]:
    loadings = parsed[parsed.op == "=~"]
    return {factor: list(rows.rhs) for factor, rows in loadings.groupby("lhs", sort=False)}


def _stacked(frames: list[pd.DataFrame], labels: list, name: str) -> pd.DataFrame:
    """Per-group square frames stacked into one, the group label as the outer row index."""
    return pd.concat(dict(zip(labels, frames, strict=True)), names=[name, None])
