"""`socialimp report`: fit the model to survey data and write the paper-ready report in one command.

Examples
--------
$ socialimp report sqlite:///instance/survey.db --out out/report --simulated exclude
$ socialimp report responses.sav --out out/report --format html docx --missing fiml
$ socialimp report responses.sav --out out/report --ordered  # ordinal items, WLSMV
$ socialimp report data.csv --model my.lavaan --hypothesis "H1=extra ~ agree" --bootstrap 1000 --seed 1 --out out
$ socialimp report responses.csv --group scr_side --out out/by_side   # one report per group
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analysis.cli import add_data_arguments, add_model_arguments, fit_from_args, read_data

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
