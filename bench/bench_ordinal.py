"""Benchmark: ordinal items (thresholds, polychorics, WLSMV) against lavaan in the same run.

Run: `python bench/bench_ordinal.py [--n 2000] [--repeat 3]`.
The 25-item five-factor CFA of bench_models.py with every item cut into five categories (a 5-point
agreement scale: cuts at -1.3, -0.5, 0.3, 1.1 SD), fitted by WLSMV. Our time is `analysis.fit()`
with its fit measures (polychorics and their asymptotic covariance included); lavaan's is
`cfa(..., ordered = TRUE, estimator = "WLSMV")` plus `fitMeasures()`, in one R session.
"""

from __future__ import annotations

import argparse

import pandas as pd
from bench_models import MODEL, five_factor_data
from timing import lavaan_seconds, print_against_lavaan, timed

import analysis
import instrument

CUTS = (-1.3, -0.5, 0.3, 1.1)


def likert(n: int) -> pd.DataFrame:
    """bench_models' normal answers, standardized and cut into five ordered categories 1..5."""
    data = five_factor_data(n).drop(columns="g")
    z = (data - data.mean()) / data.std()
    return pd.DataFrame(1 + sum((z > cut).astype(int) for cut in CUTS), columns=data.columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ins = instrument.load()
    data = likert(args.n)

    def ours():
        return analysis.fit(data, model=MODEL, instrument=ins, estimator="WLSMV", ordered=True).fit_indices

    seconds = timed(ours, args.repeat)
    call = 'fitMeasures(cfa(model, data = data, ordered = TRUE, estimator = "WLSMV"))'
    reference = lavaan_seconds(data, MODEL, call, args.repeat)
    line = f"25-item five-factor ordinal CFA (5 categories), WLSMV, n={args.n:,}: socialimp {seconds:.3f} s"
    print_against_lavaan(line, seconds, reference)


if __name__ == "__main__":
    main()
