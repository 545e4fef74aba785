"""Multi-group ML with a mean structure: lavaan's ``sem(model, data, group = , group.equal = )``.

Each group has its own semopy model (Beta, Lambda, Psi, Theta) plus observed intercepts ``nu``
and latent means ``alpha``: ``mu = nu + Lambda (I - B)^-1 alpha``. The groups share one parameter
vector: a parameter is one value in all groups when its class is in `group_equal` or when it
carries a label (lavaan's rule: the same label in every group means one parameter). As lavaan:

- ``F = sum_g (N_g / N) F_g`` with ``F_g = log|Sigma| + tr(S Sigma^-1) + (m - mu)' Sigma^-1 (m - mu)
  - log|S| - p`` (S with divisor N_g), and ``chisq = sum_g N_g F_g``;
- observed intercepts are free; latent means are fixed to 0, except in groups 2.. when the
  intercepts are held equal (and the means are not);
- the residual covariances among variables that are predicted but predict nothing are free
  (lavaan's ``auto.cov.y``, `analysis.fit.lavaan_defaults`);
- standard errors come from the expected information
  ``sum_g N_g (Dmu' K Dmu + 1/2 tr(K dSigma_a K dSigma_b))``, K = Sigma^-1;
- fit indices as ``fitMeasures``: the baseline is the independence model in every group; RMSEA
  and its interval are multiplied by ``sqrt(G)`` (Steiger 1998); SRMR is the ``N_g / N``-weighted
  mean of the groups' SRMR, each with its mean residuals.

Not implemented, and refused with a ModelError naming the line: ``~ 1`` lines (intercepts and
latent means follow `group_equal`) and observed exogenous predictors (lavaan's ``fixed.x``).
Written beside semopy because ``semopy.multigroup`` fits each group alone, with no shared parameters.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import semopy
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

import instrument as instrument_pkg

from . import engine, indices, syntax
from .data import reverse_code
from .errors import ConvergenceWarning, DataError, ImproperSolutionWarning, ModelError
from .fit import _as_frame, _estimates, _improper, _measurement, _model_columns, _semopy_syntax, lavaan_defaults
from .results import FitResult

GROUP_EQUAL = ("loadings", "intercepts", "means", "regressions", "residuals", "residual.covariances",
               "lv.variances", "lv.covariances")  # fmt: skip
RESTARTS = 5  # of L-BFGS-B when it stops short of the optimum (see `_optimize`)
LIMITED_MEMORY = {"gtol": 1e-9, "ftol": 1e-14, "maxcor": 30, "maxiter": 20_000, "maxfun": 50_000}


def fit_groups(
    data: pd.DataFrame | str | Path,
    table: pd.DataFrame,
    group: str,
    group_equal: Iterable[str] | str = (),
    *,
    model: str,
    instrument: instrument_pkg.Instrument | None = None,
    estimator: str = "ML",
    missing: str = "listwise",
    bootstrap: int = 0,
) -> FitResult:
    """Fit a model jointly in the groups of column `group`; lavaan: ``sem(model, data, group = group)``.

    Parameters
    ----------
    data : DataFrame or path
        One row per respondent, with the model's columns and `group`. Rows missing the group or a
        model variable are dropped (``dropped``). Groups are numbered in their order of first
        appearance in the data, as lavaan numbers them.
    table : DataFrame
        The model as `analysis.syntax.parse` reads it. A label holds across groups (one value
        wherever it appears, as lavaan); a fixed value holds in every group.
    group : str
        The grouping column.
    group_equal : iterable of str, or str
        Parameter classes held equal across groups, from `GROUP_EQUAL` (lavaan's ``group.equal``):
        "loadings" (metric invariance), "intercepts" (with loadings: scalar invariance; latent
        means are then free in groups 2..), "means", "regressions", "residuals" (with loadings
        and intercepts: strict invariance), "residual.covariances", "lv.variances", "lv.covariances".
    model : str
        The model's text, kept in the result.
    instrument : Instrument, optional
        Whose reverse-keyed items among the model's variables are recoded (``min + max - x``).
    estimator, missing, bootstrap
        As `analysis.fit`; multi-group estimation is ML on complete rows with normal-theory
        standard errors, so only the defaults are accepted.

    Returns
    -------
    FitResult
        ``estimates``: lavaan's ``parameterEstimates(fit, standardized = TRUE)`` with a ``group``
        column after ``rhs`` (1, 2, ... as lavaan; 0 for ``:=`` rows) and ``~1`` rows per group;
        ``groups``: each row's group label (``group_sizes``: rows per group); ``sample_cov`` and
        ``latent_cov`` stacked by group (outer index: the group label); ``fit_indices`` of the joint
        model. ``reliability``, ``item_stats``, ``htmt``, ``htmt2`` and ``fornell_larcker`` come
        per group, from each group's rows and estimates (semTools' per-group output).

    Examples
    --------
    >>> text = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> res = fit_groups(hs, syntax.parse(text), "school", ("loadings",), model=text)  # doctest: +SKIP
    >>> res.fit_indices[["chisq", "df"]].round(3).tolist(), res.group_sizes.tolist()  # doctest: +SKIP
    ([124.044, 54.0], [156, 145])
    """
    _check_options(estimator, missing, bootstrap)
    equal = _group_equal(group_equal)
    return fit_prepared(prepare(data, table, group, instrument), equal, model)[0]


@dataclass(frozen=True)
class Prepared:
    """A model and its data split into groups, ready for fits under different equality constraints."""

    table: pd.DataFrame  # with the residual covariances lavaan adds (`lavaan_defaults`)
    sample: pd.DataFrame  # the model's columns, complete rows, reverse-keyed items recoded
    labels: pd.Series  # each row's group
    dropped: int
    recoded: tuple[str, ...]


def prepare(
    data: pd.DataFrame | str | Path,
    table: pd.DataFrame,
    group: str,
    instrument: instrument_pkg.Instrument | None = None,
) -> Prepared:
    """Check the model and the groups, keep the complete rows and recode `instrument`'s reverse-keyed items.

    Examples
    --------
    >>> prepared = prepare(hs, syntax.parse(text), "school")  # doctest: +SKIP
    >>> prepared.labels.value_counts()  # doctest: +SKIP
    """
    _check_model(table)
    table = lavaan_defaults(table)
    observed = syntax.variables(table)["observed"]
    sample, labels, dropped = _group_sample(_as_frame(data, instrument), observed, table, group)
    recoded = [] if instrument is None else [item for item in instrument.reverse_keyed if item in observed]
    if recoded:
        codes = instrument.scale_of(recoded[0]).codes
        sample = reverse_code(sample, recoded, (min(codes), max(codes)))
    return Prepared(table, sample, labels, dropped, tuple(recoded))


def fit_prepared(
    prepared: Prepared, equal: tuple[str, ...], model: str, warm: tuple[_Joint, np.ndarray] | None = None
) -> tuple[FitResult, tuple[_Joint, np.ndarray]]:
    """The multi-group fit of `prepared` with the classes `equal` held equal, and its solution.

    `warm`, the solution of a fit of the same `prepared` data, gives the semopy models and the start
    values: nested invariance steps then need fewer iterations (`analysis.invariance`).

    Examples
    --------
    >>> configural, warm = fit_prepared(prepared, (), text)  # doctest: +SKIP
    >>> metric, _ = fit_prepared(prepared, ("loadings",), text, warm)  # doctest: +SKIP
    """
    table, labels = prepared.table, prepared.labels
    # As analysis.fit: small matrices, so multithreaded BLAS costs more than it saves.
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("always")
        joint = _joint(table, prepared.sample, labels, equal, warm)
        x, converged, iterations = _optimize(joint)
        vcov = engine.invert_information(joint.information(x), joint.names.__getitem__)
        parts = [_estimation(g, x, converged, iterations) for g in joint.groups]
        estimates = _group_estimates(joint, parts, x, vcov, table)
        fit_indices = _fit_indices(joint, x)
        notes = [str(w.message) for w in caught]
    negative = estimates[(estimates.op == "~~") & (estimates.est < 0)]
    for number, part in enumerate(joint.groups, start=1):
        notes += [f"{note} in group {part.label!r}" for note in _improper(negative[negative.group == number])]
    for note in notes:
        warnings.warn(note, ImproperSolutionWarning if "improper" in note else ConvergenceWarning, stacklevel=3)
    result = FitResult(
        estimates=estimates,
        fit_indices=fit_indices,
        model=model,
        estimator="ML",
        converged=converged,
        iterations=iterations,
        warnings=tuple(notes),
        reverse_coded=prepared.recoded,
        dropped=prepared.dropped,
        data=prepared.sample,
        measurement=_measurement(table),
        sample_cov=_stacked({g.label: pd.DataFrame(g.cov, index=joint.observed, columns=joint.observed)
                             for g in joint.groups}, labels.name),
        latent_cov=_stacked({g.label: est.latent_cov() for g, est in zip(joint.groups, parts, strict=True)},
                            labels.name),
        groups=labels,
    )  # fmt: skip
    return result, (joint, x)


def _check_options(estimator: str, missing: str, bootstrap: int) -> None:
    if estimator != "ML" or missing != "listwise" or bootstrap:
        raise ValueError(
            "multi-group models are estimated by ML on complete rows with normal-theory standard errors: use "
            "estimator='ML', missing='listwise' and no bootstrap with group="
        )


def _group_equal(group_equal: Iterable[str] | str) -> tuple[str, ...]:
    """The classes of `group_equal`, validated; a single string is one class."""
    classes = (group_equal,) if isinstance(group_equal, str) else tuple(group_equal)
    for name in classes:
        if name not in GROUP_EQUAL:
            close = difflib.get_close_matches(str(name), GROUP_EQUAL, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"group_equal: {name!r} is not one of {', '.join(GROUP_EQUAL)}{hint}")
    return classes


def _check_model(table: pd.DataFrame) -> None:
    """Refuse what the multi-group likelihood does not implement, naming the model line."""
    for row in table.itertuples():
        if row.op == "~1":
            raise ModelError(
                f"line {row.line}: in multi-group models intercepts and latent means follow group_equal (as "
                f"lavaan's defaults: intercepts free, latent means 0, free in groups 2.. with equal intercepts); "
                f"remove '{row.lhs} ~ 1'"
            )
    regressions = table[table.op == "~"]
    observed = syntax.variables(table)["observed"]
    endogenous = set(regressions.lhs) | set(table.rhs[table.op == "=~"])
    for name in dict.fromkeys(regressions.rhs):
        if name in observed and name not in endogenous:
            line = regressions.line[regressions.rhs == name].iloc[0]
            raise ModelError(
                f"line {line}: observed predictor '{name}' is exogenous; lavaan would fix its moments at each "
                f"group's sample values (fixed.x), which multi-group estimation does not do: model it as a "
                f"single-indicator construct ('{name}_f =~ {name}' and '{name} ~~ 0*{name}')"
            )


def _group_sample(
    data: pd.DataFrame, observed: list[str], table: pd.DataFrame, group: str
) -> tuple[pd.DataFrame, pd.Series, int]:
    """The model's columns as floats on the rows complete on them and on `group`; each row's group; rows dropped."""
    values = _model_columns(data, observed, table)
    if group not in data.columns:
        close = difflib.get_close_matches(group, [str(c) for c in data.columns], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise DataError(f"group column '{group}' is not in the data{hint}")
    if group in observed:
        raise DataError(f"group column '{group}' is a variable of the model; group by a column outside it")
    keep = values.notna().all(axis=1) & data[group].notna()
    sample, labels = values[keep], data.loc[keep, group].rename(group)
    found = pd.unique(labels)
    if len(found) < 2:
        raise DataError(
            f"column '{group}' has {len(found)} value(s) in the rows complete on the model's variables; "
            "multi-group estimation needs at least two groups"
        )
    for label in found:
        rows = sample[(labels == label).to_numpy()]
        if len(rows) <= len(observed):
            raise DataError(
                f"group {label!r} of column '{group}' has {len(rows)} complete rows; each group needs more complete "
                f"rows than the model's {len(observed)} variables"
            )
        constant = rows.columns[rows.std() == 0]
        if len(constant):
            raise DataError(f"column '{constant[0]}' has no variance in group {label!r} of '{group}'")
    return sample, labels, len(data) - int(keep.sum())


@dataclass
class _Group:
    """One group: its sample moments, its semopy model and where its parameters sit in the joint vector."""

    label: object
    n: int
    mean: np.ndarray  # sample means, in the model's order of observed variables
    cov: np.ndarray  # sample covariances, divisor n
    model: semopy.Model  # its matrices hold this group's parameters after `moments`
    labels: list[str]  # semopy's names of the model's free parameters
    shared: np.ndarray  # joint index of each of them
    nu: np.ndarray  # joint index of each observed intercept
    alpha: np.ndarray  # joint index of the mean of each variable of the Beta space; -1: fixed to 0
    latent: list[int]  # positions of the latent variables in the Beta space
    local: np.ndarray = field(init=False)  # joint index of the model's parameters, intercepts, free latent means
    saturated: float = field(init=False)  # log|S| + p, the constant of F

    def __post_init__(self):
        self.local = np.concatenate([self.shared, self.nu, self.alpha[self.alpha >= 0]])
        self.saturated = float(np.linalg.slogdet(self.cov)[1]) + len(self.mean)

    def means(self, x: np.ndarray) -> np.ndarray:
        """alpha over the Beta space at the joint vector `x`."""
        return np.where(self.alpha >= 0, x[self.alpha], 0.0)

    def moments(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Put the joint vector `x` into this group's matrices; return mu, Sigma, M = Lambda A and A = (I - B)^-1."""
        self.model.update_matrices(x[self.shared])
        sigma, (m, a) = self.model.calc_sigma()
        return x[self.nu] + m @ self.means(x), sigma, m, a

    def mean_jacobian(self, x: np.ndarray, m: np.ndarray, a: np.ndarray) -> np.ndarray:
        """d mu / d(local parameters), p x local: a path B_ij moves mu by ``M_.i (A alpha)_j``, a loading
        Lambda_ij by ``e_i (A alpha)_j``, an intercept nu_i by ``e_i``, a latent mean alpha_i by ``M_.i``."""
        a_alpha = a @ self.means(x)
        jacobian = np.zeros((len(self.shared), len(self.mean)))  # transposed while filled
        (beta_cells, beta_at), (lambda_cells, lambda_at) = self.model.param_ranges[:2]  # cells: () when none
        if beta_at and a_alpha.any():  # with all latent means 0 (configural, metric) paths and loadings leave mu
            rows, columns = beta_cells
            np.add.at(jacobian, beta_at, (m[:, list(rows)] * a_alpha[list(columns)]).T)
        if lambda_at and a_alpha.any():
            rows, columns = lambda_cells
            np.add.at(jacobian, (lambda_at, list(rows)), a_alpha[list(columns)])
        return np.hstack([jacobian.T, np.identity(len(self.mean)), m[:, self.alpha >= 0]])


