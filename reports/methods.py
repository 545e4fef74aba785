"""The methods-and-results paragraph, every number filled in from the result."""

from __future__ import annotations

from analysis import FitResult, ModelError

from . import apa, criteria, sample

LEVELS = {"good": "fit the data well", "acceptable": "fit the data acceptably but not well",
          "poor": "fit the data poorly"}  # fmt: skip
SUGGESTIONS = 3  # modification indices named when the fit is poor

ESTIMATORS = {
    "ML": "maximum likelihood",
    "MLR": "maximum likelihood with robust (Huber-White) standard errors and the Yuan-Bentler scaled chi-square (MLR)",
    "MLM": "maximum likelihood with robust standard errors and the Satorra-Bentler scaled chi-square (MLM)",
    "WLSMV": "diagonally weighted least squares on the thresholds and polychoric correlations, with robust standard "
    "errors and the mean- and variance-adjusted chi-square (WLSMV, ordinal items; {} parameterization)",
    "DWLS": "diagonally weighted least squares on the thresholds and polychoric correlations (DWLS, ordinal items; {} "
    "parameterization)",
    "ULSMV": "unweighted least squares on the thresholds and polychoric correlations, with robust standard errors "
    "and the mean- and variance-adjusted chi-square (ULSMV, ordinal items; {} parameterization)",
}


def paragraph(result: FitResult, cutoffs: criteria.Cutoffs | None = None) -> str:
    """Plain academic English describing estimation, fit, reliability and validity, and the hypotheses.

    The fit is worded from the indices against `cutoffs` (default Hu and Bentler 1999): good,
    acceptable or poor, naming the indices that miss and, for a poor fit, the modification indices
    that would help most (when the result offers ``modindices()``).

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
    text += _fit_sentences(result, criteria.Cutoffs.of(cutoffs))
    rel = result.reliability
    alpha, omega = ("Ordinal alpha", "categorical omega") if result.ordinal else ("Cronbach's alpha", "omega")
    if result.measurement:
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


def _fit_sentences(result: FitResult, cutoffs: criteria.Cutoffs) -> list[str]:
    """The fit verdict against the stated cutoffs, the indices, and what to free when the fit is poor."""
    fi = result.fit_indices
    chisq = f"χ²({fi.df:.0f}) = {apa.number(fi.chisq)}, {apa.p_text(fi.pvalue)}"
    if "chisq_scaled" in fi and result.ordinal:
        chisq = f"scaled-shifted χ²({fi.df_scaled:.0f}) = {apa.number(fi.chisq_scaled)}, {apa.p_text(fi.pvalue_scaled)}"
    elif "chisq_scaled" in fi:
        chisq = f"scaled χ²({fi.df:.0f}) = {apa.number(fi.chisq_scaled)}, {apa.p_text(fi.pvalue_scaled)}"
    kind = criteria.reported_kind(fi)
    low, high = fi[f"rmsea_ci_lower{kind}"], fi[f"rmsea_ci_upper{kind}"]
    values = criteria.reported_indices(fi)
    level, missed = criteria.verdict(fi, cutoffs)
    robust = f"{kind[1:]} " if kind else ""  # "robust " or "scaled "
    sentence = (
        f"By the cutoffs of {cutoffs.source} for good fit ({cutoffs.describe()}; acceptable: "
        f"{cutoffs.describe('acceptable')}), the model {LEVELS[level]}: {chisq}, {robust}CFI = "
        f"{apa.bounded(values['cfi'], 3)}, TLI = {apa.bounded(values['tli'], 3)}, RMSEA = "
        f"{apa.bounded(values['rmsea'], 3)}, 90% CI {apa.interval(low, high, 3, True)}, and SRMR = "
        f"{apa.bounded(values['srmr'], 3)}"
    )
    if missed:
        sentence += f"; {apa.listed(missed)} {'misses' if len(missed) == 1 else 'miss'} the cutoff"
        sentence += f"{'' if len(missed) == 1 else 's'} for {'good' if level == 'acceptable' else 'acceptable'} fit"
    sentences = [sentence + "."]
    if level == "poor":
        sentences += _modification_sentence(result)
    return sentences


def _modification_sentence(result: FitResult) -> list[str]:
    """The largest modification indices (lavaan's ``modindices(fit, sort. = TRUE)``), where they are computed."""
    try:
        top = result.modindices().head(SUGGESTIONS)
    except ModelError:  # not computed for every fit (ordinal items): no suggestion
        return []
    if top.empty:
        return []
    named = [f"{row.lhs} {row.op} {row.rhs} (MI = {apa.number(row.mi)}, standardized EPC = "
             f"{apa.bounded(row.sepc_all)})" for row in top.itertuples()]  # fmt: skip
    return [
        f"The largest modification indices were for {apa.listed(named)}; any such change needs a theoretical reason "
        "and a confirmation on new data."
    ]
