"""Numbers as APA 7 prints them: leading zeros dropped where a value cannot exceed 1, exact p values.

Examples
--------
>>> bounded(0.9312), bounded(-0.25), number(85.3055), p_value(0.0004), p_value(0.0312)
('.93', '-.25', '85.31', '< .001', '.031')
"""

from __future__ import annotations

import math

MISSING = ""


def number(value: float, decimals: int = 2) -> str:
    """A value that can exceed 1 in absolute size (estimates, chi-square, SDs): ``12.35``."""
    if value is None or not math.isfinite(value):
        return MISSING
    text = f"{value:.{decimals}f}"
    return "0." + "0" * decimals if text == "-0." + "0" * decimals else text


def bounded(value: float, decimals: int = 2) -> str:
    """A value bounded by 1 (correlation, standardized loading, alpha, CFI, p): ``.93``, ``-.25``."""
    text = number(value, decimals)
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def p_value(p: float) -> str:
    """Exact p to three decimals without the leading zero, ``< .001`` below that."""
    if p is None or not math.isfinite(p):
        return MISSING
    return "< .001" if p < 0.001 else bounded(p, 3)


def p_text(p: float) -> str:
    """p in running text: ``p = .031`` or ``p < .001``."""
    shown = p_value(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def stars(p: float) -> str:
    """``*`` p < .05, ``**`` p < .01, ``***`` p < .001 (the notes of every table say so)."""
    if p is None or not math.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def interval(lower: float, upper: float, decimals: int = 2, bound: bool = False) -> str:
    """A confidence interval in APA's brackets: ``[0.12, 0.45]``."""
    show = bounded if bound else number
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return MISSING
    return f"[{show(lower, decimals)}, {show(upper, decimals)}]"


def capitalized(text: str) -> str:
    """`text` with its first letter upper case; ``str.capitalize`` would lower the rest (CFA -> cfa)."""
    return text[:1].upper() + text[1:]


def listed(names: list[str]) -> str:
    """Names in running text: ``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


STARS_NOTE = "* p < .05. ** p < .01. *** p < .001."
