"""`socialimp simulate`, `fit`, `invariance` and `demo`: simulated respondents and their analysis."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import pandas as pd

import instrument as instrument_pkg
from instrument import codebook

from . import syntax
from .errors import DataError, ModelError
from .fit import ESTIMATORS, MISSING, fit
from .invariance import ORDINAL_STEPS, STEPS, invariance
from .load import load
from .pls import PLSResult
from .results import FitResult
from .sem import GROUP_EQUAL, partable
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


SIMULATED = {"exclude": False, "include": True}
"""``--simulated`` -> `analysis.load`'s include_simulated (unset: refuse a source mixing both)."""


def add_data_arguments(command: argparse.ArgumentParser) -> None:
    """The data source of an analysis command: a file or a survey database, and which respondents."""
    command.add_argument("data", help="data file (CSV, XLSX, SAV, DTA, Parquet) or survey database URL")
    command.add_argument(
        "--simulated",
        choices=list(SIMULATED),
        help="leave out or keep respondents stored by `socialimp seed` (needed when both are there)",
    )
    command.add_argument("--instrument", type=Path, help="instrument YAML (default: the bundled one)")  # fmt: skip


def read_data(args: argparse.Namespace) -> tuple[pd.DataFrame, instrument_pkg.Instrument]:
    """The frame and instrument `add_data_arguments` asked for, read by `analysis.load`."""
    ins = instrument_pkg.load(args.instrument)
    return load(args.data, instrument=ins, include_simulated=SIMULATED.get(args.simulated)), ins


def add_model_arguments(command: argparse.ArgumentParser, group_help: str) -> None:
    """The model and estimation options `fit` and `report` share."""
    command.add_argument("--model", type=Path, help="lavaan model syntax file (default: the instrument's model)")
    command.add_argument("--estimator", choices=ESTIMATORS,
                         help="default ML (with --ordered WLSMV); MLR: robust SEs and scaled test")  # fmt: skip
    command.add_argument("--missing", choices=MISSING, default="listwise", help="fiml (= ml): full-information ML")
    command.add_argument("--ordered", nargs="*", metavar="ITEM",
                         help="ordinal items (none named: every observed variable); fitted by WLSMV unless "
                              "--estimator says DWLS or ULSMV")  # fmt: skip
    command.add_argument("--group", help=group_help)
    command.add_argument("--bootstrap", type=int, default=0, metavar="B", help="bootstrap draws for SEs and CIs")
    command.add_argument("--seed", type=int, help="seed for reproducible bootstrap draws")
    command.add_argument("--n-jobs", type=int, help="processes for the bootstrap (default: all cores)")
    command.add_argument("--hypothesis", action="append", default=[], metavar="ID=STATEMENT", dest="hypotheses",
                         help="your own hypothesis, repeatable: 'H1=y ~ x > 0', 'H2=ind := a*b', "
                         "'H3=compare: <lavaan model>' (replaces the instrument's)")  # fmt: skip


def fit_from_args(args: argparse.Namespace, data: pd.DataFrame, ins: instrument_pkg.Instrument, **options):
    """`analysis.fit` with the options of `add_model_arguments`; without --model, first check that the data
    hold the bundled model's columns, and say how to pass one's own model when they do not."""
    if args.model is None:
        _check_bundled_columns(data, ins)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    ordered = ordered_items(args)
    estimator = args.estimator or ("WLSMV" if ordered else "ML")
    return fit(data, model, estimator=estimator, missing=args.missing, ordered=ordered, bootstrap=args.bootstrap,
               seed=args.seed, n_jobs=args.n_jobs, instrument=ins, hypotheses=_hypotheses(args.hypotheses),
               **options)  # fmt: skip


def _check_bundled_columns(data: pd.DataFrame, ins: instrument_pkg.Instrument) -> None:
    needed = partable.names(syntax.parse(ins.to_lavaan()), True).observed
    absent = [column for column in needed if column not in data.columns]
    if not absent:
        return
    if len(absent) == len(needed):
        columns = [str(c) for c in data.columns]
        seen = f"none of them is in the data, whose columns are {', '.join(columns[:12])}"
        seen += ", ..." if len(columns) > 12 else ""
    else:
        seen = f"{len(absent)} of them are not in the data: {', '.join(absent)}"
    raise DataError(
        f"no --model given, so the bundled model of {ins.id} {ins.version} was tried; it needs the columns "
        f"{', '.join(needed)}; {seen}. For your own data, write your model in lavaan syntax in a file "
        "(e.g. 'f1 =~ a1 + a2 + a3') and pass --model FILE"
    )


def _hypotheses(given: list[str]) -> dict[str, str] | None:
    """``--hypothesis ID=STATEMENT`` options as `fit(hypotheses=)` takes them (None when there are none)."""
    if not given:
        return None
    pairs = [text.split("=", 1) for text in given]
    wrong = next((text for text, pair in zip(given, pairs, strict=True) if len(pair) < 2 or not pair[0].strip()),
                 None)  # fmt: skip
    if wrong is not None:
        raise ValueError(f"--hypothesis {wrong!r}: write ID=STATEMENT, e.g. --hypothesis 'H1=extra ~ agree'")
    return {key.strip(): statement.strip() for key, statement in pairs}


