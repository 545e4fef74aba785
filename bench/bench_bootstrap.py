"""Benchmark: `fit(bootstrap=1000)` of the Social IMP model against lavaan's `se = "bootstrap"`.

Run: `make bench` or `python bench/bench_bootstrap.py [--n 500] [--draws 1000] [--repeat 1]`.
Times our fit with B bootstrap draws on every core (and on one), and lavaan's
`sem(model, data, se = "bootstrap", bootstrap = B)` on the same data and model (target: 10x faster).
"""

from __future__ import annotations

import argparse
import os

from timing import lavaan_seconds, timed

import analysis
import instrument


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    ins = instrument.load()
    data = analysis.simulate(args.n, seed=1, instrument=ins)
    cores = len(os.sched_getaffinity(0))
    for jobs in (cores, 1):
        seconds = timed(lambda j=jobs: analysis.fit(data, instrument=ins, bootstrap=args.draws, seed=1, n_jobs=j),
                        args.repeat)  # fmt: skip
        print(f"socialimp fit, bootstrap={args.draws}, n={args.n}, {jobs} process(es): {seconds:.2f} s")
        if jobs == cores:
            ours = seconds
    call = f'sem(model, data = data, se = "bootstrap", bootstrap = {args.draws})'
    reference = lavaan_seconds(analysis.fit(data, instrument=ins).data, ins.to_lavaan(), call, args.repeat)
    if reference is None:
        print("lavaan: Rscript with lavaan not available, no comparison")
    else:
        print(f"lavaan {call}: {reference:.2f} s; ratio {reference / ours:.1f}x (all cores vs lavaan's one)")


if __name__ == "__main__":
    main()
