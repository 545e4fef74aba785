"""`socialimp instrument ...`: validate the questionnaire and export it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import codebook, lavaan
from .loader import load


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `instrument` command group to the `socialimp` parser."""
    group = commands.add_parser("instrument", help="validate and export the questionnaire")
    sub = group.add_subparsers(dest="action", required=True)
    for name, helptext in (
        ("validate", "check an instrument file and list its warnings"),
        ("codebook", "write the codebook"),
        ("lavaan", "write the model in lavaan syntax"),
    ):
        parser = sub.add_parser(name, help=helptext)
        parser.add_argument("--instrument", type=Path, help="instrument YAML (default: the bundled one)")
        parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    sub.choices["codebook"].add_argument("--format", choices=("csv", "md"), default="md")
    sub.choices["lavaan"].add_argument("--model", choices=lavaan.MODELS, default="sem")
    group.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ins = load(args.instrument)
    if args.action == "validate":
        print(f"{ins.source}: {ins.title}, version {ins.version}, hash {ins.short_hash}")
        print(f"{len(ins.items)} items, {len(ins.variables)} variables, {len(ins.constructs)} constructs, "
              f"{len(ins.hypotheses)} hypotheses")  # fmt: skip
        for warning in ins.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return 0
    if args.action == "codebook":
        text = codebook.render(ins.codebook(), args.format, ins.missing_codes)
    else:
        text = ins.to_lavaan(args.model)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
