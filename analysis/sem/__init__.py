"""The SEM core, in lavaan's stages: parameter table, model matrices, sample statistics, estimation, inference,
test and fit measures, estimates. It knows nothing of the Social IMP instrument; `analysis.fit` calls it.

One path for every option: a single group is one group, complete data is FIML's special case of
one pattern, and ML is its robust variants without the correction (``estimator`` only chooses the
information, the standard errors and the test).

Examples
--------
>>> from analysis import syntax
>>> from analysis.sem import Settings, fit_model
>>> result = fit_model(syntax.parse("f =~ x1 + x2 + x3"), [values])  # doctest: +SKIP
>>> result.fit_indices["chisq"]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import DataError, ModelError
from . import estimates, estimator, inference, partable, samplestats, teststat, wls
from .fitmeasures import fit_measures
from .model import Model, assemble

ESTIMATORS = ("ML", "MLR", "MLM", *wls.ESTIMATORS)
INFORMATION = ("expected", "observed", "first.order")
GROUP_EQUAL = partable.GROUP_EQUAL
ORDINAL_GROUP_EQUAL = ("thresholds", "loadings")  # the classes pinned to lavaan for ordinal items
# lavaan's own defaults, or semTools' measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"): with thresholds
# equal, the items' intercepts and scales are free in groups 2.. (not the latent means); with loadings equal, the
# latent variances are
IDENTIFICATION = ("lavaan", "Wu.Estabrook.2016")
PARAMETERIZATIONS = ("delta", "theta")  # of ordinal items, as lavaan's parameterization =


@dataclass(frozen=True)
class Settings:
    """lavaan's options, each an independent axis."""

    estimator: str = "ML"
    missing: str = "listwise"  # or "fiml", or "pairwise" (ordinal items)
    information: str | None = None  # None: lavaan's default for the estimator and missing mode
    std_lv: bool = False
    orthogonal: bool = False
    fixed_x: bool = True
    meanstructure: bool | None = None  # None: lavaan's rule (~1 lines, FIML or groups)
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    ordered: tuple[str, ...] = ()  # ordinal items (lavaan's ordered =): thresholds and polychorics, fitted by DWLS
    parameterization: str = "delta"
    identification: str = "lavaan"  # or "Wu.Estabrook.2016" (ordinal items across groups, `IDENTIFICATION`)

    def __post_init__(self):
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {self.estimator!r}")
        _check_ordinal(self)
        if self.information is not None and self.information not in INFORMATION:
            raise ValueError(f"information must be one of {', '.join(INFORMATION)}, not {self.information!r}")
        if self.estimator == "MLM" and self.missing == "fiml":
            raise ValueError("estimator='MLM' (Satorra-Bentler) needs complete data, as lavaan: use 'MLR' with "
                             "missing='fiml'")  # fmt: skip

    @property
    def ordinal(self) -> bool:
        return bool(self.ordered)

    @property
    def information_type(self) -> str:
        """lavaan's default: expected for ML and MLM on complete data, observed under FIML and for MLR."""
        if self.information is not None:
            return self.information
        return "observed" if self.missing == "fiml" or self.estimator == "MLR" else "expected"


@dataclass(frozen=True, eq=False)
class Fit:
    """A fitted model: the model, its estimates and what inference and the fit measures made of them."""

    model: Model
    settings: Settings
    solution: estimator.Solution
    vcov: np.ndarray
    test: teststat.Test
    fit_indices: pd.Series
    estimates: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def x(self) -> np.ndarray:
        return self.solution.x

    @cached_property
    def implied(self):
        return [mats.implied(self.x) for mats in self.model.matrices]

    def latent_cov(self, group: int = 0) -> pd.DataFrame:
        """Model-implied covariances of the latent variables of one group (0-based)."""
        mats, implied = self.model.matrices[group], self.implied[group]
        names = self.model.names.latent
        at = [mats.variables.index(name) for name in names]
        return pd.DataFrame(implied.total_cov[np.ix_(at, at)], index=names, columns=names)

    def sample_cov(self, group: int = 0) -> pd.DataFrame:
        names = self.model.names.observed
        return pd.DataFrame(self.model.samples[group].cov, index=names, columns=names)


