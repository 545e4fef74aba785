"""The methods-and-results paragraph, every number filled in from the result."""

from __future__ import annotations

from analysis import FitResult

from . import apa, sample

ESTIMATORS = {
    "ML": "maximum likelihood",
    "MLR": "maximum likelihood with robust (Huber-White) standard errors and the Yuan-Bentler scaled chi-square (MLR)",
    "WLSMV": "diagonally weighted least squares on the thresholds and polychoric correlations, with robust standard "
    "errors and the mean- and variance-adjusted chi-square (WLSMV, ordinal items; {} parameterization)",
    "DWLS": "diagonally weighted least squares on the thresholds and polychoric correlations (DWLS, ordinal items; {} "
    "parameterization)",
    "ULSMV": "unweighted least squares on the thresholds and polychoric correlations, with robust standard errors "
    "and the mean- and variance-adjusted chi-square (ULSMV, ordinal items; {} parameterization)",
}


def paragraph(result: FitResult) -> str:
    """Plain academic English describing estimation, fit, reliability and validity, and the hypotheses.

    Examples
    --------
    >>> print(paragraph(res))  # doctest: +SKIP
    The model was estimated by maximum likelihood in socialimp ...
    """
    estimator = ESTIMATORS[result.estimator].format(result.core.settings.parameterization)
    notice = sample.notice(result)
    text = [f"{apa.capitalized(notice)}."] if notice else []
    text += [
        f"The model was estimated by {estimator} in socialimp (results verified against lavaan 0.6) on "
        f"N = {result.n} respondents; missing answers were handled by {sample.missing_handling(result)}."
    ]
    flags = sample.flag_counts(result)
    if "qc_flagged" in flags:
        text.append(
            f"Careless-responding rules flagged {flags['qc_flagged']} of the {result.n} respondents for review; "
            "no respondent was excluded on that ground."
        )
    if result.bootstrap:
        text.append(
            f"Standard errors and percentile confidence intervals come from {result.bootstrap} bootstrap draws."
        )
    text.append(_fit_sentence(result))
    rel = result.reliability
    alpha, omega = ("Ordinal alpha", "categorical omega") if result.ordinal else ("Cronbach's alpha", "omega")
    text.append(
        f"{alpha} ranged from {apa.bounded(rel.alpha.min())} to {apa.bounded(rel.alpha.max())}, {omega} from "
        f"{apa.bounded(rel.omega.min())} to {apa.bounded(rel.omega.max())}, and the average variance extracted "
        f"from {apa.bounded(rel.ave.min())} to {apa.bounded(rel.ave.max())}."
    )
    if len(result.measurement) > 1:
        htmt = result.htmt2.where(~result.htmt2.isna()).to_numpy()
        basis = " (from the polychoric correlations)" if result.ordinal else ""
        text.append(f"The largest HTMT ratio{basis} was {apa.bounded(max(v for v in htmt.ravel() if v < 1))}.")
    hyp = result.hypotheses
    if not hyp.empty:
        supported = hyp[hyp.decision == "supported"].hypothesis.tolist()
        text.append(
            f"Of {len(hyp)} hypotheses, {len(supported)} were supported"
            + (f" ({', '.join(supported)})." if supported else ".")
        )
    if result.warnings:
        text.append("Warnings: " + " ".join(result.warnings))
    return " ".join(text)


def _fit_sentence(result: FitResult) -> str:
    """The fit sentence: with a scaled test its scaled (ordinal items) or robust (MLR) indices."""
    fi = result.fit_indices
    if "chisq_scaled" in fi and result.ordinal:
        chisq = f"scaled-shifted χ²({fi.df_scaled:.0f}) = {apa.number(fi.chisq_scaled)}, {apa.p_text(fi.pvalue_scaled)}"
        indices = [("scaled CFI", fi.cfi_scaled), ("scaled TLI", fi.tli_scaled), ("scaled RMSEA", fi.rmsea_scaled)]
        ci = f", 90% CI {apa.interval(fi.rmsea_ci_lower_scaled, fi.rmsea_ci_upper_scaled, 3, True)}"
    elif "chisq_scaled" in fi:
        chisq = f"scaled χ²({fi.df:.0f}) = {apa.number(fi.chisq_scaled)}, {apa.p_text(fi.pvalue_scaled)}"
        indices = [("CFI", fi.cfi_robust), ("TLI", fi.tli_robust), ("RMSEA", fi.rmsea_robust)]
        ci = f", 90% CI {apa.interval(fi.rmsea_ci_lower_robust, fi.rmsea_ci_upper_robust, 3, True)}"
    else:
        chisq = f"χ²({fi.df:.0f}) = {apa.number(fi.chisq)}, {apa.p_text(fi.pvalue)}"
        indices = [("CFI", fi.cfi), ("TLI", fi.tli), ("RMSEA", fi.rmsea)]
        ci = f", 90% CI {apa.interval(fi.rmsea_ci_lower, fi.rmsea_ci_upper, 3, True)}"
    shown = ", ".join(f"{name} = {apa.bounded(value, 3)}" for name, value in indices)
    return f"The model fit the data with {chisq}, {shown}{ci}, and SRMR = {apa.bounded(fi.srmr, 3)}."
