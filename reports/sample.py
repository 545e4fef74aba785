"""Who was analysed: respondents by status, missing-data handling, data-quality flags, simulated respondents.

Everything is read from the result: `FitResult.raw` is the frame as loaded (with the survey's
``status``, ``simulated`` and ``qc_*`` columns when the data came from the web survey or its
export) and `FitResult.data` holds the rows the model used, on the same index.

Examples
--------
>>> import analysis
>>> res = analysis.fit(analysis.simulate(300, seed=1).assign(simulated=True))  # doctest: +SKIP
>>> notice(res)  # doctest: +SKIP
'simulated data, not real responses: all 300 analysed respondents are simulated'
"""

from __future__ import annotations

import pandas as pd

from analysis import FitResult

from . import apa

STATUSES = {
    "complete": "Completed the survey",
    "partial": "Partial responses (dropped out or still answering)",
    "screened_out": "Screened out",
}
"""The survey's ``status`` values, in the order Table 1 lists them."""
QUALITY_FLAGS = {
    "qc_flagged": "Flagged by at least one careless-responding rule",
    "qc_bot_suspect": "Suspected bots (honeypot filled in or implausibly fast)",
    "qc_failed_checks": "Failed at least one attention check",
}
"""The survey's quality columns counted in Table 1 (a respondent counts when the value is true or above 0)."""
FLAGS_NOTE = (
    "Quality flags come from the survey's careless-responding indices (Curran, 2016) and mark respondents for "
    "review; no respondent was left out because of them."
)


def analysed(result: FitResult) -> pd.DataFrame | None:
    """The rows of ``result.raw`` the model was fitted to (None when the result keeps no raw data).

    Examples
    --------
    >>> analysed(res)["status"].value_counts()  # doctest: +SKIP
    """
    if result.raw is None:
        return None
    return result.raw.loc[result.data.index]


def simulated(result: FitResult) -> int:
    """How many analysed respondents are simulated (0 when the data carry no ``simulated`` column).

    Examples
    --------
    >>> simulated(res)  # doctest: +SKIP
    300
    """
    rows = analysed(result)
    if rows is None or "simulated" not in rows.columns:
        return 0
    return int(rows["simulated"].astype(bool).sum())


def notice(result: FitResult) -> str | None:
    """The warning every format prints first when simulated respondents were analysed, else None.

    Examples
    --------
    >>> notice(res)  # doctest: +SKIP
    'simulated data, not real responses: all 300 analysed respondents are simulated'
    """
    count = simulated(result)
    if not count:
        return None
    share = f"all {result.n}" if count == result.n else f"{count} of the {result.n}"
    return f"simulated data, not real responses: {share} analysed respondents are simulated"


def missing_handling(result: FitResult) -> str:
    """How missing answers were handled, and how many rows that left out.

    Examples
    --------
    >>> missing_handling(res)  # doctest: +SKIP
    "listwise deletion: 12 rows incomplete on the model's variables left out"
    """
    if result.missing == "mean":  # PLS-SEM
        return f"mean replacement: {result.imputed} missing {'answer' if result.imputed == 1 else 'answers'} replaced"
    if result.missing == "fiml":
        method, rows = "full-information maximum likelihood (FIML)", "answering none of the model's variables"
    elif result.missing == "pairwise":
        method = "pairwise deletion (each polychoric correlation from the respondents answering both items)"
        rows = "answering none of the model's variables"
    else:
        method, rows = "listwise deletion", "incomplete on the model's variables"
    return f"{method}: {result.dropped} {'row' if result.dropped == 1 else 'rows'} {rows} left out"


def flag_counts(result: FitResult) -> dict[str, int]:
    """Analysed respondents per quality flag the data carry (`QUALITY_FLAGS`), in that order.

    Examples
    --------
    >>> flag_counts(res)  # doctest: +SKIP
    {'qc_flagged': 14, 'qc_bot_suspect': 0, 'qc_failed_checks': 3}
    """
    rows = analysed(result)
    if rows is None:
        return {}
    present = [column for column in QUALITY_FLAGS if column in rows.columns]
    return {column: int((rows[column].fillna(0).astype(float) > 0).sum()) for column in present}


def rows(result: FitResult) -> list[list[str]]:
    """Table 1's rows on the sample: respondents by status, N analysed, missing data, flags, simulated.

    Examples
    --------
    >>> rows(res)[:2]  # doctest: +SKIP
    [['Respondents in the data', '312'], ['Completed the survey', '280']]
    """
    table = []
    if result.raw is not None:
        table.append(["Respondents in the data", f"{len(result.raw)}"])
        if "status" in result.raw.columns:
            counts = result.raw["status"].value_counts()
            order = [*(s for s in STATUSES if s in counts), *(s for s in counts.index if s not in STATUSES)]
            table += [[STATUSES.get(status, f"Status {status}"), f"{counts[status]}"] for status in order]
    table.append(["Observations analysed", f"{result.n}"])
    table.append(["Missing data", apa.capitalized(missing_handling(result))])
    table += [[QUALITY_FLAGS[column], _share(count, result.n)] for column, count in flag_counts(result).items()]
    count = simulated(result)
    if count:
        table.append(["Simulated respondents (not real responses)", _share(count, result.n)])
    return table


def note(result: FitResult) -> str:
    """Table 1's note: what the quality flags are and that they dropped no one (empty without flags)."""
    if not flag_counts(result):
        return ""
    return f"Percentages of the {result.n} respondents analysed. {FLAGS_NOTE}"


def _share(count: int, n: int) -> str:
    return f"{count} ({100 * count / n:.1f}%)"
