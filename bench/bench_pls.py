"""Benchmark: `analysis.pls()` against the seminr port (PyPI ``seminr``), timed in the same run.

Run: `make bench` or `python bench/bench_pls.py [--draws 5000] [--repeat 5]`.
The model is Hair et al.'s extended corporate-reputation model (seminr's ``corp_rep_data``, n = 344):
31 indicators, 8 constructs (4 formative, one single item), 13 paths; 11 answers coded -99 (missing) are
mean-replaced. One estimate is `pls()` with its paths, R², reliability and HTMT (seminr: ``estimate_pls``
and ``summarize``); the bootstrap is `pls(bootstrap=B)` on every core (seminr: ``bootstrap_model(nboot=B,
cores=all)``), both seeded.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd
from timing import timed

import analysis

DATA = Path(__file__).parents[1] / "tests" / "data" / "pls_corp_rep.csv"
BLOCKS = {"QUAL": ("<~", 8), "PERF": ("<~", 5), "CSOR": ("<~", 5), "ATTR": ("<~", 3), "COMP": ("=~", 3),
          "LIKE": ("=~", 3), "CUSL": ("=~", 3)}  # fmt: skip
PATHS = {"COMP": ["QUAL", "PERF", "CSOR", "ATTR"], "LIKE": ["QUAL", "PERF", "CSOR", "ATTR"],
         "cusa": ["COMP", "LIKE"], "CUSL": ["COMP", "LIKE", "cusa"]}  # fmt: skip
MODEL = "\n".join(
    [f"{c} {op} " + " + ".join(f"{c.lower()}_{i}" for i in range(1, k + 1)) for c, (op, k) in BLOCKS.items()]
    + [f"{target} ~ {' + '.join(sources)}" for target, sources in PATHS.items()]
)


def seminr_model():
    """The same model in the seminr port's API, or None when it is not installed."""
    try:
        import seminr
    except ImportError:
        return None
    items = {c: [f"{c.lower()}_{i}" for i in range(1, k + 1)] for c, (_, k) in BLOCKS.items()}
    specs = [seminr.composite(c, items[c], weights=seminr.mode_B if op == "<~" else seminr.mode_A)
             for c, (op, _) in BLOCKS.items()] + [seminr.composite("cusa", ["cusa"])]  # fmt: skip
    paths = [seminr.paths(from_=sources, to=[target]) for target, sources in PATHS.items()]
    return seminr, seminr.constructs(*specs), seminr.relationships(*paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = pd.read_csv(DATA)
    cores = len(os.sched_getaffinity(0))

    def estimate():
        res = analysis.pls(data, MODEL, na_values=[-99])
        return res.paths, res.r2, res.reliability, res.htmt

    one = timed(estimate, args.repeat)
    boot = timed(lambda: analysis.pls(data, MODEL, na_values=[-99], bootstrap=args.draws, seed=1).paths, 1)
    port = seminr_model()
    head = f"corporate reputation (31 items, 8 constructs, 4 formative, 13 paths), n={len(data)}"
    if port is None:
        print(f"{head}: one estimate {one * 1000:.1f} ms; bootstrap={args.draws} on {cores} cores {boot:.2f} s; "
              "seminr not installed")  # fmt: skip
        return
    seminr, mm, sm = port

    def reference_estimate():
        return seminr.summarize(seminr.estimate_pls(data, mm, sm, missing_value=-99))

    model = seminr.estimate_pls(data, mm, sm, missing_value=-99)
    ref_one = timed(reference_estimate, args.repeat)
    ref_boot = timed(lambda: seminr.bootstrap_model(model, nboot=args.draws, seed=1, cores=cores), 1)
    print(f"{head}: one estimate {one * 1000:.1f} ms, seminr {ref_one * 1000:.1f} ms ({one / ref_one:.2f}x)")
    print(f"bootstrap={args.draws} on {cores} cores {boot:.2f} s, seminr {ref_boot:.2f} s ({boot / ref_boot:.2f}x)")


if __name__ == "__main__":
    main()
