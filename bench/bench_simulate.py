"""Benchmark: simulate 100,000 respondents (target: under 2 s on the 2-core dev machine).

Run: `make bench` or `python bench/bench_simulate.py [--n 100000] [--repeat 5]`.
Prints the best and median wall time over the repeats, after one warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import analysis
import instrument

TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ins = instrument.load()
    pop = analysis.population(ins)
    analysis.simulate(1000, seed=0, instrument=ins, population=pop)
    times = []
    for seed in range(args.repeat):
        start = time.perf_counter()
        data = analysis.simulate(args.n, seed=seed, instrument=ins, population=pop, missing=0.05, careless=0.05)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(
        f"simulate n={args.n:,} ({data.shape[1]} columns, 5% missing, 5% careless): best {best:.3f} s, "
        f"median {median:.3f} s over {args.repeat} runs; {verdict} the {TARGET_SECONDS:g} s target"
    )


if __name__ == "__main__":
    main()
