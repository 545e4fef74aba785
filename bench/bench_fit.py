"""Benchmark: `analysis.fit()` of the Social IMP model against lavaan's `sem()` + `fitMeasures()`.

Run: `make bench` or `python bench/bench_fit.py [--n 500] [--repeat 5] [--sizes 1000 10000 100000]`.
Times, after one warm-up: our fit with reliability (alpha, omega, CR, AVE), HTMT and Fornell-Larcker;
lavaan's `sem()` + `fitMeasures()` on the same data and model inside one R session (when `Rscript`
with lavaan is installed); and our fit for growing N, to show time grows no worse than linearly.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import analysis
import instrument

LAVAAN = """
suppressMessages(library(lavaan))
data <- read.csv("{data}")
model <- paste(readLines("{model}"), collapse = "\\n")
times <- replicate({repeat}, system.time({{
  fit <- sem(model, data = data)
  fitMeasures(fit)
}})[["elapsed"]])
cat(median(times), "\\n")
"""


def timed(function, repeat: int) -> float:
    """Median wall time of `function()` over `repeat` runs, after one warm-up."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ours(data, ins) -> None:
    result = analysis.fit(data, instrument=ins)
    _ = (result.fit_indices, result.reliability, result.htmt, result.htmt2, result.fornell_larcker, result.item_stats)


def lavaan_seconds(data, model: str, repeat: int) -> float | None:
    """lavaan's median time for the same job, or None without R and lavaan."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        csv, syntax, script = Path(folder, "data.csv"), Path(folder, "model.lav"), Path(folder, "bench.R")
        data.to_csv(csv, index=False)
        syntax.write_text(model, encoding="utf-8")
        script.write_text(LAVAAN.format(data=csv, model=syntax, repeat=repeat), encoding="utf-8")
        run = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=False)
    return float(run.stdout.split()[0]) if run.returncode == 0 else None


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
    reference = lavaan_seconds(analysis.fit(data, instrument=ins).data, ins.to_lavaan(), args.repeat)
    if reference is None:
        print("lavaan: Rscript with lavaan not available, no comparison")
    else:
        print(f"lavaan sem() + fitMeasures(), n={args.n}: median {reference:.3f} s; ratio {reference / seconds:.2f}x")
    for n in args.sizes:
        big = analysis.simulate(n, seed=2, instrument=ins)
        print(f"socialimp fit, n={n:,}: median {timed(lambda big=big: ours(big, ins), 3):.3f} s")


if __name__ == "__main__":
    main()
