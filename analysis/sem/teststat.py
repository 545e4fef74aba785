"""The model test: chi-square against the saturated model, the baseline, and the scaling of robust tests.

lavaan's ``lav_test``: ``chisq = 2 (logL_H1 - logL)`` (N F for complete data), df = moments minus
free parameters plus the rank of the equality constraints (inequalities are ignored, as lavaan);
under fixed.x the covariates' moments count neither in df nor in the log-likelihoods (lavaan
subtracts their marginal log-likelihood). Robust tests divide by ``c = (tr(A1^-1 B1) - tr(A0^-1 B0)) / df``
(`analysis.sem.inference`): Satorra-Bentler for MLM (expected A0, B0 from Gamma) and Yuan-Bentler's
Mplus variant for MLR (observed A0, casewise first-order B0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import estimator
from .inference import baseline_trace, h1_trace
from .model import Model
from .samplestats import independence_loglik, saturated_loglik

NAMES = {"ML": "standard", "MLM": "satorra.bentler", "MLR": "yuan.bentler.mplus"}


@dataclass(frozen=True)
class Test:
    """One fit's test statistic and what the fit measures build on it."""

    name: str
    chisq: float
    df: int
    npar: int
    loglik: float
    h1_loglik: float
    baseline_chisq: float
    baseline_df: int
    scaling: float | None = None  # c; None for the standard test
    baseline_scaling: float | None = None
    shift: float = 0.0  # scaled.shifted (WLSMV): chisq_scaled = chisq / c + shift
    baseline_shift: float = 0.0


def test(model: Model, x: np.ndarray, *, estimator_name: str = "ML", trace_h0: float | None = None) -> Test:
    """The test of the model at its estimates `x`; with `trace_h0` (tr(A0^-1 B0)) the robust scaling too.

    Examples
    --------
    >>> test(model, solution.x).chisq  # doctest: +SKIP
    """
    rank = model.equality_rank(x)
    exo = _exogenous_loglik(model)
    h1 = sum(sample.h1_loglik for sample in model.samples) - exo
    value = estimator.objective(model, x)[0]
    loglik = -model.n * value / 2 - exo if model.fiml else h1 - model.n * value / 2
    df = moments(model) - model.npar + rank
    baseline = _baseline_loglik(model) - exo
    baseline_df = _baseline_df(model)
    out = Test(NAMES[estimator_name], 2 * (h1 - loglik), int(df), model.npar - rank, loglik, h1,
               2 * (h1 - baseline), baseline_df)  # fmt: skip
    if trace_h0 is None:
        return out
    structured = estimator_name == "MLM"  # Satorra-Bentler: W at each model's own Sigma, the baseline's included
    trace_h1 = h1_trace(model, [mats.implied(x).sigma for mats in model.matrices] if structured else None)
    scaling = (trace_h1 - trace_h0) / df if df > 0 else np.nan
    baseline_h1 = h1_trace(model, [_baseline_sigma(model, s) for s in model.samples]) if structured else trace_h1
    baseline_scaling = (baseline_h1 - baseline_trace(model)) / baseline_df
    return Test(**{**out.__dict__, "scaling": scaling, "baseline_scaling": baseline_scaling})


def _baseline_sigma(model: Model, sample) -> np.ndarray:
    """The independence model's Sigma: the outcomes' variances, the covariates' block as in the sample."""
    covariates = [k for k, name in enumerate(model.names.observed) if name in set(model.names.covariates)]
    sigma = np.diag(np.diag(sample.cov))
    sigma[np.ix_(covariates, covariates)] = sample.cov[np.ix_(covariates, covariates)]
    return sigma


def _split(model: Model) -> tuple[int, int]:
    """(observed variables, of which fixed.x covariates)."""
    return len(model.names.observed), len(model.names.exogenous)


def moments(model: Model) -> int:
    """Sample moments the model reproduces: covariances (and means), less the covariates' fixed ones."""
    p, px = _split(model)
    if model.samples[0].ordinal is not None:  # thresholds and polychorics (`analysis.sem.wls`)
        return sum(len(sample.ordinal.vector) for sample in model.samples)
    means = model.meanstructure or model.fiml
    per_group = p * (p + 1) // 2 - px * (px + 1) // 2 + ((p - px) if means else 0)
    return len(model.samples) * per_group


def _baseline_df(model: Model) -> int:
    """Covariances the independence model leaves out: among the outcomes, and between outcomes and covariates
    (whose own block it keeps, fixed.x or not, as lavaan)."""
    p, px = len(model.names.observed), len(model.names.covariates)
    py = p - px
    return len(model.samples) * (py * (py - 1) // 2 + px * py)


def _exogenous_loglik(model: Model) -> float:
    """The covariates' own (marginal) log-likelihood, which fixed.x leaves out of every log-likelihood."""
    return _block_loglik(model, model.names.exogenous)


def _block_loglik(model: Model, names: list[str]) -> float:
    """Saturated log-likelihood of the variables `names` on their own, summed over groups (0 for none)."""
    columns = [k for k, name in enumerate(model.names.observed) if name in set(names)]
    if not columns:
        return 0.0
    return sum(saturated_loglik(sample.cov[np.ix_(columns, columns)], sample.n) for sample in model.samples)


def _baseline_loglik(model: Model) -> float:
    """Log-likelihood of the independence model: outcomes independent, the covariates' block at its sample value."""
    covariates = [k for k, name in enumerate(model.names.observed) if name in set(model.names.covariates)]
    outcomes = np.array([k for k in range(len(model.names.observed)) if k not in covariates])
    block = (
        sum(saturated_loglik(s.cov[np.ix_(covariates, covariates)], s.n) for s in model.samples) if covariates else 0
    )
    return sum(independence_loglik(sample, outcomes) for sample in model.samples) + block