def _register_fit(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("fit", help="fit the Social IMP model (or yours) to survey data, as lavaan")
    add_data_arguments(command)
    add_model_arguments(command, "column splitting the rows into groups fitted jointly (multi-group)")
    command.add_argument("--group-equal", nargs="+", default=[], choices=GROUP_EQUAL, metavar="CLASS",
                         help="with --group: parameter classes held equal across groups")  # fmt: skip
    command.add_argument("--out", type=Path, help="folder for every table as CSV and the summary")
    command.set_defaults(run=run_fit)
    steps = commands.add_parser("invariance", help="configural, metric and scalar invariance across groups")
    add_data_arguments(steps)
    steps.add_argument("--group", required=True, help="the grouping column")
    steps.add_argument("--model", type=Path, help="lavaan model syntax file (default: the instrument's CFA)")
    steps.add_argument(
        "--steps",
        nargs="+",
        choices=list(dict.fromkeys([*STEPS, *ORDINAL_STEPS])),
        help="default: configural metric scalar (with --ordered: configural thresholds metric)",
    )
    steps.add_argument(
        "--ordered",
        nargs="*",
        metavar="ITEM",
        help="ordinal items (none named: every observed variable): Wu & Estabrook's steps by WLSMV",
    )
    steps.add_argument("--out", type=Path, help="CSV file for the table")
    steps.set_defaults(run=run_invariance)


def run_fit(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    result = fit_from_args(args, data, ins, group=args.group, group_equal=tuple(args.group_equal))
    print(result.summary())
    if args.out:
        print(f"\nwrote {', '.join(write_result(result, args.out))} to {args.out}/")
    return 0


def ordered_items(args: argparse.Namespace) -> bool | list[str]:
    """``--ordered`` as `analysis.fit` takes it: absent False, bare True, else the items named."""
    return False if args.ordered is None else (args.ordered or True)


def run_invariance(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    table = invariance(
        data,
        model,
        args.group,
        steps=tuple(args.steps) if args.steps else None,
        ordered=ordered_items(args),
        instrument=ins,
    )
    print(table.round(3).to_string())
    if args.out:
        table.to_csv(args.out)
        print(f"\nwrote {args.out}")
    return 0


def write_result(result: FitResult, out: Path) -> list[str]:
    """Write every table of a fit as CSV and its summary as text into `out`; return the file names.

    Reliability and item statistics for a model with factors, HTMT2 and Fornell-Larcker with two or
    more, R², modification indices where they are computed, hypotheses when there are any.
    """
    out.mkdir(parents=True, exist_ok=True)
    tables = {"estimates": result.estimates, "fit_indices": result.fit_indices.rename("value")}
    if result.measurement:
        tables |= {"reliability": result.reliability, "item_stats": result.item_stats}
    if len(result.measurement) > 1:
        tables |= {"htmt": result.htmt2, "fornell_larcker": result.fornell_larcker}
    tables["r2"] = result.r2
    with contextlib.suppress(ModelError):  # not computed for every fit (ordinal items): left out
        tables["modindices"] = result.modindices()
    if not result.hypotheses.empty:
        tables["hypotheses"] = result.hypotheses
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=name not in ("estimates", "modindices"))
    (out / "summary.txt").write_text(result.summary() + "\n", encoding="utf-8")
    return [f"{name}.csv" for name in tables] + ["summary.txt"]


def write_pls_result(result: PLSResult, out: Path) -> list[str]:
    """Write a PLS estimate's tables as CSV and its summary as text into `out`; return the file names."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"paths": result.paths, "indirect_effects": result.indirect_effects, "total_effects": result.total_effects,
              "outer": result.outer, "reliability": result.reliability, "htmt": result.htmt_ci, "vif": result.vif,
              "f2": result.f2, "r2": pd.DataFrame({"r2": result.r2, "r2_adj": result.r2_adj})}  # fmt: skip
    if result.instrument is not None:
        tables["hypotheses"] = result.hypotheses
    if result.groups is not None:
        tables |= {"mga": result.mga, "micom": result.micom}
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=name in ("reliability", "r2", "micom"))
    (out / "summary.txt").write_text(result.summary() + "\n", encoding="utf-8")
    return [f"{name}.csv" for name in tables] + ["summary.txt"]


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
    data = simulate(args.n, seed=args.seed, instrument=ins)
    files = {
        "data.csv": data.to_csv(index=False),
        "codebook.md": codebook.render(ins.codebook(), "md", ins.missing_codes),
        "model.lavaan": ins.to_lavaan(),
    }
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    result = fit(data, instrument=ins)
    written = list(files) + write_result(result, args.out)
    print(f"{ins.title}\ninstrument version {ins.version} (hash {ins.short_hash}); {len(data)} simulated respondents\n")
    indices = result.fit_indices
    print(
        f"Social IMP model (ML, n = {result.n}): chi-square {indices.chisq:.1f} on {indices.df:.0f} df, "
        f"CFI {indices.cfi:.3f}, TLI {indices.tli:.3f}, RMSEA {indices.rmsea:.3f} "
        f"[{indices.rmsea_ci_lower:.3f}, {indices.rmsea_ci_upper:.3f}], SRMR {indices.srmr:.3f}\n"
    )
    reliability_table = result.reliability.round(3)
    reliability_table.insert(0, "construct", [ins.constructs[c].label for c in reliability_table.index])
    print("Reliability and convergent validity per construct (reverse-keyed items recoded):")
    print(reliability_table.to_string())
    print("\nHypotheses:")
    print(result.hypotheses[["hypothesis", "test", "estimate", "pvalue", "decision"]].round(3).to_string(index=False))
    print(f"\nwrote {', '.join(written)} to {args.out}/")
    return 0
