"""Central-difference derivatives, for the delta method, constraint Jacobians and observed information."""

from __future__ import annotations

import numpy as np


def jacobian(function, x: np.ndarray, count: int | None = None, step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of `function` at `x` along its first `count` coordinates (default: all).

    Each coordinate moves by `step` times ``max(1, |x_k|)``. Used for the delta method and, on an
    analytic gradient, for observed information (as lavaan, which also differentiates numerically).

    Examples
    --------
    >>> jacobian(lambda x: np.array([x[0] * x[1]]), np.array([2.0, 3.0])).round(6)
    array([[3., 2.]])
    """
    columns = []
    for k in range(len(x) if count is None else count):
        h = step * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        columns.append((np.asarray(function(up)) - np.asarray(function(down))) / (2 * h))
    return np.column_stack(columns) if columns else np.zeros((len(np.atleast_1d(function(x))), 0))
