"""Diagonally weighted least squares on (thresholds, polychorics): lavaan's DWLS, WLSMV and ULSMV for ordinal items.

The statistics ``s`` are each group's thresholds and polychoric correlations
(`analysis.sem.polychoric`), the model's ``sigma(x)`` its standardized thresholds and the
off-diagonal of its implied correlation matrix (delta or theta parameterization,
`analysis.sem.matrices`); a continuous variable adds its mean and variance and keeps its
covariances unscaled (`implied_vector`). The discrepancy is ``F = sum_g (N_g - 1) / (N - G) (s - sigma)' W (s -
sigma)`` with ``W = diag(1 / diag(Gamma))`` (DWLS, WLSMV) or ``I`` (ULSMV), and ``chisq = sum_g
(N_g - 1) F_g`` (lavaan's denominators for estimators other than ML, N - G also in the covariance
of the estimates). WLSMV and ULSMV take the sandwich standard errors (lavaan's
``robust.sem``) and the mean-and-variance adjusted test (``scaled.shifted``): with ``U = W - W D
(D'WD)^-1 D'W`` and ``D = dsigma/dx``, ``a = sqrt(df / tr((U Gamma)^2))``, ``chisq_scaled = a chisq +
df - a tr(U Gamma)``; lavaan reports ``1/a`` as the scaling factor and the rest as the shift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.linalg import block_diag, null_space
from scipy.stats import chi2

from ..errors import ModelError
from . import inference
from .fitmeasures import cfi, rmsea, rmsea_interval, tli
from .model import Model
from .teststat import Test, moments

ESTIMATORS = ("WLSMV", "DWLS", "ULSMV")
NAMES = {"WLSMV": "scaled.shifted", "ULSMV": "scaled.shifted", "DWLS": "standard"}
INDICES = ("n", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "npar",
           "ngroups", "baseline_chisq", "baseline_df")  # fmt: skip
SCALED_INDICES = ("chisq_scaled", "df_scaled", "pvalue_scaled", "scaling_factor", "shift_parameter",
                  "baseline_chisq_scaled", "baseline_df_scaled", "baseline_scaling_factor",
                  "baseline_shift_parameter", "cfi_scaled", "tli_scaled", "rmsea_scaled", "rmsea_ci_lower_scaled",
                  "rmsea_ci_upper_scaled")  # fmt: skip


def check(model: Model) -> None:
    """Refuse what the parameterizations cannot hold here: a path that leaves an ordinal item."""
    ordinal = {name for name in model.table.lhs[model.table.op == "|"]}
    leaving = model.table[((model.table.op == "~") & model.table.rhs.isin(ordinal))
                          | ((model.table.op == "=~") & model.table.lhs.isin(ordinal))]  # fmt: skip
    if len(leaving):
        row = leaving.iloc[0]
        raise ModelError(
            f"line {row.line}: '{row.lhs} {row.op} {row.rhs}': an ordinal item that predicts another variable is not "
            "supported (its residual variance would not be the delta parameterization's)"
        )


def implied_vector(mats, implied) -> np.ndarray:
    """The model's `Polychoric.vector`: per observed variable its standardized thresholds (a continuous one's
    mean, negated), the continuous variables' variances, then the lower triangle of the correlations (covariances
    of the continuous variables, which are not scaled)."""
    j, i = np.triu_indices(mats.p, 1)
    scale = np.ones(mats.p)
    scale[mats.ordinal] = implied.delta
    numeric = _numeric(mats)
    slots = np.concatenate([implied.tau, -implied.mu[numeric]])[_slot_order(mats)]
    return np.concatenate([slots, np.diag(implied.sigma)[numeric], implied.sigma[i, j] * scale[i] * scale[j]])


def _numeric(mats) -> np.ndarray:
    """Indices of the continuous observed variables."""
    return np.setdiff1d(np.arange(mats.p), mats.ordinal)


def _slot_order(mats) -> np.ndarray:
    """Thresholds, then the continuous variables' means, put in the order of their variables."""
    return np.argsort(np.concatenate([mats.t_item, _numeric(mats)]), kind="stable")


