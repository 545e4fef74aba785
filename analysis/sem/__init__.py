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

from ..errors import ModelError
from . import estimates, estimator, inference, partable, samplestats, teststat
from .fitmeasures import fit_measures
from .model import Model, assemble

ESTIMATORS = ("ML", "MLR", "MLM")
INFORMATION = ("expected", "observed", "first.order")
GROUP_EQUAL = partable.GROUP_EQUAL


@dataclass(frozen=True)
class Settings:
    """lavaan's options, each an independent axis."""

    estimator: str = "ML"
    missing: str = "listwise"  # or "fiml"
    information: str | None = None  # None: lavaan's default for the estimator and missing mode
    std_lv: bool = False
    orthogonal: bool = False
    fixed_x: bool = True
    meanstructure: bool | None = None  # None: lavaan's rule (~1 lines, FIML or groups)
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()

    def __post_init__(self):
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {self.estimator!r}")
        if self.information is not None and self.information not in INFORMATION:
            raise ValueError(f"information must be one of {', '.join(INFORMATION)}, not {self.information!r}")
        if self.estimator == "MLM" and self.missing == "fiml":
            raise ValueError("estimator='MLM' (Satorra-Bentler) needs complete data, as lavaan: use 'MLR' with "
                             "missing='fiml'")  # fmt: skip

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


def meanstructure(parsed: pd.DataFrame, settings: Settings, ngroups: int) -> bool:
    """lavaan's rule: a mean structure when asked, when the model has ``~ 1`` lines, under FIML or with groups."""
    if settings.meanstructure is not None:
        return bool(settings.meanstructure)
    return bool((parsed.op == "~1").any() or settings.missing == "fiml" or ngroups > 1)


def prepare(parsed: pd.DataFrame, groups: list[np.ndarray], settings: Settings, labels=None) -> Model:
    """The model of `parsed` on the groups' rows (model order of `partable.names`), ready to estimate."""
    means = meanstructure(parsed, settings, len(groups))
    options = partable.Options(len(groups), means, settings.std_lv, settings.orthogonal, settings.fixed_x,
                               tuple(settings.group_equal), tuple(settings.group_partial))  # fmt: skip
    table = partable.build(parsed, options)
    names = partable.names(parsed, settings.fixed_x)
    labels = labels if labels is not None else [None] * len(groups)
    make = samplestats.incomplete if settings.missing == "fiml" else samplestats.complete
    samples = [make(values, label) for values, label in zip(groups, labels, strict=True)]
    model = assemble(table, names, samples, means)
    _check_identified(model)
    return model


def fit_model(model: Model, settings: Settings, start: np.ndarray | None = None) -> Fit:
    """Estimate `model` under `settings`: estimates, their covariance matrix, the test and the fit measures.

    Examples
    --------
    >>> result = fit_model(prepare(parsed, [values], Settings()), Settings())  # doctest: +SKIP
    """
    solution = estimator.optimize(model, *_start(model, start))
    x = solution.x
    vcov, trace_h0 = _inference(model, x, settings)
    test = teststat.test(model, x, estimator_name=settings.estimator, trace_h0=trace_h0)
    indices = fit_measures(model, x, test)
    return Fit(model, settings, solution, vcov, test, indices, estimates.table(model, x, vcov))


def _start(model: Model, start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Start values and, for complete data, the inverse expected information there, which preconditions the
    optimizer (2-4x fewer steps; under FIML the observed information would cost more than it saves)."""
    x = estimator.start_values(model) if start is None else start
    if model.fiml:
        return x, None
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
