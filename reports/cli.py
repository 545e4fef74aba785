"""`socialimp report`: fit the model to survey data and write the paper-ready report in one command.

Examples
--------
$ socialimp report sqlite:///instance/survey.db --out out/report --simulated exclude
$ socialimp report responses.sav --out out/report --format html docx --missing fiml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import ESTIMATORS, fit
from analysis.cli import add_data_arguments, read_data
from analysis.fit import MISSING

from .render import FORMATS, render
from .word import STYLES


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
    command.add_argument("--table-style", choices=STYLES, default="apa",
                         help="Word tables: APA 7 horizontal rules only, or every border")  # fmt: skip
    command.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    data, ins = read_data(args)
    model = args.model.read_text(encoding="utf-8") if args.model else None
    result = fit(data, model, estimator=args.estimator, missing=args.missing, instrument=ins)
    labels = args.data if args.data.lower().endswith(".sav") else None  # SPSS variable labels as item wordings
    files = render(result, args.out, formats=args.formats, title=args.title, labels=labels, style=args.table_style)
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}/")
    return 0
