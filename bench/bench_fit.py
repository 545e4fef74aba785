"""Benchmark: `analysis.fit()` of the Social IMP model against lavaan's `sem()` + `fitMeasures()`.

Run: `make bench` or `python bench/bench_fit.py [--n 500] [--repeat 5] [--sizes 1000 10000 100000]`.
Times, after one warm-up: our fit with reliability (alpha, omega, CR, AVE), HTMT and Fornell-Larcker;
lavaan's `sem()` + `fitMeasures()` on the same data and model inside one R session (when `Rscript`
with lavaan is installed); our fit for growing N, to show time grows no worse than linearly; and the
robust fit (`estimator="MLR"`, no reliability) at each N.
"""

from __future__ import annotations

import argparse

from timing import lavaan_seconds, timed

import analysis
import instrument


def ours(data, ins) -> None:
    result = analysis.fit(data, instrument=ins)
    _ = (result.fit_indices, result.reliability, result.htmt, result.htmt2, result.fornell_larcker, result.item_stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    ins = instrument.load()
    data = analysis.simulate(args.n, seed=1, instrument=ins)
    seconds = timed(lambda: ours(data, ins), args.repeat)
    print(f"socialimp fit + reliability + HTMT, n={args.n}: median {seconds:.3f} s over {args.repeat} runs")
    # lavaan gets the sample our fit uses (reverse-keyed items recoded) and the same model.
    reference = lavaan_seconds(
        analysis.fit(data, instrument=ins).data, ins.to_lavaan(), "fitMeasures(sem(model, data = data))", args.repeat
    )
    if reference is None:
        print("lavaan: Rscript with lavaan not available, no comparison")
    else:
        print(f"lavaan sem() + fitMeasures(), n={args.n}: median {reference:.3f} s; ratio {reference / seconds:.2f}x")
    samples = {n: analysis.simulate(n, seed=2, instrument=ins) for n in args.sizes}
    for n, big in samples.items():
        print(f"socialimp fit, n={n:,}: median {timed(lambda big=big: ours(big, ins), 3):.3f} s")
    for n, sample in {args.n: data, **samples}.items():
        seconds = timed(lambda sample=sample: analysis.fit(sample, instrument=ins, estimator="MLR"), 3)
        print(f"socialimp fit(estimator='MLR'), n={n:,}: median {seconds:.3f} s")


if __name__ == "__main__":
    main()
