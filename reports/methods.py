"""The methods-and-results paragraph, every number filled in from the result."""

from __future__ import annotations

from analysis import FitResult

from . import apa, sample


def paragraph(result: FitResult) -> str:
    """Plain academic English describing estimation, fit, reliability and validity, and the hypotheses.

    Examples
    --------
    >>> print(paragraph(res))  # doctest: +SKIP
    The model was estimated by maximum likelihood in socialimp ...
    """
    fi = result.fit_indices
    estimator = {"ML": "maximum likelihood", "MLR": "maximum likelihood with robust (Huber-White) standard errors "
                 "and the Yuan-Bentler scaled chi-square (MLR)"}[result.estimator]  # fmt: skip
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
    chisq = f"χ²({fi.df:.0f}) = {apa.number(fi.chisq)}, {apa.p_text(fi.pvalue)}"
    if "chisq_scaled" in fi:
        chisq = f"scaled χ²({fi.df:.0f}) = {apa.number(fi.chisq_scaled)}, {apa.p_text(fi.pvalue_scaled)}"
        cfi, tli, rmsea = fi.cfi_robust, fi.tli_robust, fi.rmsea_robust
        low, high = fi.rmsea_ci_lower_robust, fi.rmsea_ci_upper_robust
    else:
        cfi, tli, rmsea, low, high = fi.cfi, fi.tli, fi.rmsea, fi.rmsea_ci_lower, fi.rmsea_ci_upper
    text.append(
        f"The model fit the data with {chisq}, CFI = {apa.bounded(cfi, 3)}, TLI = {apa.bounded(tli, 3)}, "
        f"RMSEA = {apa.bounded(rmsea, 3)}, 90% CI {apa.interval(low, high, 3, True)}, and SRMR = "
        f"{apa.bounded(fi.srmr, 3)}."
    )
    rel = result.reliability
    text.append(
        f"Cronbach's alpha ranged from {apa.bounded(rel.alpha.min())} to {apa.bounded(rel.alpha.max())}, omega from "
        f"{apa.bounded(rel.omega.min())} to {apa.bounded(rel.omega.max())}, and the average variance extracted "
        f"from {apa.bounded(rel.ave.min())} to {apa.bounded(rel.ave.max())}."
    )
    if len(result.measurement) > 1:
        htmt = result.htmt2.where(~result.htmt2.isna()).to_numpy()
        text.append(f"The largest HTMT ratio was {apa.bounded(max(v for v in htmt.ravel() if v < 1))}.")
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
