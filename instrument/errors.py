"""Errors raised while loading an instrument."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument file, located as precisely as the file allows."""

    place: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, {self.place}" if self.line else self.place
        return f"{where}: {self.message}"


class InstrumentError(ValueError):
    """An instrument file that cannot be used; lists every problem found, with file and line.

    Examples
    --------
    >>> import instrument
    >>> try:
    ...     instrument.load("broken.yaml")
    ... except instrument.InstrumentError as err:
    ...     print(err.problems[0].line)  # doctest: +SKIP
    """

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        count = f"{len(self.problems)} problem" + ("s" if len(self.problems) != 1 else "")
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"instrument file {source} has {count}:\n{lines}")