def _share(model: Model, sample) -> float:
    """A group's weight in F: ``(N_g - 1) / (N - G)``, lavaan's for estimators other than ML."""
    return (sample.n - 1) / (model.n - len(model.samples))


def _value(model: Model, x: np.ndarray) -> float:
    total = 0.0
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        residual = sample.ordinal.vector - implied_vector(mats, mats.implied(x))
        total += _share(model, sample) * float(residual @ (sample.weight * residual))
    return total


def discrepancy(model: Model, x: np.ndarray) -> tuple[float, np.ndarray]:
    """F and dF/dx ``= -2 sum_g f_g D_g' W_g r_g`` (`jacobian`); raises LinAlgError where I - B is singular."""
    value, gradient = 0.0, np.zeros(len(x))
    for mats, sample, d in zip(model.matrices, model.samples, jacobian(model, x), strict=True):
        residual = sample.ordinal.vector - implied_vector(mats, mats.implied(x))
        share = _share(model, sample)
        value += share * float(residual @ (sample.weight * residual))
        gradient -= 2 * share * d.T @ (sample.weight * residual)
    return value, gradient


def jacobian(model: Model, x: np.ndarray) -> list[np.ndarray]:
    """Each group's ``D = dsigma/dx`` (statistics x parameters), from `Matrices.jacobian`'s d mu and d Sigma: the
    thresholds ``delta_i (tau_k - mu_i)`` and correlations ``delta_i delta_j Sigma_ij``, with the scales free
    (``~*~`` rows) or, under theta, ``(Sigma_ii)^-1/2``."""
    out = []
    for mats in model.matrices:
        implied = mats.implied(x)
        d_mu, d_sigma = mats.jacobian(implied, len(x))
        scale, d_scale = np.ones(mats.p), np.zeros((len(x), mats.p))
        scale[mats.ordinal] = implied.delta
        if mats.theta:
            variance = np.diag(implied.sigma)[mats.ordinal]
            d_scale[:, mats.ordinal] = -0.5 * variance**-1.5 * d_sigma[:, mats.ordinal, mats.ordinal]
        else:
            rows, at = mats.d_cells
            np.add.at(d_scale, (at, mats.ordinal[rows]), 1.0)
        item = mats.t_item
        d_tau = d_scale[:, item] * (implied.tau / scale[item]) - scale[item] * d_mu[:, item]
        rows, at = mats.t_cells
        np.add.at(d_tau, (at, rows), scale[item[rows]])
        j, i = np.triu_indices(mats.p, 1)
        d_cor = d_sigma[:, i, j] * (scale[i] * scale[j]) + implied.sigma[i, j] * (
            d_scale[:, i] * scale[j] + scale[i] * d_scale[:, j]
        )
        numeric = _numeric(mats)
        d_slots = np.hstack([d_tau, -d_mu[:, numeric]])[:, _slot_order(mats)]
        out.append(np.hstack([d_slots, d_sigma[:, numeric, numeric], d_cor]).T)
    return out


def information(model: Model, x: np.ndarray) -> np.ndarray:
    """``(N - G) sum_g (N_g/N) D' W D``: lavaan's expected information for DWLS times its denominator."""
    scale = (model.n - len(model.samples)) / model.n
    return sum(scale * s.n * (d.T * s.weight) @ d for s, d in zip(model.samples, jacobian(model, x), strict=True))


