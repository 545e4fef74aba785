"""`socialimp report` and `socialimp pls`: estimate the model on survey data and write the paper-ready report.

Examples
--------
$ socialimp report sqlite:///instance/survey.db --out out/report --simulated exclude
$ socialimp report responses.sav --out out/report --format html docx --missing fiml
$ socialimp report responses.sav --out out/report --ordered  # ordinal items, WLSMV
$ socialimp report data.csv --model my.lavaan --hypothesis "H1=extra ~ agree" --bootstrap 1000 --seed 1 --out out
$ socialimp report responses.csv --group scr_side --out out/by_side   # one report per group
$ socialimp pls responses.csv --model model.pls --bootstrap 5000 --seed 1 --out out/pls
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analysis import pls
from analysis.cli import add_data_arguments, add_model_arguments, fit_from_args, read_data, write_pls_result
from analysis.pls import MISSING as PLS_MISSING
from analysis.pls import SCHEMES

from .render import FORMATS, render
from .word import STYLES


def register(commands: argparse._SubParsersAction) -> None:
    """Add `report` to the `socialimp` parser."""
    command = commands.add_parser("report", help="fit the model and write HTML, PDF, LaTeX and Word reports")
    add_data_arguments(command)
    command.add_argument("--out", type=Path, required=True, help="folder for the report files")
    add_model_arguments(command, "column splitting the rows into groups: one report per group, in OUT/<group>/")
    command.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS), dest="formats")
    command.add_argument("--title", help="report title (default: the instrument's title)")
    command.add_argument("--table-style", choices=STYLES, default="apa",
                         help="Word tables: APA 7 horizontal rules only, or every border")  # fmt: skip
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
    labels = args.data if args.data.lower().endswith(".sav") else None  # SPSS variable labels as item wordings
    if args.group is None:
        parts = [(args.out, args.title, data)]
    else:  # a report covers one group: each group's own fit, lavaan's configural model group by group
        if args.group not in data.columns:
            raise ValueError(f"group column '{args.group}' is not in the data")
        title = args.title or (ins.title if args.model is None else "Structural equation model")
        parts = [(args.out / re.sub(r"[^\w.-]+", "_", str(label)),
                  f"{title}: {args.group} = {_value_label(ins, args.group, label)}", rows)
                 for label, rows in data.groupby(args.group, sort=False)]  # fmt: skip
    for out, title, rows in parts:
        result = fit_from_args(args, rows, ins)
        files = render(result, out, formats=args.formats, title=title, labels=labels, style=args.table_style)
        print(f"wrote {', '.join(f.name for f in files)} to {out}/")
    return 0


def _value_label(ins, column: str, value) -> str:
    """A group's name: the instrument's label of the value when `column` is one of its rated items."""
    item = ins.items.get(column)
    labels = dict(ins.scales[item.scale].values) if item is not None and item.scale else {}
    return str(labels.get(value, value))


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