def _check_ordinal(settings: Settings) -> None:
    """The options an ordinal fit (and only an ordinal fit) takes; what is not yet handled is refused by name."""
    weighted = settings.estimator in wls.ESTIMATORS
    if weighted and not settings.ordered:
        raise ValueError(f"estimator={settings.estimator!r} fits ordinal items: name them with ordered=")
    if settings.ordered and not weighted:
        raise ValueError(f"ordered= items need estimator='WLSMV' (or 'DWLS', 'ULSMV'), not {settings.estimator!r}")
    if settings.identification not in IDENTIFICATION:
        raise ValueError(f"identification must be one of {', '.join(IDENTIFICATION)}, not {settings.identification!r}")
    if settings.identification != "lavaan" and not (settings.ordered and settings.std_lv):
        raise ValueError(f"identification={settings.identification!r} is for ordered= items with std_lv=True "
                         "(semTools' ID.fac = 'std.lv')")  # fmt: skip
    if settings.identification != "lavaan" and "thresholds" not in settings.group_equal and settings.group_equal:
        raise ValueError(f"identification={settings.identification!r} holds thresholds equal before loadings: its "
                         "steps are configural, thresholds, thresholds and loadings")  # fmt: skip
    if not settings.ordered:
        if settings.parameterization != "delta":
            raise ValueError(f"parameterization={settings.parameterization!r} is for ordered= items")
        if settings.missing == "pairwise":
            raise ValueError("missing='pairwise' is for ordered= items; continuous ones take 'listwise' or 'fiml'")
        return
    if settings.parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {', '.join(PARAMETERIZATIONS)}, not "
                         f"{settings.parameterization!r}")  # fmt: skip
    if settings.missing == "fiml":
        raise ValueError("missing='fiml' is not supported with ordered= items: use 'listwise' or 'pairwise'")
    if settings.information is not None:
        raise ValueError("information= does not apply to ordinal fits (their standard errors are DWLS's)")
    if settings.meanstructure is not None:
        raise ValueError("meanstructure= does not apply to ordinal fits (lavaan's thresholds and fixed intercepts)")
    unpinned = [name for name in settings.group_equal if name not in ORDINAL_GROUP_EQUAL]
    if unpinned:
        raise ValueError(f"group_equal: {unpinned[0]!r} is not supported with ordered= items (only "
                         f"{', '.join(map(repr, ORDINAL_GROUP_EQUAL))} are)")  # fmt: skip
    if settings.group_partial:
        raise ValueError("group_partial= is not supported with ordered= items")


def meanstructure(parsed: pd.DataFrame, settings: Settings, ngroups: int) -> bool:
    """lavaan's rule: a mean structure when asked, when the model has ``~ 1`` lines, under FIML, with groups or
    with ordinal items."""
    if settings.meanstructure is not None:
        return bool(settings.meanstructure)
    return bool((parsed.op == "~1").any() or settings.missing == "fiml" or ngroups > 1 or settings.ordered)


def prepare(parsed: pd.DataFrame, groups: list[np.ndarray], settings: Settings, labels=None) -> Model:
    """The model of `parsed` on the groups' rows (model order of `partable.names`), ready to estimate."""
    means = meanstructure(parsed, settings, len(groups))
    names = partable.names(parsed, settings.fixed_x)
    labels = labels if labels is not None else [None] * len(groups)
    if settings.ordinal:
        _check_ordinal_model(names, settings)
        numeric = [name not in settings.ordered for name in names.observed]
        _check_continuous_complete(names, numeric, groups)
        samples = [samplestats.ordinal(values, label, settings.estimator == "ULSMV", numeric)
                   for values, label in zip(groups, labels, strict=True)]  # fmt: skip
        thresholds = _thresholds(names, samples, labels, settings)
    else:
        make = samplestats.incomplete if settings.missing == "fiml" else samplestats.complete
        samples = [make(values, label) for values, label in zip(groups, labels, strict=True)]
        thresholds = ()
    options = partable.Options(len(groups), means, settings.std_lv, settings.orthogonal, settings.fixed_x,
                               tuple(settings.group_equal), tuple(settings.group_partial), thresholds,
                               settings.identification == "Wu.Estabrook.2016",
                               settings.parameterization == "theta")  # fmt: skip
    table = partable.build(parsed, options)
    model = assemble(table, names, samples, means, settings.parameterization == "theta")
    if settings.ordinal:
        wls.check(model)
    _check_identified(model)
    return model


def _thresholds(names: partable.Names, samples: list, labels: list, settings: Settings) -> tuple[tuple[str, int], ...]:
    """(item, number of thresholds), the same in every group: a category no one in a group chose is refused."""
    counts = [tuple(len(t) for t in sample.ordinal.thresholds) for sample in samples]
    for label, own in zip(labels[1:], counts[1:], strict=True):
        if own != counts[0]:
            k = next(k for k, (a, b) in enumerate(zip(counts[0], own, strict=True)) if a != b)
            raise DataError(
                f"item '{names.observed[k]}' has {own[k] + 1} categories in group {label!r} but {counts[0][k] + 1} "
                f"in group {labels[0]!r}: an empty category is not supported"
            )
    binary = [name for name, count in zip(names.observed, counts[0], strict=True) if count == 1]
    if binary and settings.identification == "Wu.Estabrook.2016" and "thresholds" in settings.group_equal:
        raise ModelError(f"item '{binary[0]}' has two categories: Wu & Estabrook's identification of equal "
                         "thresholds is supported for items of three or more categories only")  # fmt: skip
    return tuple(
        (name, count) for name, count in zip(names.observed, counts[0], strict=True) if name in settings.ordered
    )