def gauss_newton(model: Model, x: np.ndarray, tolerance: float = 1e-9) -> tuple[np.ndarray, bool, int]:
    """Minimise F by Gauss-Newton steps ``(D'VD)^-1 D'V r`` with step halving, V the groups' weights in F:
    least squares converge in a few steps, where quasi-Newton takes many. Converged
    when the full step is below `tolerance` (or below 1e-6 where F no longer falls by more than its
    rounding); returns (x, converged, steps), not converged where I - B turns singular.

    Examples
    --------
    >>> x, converged, steps = gauss_newton(model, estimator.start_values(model))  # doctest: +SKIP
    """
    for step in range(1, 201):
        try:
            d = np.vstack(jacobian(model, x))
            residual = np.concatenate([s.ordinal.vector - implied_vector(m, m.implied(x))
                                       for m, s in zip(model.matrices, model.samples, strict=True)])  # fmt: skip
            v = np.concatenate([_share(model, s) * s.weight for s in model.samples])
            move = np.linalg.solve((d.T * v) @ d, (d.T * v) @ residual)
            before = _value(model, x)
        except np.linalg.LinAlgError:
            return x, False, step
        largest = float(np.max(np.abs(move)))
        if largest < tolerance:
            return x + move, True, step
        length = 1.0
        while length > 1e-4 and not _lower(model, x + length * move, before):
            length /= 2
        if length <= 1e-4:
            return x, largest < 1e-6, step
        x = x + length * move
    return x, False, step


def _lower(model: Model, x: np.ndarray, value: float) -> bool:
    try:
        return _value(model, x) <= value
    except np.linalg.LinAlgError:
        return False


def inverse_hessian(model: Model, x: np.ndarray) -> np.ndarray | None:
    """``(2 D'WD)^-1``, the Gauss-Newton inverse Hessian of F, to precondition the optimizer (None under constraints
    or where it is singular)."""
    if len(model.constraints):
        return None
    try:
        inverse = np.linalg.inv(2 * information(model, x) / (model.n - len(model.samples)))
        np.linalg.cholesky(inverse)
    except np.linalg.LinAlgError:
        return None
    return (inverse + inverse.T) / 2


def vcov(model: Model, x: np.ndarray, estimator: str) -> np.ndarray:
    """Covariance of the estimates: ``A^-1`` (DWLS, lavaan's standard) or the sandwich ``A^-1 B A^-1`` with
    ``B = (N - G) sum_g (N_g/N) D'W Gamma W D`` (WLSMV, ULSMV: lavaan's robust.sem)."""
    bread = inference.constrained_inverse(model, x, information(model, x))
    if estimator == "DWLS":
        return bread
    scale = (model.n - len(model.samples)) / model.n
    meat = sum(scale * s.n * (d.T * s.weight) @ s.ordinal.gamma @ (d * s.weight[:, None])
               for s, d in zip(model.samples, jacobian(model, x), strict=True))  # fmt: skip
    return bread @ meat @ bread


def test(model: Model, x: np.ndarray, estimator: str) -> Test:
    """The DWLS test against the saturated model and the independence baseline (thresholds, means and variances
    free, correlations 0), each scaled and shifted for WLSMV and ULSMV (lavaan's ``lav_test_satorra_bentler``)."""
    rank = model.equality_rank(x)
    df = moments(model) - model.npar + rank
    baseline, baseline_df = 0.0, 0
    for sample in model.samples:
        nth = sample.ordinal.univariate
        rho = sample.ordinal.vector[nth:]
        baseline += (sample.n - 1) * float(rho @ (sample.weight[nth:] * rho))
        baseline_df += len(rho)
    out = Test(NAMES[estimator], _chisq(model, x), int(df), model.npar - rank, np.nan, np.nan, baseline, baseline_df)
    if estimator == "DWLS":
        return out
    a, shift = _scaled_shifted(_u_gamma(model, x), df)
    a0, shift0 = _scaled_shifted(_baseline_u_gamma(model), baseline_df)
    return Test(**{**out.__dict__, "scaling": 1 / a, "baseline_scaling": 1 / a0, "shift": shift,
                   "baseline_shift": shift0})  # fmt: skip


