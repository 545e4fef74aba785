"""`FitResult`: everything downstream needs from a fitted model; expensive parts computed on first use."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, wraps

import numpy as np
import pandas as pd

import instrument as instrument_pkg

from . import cmb, hypotheses, sem, validity
from .errors import ModelError
from .power import rmsea_power, rmsea_sample_size
from .reliability import COLUMNS as RELIABILITY_COLUMNS
from .reliability import categorical_omega, ordinal_alpha
from .reliability import reliability as scale_reliability
from .sem import diagnostics

ROBUST_TEST = ("chisq_scaled", "scaling_factor", "pvalue_scaled", "shift_parameter")
ORDINAL = ("WLSMV", "DWLS", "ULSMV")  # estimators of ordinal items (`analysis.sem.wls`)
SECTIONS = {"=~": "Latent variables", "~": "Regressions", "~~": "Covariances and variances", "~1": "Intercepts",
            "|": "Thresholds", "~*~": "Scales", ":=": "Defined parameters"}  # fmt: skip


def _by_group(method):
    """For a multi-group fit, `method`'s table in each group, stacked (see `FitResult._per_group`)."""

    @wraps(method)
    def table(self):
        return method(self) if self.groups is None else self._per_group(method.__name__)

    return table


@dataclass(frozen=True, eq=False)
class FitResult:
    """The result of `analysis.fit()`. Read-only; the data it was fitted to is kept, not mutated.

    Examples
    --------
    >>> res = analysis.fit(data)  # doctest: +SKIP
    >>> res.fit_indices["cfi"], res.reliability.loc["inf", "omega"]  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """

    estimates: pd.DataFrame
    fit_indices: pd.Series
    model: str
    estimator: str
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    reverse_coded: tuple[str, ...]
    dropped: int
    data: pd.DataFrame = field(repr=False)
    measurement: dict[str, list[str]] = field(repr=False)
    sample_cov: pd.DataFrame = field(repr=False)
    latent_cov: pd.DataFrame = field(repr=False)
    instrument: instrument_pkg.Instrument | None = field(default=None, repr=False)
    raw: pd.DataFrame | None = field(default=None, repr=False)  # the data as loaded: every row and column
    bootstrap: int = 0  # successful bootstrap draws behind se and ci (0: normal theory)
    bootstrap_failed: int = 0
    missing: str = "listwise"  # or "fiml": `data` then keeps incomplete rows, `sample_cov` is the EM estimate
    # Multi-group fits (`analysis.fit(group=)`): each row's group, aligned with `data`; `sample_cov` and
    # `latent_cov` are then stacked by group (outer index the group label), `estimates` has a `group` column.
    groups: pd.Series | None = field(default=None, repr=False)
    core: sem.Fit | None = field(default=None, repr=False)  # the SEM core's fit: its model and optimum
    claims: tuple = field(default=(), repr=False)  # the user's hypotheses (`fit(hypotheses=)`), parsed
    options: dict = field(default_factory=dict, repr=False)  # fit()'s options but the bootstrap: to fit a rival alike

    @property
    def n(self) -> int:
        return int(self.fit_indices["n"])

    @property
    def ordinal(self) -> bool:
        """Whether the items were fitted as ordinal (thresholds and polychorics)."""
        return self.estimator in ORDINAL

    @property
    def group_sizes(self) -> pd.Series | None:
        """Rows per group of a multi-group fit, in lavaan's order of the groups (None for one group)."""
        return None if self.groups is None else self.groups.groupby(self.groups, sort=False).size().rename("n")

    def loadings(self, standardized: bool = False) -> dict[str, pd.Series]:
        """Construct -> its items' loadings (``std_all`` when `standardized`)."""
        rows = self.estimates[self.estimates.op == "=~"]
        column = "std_all" if standardized else "est"
        return {c: rows[rows.lhs == c].set_index("rhs")[column].rename_axis("item") for c in self.measurement}

    @cached_property
    @_by_group
    def latent_correlations(self) -> pd.DataFrame:
        """Model-implied correlations between the constructs."""
        cov = self.latent_cov.loc[list(self.measurement), list(self.measurement)]
        sd = np.sqrt(np.diag(cov))
        return cov / np.outer(sd, sd)

    @cached_property
    @_by_group
    def item_stats(self) -> pd.DataFrame:
        """Per item: ``construct, mean, sd, r_drop, alpha_if_dropped`` (reverse-keyed items recoded)."""
        table = self._alphas.rename(columns={"scale": "construct"})
        return table[["construct", "mean", "sd", "r_drop", "alpha_if_dropped"]]

    @cached_property
    @_by_group
    def reliability(self) -> pd.DataFrame:
        """Per construct: ``alpha, alpha_ci_lower, alpha_ci_upper, omega, cr, ave``; see `validity`.

        Ordinal fits: ``alpha`` is ordinal alpha and ``omega`` the categorical omega (`analysis.reliability`),
        both from the polychoric matrix, with ``cr`` and ``ave``; ``attrs["basis"]`` says so. Of a multi-group
        ordinal fit with `group_equal` (free scales, intercepts or means in groups 2..) they are refused.
        """
        if self.ordinal:
            return self._ordinal_reliability()
        alphas = self._alphas.groupby("scale", sort=False)[["alpha", "alpha_ci_lower", "alpha_ci_upper"]].first()
        composite = validity.composite_reliability(
            self.loadings(), self.loadings(standardized=True), pd.Series(np.diag(self.latent_cov),
            index=self.latent_cov.index), self.sample_cov
        )  # fmt: skip
        return alphas.join(composite).rename_axis("construct")

    @property
    def _reliability_refused(self) -> str | None:
        """Why `reliability` is refused, or None."""
        if self.ordinal and self.core.settings.group_equal:
            return ("reliability of a multi-group ordinal fit with group_equal: semTools' compRelSEM and AVE are "
                    "reproduced for groups fitted without equality constraints only")  # fmt: skip
        continuous = [name for name in self.sample_cov.columns if name not in self.core.settings.ordered]
        if self.ordinal and continuous:
            return (f"reliability of an ordinal fit with the continuous variable '{continuous[0]}': semTools' "
                    "compRelSEM on polyserial correlations is not reproduced")  # fmt: skip
        return None

    def _ordinal_reliability(self) -> pd.DataFrame:
        """semTools' compRelSEM (categorical omega; ordinal alpha with tau.eq, ord.scale = FALSE) and AVE."""
        if self._reliability_refused:
            raise ModelError(self._reliability_refused)
        psi = pd.Series(np.diag(self.latent_cov), index=self.latent_cov.index)
        composite = validity.composite_reliability(self.loadings(), self.loadings(standardized=True), psi,
                                                   self.sample_cov)  # fmt: skip
        rows = self.estimates[self.estimates.op == "|"]
        thresholds = {item: group.est.to_numpy() for item, group in rows.groupby("lhs", sort=False)}
        table = pd.concat([ordinal_alpha(self.sample_cov, self.measurement),
                           categorical_omega(self.loadings(), psi, self.sample_cov, thresholds),
                           composite[["cr", "ave"]]], axis=1).rename_axis("construct")  # fmt: skip
        table.attrs["basis"] = "ordinal alpha and categorical omega (Green & Yang 2009) from the polychoric matrix"
        return table

    @cached_property
    @_by_group
    def htmt(self) -> pd.DataFrame:
        """HTMT with arithmetic means (Henseler et al. 2015), as semTools ``htmt(htmt2=FALSE)`` (ordinal fits: on
        the polychoric matrix, as ``htmt(..., ordered =)``)."""
        return validity.htmt(self._item_correlations, self.measurement)

    @cached_property
    @_by_group
    def htmt2(self) -> pd.DataFrame:
        """HTMT2 with geometric means (Roemer et al. 2021), as semTools ``htmt()`` since 0.5-6."""
        return validity.htmt(self._item_correlations, self.measurement, geometric=True)

    @cached_property
    @_by_group
    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal."""
        return validity.fornell_larcker(self.latent_correlations, self.reliability["ave"])

    @cached_property
    def r2(self) -> pd.Series:
        """R² of every endogenous variable, latent and observed (indicators too); lavaan: ``lavInspect(fit, "r2")``.

        Multi-group fits: indexed by (group, variable).
        """
        if self.groups is None:
            return diagnostics.r2(self.estimates)
        tables = {label: diagnostics.r2(self.estimates[self.estimates.group == k])
                  for k, label in enumerate(self.group_sizes.index, start=1)}  # fmt: skip
        return pd.concat(tables, names=[self.groups.name])

    def modindices(self) -> pd.DataFrame:
        """``lhs, op, rhs, mi, epc, sepc_all``, largest first; lavaan: ``modindices(fit, sort. = TRUE)``.

        See `analysis.sem.diagnostics.modindices` for the candidates and the models covered.
        """
        return diagnostics.modindices(self.core)

    def score_tests(self) -> pd.DataFrame:
        """Which equality across groups breaks invariance: ``lhs, op, rhs, group, x2, df, pvalue``, one row per
        parameter a group shares with an earlier one; lavaan: ``lavTestScore(fit)$uni``."""
        return diagnostics.score_tests(self.core)

    def residuals(self, type: str = "raw") -> pd.DataFrame:  # lavaan names the argument type
        """Residual covariances: ``"raw"`` (S - Sigma), ``"cor"`` (Bollen) or ``"standardized"`` (z); lavaan:
        ``residuals(fit, type)$cov``. See `analysis.sem.diagnostics.residuals`."""
        if self.groups is None:
            return diagnostics.residuals(self.core, type)
        return pd.concat({label: diagnostics.residuals(self.core, type, k)
                          for k, label in enumerate(self.group_sizes.index)}, names=[self.groups.name])  # fmt: skip

    @cached_property
    def hypotheses(self) -> pd.DataFrame:
        """One row per hypothesis, evidence and decision: those given to `fit(hypotheses=)`, else the
        instrument's (fits of its default model only).

        Of an ordinal fit, the model comparison refits both models as ordinal by the same estimator; the
        multi-group comparison of paths is left "not evaluated" (equal regressions are not supported there).
        """
        if not self.claims and self.instrument is None:
            return pd.DataFrame(columns=hypotheses.COLUMNS)
        return hypotheses.evaluate(self, self.raw, self.claims)

    @cached_property
    def power(self) -> pd.Series:
        """This model's RMSEA test of close fit (.05 vs .08, alpha .05): ``df, n, power, n_for_80``.

        ``power`` at the fitted n and df, ``n_for_80`` the n giving power .80 (MacCallum et al. 1996).
        """
        df = int(self.fit_indices["df"])
        if df < 1:
            return pd.Series({"df": df, "n": self.n, "power": np.nan, "n_for_80": np.nan}, name="power")
        return pd.Series(
            {"df": df, "n": self.n, "power": rmsea_power(df, self.n), "n_for_80": rmsea_sample_size(df)}, name="power"
        )

    @cached_property
    def harman(self) -> pd.Series:
        """Harman's single-factor test on the model's items (see `analysis.cmb.harman`, and its weakness)."""
        return cmb.harman(self.data, [i for items in self.measurement.values() for i in dict.fromkeys(items)])

    @cached_property
    def full_collinearity(self) -> pd.DataFrame:
        """Full-collinearity VIFs of the constructs' mean scores (Kock 2015; `analysis.cmb.full_collinearity`)."""
        return cmb.full_collinearity(self.data, self.measurement)

    @cached_property
    def _alphas(self) -> pd.DataFrame:
        if not self.measurement:  # a model of observed variables only: no scales, empty tables
            return pd.DataFrame(columns=RELIABILITY_COLUMNS, index=pd.Index([], name="item"))
        return scale_reliability(self.data, self.measurement, missing="listwise")

    def _per_group(self, attribute: str) -> pd.DataFrame:
        """`attribute` computed in each group from its rows, estimates and moments; the group label as outer index.

        Under equality constraints the groups' loadings are the shared ones, as semTools on a multi-group fit.
        """
        tables = {}
        for number, label in enumerate(self.group_sizes.index, start=1):
            own = self.estimates[self.estimates.group == number].drop(columns="group")
            part = replace(self, estimates=own, data=self.data[self.groups == label], groups=None,
                           sample_cov=self.sample_cov.loc[label], latent_cov=self.latent_cov.loc[label])  # fmt: skip
            tables[label] = getattr(part, attribute)
        return pd.concat(tables, names=[self.groups.name])

    @cached_property
    def _item_correlations(self) -> pd.DataFrame:
        # the EM correlations, as semTools' htmt(missing = "ml"); the polychorics, as htmt(ordered =)
        if self.missing == "fiml" or self.ordinal:
            sd = np.sqrt(np.diag(self.sample_cov))
            return self.sample_cov / np.outer(sd, sd)
        values = self.data.to_numpy(dtype=float)
        if np.isnan(values).any():
            return self.data.corr()  # pairwise complete, as R's cor(use = "pairwise")
        # Complete data (a listwise sample): one BLAS product, where pandas loops over every pair of columns;
        # a constant column gives NaN, as in pandas.
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.corrcoef(values, rowvar=False)
        return pd.DataFrame(matrix, index=self.data.columns, columns=self.data.columns)

    def summary(self) -> str:
        """A plain-text report in the shape of lavaan's ``summary(fit, fit.measures=TRUE)``."""
        fi = self.fit_indices
        state = f"converged after {self.iterations} iterations" if self.converged else "DID NOT CONVERGE"
        lines = [f"socialimp SEM: {self.estimator} estimation, {state}", ""]
        lines.append(f"  Observations used {self.n:>28}")
        if self.ordinal:
            lines.append(f"  Parameterization {self.core.settings.parameterization:>29}")
        if self.missing == "fiml":
            lines += ["  Missing data: FIML (lavaan missing = \"ml\"), H1 moments by EM",
                      f"  Rows dropped (no model variable answered) {self.dropped:>4}"]  # fmt: skip
        elif self.missing == "pairwise":
            lines += ["  Missing data: pairwise (each polychoric on the rows answering both items)",
                      f"  Rows dropped (no model variable answered) {self.dropped:>4}"]  # fmt: skip
        else:
            lines.append(f"  Rows dropped (listwise) {self.dropped:>22}")
        if self.groups is not None:
            lines += [f"  Group {k} {self.groups.name} = {label}: n = {n}"
                      for k, (label, n) in enumerate(self.group_sizes.items(), start=1)]  # fmt: skip
        if self.bootstrap:
            lines.append(f"  Standard errors: bootstrap, {self.bootstrap} draws ({self.bootstrap_failed} failed), "
                         "percentile CIs")  # fmt: skip
        if self.instrument is not None:
            lines.append(
                f"  Instrument {self.instrument.id} {self.instrument.version} (hash {self.instrument.short_hash})"
            )
        if self.reverse_coded:
            lines.append(f"  Reverse-coded items: {', '.join(self.reverse_coded)}")
        lines += ["", *self._parameter_count(), "", "Model test", f"  Chi-square {fi.chisq:>35.3f}",
                  f"  Degrees of freedom {fi.df:>27.0f}", f"  P-value {fi.pvalue:>38.3f}"]  # fmt: skip
        if "chisq_scaled" in fi and self.ordinal:
            lines += [
                f"  Scaled-shifted chi-square {fi.chisq_scaled:>20.3f}",
                f"  Scaling factor {fi.scaling_factor:>31.3f}",
                f"  Shift parameter {fi.shift_parameter:>30.3f}",
                f"  P-value (scaled) {fi.pvalue_scaled:>29.3f}",
            ]
        elif "chisq_scaled" in fi:
            lines += [
                f"  Scaled chi-square (Yuan-Bentler) {fi.chisq_scaled:>13.3f}",
                f"  Scaling factor {fi.scaling_factor:>31.3f}",
                f"  P-value (scaled) {fi.pvalue_scaled:>29.3f}",
            ]
        if "baseline_chisq" in fi:
            lines += ["", "Model test baseline model", f"  Chi-square {fi.baseline_chisq:>35.3f}",
                      f"  Degrees of freedom {fi.baseline_df:>27.0f}"]  # fmt: skip
        lines += ["", "Fit indices"]
        shown = ["n", "chisq", "df", "pvalue", "npar", "ngroups", "baseline_chisq", "baseline_df", *ROBUST_TEST]
        for key in fi.index.drop(shown, errors="ignore"):
            lines.append(f"  {key:<24} {fi[key]:>21.3f}")
        for heading, block in self._estimate_blocks():
            lines += heading
            for op, title in SECTIONS.items():
                rows = block[block.op == op]
                if op == "=~":  # grouped by factor in the model's order, however the lines were written
                    order = {factor: k for k, factor in enumerate(self.measurement)}
                    rows = rows.sort_values("lhs", key=lambda lhs: lhs.map(order), kind="stable")
                if not rows.empty:
                    lines += ["", title, _table(rows)]
        r2 = self.r2
        if len(r2):
            lines += ["", "R-Square", r2.round(3).to_string(header=False) if self.groups is None
                      else r2.round(3).to_string()]  # fmt: skip
        if self._reliability_refused:
            lines += ["", f"Reliability: not computed ({self._reliability_refused})"]
        elif "alpha" in self.reliability and len(self.reliability):
            basis = f" ({self.reliability.attrs['basis']})" if self.ordinal else ""
            lines += ["", f"Reliability{basis}", self.reliability.round(3).to_string()]
        lines += ["", *self._checks()]
        if self.warnings:
            lines += ["", "Warnings", *(f"  ! {w}" for w in self.warnings)]
        return "\n".join(lines)

    def _parameter_count(self) -> list[str]:
        """lavaan's count: one parameter per free row (a label shared by several rows counts each), then the
        equality constraints (shared labels, ``group_equal``, ``==``) that tie them."""
        npar = int(self.fit_indices.npar)
        table = self.core.model.table if self.core is not None else None
        rows = npar if table is None else int(((table.free > 0) & (table.group > 0)).sum())
        lines = [f"  Number of model parameters {rows:>19}"]
        if rows > npar:
            lines.append(f"  Number of equality constraints {rows - npar:>15}")
        return lines

    def _estimate_blocks(self):
        """(heading lines, estimates) of the summary: all at once, or group by group as lavaan prints them."""
        if self.groups is None:
            yield [], self.estimates
            return
        for number, (label, n) in enumerate(self.group_sizes.items(), start=1):
            yield ["", f"Group {number} [{label}], n = {n}:"], self.estimates[self.estimates.group == number]
        yield [], self.estimates[self.estimates.group == 0]

    def _checks(self) -> list[str]:
        """Power and common-method-bias lines of the summary."""
        power = self.power
        lines = ["Power (RMSEA test of close fit, .05 vs .08)", f"  power at n = {self.n}: {power['power']:.3f}; "
                 f"n for .80: {power['n_for_80']:.0f}"]  # fmt: skip
        if len(self.measurement) > 1:
            vif = self.full_collinearity.vif
            lines += ["Common method bias", f"  Harman single factor share: {self.harman['share']:.3f} "
                      "(> .5 flags bias; a weak test)", f"  Full-collinearity VIF max: {vif.max():.2f} "
                      f"({vif.idxmax()}; > 3.3 flags bias)"]  # fmt: skip
        return lines

    def report(self, out_dir, formats=("html", "pdf", "tex", "docx"), title: str | None = None, **options) -> list:
        """Write the paper-ready report into `out_dir`; return the files. `options`: `reports.render`'s
        (``cutoffs``, ``labels``, ``style``)."""
        if self.groups is not None:
            raise ValueError(
                "the paper report covers single-group fits; for a multi-group fit use summary(), the estimates "
                "(column 'group') and analysis.invariance()"
            )
        import reports  # reports reads results; imported here so analysis never needs it to fit

        return reports.render(self, out_dir, formats=formats, title=title, **options)

    def to_dict(self) -> dict:
        """Plain Python (JSON-ready) form of the result."""
        index = ["construct"] if self.groups is None else [self.groups.name, "construct"]
        return {
            "estimator": self.estimator,
            "missing": self.missing,
            "converged": self.converged,
            "warnings": list(self.warnings),
            "reverse_coded": list(self.reverse_coded),
            "instrument": None if self.instrument is None else {
                "id": self.instrument.id, "version": self.instrument.version, "hash": self.instrument.content_hash},
            "fit_indices": {k: float(v) for k, v in self.fit_indices.items()},
            "estimates": _records(self.estimates),
            "reliability": None if self._reliability_refused else _records(self.reliability.reset_index()),
            "htmt": _records(self.htmt.reset_index(names=index)),
            "htmt2": _records(self.htmt2.reset_index(names=index)),
            "power": {k: float(v) for k, v in self.power.items()},
            "r2": _records(self.r2.reset_index()),
            "groups": None if self.groups is None else {str(k): int(n) for k, n in self.group_sizes.items()},
        }  # fmt: skip

    def __repr__(self) -> str:
        return f"<FitResult {self._headline()}>"

    def _headline(self) -> str:
        """Estimator, n, chi-square/df, CFI and RMSEA in one line (scaled versions under a robust estimator)."""
        fi = self.fit_indices
        scaled = "_scaled" if "chisq_scaled" in fi else ""
        state = "" if self.converged else ", DID NOT CONVERGE"
        return (f"{self.estimator}, n = {self.n}, chisq{scaled} = {fi['chisq' + scaled]:.2f} on {fi.df:.0f} df, "
                f"CFI{scaled} = {fi.get('cfi' + scaled, fi.cfi):.3f}, RMSEA{scaled} = "
                f"{fi.get('rmsea' + scaled, fi.rmsea):.3f}{state}")  # fmt: skip

    def _repr_html_(self) -> str:
        warnings = "".join(f"<p><strong>Warning:</strong> {w}</p>" for w in self.warnings)
        loadings = self.estimates[self.estimates.op == "=~"]
        paths = self.estimates[self.estimates.op == "~"]
        columns = ["lhs", "op", "rhs", "est", "se", "pvalue", "std_all"] + (
            ["group"] if self.groups is not None else []
        )
        blocks = [("Loadings", loadings[columns]), ("Paths", paths[columns])]
        if "alpha" in self.reliability and len(self.reliability):
            blocks.insert(1, ("Reliability", self.reliability.reset_index()))
        tables = "".join(f"<h5>{title}</h5>{frame.to_html(float_format='%.3f', index=False, na_rep='')}"
                         for title, frame in blocks if len(frame))  # fmt: skip
        return f"<h4>socialimp SEM: {self._headline()}</h4>{warnings}{tables}"


def _table(rows: pd.DataFrame) -> str:
    """lavaan's columns: the label after the parameter, SE blank for a fixed parameter (se 0)."""
    label = rows.label.where(rows.label.eq("") | rows.op.eq(":="), " (" + rows.label + ")").where(rows.op != ":=", "")
    shown = rows.assign(parameter=rows.lhs + " " + rows.op + " " + rows.rhs + label, se=rows.se.mask(rows.se == 0))
    shown = shown[["parameter", "est", "se", "z", "pvalue", "std_all"]].set_index("parameter")
    return shown.to_string(float_format=lambda v: f"{v:.3f}", na_rep="")


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]  # fmt: skip
