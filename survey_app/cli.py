"""The `socialimp` command: one entry point, each package adding its own commands.

Examples
--------
$ socialimp instrument codebook --format csv --out codebook.csv
$ socialimp simulate --n 500 --seed 1 --out data.csv
$ socialimp serve
"""

from __future__ import annotations

import argparse
import sys

import analysis.cli
import instrument.cli
import reports.cli
from analysis.errors import DataError
from instrument import InstrumentError

from . import commands as survey_commands


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="socialimp", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    instrument.cli.register(commands)
    analysis.cli.register(commands)
    reports.cli.register(commands)
    survey_commands.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run `socialimp`; a user's mistake prints one clear line and exits 2, never a traceback."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (InstrumentError, DataError, ValueError, OSError) as exc:
        print(f"socialimp {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
