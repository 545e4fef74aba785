"""`FitResult`: everything downstream needs from a fitted model; expensive parts computed on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

import instrument as instrument_pkg

from . import cmb, hypotheses, validity
from .power import rmsea_power, rmsea_sample_size
from .reliability import reliability as scale_reliability

ROBUST_TEST = ("chisq_scaled", "scaling_factor", "pvalue_scaled")
SECTIONS = {"=~": "Latent variables", "~": "Regressions", "~~": "Covariances and variances", ":=": "Defined parameters"}


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
    raw: pd.DataFrame | None = field(default=None, repr=False)
    bootstrap: int = 0  # successful bootstrap draws behind se and ci (0: normal theory)
    bootstrap_failed: int = 0

    @property
    def n(self) -> int:
        return int(self.fit_indices["n"])

    def loadings(self, standardized: bool = False) -> dict[str, pd.Series]:
        """Construct -> its items' loadings (``std_all`` when `standardized`)."""
        rows = self.estimates[self.estimates.op == "=~"]
        column = "std_all" if standardized else "est"
        return {c: rows[rows.lhs == c].set_index("rhs")[column].rename_axis("item") for c in self.measurement}

    @cached_property
    def latent_correlations(self) -> pd.DataFrame:
        """Model-implied correlations between the constructs."""
        cov = self.latent_cov.loc[list(self.measurement), list(self.measurement)]
        sd = np.sqrt(np.diag(cov))
        return cov / np.outer(sd, sd)

    @cached_property
    def item_stats(self) -> pd.DataFrame:
        """Per item: ``construct, mean, sd, r_drop, alpha_if_dropped`` (reverse-keyed items recoded)."""
        table = self._alphas.rename(columns={"scale": "construct"})
        return table[["construct", "mean", "sd", "r_drop", "alpha_if_dropped"]]

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Per construct: ``alpha, alpha_ci_lower, alpha_ci_upper, omega, cr, ave``; see `validity`."""
        alphas = self._alphas.groupby("scale", sort=False)[["alpha", "alpha_ci_lower", "alpha_ci_upper"]].first()
        composite = validity.composite_reliability(
            self.loadings(), self.loadings(standardized=True), pd.Series(np.diag(self.latent_cov),
            index=self.latent_cov.index), self.sample_cov
        )  # fmt: skip
        return alphas.join(composite).rename_axis("construct")

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """HTMT with arithmetic means (Henseler et al. 2015), as semTools ``htmt(htmt2=FALSE)``."""
        return validity.htmt(self._item_correlations, self.measurement)

    @cached_property
    def htmt2(self) -> pd.DataFrame:
        """HTMT2 with geometric means (Roemer et al. 2021), as semTools ``htmt()`` since 0.5-6."""
        return validity.htmt(self._item_correlations, self.measurement, geometric=True)

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal."""
        return validity.fornell_larcker(self.latent_correlations, self.reliability["ave"])

    @cached_property
    def hypotheses(self) -> pd.DataFrame:
        """One row per hypothesis of the instrument (fits of the default model only): evidence and decision."""
        if self.instrument is None:
            return pd.DataFrame(columns=hypotheses.COLUMNS)
        return hypotheses.evaluate(self, self.raw)

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
        return scale_reliability(self.data, self.measurement)

    @cached_property
    def _item_correlations(self) -> pd.DataFrame:
        return self.data.corr()

    def summary(self) -> str:
        """A plain-text report in the shape of lavaan's ``summary(fit, fit.measures=TRUE)``."""
        fi = self.fit_indices
        state = f"converged after {self.iterations} iterations" if self.converged else "DID NOT CONVERGE"
        lines = [f"socialimp SEM: {self.estimator} estimation, {state}", ""]
        lines += [f"  Observations used {self.n:>28}", f"  Rows dropped (listwise) {self.dropped:>22}"]
        if self.bootstrap:
            lines.append(f"  Standard errors: bootstrap, {self.bootstrap} draws ({self.bootstrap_failed} failed), "
                         "percentile CIs")  # fmt: skip
        if self.instrument is not None:
            lines.append(
                f"  Instrument {self.instrument.id} {self.instrument.version} (hash {self.instrument.short_hash})"
            )
        if self.reverse_coded:
            lines.append(f"  Reverse-coded items: {', '.join(self.reverse_coded)}")
        lines += ["", "Model test", f"  Chi-square {fi.chisq:>35.3f}", f"  Degrees of freedom {fi.df:>27.0f}",
                  f"  P-value {fi.pvalue:>38.3f}"]  # fmt: skip
        if "chisq_scaled" in fi:
            lines += [
                f"  Scaled chi-square (Yuan-Bentler) {fi.chisq_scaled:>13.3f}",
                f"  Scaling factor {fi.scaling_factor:>31.3f}",
                f"  P-value (scaled) {fi.pvalue_scaled:>29.3f}",
            ]
        lines += ["", "Fit indices"]
        for key in fi.index.drop(["n", "chisq", "df", "pvalue", *ROBUST_TEST], errors="ignore"):
            lines.append(f"  {key:<24} {fi[key]:>21.3f}")
        for op, title in SECTIONS.items():
            rows = self.estimates[self.estimates.op == op]
            if not rows.empty:
                lines += ["", title, _table(rows)]
        if "alpha" in self.reliability:
            lines += ["", "Reliability", self.reliability.round(3).to_string()]
        lines += ["", *self._checks()]
        if self.warnings:
            lines += ["", "Warnings", *(f"  ! {w}" for w in self.warnings)]
        return "\n".join(lines)

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

    def report(self, out_dir, formats=("html", "pdf", "tex", "docx"), title: str | None = None) -> list:
        """Write the paper-ready report (see `reports.render`) into `out_dir`; return the files."""
        import reports  # reports reads results; imported here so analysis never needs it to fit

        return reports.render(self, out_dir, formats=formats, title=title)

    def to_dict(self) -> dict:
        """Plain Python (JSON-ready) form of the result."""
        return {
            "estimator": self.estimator,
            "converged": self.converged,
            "warnings": list(self.warnings),
            "reverse_coded": list(self.reverse_coded),
            "instrument": None if self.instrument is None else {
                "id": self.instrument.id, "version": self.instrument.version, "hash": self.instrument.content_hash},
            "fit_indices": {k: float(v) for k, v in self.fit_indices.items()},
            "estimates": _records(self.estimates),
            "reliability": _records(self.reliability.reset_index()),
            "htmt": _records(self.htmt.reset_index(names="construct")),
            "htmt2": _records(self.htmt2.reset_index(names="construct")),
            "power": {k: float(v) for k, v in self.power.items()},
        }  # fmt: skip

    def _repr_html_(self) -> str:
        warnings = "".join(f"<p><strong>Warning:</strong> {w}</p>" for w in self.warnings)
        return (
            f"<h4>socialimp SEM ({self.estimator}, n = {self.n})</h4>{warnings}"
            f"{self.fit_indices.to_frame('value').T.to_html(float_format='%.3f')}"
            f"{self.estimates.to_html(float_format='%.3f', index=False, na_rep='')}"
        )


def _table(rows: pd.DataFrame) -> str:
    shown = rows.assign(parameter=rows.lhs + " " + rows.op + " " + rows.rhs)
    shown = shown[["parameter", "est", "se", "z", "pvalue", "std_all"]].set_index("parameter")
    return shown.to_string(float_format=lambda v: f"{v:.3f}", na_rep="")


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]  # fmt: skip
