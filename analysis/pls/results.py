"""`PLSResult`: the tables a PLS-SEM study reports, each computed on first use from one estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd

from instrument import Instrument

from . import bootstrap as boot
from . import estimates, quality
from . import hypotheses as pls_hypotheses
from .algorithm import Layout, effects
from .groups import Comparison
from .predict import blindfolding, plspredict
from .syntax import Spec

SCHEME_NAMES = {"path": "path weighting", "factor": "factor weighting", "centroid": "centroid weighting"}


@dataclass(frozen=True, eq=False)
class PLSResult:
    """The result of `analysis.pls()`. Read-only; tables are computed on first use.

    Examples
    --------
    >>> res = analysis.pls(data, model, bootstrap=5000, seed=1)  # doctest: +SKIP
    >>> res.paths, res.reliability, res.htmt  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """

    model: str
    spec: Spec = field(repr=False)
    scheme: str
    consistent: bool
    values: pd.DataFrame = field(repr=False)  # the items as estimated (missing answers replaced or rows dropped)
    draws: boot.Draws | None = field(default=None, repr=False)
    missing: str = "mean"
    level: float = 0.95
    instrument: Instrument | None = field(default=None, repr=False)  # with model=None: whose hypotheses to test
    raw: pd.DataFrame | None = field(default=None, repr=False)  # the data as loaded, when read with an instrument
    seed: int | None = None  # of the bootstrap, and of the report's PLSpredict folds
    dropped: int = 0  # rows left out (listwise)
    imputed: int = 0  # answers mean-replaced
    groups: Comparison | None = field(default=None, repr=False)  # with group=: PLS-MGA and MICOM
    permutations: int = 1000

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def data(self) -> pd.DataFrame:
        """The items as estimated (as `FitResult.data`: its index names the rows of ``raw`` analysed)."""
        return self.values

    @property
    def warnings(self) -> tuple[str, ...]:
        """Non-convergence and failed bootstrap draws, in words."""
        notes = [] if self.converged else [f"the PLS algorithm did not converge in {self.iterations} iterations"]
        if self.draws is not None and self.draws.failed:
            notes.append(f"{self.draws.failed} of {self.draws.requested} bootstrap draws failed (singular or "
                         "not converged) and were left out")  # fmt: skip
        return tuple(notes)

    @property
    def bootstrap(self) -> int:
        """Successful bootstrap draws (0: none)."""
        return 0 if self.draws is None else len(self.draws.values)

    @cached_property
    def layout(self) -> Layout:
        return Layout.of(self.spec)

    @cached_property
    def correlations(self) -> np.ndarray:
        return estimates.correlations(self.values.to_numpy())

    @cached_property
    def sd(self) -> np.ndarray:
        return self.values.std(ddof=1).to_numpy()

    @cached_property
    def estimates(self) -> estimates.Estimates:
        return estimates.solve(self.correlations, self.layout, self.scheme, self.consistent, self.sd)

    @property
    def converged(self) -> bool:
        return self.estimates.converged

    @property
    def iterations(self) -> int:
        return self.estimates.iterations

    @cached_property
    def _statistics(self) -> np.ndarray:
        return boot.statistics(self.correlations, self.sd, self.layout, self.scheme, self.consistent)

    def _with_draws(self, frame: pd.DataFrame, part: str) -> pd.DataFrame:
        """`frame` (one row per statistic of `part`, column ``est``) with its bootstrap columns."""
        if self.draws is None:
            return frame
        columns = boot.parts(self.layout)[part]
        extra = boot.table(self._statistics[columns], self.draws, columns, self.level)
        return pd.concat([frame.reset_index(drop=True), extra], axis=1)

    def _name(self, j: int) -> str:
        return self.spec.constructs[j]

    def _index(self, name: str) -> int:
        return self.spec.constructs.index(name)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Path coefficients ``lhs ~ rhs`` (with bootstrap: se, t, pvalue, percentile and BCa bounds)."""
        rows = [(t, s, self.estimates.paths[self._index(s), self._index(t)]) for s, t in self.spec.paths]
        return self._with_draws(pd.DataFrame(rows, columns=["lhs", "rhs", "est"]), "paths")

    @cached_property
    def total_effects(self) -> pd.DataFrame:
        """Total effect of ``rhs`` on ``lhs`` for every pair joined by a directed route."""
        total = effects(self.estimates.paths)
        reach = effects(self.layout.paths) > 0
        rows = [(self._name(t), self._name(s), total[s, t]) for s, t in zip(*np.nonzero(reach), strict=True)]
        return pd.DataFrame(rows, columns=["lhs", "rhs", "est"])

    @cached_property
    def indirect_effects(self) -> pd.DataFrame:
        """Every specific indirect effect: ``lhs`` the outcome, ``rhs`` the source, ``via`` the mediators."""
        routes = estimates.indirect_routes(self.layout)
        est = estimates.route_effects(self.estimates.paths, routes)
        rows = [(self._name(r[-1]), self._name(r[0]), " -> ".join(self._name(j) for j in r[1:-1]), e)
                for r, e in zip(routes, est, strict=True)]  # fmt: skip
        return self._with_draws(pd.DataFrame(rows, columns=["lhs", "rhs", "via", "est"]), "indirect")

    @cached_property
    def outer(self) -> pd.DataFrame:
        """construct, item, mode, loading, weight (bootstrap columns for the weights of mode B blocks); a
        higher-order construct's items are its dimensions (their first-stage scores)."""
        est, items = self.estimates, self.spec.indicators
        rows = [(self._name(j), items[i], self.spec.modes[self._name(j)], est.loadings[i, j], est.weights[i, j])
                for j, block in enumerate(self.layout.blocks) for i in block]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["construct", "item", "mode", "loading", "weight"])
        if self.draws is None or not self.layout.mode_b:
            return frame
        formative = frame.construct.isin([self._name(j) for j in self.layout.mode_b]).to_numpy()
        part = self._with_draws(frame[formative].rename(columns={"weight": "est"}), "weights")
        extra = part.drop(columns=frame.columns.drop("weight"), errors="ignore").drop(columns="est")
        extra.index = frame.index[formative]
        return frame.join(extra.add_prefix("weight_"))

    @cached_property
    def r2(self) -> pd.Series:
        """R² of each endogenous construct."""
        return pd.Series({c: self.estimates.r2[self._index(c)] for c in self.spec.endogenous}, name="r2")

    @cached_property
    def r2_adj(self) -> pd.Series:
        """Adjusted R²: ``1 - (1 - R²)(n - 1)/(n - k - 1)`` with k antecedents."""
        k = pd.Series({c: len(self.spec.antecedents(c)) for c in self.spec.endogenous})
        return (1 - (1 - self.r2) * (self.n - 1) / (self.n - k - 1)).rename("r2_adj")

    @cached_property
    def f2(self) -> pd.DataFrame:
        """Cohen's f² of each path, by re-estimating the model without it (seminr's convention)."""
        f2 = quality.f_squared(self.values, self.estimates, self.layout, self.scheme, self.consistent)
        return self.paths[["lhs", "rhs"]].assign(f2=f2)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """alpha (standardized), rho_a, rho_c, ave per construct."""
        table = quality.reliability(self.correlations, self.estimates, self.layout)
        return pd.DataFrame(table, index=pd.Index(self.spec.constructs, name="construct"),
                            columns=["alpha", "rho_a", "rho_c", "ave"])  # fmt: skip

    def _square(self, values: np.ndarray) -> pd.DataFrame:
        names = list(self.spec.constructs)
        return pd.DataFrame(values, index=names, columns=names)

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (absolute correlations), symmetric; see `htmt_ci` for the bootstrap."""
        return self._square(estimates.htmt(self.correlations, self.layout))

    @cached_property
    def htmt_ci(self) -> pd.DataFrame:
        """Each HTMT ratio (pair ``lhs``, ``rhs``) with its bootstrap columns (Henseler et al. 2015's inference)."""
        pairs = [(self._name(i), self._name(j), self.htmt.iat[i, j])
                 for i, j in combinations(range(len(self.spec.constructs)), 2)]  # fmt: skip
        return self._with_draws(pd.DataFrame(pairs, columns=["lhs", "rhs", "est"]), "htmt")

    @cached_property
    def score_correlations(self) -> np.ndarray:
        """Correlations of the construct scores (not PLSc-corrected: seminr's Fornell-Larcker and inner VIF)."""
        w = self.estimates.weights
        return w.T @ self.correlations @ w

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """sqrt(AVE) on the diagonal, score correlations below (uncorrected under PLSc, as seminr), NaN above."""
        values = np.tril(self.score_correlations, -1)
        values[np.triu_indices(len(values))] = np.nan
        np.fill_diagonal(values, np.sqrt(self.reliability.ave.to_numpy()))
        return self._square(values)

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every item with every construct score."""
        w = self.estimates.weights
        return pd.DataFrame(self.correlations @ w, index=list(self.spec.indicators), columns=list(self.spec.constructs))

    @cached_property
    def vif(self) -> pd.DataFrame:
        """Collinearity: ``kind`` "outer" (item ``rhs`` of block ``lhs``), "inner" (antecedent ``rhs`` of ``lhs``)."""
        outer = quality.outer_vif(self.correlations, self.layout)
        rows = [("outer", self._name(j), self.spec.indicators[i], outer[i])
                for j, block in enumerate(self.layout.blocks) for i in block]  # fmt: skip
        inner = quality.inner_vif(self.score_correlations, self.layout)
        rows += [("inner", self._name(t), self._name(s), v) for s, t, v in inner]
        return pd.DataFrame(rows, columns=["kind", "lhs", "rhs", "vif"])

    @cached_property
    def srmr(self) -> float:
        """SRMR of the saturated model (see `quality.implied`)."""
        return quality.srmr(self.correlations, self.estimates, self.layout)

    @cached_property
    def construct_scores(self) -> pd.DataFrame:
        """Construct scores (unit variance) of each respondent, from the standardized items."""
        x = self.values.to_numpy()
        z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
        scores = z @ self.estimates.weights * self.estimates.scale
        return pd.DataFrame(scores, index=self.values.index, columns=list(self.spec.constructs))

    def _compared(self) -> Comparison:
        if self.groups is None:
            raise ValueError("PLS-MGA and MICOM need two groups: estimate with group='column'")
        return self.groups

    @property
    def mga(self) -> pd.DataFrame:
        """PLS-MGA per path (groups in ``groups.names`` order): each group's path, the difference, with bootstrap
        draws their SEs, means and Henseler's one-sided ``pls_mga_p`` (seminr's), and the two-sided
        ``permutation_p`` (see `analysis.pls.groups.compare`)."""
        return self._compared().mga

    @property
    def micom(self) -> pd.DataFrame:
        """MICOM steps 1-3 per construct (see `analysis.pls.groups.compare`)."""
        return self._compared().micom

    @cached_property
    def hypotheses(self) -> pd.DataFrame:
        """The instrument's hypotheses on the PLS paths and indirect effects (``model=None`` only)."""
        if self.instrument is None:
            return pd.DataFrame(columns=pls_hypotheses.COLUMNS)
        return pls_hypotheses.evaluate(self)

    def predict(self, *, folds: int = 10, repeats: int = 10, seed=None) -> pd.DataFrame:
        """PLSpredict: out-of-sample RMSE, MAE and Q²predict of each endogenous item, PLS and LM benchmark
        (``lm_*``), over `repeats` k-fold splits (seminr's ``predict_pls`` when ``repeats=1``).

        Examples
        --------
        >>> res.predict(folds=10, repeats=10, seed=1)  # doctest: +SKIP
        """
        measured = self.values[list(self.spec.measured)]
        return plspredict(measured, self.layout, self.scheme, self.consistent, folds=folds, repeats=repeats,
                          seed=seed)  # fmt: skip

    def q2(self, distance: int = 7) -> pd.Series:
        """Stone-Geisser Q² of each endogenous construct by blindfolding (see `predict.blindfolding`).

        Examples
        --------
        >>> res.q2()  # omission distance 7  # doctest: +SKIP
        """
        measured = self.values[list(self.spec.measured)]
        return blindfolding(measured, self.layout, self.scheme, self.consistent, distance)

    def summary(self) -> str:
        """A plain-text report: paths, R², outer model, reliability, HTMT, SRMR."""
        method = "PLSc" if self.consistent else "PLS-SEM"
        draws = f", {self.bootstrap} bootstrap draws" if self.bootstrap else ""
        head = f"{method} ({SCHEME_NAMES[self.scheme]}{draws}); n = {self.n}; {self.iterations} iterations"
        if not self.converged:
            head += " (NOT converged)"
        blocks = [head, "Paths", self.paths.round(3).to_string(index=False),
                  "R²", pd.DataFrame({"r2": self.r2, "r2_adj": self.r2_adj}).round(3).to_string(),
                  "Outer model", self.outer.round(3).to_string(index=False),
                  "Reliability", self.reliability.round(3).to_string(),
                  "HTMT", self.htmt.round(3).to_string(na_rep=""), f"SRMR {self.srmr:.3f}"]  # fmt: skip
        return "\n\n".join(blocks)

    def report(self, out_dir, formats=("html", "pdf", "tex", "docx"), title: str | None = None) -> list:
        """Write the SmartPLS-style report into `out_dir` (`reports.render`); return the files.

        Examples
        --------
        >>> analysis.pls(data, model, bootstrap=5000, seed=1).report("out/pls")  # doctest: +SKIP
        """
        import reports  # reports reads results; imported here so analysis never needs it to estimate

        return reports.render(self, out_dir, formats=formats, title=title)

    def to_dict(self) -> dict:
        """Plain Python values (JSON-ready) of the main tables."""

        def records(frame: pd.DataFrame) -> list[dict]:
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "model": self.model, "scheme": self.scheme, "consistent": self.consistent, "n": self.n,
            "bootstrap": self.bootstrap, "converged": self.converged, "iterations": self.iterations,
            "paths": records(self.paths), "indirect_effects": records(self.indirect_effects),
            "outer": records(self.outer), "r2": self.r2.to_dict(), "r2_adj": self.r2_adj.to_dict(),
            "f2": records(self.f2), "reliability": records(self.reliability.reset_index()),
            "htmt": records(self.htmt_ci), "vif": records(self.vif), "srmr": self.srmr,
        }  # fmt: skip

    def _repr_html_(self) -> str:
        method = "PLSc" if self.consistent else "PLS-SEM"
        parts = [f"<h4>{method} ({SCHEME_NAMES[self.scheme]}), n = {self.n}</h4>",
                 "<h5>Paths</h5>", self.paths.round(3).to_html(index=False),
                 "<h5>Reliability</h5>", self.reliability.round(3).to_html(),
                 "<h5>HTMT</h5>", self.htmt.round(3).to_html(na_rep="")]  # fmt: skip
        return "\n".join(parts)