@dataclass
class _Joint:
    """The joint likelihood of all groups over one parameter vector."""

    groups: list[_Group]
    observed: list[str]
    names: list[str]  # each joint parameter as "lhs op rhs [in group ...]", for messages
    start: np.ndarray

    @property
    def n(self) -> int:
        return sum(group.n for group in self.groups)

    def objective(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """``F = sum_g (N_g/N) F_g`` and its gradient, by the chain rule from ``dF_g/dSigma = K - K (S + d d') K``
        and ``dF_g/dmu = -2 K d`` (K = Sigma^-1, d = sample mean - mu)."""
        value, gradient = 0.0, np.zeros(len(x))
        for group in self.groups:
            mu, sigma, m, a = group.moments(x)
            try:
                root = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:  # a trial step outside the positive-definite region: BFGS backs off
                return np.inf, np.full(len(x), np.inf)
            k = np.linalg.inv(sigma)
            d = group.mean - mu
            kd = k @ d
            weight = group.n / self.n
            logdet = 2 * float(np.sum(np.log(np.diag(root))))
            value += weight * (logdet + np.sum(k * group.cov) + d @ kd - group.saturated)
            c = k - k @ (group.cov + np.outer(d, d)) @ k
            local = -2 * group.mean_jacobian(x, m, a).T @ kd
            local[: len(group.shared)] += engine.sigma_gradient(group.model, c, len(group.shared))
            np.add.at(gradient, group.local, weight * local)
        return value, gradient

    def information(self, x: np.ndarray) -> np.ndarray:
        """Expected information of the N observations (lavaan's default for ML, h1 structured):
        ``sum_g N_g (Dmu' K Dmu + 1/2 tr(K dSigma_a K dSigma_b))``, dSigma from semopy."""
        info = np.zeros((len(x), len(x)))
        for group in self.groups:
            _, sigma, m, a = group.moments(x)
            k = np.linalg.inv(sigma)
            d_sigma = np.zeros((len(group.local), *sigma.shape))
            with engine._quiet_semopy():
                d_sigma[: len(group.shared)] = np.array(group.model.calc_sigma_grad(m, a)).reshape(-1, *sigma.shape)
            d_mu = group.mean_jacobian(x, m, a)
            flat = d_sigma.reshape(len(d_sigma), -1)  # tr(K dS_a K dS_b) = vec(K dS_a K) . vec(dS_b), dS symmetric
            local = d_mu.T @ k @ d_mu + 0.5 * (k @ d_sigma @ k).reshape(len(d_sigma), -1) @ flat.T
            to_joint = np.zeros((len(group.local), len(x)))
            to_joint[np.arange(len(group.local)), group.local] = 1.0
            info += group.n * to_joint.T @ local @ to_joint
        return info


class _Source(NamedTuple):
    """One group's moments, semopy model and start values, for `_joint`."""

    label: object
    n: int
    mean: np.ndarray
    cov: np.ndarray
    model: semopy.Model
    start: np.ndarray  # of the model's free parameters
    start_nu: np.ndarray
    start_alpha: np.ndarray  # over the Beta space


def _sources(
    table: pd.DataFrame, sample: pd.DataFrame, labels: pd.Series, warm: tuple[_Joint, np.ndarray] | None
) -> list[_Source]:
    """Per group, a semopy model loaded with the group's rows and semopy's start values (intercepts at the
    group means, latent means at 0); or, `warm`, the models and solution of an earlier fit."""
    if warm is not None:
        joint, x = warm
        return [_Source(g.label, g.n, g.mean, g.cov, g.model, x[g.shared], x[g.nu], g.means(x)) for g in joint.groups]
    text = _semopy_syntax(table)
    out = []
    for label in pd.unique(labels):
        model = engine.build(text)
        observed = list(model.vars["observed"])
        frame = sample.loc[(labels == label).to_numpy(), observed]
        with engine._quiet_semopy():
            model.load(data=frame)
        values = frame.to_numpy()
        mean = values.mean(axis=0)
        cov = (values - mean).T @ (values - mean) / len(values)
        out.append(
            _Source(label, len(values), mean, cov, model, model.param_vals, mean, np.zeros(len(model.names_beta[0])))
        )
    return out


def _joint(
    table: pd.DataFrame,
    sample: pd.DataFrame,
    labels: pd.Series,
    equal: tuple[str, ...],
    warm: tuple[_Joint, np.ndarray] | None = None,
) -> _Joint:
    """One semopy model per group and the joint parameter vector, shared where labels or `equal` say so.

    A shared parameter starts at the mean of its groups' start values (see `_sources`).
    """
    latent = syntax.variables(table)["latent"]
    keys: dict[tuple, int] = {}
    names: list[str] = []
    starts: list[list[float]] = []

    def index(key: tuple, start: float, name: str) -> int:
        if key not in keys:
            keys[key] = len(keys)
            names.append(name)
            starts.append([])
        starts[keys[key]].append(start)
        return keys[key]

    groups = []
    for number, source in enumerate(_sources(table, sample, labels, warm)):
        model, where = source.model, f" in group {source.label!r}"
        observed, beta = list(model.vars["observed"]), model.names_beta[0]
        free = [name for name, parameter in model.parameters.items() if parameter.active]
        shared = [
            index(_key(name, kind, number, equal), start, relation + where)
            for name, start, (kind, relation) in zip(free, source.start, _classes(model, latent), strict=True)
        ]
        nu = [index(("intercepts", v) if "intercepts" in equal else (number, v, "~1"), start, f"{v} ~1{where}")
              for v, start in zip(observed, source.start_nu, strict=True)]  # fmt: skip
        # lavaan: latent means are 0, free in groups 2.. once the intercepts are equal (unless the means are too)
        free_means = number > 0 and "intercepts" in equal and "means" not in equal
        alpha = [index((number, v, "~1"), start, f"{v} ~1{where}") if free_means and v in latent else -1
                 for v, start in zip(beta, source.start_alpha, strict=True)]  # fmt: skip
        groups.append(
            _Group(source.label, source.n, source.mean, source.cov, model, free, np.array(shared, dtype=int),
                   np.array(nu, dtype=int), np.array(alpha, dtype=int), [k for k, v in enumerate(beta) if v in latent])
        )  # fmt: skip
    _check_identified(len(groups), len(keys), observed)
    return _Joint(groups, observed, names, np.array([np.mean(values) for values in starts]))


def _classes(model: semopy.Model, latent: list[str]) -> list[tuple[str, str]]:
    """(group_equal class, "lhs op rhs") of each free parameter of a semopy model, from its first cell."""
    out = []
    for parameter in model.parameters.values():
        if not parameter.active:
            continue
        location = parameter.locations[0]
        kind = next(k for k, m in zip(engine.MATRICES, model.matrices, strict=False) if m is location.matrix)
        lhs, op, rhs = engine._relation(model, kind, *location.indices)
        if op == "=~":
            group_class = "loadings"
        elif op == "~":
            group_class = "regressions"
        elif lhs in latent and rhs in latent:
            group_class = "lv.variances" if lhs == rhs else "lv.covariances"
        else:
            group_class = "residuals" if lhs == rhs else "residual.covariances"
        out.append((group_class, f"{lhs} {op} {rhs}"))
    return out


def _key(name: str, group_class: str, number: int, equal: tuple[str, ...]) -> tuple:
    """Identity of a parameter in the joint vector: its label, its class when held equal, else its group."""
    if not name.startswith("_"):  # a user's label (semopy names the others _b1, _c2, ...): one value everywhere
        return ("label", name)
    return (group_class, name) if group_class in equal else (number, name)


def _check_identified(groups: int, npar: int, observed: list[str]) -> None:
    p = len(observed)
    moments = groups * (p * (p + 1) // 2 + p)
    if npar > moments:
        raise ModelError(
            f"the model is not identified: it has {npar} free parameters but the {groups} groups give only "
            f"{moments} means, variances and covariances of its {p} observed variables (df = {moments - npar})"
        )


def _optimize(joint: _Joint) -> tuple[np.ndarray, bool, int]:
    """Minimise F; a ConvergenceWarning when the gradient stays above `engine.GRADIENT_TOLERANCE`.

    Limited-memory BFGS first: with one parameter vector for all groups (300 and more parameters)
    `engine.estimate`'s BFGS spends more on its dense n x n update than on the likelihood. L-BFGS-B
    takes as many iterations and, stopped at a gradient of 1e-9 or a relative change of F below
    1e-14, lands within 5e-7 of the optimum BFGS reaches at a gradient of 1e-12 (HS by school, the
    Social IMP model). Its line search cannot step back from the infinite F outside the
    positive-definite region: when it stops there it restarts with a fresh memory, and when a
    restart makes no progress (near a Heywood case, say) BFGS, whose line search can, takes over.
    """
    x, value, iterations = joint.start, np.inf, 0
    with engine._quiet_semopy():
        for _ in range(RESTARTS):
            result = minimize(joint.objective, x, jac=True, method="L-BFGS-B", options=LIMITED_MEMORY)
            progress = result.fun < value
            x, value, iterations, gradient = result.x, result.fun, iterations + result.nit, _gradient(joint, result)
            if gradient < engine.GRADIENT_TOLERANCE or not progress:
                break
        if gradient >= engine.GRADIENT_TOLERANCE:
            result = minimize(joint.objective, x, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 20_000})
            x, value, iterations, gradient = result.x, result.fun, iterations + result.nit, _gradient(joint, result)
    converged = bool(np.isfinite(value) and gradient < engine.GRADIENT_TOLERANCE)
    if not converged:
        warnings.warn(
            f"the optimizer did not converge ({result.message.lower()}; largest gradient {gradient:.2g}); "
            "estimates are not trustworthy",
            ConvergenceWarning,
            stacklevel=3,
        )
    return x, converged, int(iterations)


def _gradient(joint: _Joint, result) -> float:
    """Largest absolute gradient at an optimizer's result (inf where F is)."""
    return float(np.abs(joint.objective(result.x)[1]).max()) if np.isfinite(result.fun) else np.inf


def _estimation(group: _Group, x: np.ndarray, converged: bool, iterations: int) -> engine.Estimation:
    """The group's model at the joint optimum, in the form `analysis.fit` uses for a single-group fit."""
    group.moments(x)
    return engine.Estimation(
        model=group.model,
        params=x[group.shared],
        labels=group.labels,
        observed=list(group.model.vars["observed"]),
        sample_cov=group.cov,
        n=group.n,
        converged=converged,
        iterations=iterations,
        message="",
    )


def _group_estimates(
    joint: _Joint, parts: list[engine.Estimation], x: np.ndarray, vcov: np.ndarray, table: pd.DataFrame
) -> pd.DataFrame:
    """lavaan's parameterEstimates(fit, standardized = TRUE) of a multi-group fit: the groups' rows in turn
    (``group`` 1, 2, ...), each with its ``~1`` rows, then the ``:=`` rows (``group`` 0)."""
    frames = []
    for number, (group, est) in enumerate(zip(joint.groups, parts, strict=True), start=1):
        own = table if number == 1 else table[table.op != syntax.DEFINE]  # defined parameters once, as lavaan
        local = vcov[np.ix_(group.shared, group.shared)]
        frame = _estimates(est, own, vcov=local, intercepts=_intercepts(group, est, x, vcov))
        frame.insert(3, "group", np.where(frame.op == syntax.DEFINE, 0, number))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return pd.concat([out[out.group > 0], out[out.group == 0]], ignore_index=True)


def _intercepts(group: _Group, est: engine.Estimation, x: np.ndarray, vcov: np.ndarray) -> pd.DataFrame:
    """``~1`` rows of one group: observed intercepts, then latent means; std_all divides by the implied SD."""
    names = group.model.names_beta[0]
    at = np.concatenate([group.nu, group.alpha[group.latent]])
    value = np.concatenate([x[group.nu], group.means(x)[group.latent]])
    variances = np.concatenate([np.diag(est.implied_cov), np.diag(est.latent_cov())[group.latent]])
    return pd.DataFrame(
        {"lhs": [*est.observed, *(names[k] for k in group.latent)], "op": "~1", "rhs": "", "label": "",
         "est": value, "se": np.where(at >= 0, np.sqrt(np.clip(np.diag(vcov)[at], 0, None)), 0.0),
         "std_all": value / np.sqrt(variances), "index": -1}
    )  # fmt: skip


def _fit_indices(joint: _Joint, x: np.ndarray) -> pd.Series:
    """lavaan's fitMeasures of a multi-group ML fit (see the module docstring)."""
    chisq = loglik = baseline = srmr = 0.0
    for group in joint.groups:
        mu, sigma, _, _ = group.moments(x)
        d = group.mean - mu
        mean_misfit = float(d @ np.linalg.solve(sigma, d))
        chisq += group.n * (indices.ml_discrepancy(group.cov, sigma) + mean_misfit)
        loglik += indices.loglik(group.cov, sigma, group.n) - group.n / 2 * mean_misfit
        baseline += group.n * indices.ml_discrepancy(group.cov, np.diag(np.diag(group.cov)))
        srmr += group.n / joint.n * indices.srmr(group.cov, sigma, group.mean, mu)
    p, g = len(joint.observed), len(joint.groups)
    out = indices.assemble(
        chisq=chisq,
        df=g * (p * (p + 1) // 2 + p) - len(x),
        baseline_chisq=baseline,
        baseline_df=g * p * (p - 1) // 2,
        n=joint.n,
        loglik=loglik,
        npar=len(x),
        srmr=srmr,
    )
    # lavaan: lav_fit_rmsea() and lav_fit_rmsea_ci() multiply by sqrt(G) for G groups
    out[["rmsea", "rmsea_ci_lower", "rmsea_ci_upper"]] *= np.sqrt(g)
    return out


def _stacked(frames: dict, name: str) -> pd.DataFrame:
    """Per-group square frames stacked into one, the group label as the outer row index."""
    return pd.concat(frames, names=[name, None])
