"""Benchmark: a full report (HTML, PDF, LaTeX, Word, diagram) of the Social IMP model on 500 respondents.

Run: `make bench` or `python bench/bench_report.py [--n 500] [--repeat 3]`. Times `reports.render()` alone,
the fit done once beforehand and its lazy statistics computed (target: under 10 s).
"""

from __future__ import annotations

import argparse
import tempfile

from timing import timed

import analysis
import reports

TARGET_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = analysis.fit(analysis.simulate(args.n, seed=1))
    _ = (result.reliability, result.item_stats, result.htmt2, result.fornell_larcker, result.hypotheses)
    with tempfile.TemporaryDirectory() as folder:
        seconds = timed(lambda: reports.render(result, folder), args.repeat)
    print(f"reports.render(), all formats, n={args.n}: median {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
