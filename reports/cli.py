"""`socialimp report` and `socialimp pls`: estimate the model on survey data and write the paper-ready report.

Examples
--------
$ socialimp report sqlite:///instance/survey.db --out out/report --simulated exclude
$ socialimp report responses.sav --out out/report --format html docx --missing fiml
$ socialimp pls responses.csv --model model.pls --bootstrap 5000 --seed 1 --out out/pls
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import ESTIMATORS, fit, pls
from analysis.cli import add_data_arguments, read_data, write_pls_result
from analysis.fit import MISSING
from analysis.pls import MISSING as PLS_MISSING
from analysis.pls import SCHEMES

from .render import FORMATS, render


def register(commands: argparse._SubParsersAction) -> None:
    """Add `report` to the `socialimp` parser."""
    command = commands.add_parser("report", help="fit the model and write HTML, PDF, LaTeX and Word reports")
    add_data_arguments(command)
    command.add_argument("--out", type=Path, required=True, help="folder for the report files")
    command.add_argument("--model", type=Path, help="lavaan model syntax file (default: the instrument's model)")
    command.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS), dest="formats")
    command.add_argument("--estimator", choices=ESTIMATORS, default="ML", help="MLR: robust SEs and scaled test")
    command.add_argument("--missing", choices=MISSING, default="listwise", help="fiml (= ml): full-information ML")
    command.add_argument("--title", help="report title (default: the instrument's title)")
    command.set_defaults(run=run_report)
    _register_pls(commands)


def _register_pls(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("pls", help="PLS-SEM (as seminr and SmartPLS): estimate, bootstrap, write the report")
    add_data_arguments(command)
    command.add_argument("--out", type=Path, required=True, help="folder for the report and the tables as CSV")
    command.add_argument("--model", type=Path, help="PLS model syntax file (=~ reflective, <~ formative, ~ paths; "
                         "default: the instrument's model)")  # fmt: skip
    command.add_argument("--scheme", choices=SCHEMES, default="path", help="inner weighting scheme")
    command.add_argument("--consistent", action="store_true", help="PLSc: =~ constructs as common factors")
    command.add_argument("--bootstrap", type=int, default=0, metavar="B", help="bootstrap draws for SEs and CIs")
    command.add_argument("--seed", type=int, help="seed for reproducible bootstrap draws and PLSpredict folds")
    command.add_argument("--missing", choices=PLS_MISSING, default="mean", help="mean replacement or listwise")
    command.add_argument("--group", help="column splitting the rows into two groups: PLS-MGA and MICOM")
    command.add_argument("--permutations", type=int, default=1000, help="with --group: permutations")
    command.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS), dest="formats")
    command.add_argument("--title", help="report title (default: the instrument's title)")
    command.set_defaults(run=run_pls)


def run_report(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    result = fit(data, model, estimator=args.estimator, missing=args.missing, instrument=ins)
    files = render(result, args.out, formats=args.formats, title=args.title)
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}/")
    return 0


def run_pls(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    result = pls(data, model, scheme=args.scheme, consistent=args.consistent, bootstrap=args.bootstrap,
                 seed=args.seed, missing=args.missing, instrument=ins, group=args.group,
                 permutations=args.permutations)  # fmt: skip
    print(result.summary())
    files = [*write_pls_result(result, args.out), *(f.name for f in render(result, args.out, formats=args.formats,
                                                                           title=args.title))]  # fmt: skip
    print(f"\nwrote {', '.join(files)} to {args.out}/")
    return 0
