"""Shared by the benchmarks: median wall time of a Python call, and of the same job in lavaan.

Examples
--------
>>> seconds = timed(lambda: analysis.fit(data), repeat=5)  # doctest: +SKIP
>>> lavaan_seconds(data, model, "fit <- sem(model, data = data); fitMeasures(fit)", repeat=5)  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

LAVAAN = """
suppressMessages(library(lavaan))
data <- read.csv("{data}")
model <- paste(readLines("{model}"), collapse = "\\n")
set.seed(1)
times <- replicate({repeat}, system.time({{ {call} }})[["elapsed"]])
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


def lavaan_seconds(data: pd.DataFrame, model: str, call: str, repeat: int) -> float | None:
    """lavaan's median time for R code `call` (which sees `data` and `model`), or None without R and lavaan."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        csv, syntax, script = Path(folder, "data.csv"), Path(folder, "model.lav"), Path(folder, "bench.R")
        data.to_csv(csv, index=False)
        syntax.write_text(model, encoding="utf-8")
        script.write_text(LAVAAN.format(data=csv, model=syntax, repeat=repeat, call=call), encoding="utf-8")
        run = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=False)
    return float(run.stdout.split()[0]) if run.returncode == 0 else None


def print_against_lavaan(line: str, seconds: float, reference: float | None) -> None:
    """Print `line` with lavaan's time `reference` (None: not available) and our time as a share of it."""
    if reference is None:
        print(f"{line}; lavaan not available")
    else:
        print(f"{line}; lavaan {reference:.3f} s; our time / lavaan's {seconds / reference:.2f}")
