"""`socialimp report`: fit the model to survey data and write the paper-ready report in one command.

Examples
--------
$ socialimp report sqlite:///instance/survey.db --out out/report --simulated exclude
$ socialimp report responses.sav --out out/report --format html docx --missing fiml
$ socialimp report responses.sav --out out/report --ordered  # ordinal items, WLSMV
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import ESTIMATORS, fit
from analysis.cli import add_data_arguments, ordered_items, read_data
from analysis.fit import MISSING

from .render import FORMATS, render


def register(commands: argparse._SubParsersAction) -> None:
    """Add `report` to the `socialimp` parser."""
    command = commands.add_parser("report", help="fit the model and write HTML, PDF, LaTeX and Word reports")
    add_data_arguments(command)
    command.add_argument("--out", type=Path, required=True, help="folder for the report files")
    command.add_argument("--model", type=Path, help="lavaan model syntax file (default: the instrument's model)")
    command.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS), dest="formats")
    command.add_argument("--estimator", choices=ESTIMATORS, help="default ML (with --ordered WLSMV); MLR: robust SEs "
                         "and scaled test")  # fmt: skip
    command.add_argument("--missing", choices=MISSING, default="listwise", help="fiml (= ml): full-information ML")
    command.add_argument("--ordered", nargs="*", metavar="ITEM",
                         help="ordinal items (none named: every observed variable), fitted by WLSMV")  # fmt: skip
    command.add_argument("--title", help="report title (default: the instrument's title)")
    command.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    ordered = ordered_items(args)
    estimator = args.estimator or ("WLSMV" if ordered else "ML")
    result = fit(data, model, estimator=estimator, missing=args.missing, ordered=ordered, instrument=ins)
    files = render(result, args.out, formats=args.formats, title=args.title)
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}/")
    return 0