def difference_test(general: Model, x1: np.ndarray, restricted: Model, x0: np.ndarray) -> tuple[float, int]:
    """The scaled-shifted chi-square difference of two nested WLSMV/ULSMV fits: lavaan's ``lavTestLRT`` default for
    them (``lav_test_diff_Satorra2000``, ``A.method = "delta"``, ``scaled.shifted = TRUE``); returns (statistic,
    df).

    ``A`` spans what the restricted model's Jacobian ``D0`` leaves out of the general one's ``D1``; with
    ``M = P^-1 A'(A P^-1 A')^-1 A P^-1`` (``P`` the general model's information) and ``K_g = D_g' W_g Gamma_g
    W_g D_g``: ``tr(UG) = sum_g f_g tr(M K_g)``, ``tr(UG^2) = tr((M sum_g f_g K_g)^2)``, ``a = sqrt(m / tr(UG^2))``
    and the statistic is ``a (T0 - T1) + m - a tr(UG)`` on the m more degrees of freedom of the restricted model.

    Examples
    --------
    >>> statistic, df = difference_test(general.model, general.x, restricted.model, restricted.x)  # doctest: +SKIP
    """
    if len(general.constraints) or len(restricted.constraints):
        raise ModelError("the difference test of ordinal fits with constraints (==, <, >) is not supported")
    t1, t0 = _chisq(general, x1), _chisq(restricted, x0)
    m = general.npar - restricted.npar  # the same statistics, no constraints: the difference in df
    d1, d0 = jacobian(general, x1), np.vstack(jacobian(restricted, x0))
    a = null_space((np.linalg.pinv(np.vstack(d1)) @ d0).T).T
    shares = [sample.n / general.n for sample in general.samples]
    info = sum(f * (d.T * s.weight) @ d for f, s, d in zip(shares, general.samples, d1, strict=True))
    p_inv = inference.constrained_inverse(general, x1, info)
    m_matrix = p_inv @ a.T @ np.linalg.pinv(a @ p_inv @ a.T) @ a @ p_inv
    k = [(d.T * s.weight) @ s.ordinal.gamma @ (d * s.weight[:, None]) for s, d in zip(general.samples, d1, strict=True)]
    trace = sum(f * float(np.sum(m_matrix * kg)) for f, kg in zip(shares, k, strict=True))
    mk = m_matrix @ sum(f * kg for f, kg in zip(shares, k, strict=True))
    scale = np.sqrt(m / float(np.sum(mk * mk.T)))
    statistic = (t0 - t1) * scale + m - scale * trace
    return statistic, m


def _chisq(model: Model, x: np.ndarray) -> float:
    """``sum_g (N_g - 1) F_g``, F_g the group's own discrepancy."""
    total = 0.0
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        residual = sample.ordinal.vector - implied_vector(mats, mats.implied(x))
        total += (sample.n - 1) * float(residual @ (sample.weight * residual))
    return total


def _u_gamma(model: Model, x: np.ndarray) -> np.ndarray:
    """``U Gamma`` over the stacked groups, lavaan's ``V = bdiag(f_g W_g)``, ``Gamma = bdiag(Gamma_g / f_g)``,
    ``U = V - V D E^-1 D' V`` with ``E = sum_g f_g D_g' W_g D_g``."""
    shares = [sample.n / model.n for sample in model.samples]
    v = np.concatenate([f * sample.weight for f, sample in zip(shares, model.samples, strict=True)])
    d = np.vstack(jacobian(model, x))
    inverse = inference.constrained_inverse(model, x, (d.T * v) @ d)
    vd = d * v[:, None]
    u = np.diag(v) - vd @ inverse @ vd.T
    return u @ block_diag(*(sample.ordinal.gamma / f for f, sample in zip(shares, model.samples, strict=True)))


def _baseline_u_gamma(model: Model) -> np.ndarray:
    """``U Gamma`` of the independence model, whose free thresholds absorb the thresholds' blocks of W."""
    blocks = []
    for sample in model.samples:
        nth = sample.ordinal.univariate
        blocks.append(sample.weight[nth:, None] * sample.ordinal.gamma[nth:, nth:])
    return block_diag(*blocks)


def _scaled_shifted(ug: np.ndarray, df: int) -> tuple[float, float]:
    """lavaan's scaled.shifted: ``a = sqrt(df / tr(UG UG))`` and the shift ``df - a tr(UG)``."""
    if df <= 0:
        return np.nan, np.nan
    a = float(np.sqrt(df / np.sum(ug * ug.T)))
    return a, float(df - a * np.trace(ug))


