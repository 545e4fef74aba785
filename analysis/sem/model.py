"""A model ready to estimate: the parameter table, each group's matrices and sample, and its constraints."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.linalg import null_space

from .. import syntax
from .matrices import Matrices
from .matrices import build as build_matrices
from .numdiff import jacobian
from .partable import Names
from .samplestats import Sample

ACTIVE = 1e-6  # an inequality whose slack is below this (relative to 1 + |side|) binds, as lavaan's active set


@dataclass(frozen=True)
class Model:
    """Everything the estimator, the inference and the fit measures need of one model and its data."""

    table: pd.DataFrame  # free (1-based, 0 fixed), value: fixed values, the covariates' at their sample moments
    names: Names
    samples: list[Sample]
    matrices: list[Matrices]
    meanstructure: bool

    @property
    def npar(self) -> int:
        return int(self.table.free.max()) if len(self.table) else 0

    @property
    def n(self) -> int:
        return sum(sample.n for sample in self.samples)

    @property
    def fiml(self) -> bool:
        return self.samples[0].fiml

    @cached_property
    def labels(self) -> dict[str, int]:
        """label -> index of its parameter in x (fixed labels are left out: they are constants)."""
        rows = self.table[(self.table.label != "") & (self.table.free > 0)]
        return dict(zip(rows.label, rows.free - 1, strict=False))

    @cached_property
    def fixed_labels(self) -> dict[str, float]:
        rows = self.table[(self.table.label != "") & (self.table.free == 0) & (self.table.group > 0)]
        return dict(zip(rows.label, rows.value, strict=False))

    @cached_property
    def defined(self) -> pd.DataFrame:
        return self.table[self.table.op == syntax.DEFINE]

    @cached_property
    def constraints(self) -> pd.DataFrame:
        return self.table[self.table.op.isin(syntax.CONSTRAINTS)]

    def named(self, x: np.ndarray) -> dict[str, float]:
        """Every label's value at `x`, then every defined parameter's, in order."""
        values = {**self.fixed_labels, **{label: x[k] for label, k in self.labels.items()}}
        for name, expression in zip(self.defined.lhs, self.defined.rhs, strict=True):
            values[name] = syntax.evaluate(expression, values)
        return values

    def defined_values(self, x: np.ndarray) -> np.ndarray:
        values = self.named(x)
        return np.array([values[name] for name in self.defined.lhs])

    def equality(self, x: np.ndarray) -> np.ndarray:
        """``lhs - rhs`` of every ``==`` constraint (zero when it holds)."""
        rows = self.constraints[self.constraints.op == "=="]
        values = self.named(x)
        return np.array([syntax.evaluate(a, values) - syntax.evaluate(b, values) for a, b in zip(rows.lhs, rows.rhs,
                         strict=True)])  # fmt: skip

    def inequality(self, x: np.ndarray) -> np.ndarray:
        """Slack of every ``<``/``>`` constraint (non-negative when it holds)."""
        rows = self.constraints[self.constraints.op != "=="]
        values = self.named(x)
        sign = np.where(rows.op == ">", 1.0, -1.0)
        return np.array([s * (syntax.evaluate(a, values) - syntax.evaluate(b, values))
                         for s, a, b in zip(sign, rows.lhs, rows.rhs, strict=True)])  # fmt: skip

    def linear_equalities(self, x: np.ndarray) -> bool:
        """Whether every constraint is an equality linear in the parameters (then solved by reparametrisation)."""
        if (self.constraints.op != "==").any():
            return False
        rng = np.random.default_rng(0)
        there = x + rng.normal(scale=0.5, size=len(x))
        return bool(np.allclose(jacobian(self.equality, x), jacobian(self.equality, there), atol=1e-7))

    def active_jacobian(self, x: np.ndarray) -> np.ndarray:
        """Jacobian of the equalities and of the inequalities that bind at `x` (lavaan's constrained vcov)."""
        parts = []
        if (self.constraints.op == "==").any():
            parts.append(jacobian(self.equality, x))
        if (self.constraints.op != "==").any():
            slack = self.inequality(x)
            binding = np.abs(slack) < ACTIVE * (1 + np.abs(x).max())
            if binding.any():
                parts.append(jacobian(self.inequality, x)[binding])
        return np.vstack(parts) if parts else np.zeros((0, len(x)))

    def equality_rank(self, x: np.ndarray) -> int:
        """Rank of the equality constraints' Jacobian: what they add to the degrees of freedom (lavaan)."""
        if not (self.constraints.op == "==").any():
            return 0
        return int(np.linalg.matrix_rank(jacobian(self.equality, x), tol=1e-8))

    def resampled(self, samples: list[Sample]) -> Model:
        """The same model on other samples (a bootstrap draw); its matrices are kept unless covariates' fixed
        moments come from the sample, and so are the table's cached lookups (labels, defined, constraints).

        Examples
        --------
        >>> draw = model.resampled([samplestats.complete(values[rows])])  # doctest: +SKIP
        """
        if (self.table.exo == 1).any():
            return assemble(self.table, self.names, samples, self.meanstructure, self.matrices[0].theta)
        other = copy.copy(self)  # a shallow copy carries the cached_property values in its __dict__
        object.__setattr__(other, "samples", samples)
        return other

    def reparametrisation(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(x0, K)`` with ``x = x0 + K z`` satisfying linear equality constraints for every z."""
        j = jacobian(self.equality, x)
        at = self.equality(x)
        x0 = x - np.linalg.pinv(j) @ at
        return x0, null_space(j)


def assemble(table: pd.DataFrame, names: Names, samples: list[Sample], meanstructure: bool, theta: bool = False
             ) -> Model:  # fmt: skip
    """Fill the covariates' fixed moments from each group's sample and build the groups' matrices (`theta`: the
    ordinal items' theta parameterization, `matrices.build`).

    Examples
    --------
    >>> model = assemble(table, names, [samplestats.complete(values)], meanstructure=False)  # doctest: +SKIP
    """
    table = table.copy()
    where = {name: k for k, name in enumerate(names.observed)}
    matrices = []
    for number, sample in enumerate(samples, start=1):
        own = table.group == number
        exo = table.index[own & (table.exo == 1)]
        for k in exo:
            lhs, op, rhs = table.at[k, "lhs"], table.at[k, "op"], table.at[k, "rhs"]
            if op == "~~":
                table.at[k, "value"] = sample.cov[where[lhs], where[rhs]]
            else:
                table.at[k, "value"] = sample.mean[where[lhs]]
        matrices.append(build_matrices(table[own], names.observed, names.latent, theta))
    return Model(table, names, samples, matrices, meanstructure)
