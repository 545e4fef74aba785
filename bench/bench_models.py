"""Benchmark: the SEM core on models beside the Social IMP one, each against lavaan in the same run.

Run: `make bench` or `python bench/bench_models.py [--n 1000] [--repeat 5]`.
A 25-item five-factor CFA (simulated, normal, loadings .5-.8) fitted three ways: complete data (ML),
10% of answers missing completely at random under FIML (lavaan's `missing = "ml"`), and two groups
with equal loadings (`group.equal = "loadings"`). Our time is `analysis.fit()` plus its fit measures;
lavaan's is `cfa()` plus `fitMeasures()`, in one R session, after the same warm-up.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from timing import lavaan_seconds, print_against_lavaan, timed

import analysis
import instrument

FACTORS, ITEMS = 5, 5
MODEL = "\n".join(f"f{f} =~ " + " + ".join(f"y{f}{i}" for i in range(1, ITEMS + 1)) for f in range(1, FACTORS + 1))


def five_factor_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Normal answers to 25 items of five correlated factors (factor correlations .3), with a 0/1 group."""
    rng = np.random.default_rng(seed)
    phi = np.full((FACTORS, FACTORS), 0.3) + 0.7 * np.identity(FACTORS)
    factors = rng.multivariate_normal(np.zeros(FACTORS), phi, size=n)
    loadings = rng.uniform(0.5, 0.8, size=(FACTORS, ITEMS))
    columns = {}
    for f in range(FACTORS):
        for i in range(ITEMS):
            noise = rng.normal(scale=np.sqrt(1 - loadings[f, i] ** 2), size=n)
            columns[f"y{f + 1}{i + 1}"] = 3 + loadings[f, i] * factors[:, f] + noise
    frame = pd.DataFrame(columns)
    frame["g"] = rng.integers(0, 2, size=n)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ins = instrument.load()  # loaded once: the bundled instrument only supplies reverse keys, none of these items
    data = five_factor_data(args.n)
    holes = data.copy()
    items = holes.columns[:-1]
    holes[items] = holes[items].mask(np.random.default_rng(2).random((args.n, len(items))) < 0.10)
    cases = [
        ("ML, complete data", data, {}, ""),
        ("ML, FIML, 10% missing", holes, {"missing": "fiml"}, ', missing = "ml"'),
        ("ML, two groups, equal loadings", data, {"group": "g", "group_equal": "loadings"},
         ', group = "g", group.equal = "loadings"'),
    ]  # fmt: skip
    for name, frame, options, r_options in cases:

        def ours(frame=frame, options=options):
            return analysis.fit(frame, model=MODEL, instrument=ins, **options).fit_indices

        seconds = timed(ours, args.repeat)
        reference = lavaan_seconds(frame, MODEL, f"fitMeasures(cfa(model, data = data{r_options}))", args.repeat)
        line = f"25-item five-factor CFA, {name}, n={args.n:,}: socialimp {seconds:.3f} s"
        print_against_lavaan(line, seconds, reference)


if __name__ == "__main__":
    main()
