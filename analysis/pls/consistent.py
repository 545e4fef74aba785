"""Consistent PLS (PLSc, Dijkstra & Henseler 2015): rho_A and the disattenuated construct correlations.

As seminr's ``PLSc()``: with ``consistent=True`` every ``=~`` construct is a common factor; its
correlations with the others are divided by ``sqrt(rho_A)``, the paths and R² re-estimated from
the corrected correlations, its loadings rescaled to ``w sqrt(rho_A) / (w'w)``. Mode B and
single-item constructs have rho_A = 1 and keep their composite values.
"""

from __future__ import annotations

import numpy as np

from .algorithm import Layout


def rho_a(S: np.ndarray, weights: np.ndarray, layout: Layout) -> np.ndarray:
    """Dijkstra-Henseler rho_A of each construct: 1 for mode B and single items (seminr's ``rho_A``)."""
    rho = np.ones(weights.shape[1])
    for j, rows in enumerate(layout.blocks):
        if j in layout.mode_b or len(rows) < 2:
            continue
        w = weights[rows, j]
        block = S[np.ix_(rows, rows)] - np.diag(np.diag(S)[rows])
        products = np.outer(w, w)
        np.fill_diagonal(products, 0.0)
        rho[j] = (w @ w) ** 2 * (w @ block @ w) / (w @ products @ w)
    return rho


def consistent(R: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Construct correlations disattenuated by rho_A (PLSc, Dijkstra & Henseler 2015)."""
    out = R / np.sqrt(np.outer(rho, rho))
    np.fill_diagonal(out, 1.0)
    return out


def loadings(weights: np.ndarray, rho: np.ndarray, layout: Layout) -> np.ndarray:
    """PLSc loadings of the reflective blocks ``w sqrt(rho_A) / (w'w)``; other blocks' cells are NaN."""
    out = np.full_like(weights, np.nan)
    for j, rows in enumerate(layout.blocks):
        if j not in layout.mode_b and len(rows) > 1:
            w = weights[rows, j]
            out[rows, j] = w * np.sqrt(rho[j]) / (w @ w)
    return out
