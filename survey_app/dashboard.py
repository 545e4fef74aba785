"""The numbers on the admin dashboard, computed from the export frame (pandas only, no Flask).

Counts by status, drop-off by page, completion times, data-quality flags (`survey_app.quality`),
Cronbach's alpha per construct with alpha if an item is dropped (`analysis.reliability`, shown
once enough responses are complete), and each rating item's answer distribution.

Examples
--------
>>> frame = storage.responses_frame(engine)  # doctest: +SKIP
>>> dashboard.counts(frame)  # doctest: +SKIP
{'started': 312, 'complete': 280, 'partial': 20, 'screened_out': 12, 'simulated': 300}
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
from markupsafe import Markup

from analysis import DataError, reliability
from instrument import Instrument
from instrument.codebook import PAGE_PREFIX

from .svg import bar_chart

DATA_CHOICES = ("real", "simulated", "all")
MINUTE_BINS = (0, 5, 10, 15, 20, 30, 45, 60)
"""Completion-time histogram edges in minutes; a last bar counts everything over an hour."""


def subset(frame: pd.DataFrame, data: str | None) -> tuple[pd.DataFrame, str]:
    """The rows to show: real, simulated or all respondents, and the choice made.

    With no choice, real respondents are shown if there are any, else simulated ones, so the two
    are never summed together unless "all" is asked for.
    """
    if data is None:
        data = "real" if (~frame["simulated"]).any() or frame.empty else "simulated"
    if data not in DATA_CHOICES:
        raise ValueError(f"data must be one of {', '.join(DATA_CHOICES)}, not {data!r}")
    if data == "all":
        return frame, data
    return frame[frame["simulated"] == (data == "simulated")], data


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """Respondents started, complete, partial and screened out, and how many are simulated."""
    status = frame["status"].value_counts()
    return {
        "started": len(frame),
        **{name: int(status.get(name, 0)) for name in ("complete", "partial", "screened_out")},
        "simulated": int(frame["simulated"].sum()),
    }


def drop_off(frame: pd.DataFrame, ins: Instrument) -> pd.DataFrame:
    """Per page: respondents who reached it and partial respondents whose furthest page it is."""
    shown = pd.DataFrame({s.id: frame[f"{PAGE_PREFIX}{s.id}"].notna() for s in ins.sections}, index=frame.index)
    partial = shown[frame["status"] == "partial"]
    last = partial.apply(lambda row: row[row].index[-1] if row.any() else ins.sections[0].id, axis=1)
    return pd.DataFrame(
        {
            "page": [s.title for s in ins.sections],
            "reached": shown.sum().to_numpy(),
            "stopped_here": [int((last == s.id).sum()) for s in ins.sections],
        },
        index=pd.Index([s.id for s in ins.sections], name="section"),
    )


def completion_times(frame: pd.DataFrame) -> tuple[Markup | None, dict[str, float]]:
    """A histogram of minutes to complete and its median and quartiles (None without completes)."""
    minutes = frame.loc[frame["status"] == "complete", "duration_s"].dropna() / 60
    if minutes.empty:
        return None, {}
    edges = [*MINUTE_BINS, np.inf]
    binned = pd.cut(minutes, edges, right=False).value_counts(sort=False)
    labels = [f"{lo}-{hi}" for lo, hi in pairwise(MINUTE_BINS)] + [f"{MINUTE_BINS[-1]}+"]
    chart = bar_chart(labels, binned.to_list(), title="Minutes to complete")
    return chart, {"median": minutes.median(), "q1": minutes.quantile(0.25), "q3": minutes.quantile(0.75)}


def answers_as_numbers(frame: pd.DataFrame, ins: Instrument, items: list[str]) -> pd.DataFrame:
    """Item columns with the instrument's missing codes as NaN, ready for analysis."""
    codes = list(ins.missing_codes.values())
    return frame[items].where(~frame[items].isin(codes)).astype(float)


def alphas(frame: pd.DataFrame, ins: Instrument, *, min_n: int) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Alpha per construct and alpha if each item is dropped, from complete responses.

    Returns the `analysis.reliability` table (None below `min_n` complete responses) and, per
    construct that could not be computed, the reason.
    """
    complete = frame[frame["status"] == "complete"]
    if len(complete) < min_n:
        return None, {}
    tables, problems = [], {}
    for construct, items in ins.construct_items.items():
        values = answers_as_numbers(complete, ins, items)
        scale = ins.scale_of(items[0])
        try:
            tables.append(
                reliability(
                    values,
                    {construct: items},
                    reverse=[i for i in items if i in ins.reverse_keyed],
                    scale_range=(min(scale.codes), max(scale.codes)),
                )
            )
        except (DataError, ValueError) as exc:
            problems[construct] = str(exc)
    return (pd.concat(tables) if tables else None), problems


def distributions(frame: pd.DataFrame, ins: Instrument) -> list[tuple[str, str, Markup]]:
    """Per rating item: its id, label and a bar chart of answers by scale point, missing answers grey."""
    names = {code: name for name, code in ins.missing_codes.items()}
    charts = []
    for item in ins.items.values():
        if item.type != "likert":
            continue
        column = frame[item.id]
        scale = ins.scale_of(item.id).codes
        missing = [code for code in sorted(names, reverse=True) if (column == code).any()]
        labels = [str(code) for code in scale] + [names[code].replace("_", " ") for code in missing]
        values = [int((column == code).sum()) for code in [*scale, *missing]]
        chart = bar_chart(labels, values, title=item.id, muted=[False] * len(scale) + [True] * len(missing))
        charts.append((item.id, item.label or item.text, chart))
    return charts