def fit_measures(model: Model, x: np.ndarray, test: Test, estimator: str) -> pd.Series:
    """lavaan's ``fitMeasures`` of a DWLS fit: `INDICES` and, for WLSMV and ULSMV, `SCALED_INDICES`.

    ULSMV's unscaled chisq has no p-value (NaN, as lavaan: it is not chi-square distributed).
    lavaan's RMSEA and its interval here divide by N - G (its rule for estimators other than ML), its SRMR is Bentler's
    on the correlation residuals (``srmr_bentler_nomean``); its scaled RMSEA interval is that of the
    scaled-shifted chisq on df. The robust CFI, TLI and RMSEA (Savalei 2021; lavaan 0.6.14 gives none for
    ordinal items) are left out.
    """
    n, df, groups = model.n, test.df, len(model.samples)
    lower, upper = rmsea_interval(test.chisq, df, n - groups)
    root = np.sqrt(groups)  # lavaan: RMSEA and its interval times sqrt(G)
    values = {
        "n": n, "chisq": test.chisq, "df": df, "pvalue": np.nan if estimator == "ULSMV" else _pvalue(test.chisq, df),
        "cfi": cfi(test.chisq, df, test.baseline_chisq, test.baseline_df),
        "tli": tli(test.chisq, df, test.baseline_chisq, test.baseline_df),
        "rmsea": rmsea(test.chisq, df, n - groups) * root, "rmsea_ci_lower": lower * root,
        "rmsea_ci_upper": upper * root,
        "srmr": srmr(model, x), "npar": test.npar, "ngroups": len(model.samples),
        "baseline_chisq": test.baseline_chisq, "baseline_df": test.baseline_df,
    }  # fmt: skip
    if test.scaling is not None:
        scaled = test.chisq / test.scaling + test.shift
        scaled_null = test.baseline_chisq / test.baseline_scaling + test.baseline_shift
        null_df = test.baseline_df
        low, high = rmsea_interval(scaled, df, n - groups)
        values.update({
            "chisq_scaled": scaled, "df_scaled": df, "pvalue_scaled": _pvalue(scaled, df),
            "scaling_factor": test.scaling, "shift_parameter": test.shift, "baseline_chisq_scaled": scaled_null,
            "baseline_df_scaled": null_df, "baseline_scaling_factor": test.baseline_scaling,
            "baseline_shift_parameter": test.baseline_shift, "cfi_scaled": cfi(scaled, df, scaled_null, null_df),
            "tli_scaled": tli(scaled, df, scaled_null, null_df), "rmsea_scaled": rmsea(scaled, df, n - groups) * root,
            "rmsea_ci_lower_scaled": low * root, "rmsea_ci_upper_scaled": high * root,
        })  # fmt: skip
    return pd.Series(values, dtype=float)


def _pvalue(chisq: float, df: int) -> float:
    return float(chi2.sf(chisq, df)) if df > 0 else np.nan


def srmr(model: Model, x: np.ndarray) -> float:
    """Root mean square of the correlation residuals over the p(p+1)/2 unique cells (lavaan's categorical "srmr",
    Bentler's: a continuous variable's residual variance and covariances divided by its sample standard deviations)."""
    total = 0.0
    for mats, sample in zip(model.matrices, model.samples, strict=True):
        numeric, slots = _numeric(mats), len(mats.t_item) + len(_numeric(mats))
        residual = sample.ordinal.vector - implied_vector(mats, mats.implied(x))
        sd = np.sqrt(np.diag(sample.cov))
        j, i = np.triu_indices(mats.p, 1)
        variances = residual[slots : slots + len(numeric)] / sd[numeric] ** 2
        covariances = residual[slots + len(numeric) :] / (sd[i] * sd[j])
        cells = np.sum(covariances**2) + np.sum(variances**2)
        total += sample.n / model.n * float(np.sqrt(cells / (mats.p * (mats.p + 1) / 2)))
    return total
