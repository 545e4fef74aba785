"""`socialimp simulate`, `socialimp fit` and `socialimp demo`: simulated respondents and their analysis."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import instrument as instrument_pkg
from instrument import codebook

from .fit import ESTIMATORS, MISSING, fit
from .reliability import reliability
from .simulate import MECHANISMS, simulate


def register(commands: argparse._SubParsersAction) -> None:
    """Add `simulate` and `demo` to the `socialimp` parser."""
    sim = commands.add_parser("simulate", help="draw simulated respondents and write them as CSV")
    sim.add_argument("--out", type=Path, required=True, help="CSV file to write")
    sim.add_argument("--missing", type=float, default=0.0, help="share of optional answers left blank")
    sim.add_argument("--mechanism", choices=MECHANISMS, default="MCAR")
    sim.add_argument("--careless", type=float, default=0.0, help="share of straight-lining respondents")
    demo = commands.add_parser("demo", help="simulate respondents and analyse them: the README's `make run`")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="folder for data, codebook and tables")
    for parser in (sim, demo):
        parser.add_argument("--n", type=int, default=500, help="number of respondents")
        parser.add_argument("--seed", type=int, default=None, help="seed for a reproducible sample")
        parser.add_argument("--instrument", type=Path, help="instrument YAML (default: the bundled one)")
    sim.set_defaults(run=run_simulate)
    demo.set_defaults(run=run_demo)
    _register_fit(commands)


def _register_fit(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("fit", help="fit the Social IMP model (or yours) to survey data, as lavaan")
    command.add_argument("data", type=Path, help="data file (CSV) with one row per respondent")
    command.add_argument("--model", type=Path, help="lavaan model syntax file (default: the instrument's model)")
    command.add_argument("--estimator", choices=ESTIMATORS, default="ML")
    command.add_argument("--missing", choices=MISSING, default="listwise")
    command.add_argument("--out", type=Path, help="folder for estimates, fit indices, reliability and hypotheses")
    command.set_defaults(run=run_fit)


def run_fit(args: argparse.Namespace) -> int:
    model = args.model.read_text(encoding="utf-8") if args.model else None
    result = fit(args.data, model, estimator=args.estimator, missing=args.missing)
    print(result.summary())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        tables = {"estimates": result.estimates, "fit_indices": result.fit_indices.rename("value")}
        if model is None:
            tables |= {"reliability": result.reliability, "htmt": result.htmt2, "hypotheses": result.hypotheses}
        for name, table in tables.items():
            table.to_csv(args.out / f"{name}.csv", index=name != "estimates")
        (args.out / "summary.txt").write_text(result.summary() + "\n", encoding="utf-8")
        print(f"\nwrote {', '.join(tables)} (CSV) and summary.txt to {args.out}/")
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    ins = instrument_pkg.load(args.instrument)
    data = simulate(
        args.n, seed=args.seed, instrument=ins, missing=args.missing, mechanism=args.mechanism, careless=args.careless
    )
    data.to_csv(args.out, index=False)
    print(f"wrote {len(data)} simulated respondents x {data.shape[1]} columns to {args.out}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    ins = instrument_pkg.load(args.instrument)
    args.out.mkdir(parents=True, exist_ok=True)
    data = simulate(args.n, seed=args.seed, instrument=ins, missing=0.02)
    table = construct_reliability(ins, data)
    files = {
        "data.csv": data.to_csv(index=False),
        "codebook.md": codebook.render(ins.codebook(), "md", ins.missing_codes),
        "model.lavaan": ins.to_lavaan(),
        "reliability.csv": table.to_csv(),
    }
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    summary = table.groupby("scale", sort=False)[["n", "alpha", "alpha_ci_lower", "alpha_ci_upper"]].first()
    summary.insert(0, "construct", [ins.constructs[c].label for c in summary.index])
    print(f"{ins.title}\ninstrument version {ins.version} (hash {ins.short_hash}); {len(data)} simulated respondents\n")
    print("Cronbach's alpha per construct (reverse-keyed items recoded, listwise within construct):")
    print(summary.round(3).to_string())
    print(f"\nwrote {', '.join(files)} to {args.out}/")
    return 0


def construct_reliability(ins: instrument_pkg.Instrument, data: pd.DataFrame) -> pd.DataFrame:
    """`reliability()` of every construct of the instrument, reverse-keyed items recoded."""
    tables = []
    for construct, items in ins.construct_items.items():
        codes = ins.scale_of(items[0]).codes
        reverse = [item for item in items if item in ins.reverse_keyed]
        tables.append(reliability(data, {construct: items}, reverse=reverse, scale_range=(min(codes), max(codes))))
    return pd.concat(tables)
