"""Measurement and structural quality criteria of a PLS estimate (seminr's ``summary()``, SmartPLS's reports).

All from the indicator correlations `S` and an `Estimates`; f² re-estimates the model without each path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import estimates
from .algorithm import Layout


def reliability(S: np.ndarray, est: estimates.Estimates, layout: Layout) -> np.ndarray:
    """alpha (standardized, from item correlations), rho_A, rho_C, AVE per construct; 1 for single items.

    rho_C and AVE come from the loadings (PLSc-corrected for reflective constructs under PLSc), as seminr.
    """
    out = np.ones((len(layout.blocks), 4))
    for j, rows in enumerate(layout.blocks):
        k = len(rows)
        if k < 2:
            continue
        block = S[np.ix_(rows, rows)]
        lam = est.loadings[rows, j]
        alpha = k / (k - 1) * (1 - np.trace(block) / block.sum())  # psych::alpha's std.alpha
        rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        out[j] = alpha, est.rho_a[j], rho_c, (lam**2).mean()
    return out


def f_squared(values: pd.DataFrame, est: estimates.Estimates, layout: Layout, scheme: str, plsc: bool) -> np.ndarray:
    """Cohen's f² of each path in ``layout.spec.paths`` order, by re-estimating the model without it on the
    measured items `values` (seminr; constructed columns re-made from the reduced model's first stage); NaN for
    the iv and the moderator of an interaction term on the same outcome (seminr: the term needs them)."""
    spec = layout.spec
    index = {c: j for j, c in enumerate(spec.constructs)}
    components = {(part, target) for iv, m, name in spec.interactions for s, target in spec.paths if s == name
                  for part in (iv, m)}  # fmt: skip
    out = []
    for source, target in spec.paths:
        if (source, target) in components:
            out.append(np.nan)
            continue
        r2 = est.r2[index[target]]
        reduced = spec.without_path(source, target)
        without = 0.0
        if reduced.antecedents(target):
            smaller = Layout.of(reduced)
            full = estimates.with_constructed(values[list(reduced.measured)].to_numpy(), smaller, scheme)
            sd = full.std(axis=0, ddof=1)
            refit = estimates.solve(estimates.correlations(full), smaller, scheme, plsc, sd)
            without = refit.r2[reduced.constructs.index(target)]
        out.append((r2 - without) / (1 - r2))
    return np.array(out)


def inner_vif(R: np.ndarray, layout: Layout) -> list[tuple[int, int, float]]:
    """(source, target, VIF) of each path from the construct correlations; 1 for a sole antecedent."""
    out = []
    for target, sources in layout.regressions:
        diagonal = np.diag(np.linalg.inv(R[np.ix_(sources, sources)]))
        out += [(s, target, v) for s, v in zip(sources, diagonal, strict=True)]
    return out


def outer_vif(S: np.ndarray, layout: Layout) -> np.ndarray:
    """VIF of each item on the other items of its block (seminr's ``item_vifs``); 1 for a single item."""
    out = np.ones(len(S))
    for rows in layout.blocks:
        if len(rows) > 1:
            out[rows] = np.diag(np.linalg.inv(S[np.ix_(rows, rows)]))
    return out


def implied(S: np.ndarray, est: estimates.Estimates, layout: Layout) -> np.ndarray:
    """Model-implied item correlations: ``λ_k R_kl λ_l'`` between blocks, ``λλ'`` within a mode A block,
    the observed correlations within a mode B block (a composite leaves them free)."""
    lam = est.loadings
    out = lam @ est.R @ lam.T
    for j, rows in enumerate(layout.blocks):
        cell = np.ix_(rows, rows)
        out[cell] = S[cell] if j in layout.mode_b else np.outer(lam[rows, j], lam[rows, j])
    np.fill_diagonal(out, 1.0)
    return out


def srmr(S: np.ndarray, est: estimates.Estimates, layout: Layout) -> float:
    """Standardized root mean square residual of the saturated model, over the lower triangle and diagonal."""
    rows, cols = np.tril_indices(len(S))
    return float(np.sqrt(np.mean((S - implied(S, est, layout))[rows, cols] ** 2)))