def _check_ordinal_model(names: partable.Names, settings: Settings) -> None:
    """A continuous variable beside ordinal ones (polyserial correlations) as pinned to lavaan: an endogenous
    variable, lavaan's identification across groups."""
    continuous = [name for name in names.observed if name not in settings.ordered]
    covariates = [name for name in continuous if name in names.covariates]
    if covariates:
        raise ModelError(
            f"'{covariates[0]}' is a continuous covariate of ordinal items: lavaan's conditional.x thresholds and "
            "slopes are not supported; name it in ordered= or let it depend on the model's factors"
        )
    if continuous and settings.identification != "lavaan":
        raise ModelError(
            f"'{continuous[0]}' is a continuous variable beside ordinal ones: not supported with "
            f"identification={settings.identification!r} (semTools' measEq.syntax for it is not reproduced)"
        )


def _check_continuous_complete(names: partable.Names, numeric: list[bool], groups: list[np.ndarray]) -> None:
    """Under missing="pairwise" a continuous variable needs complete values: lavaan's pairwise estimates with its
    gaps (a bivariate normal likelihood per pair) are not reproduced."""
    for name, continuous, column in zip(names.observed, numeric, np.vstack(groups).T, strict=True):
        if continuous and np.isnan(column).any():
            raise DataError(f"column '{name}' is continuous and has missing values: with missing='pairwise' it "
                            "needs complete values beside ordinal items; use missing='listwise'")  # fmt: skip


def fit_model(model: Model, settings: Settings, start: np.ndarray | None = None) -> Fit:
    """Estimate `model` under `settings`: estimates, their covariance matrix, the test and the fit measures.

    Examples
    --------
    >>> result = fit_model(prepare(parsed, [values], Settings()), Settings())  # doctest: +SKIP
    """
    solution = _optimize(model, start)
    x = solution.x
    if settings.ordinal:
        vcov, test = wls.vcov(model, x, settings.estimator), wls.test(model, x, settings.estimator)
        indices = wls.fit_measures(model, x, test, settings.estimator)
    else:
        vcov, trace_h0 = _inference(model, x, settings)
        test = teststat.test(model, x, estimator_name=settings.estimator, trace_h0=trace_h0)
        indices = fit_measures(model, x, test)
    return Fit(model, settings, solution, vcov, test, indices, estimates.table(model, x, vcov))


def _optimize(model: Model, start: np.ndarray | None) -> estimator.Solution:
    """The optimum: for ordinal items Gauss-Newton first (`wls.gauss_newton`), quasi-Newton if it fails."""
    x, hessian = _start(model, start)
    if model.samples[0].ordinal is not None and not len(model.constraints):
        found, converged, steps = wls.gauss_newton(model, x)
        if converged:
            gradient = float(np.abs(estimator.objective(model, found)[1]).max())
            return estimator.Solution(found, True, steps, gradient, "Gauss-Newton steps below 1e-10")
    return estimator.optimize(model, x, hessian)


def _start(model: Model, start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Start values and, for complete data, the inverse expected information there, which preconditions the
    optimizer (2-4x fewer steps; under FIML the observed information would cost more than it saves)."""
    x = estimator.start_values(model) if start is None else start
    if model.fiml:
        return x, None
    if model.samples[0].ordinal is not None:
        return x, wls.inverse_hessian(model, x)
    try:
        return x, inference.inverse_hessian(model, x)
    except np.linalg.LinAlgError:  # start values where Sigma or I - B is singular
        return x, None


def _inference(model: Model, x: np.ndarray, settings: Settings) -> tuple[np.ndarray, float | None]:
    """Covariance of the estimates and, for a robust estimator, tr(A0^-1 B0) of its scaled test."""
    kind = settings.information_type
    if kind == "expected":
        info = inference.expected_information(model, x)
    elif kind == "observed":
        info = inference.observed_information(model, x)
    else:
        info = inference.first_order(model, x)
    inverse = inference.constrained_inverse(model, x, info)
    if settings.estimator == "ML":
        return inverse, None
    # MLR: Huber-White with casewise scores at the model; MLM: lavaan's robust.sem, B from Gamma (scores at the sample)
    b0 = inference.first_order(model, x, centre="model" if settings.estimator == "MLR" else "sample")
    return inverse @ b0 @ inverse, float(np.sum(inverse * b0))


def _check_identified(model: Model) -> None:
    p, px = len(model.names.observed), len(model.names.exogenous)
    means = model.meanstructure or model.fiml
    moments = teststat.moments(model)
    rank = len(model.constraints[model.constraints.op == "=="])
    if model.npar - rank > moments:
        raise ModelError(
            f"the model is not identified: it has {model.npar - rank} free parameters but the data give only "
            f"{moments} {'means, ' if means else ''}variances and covariances of its {p - px} modelled observed "
            f"variables (df = {moments - model.npar + rank})"
        )
