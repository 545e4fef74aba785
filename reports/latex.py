"""LaTeX tables with booktabs, one ``\\input``-able file per table (``table1.tex``, ...).

Each file is a complete ``table`` float using ``booktabs`` and ``threeparttable``-free notes, so a
paper needs only ``\\usepackage{booktabs}`` (and ``longtable`` for tables over 30 rows, which
repeat their header on every page).
"""

from __future__ import annotations

from .tables import Table

LONG = 30  # rows; longer tables become longtables that break across pages with repeated headers
ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
           "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "α": r"$\alpha$", "ω": r"$\omega$",
           "λ": r"$\lambda$", "β": r"$\beta$", "χ": r"$\chi$", "²": r"\textsuperscript{2}", "≥": r"$\geq$",
           "≤": r"$\leq$", "→": r"$\rightarrow$", "—": "---", "†": r"\textdagger{}", "‡": r"\textdaggerdbl{}",
           "ρ": r"$\rho$", "Δ": r"$\Delta$", "<": r"$<$", ">": r"$>$", "*": r"\textsuperscript{*}", "ö": r"\"{o}",
           "é": r"\'{e}"}  # fmt: skip
PREAMBLE = "\\usepackage{booktabs}\n\\usepackage{longtable}\n"


def escape(text: str) -> str:
    """Text safe inside a LaTeX table cell (Greek letters and symbols in math mode)."""
    return "".join(ESCAPES.get(ch, ch) for ch in text)


def table_tex(table: Table) -> str:
    """One table as LaTeX; long tables as a ``longtable`` with its header repeated on every page.

    Examples
    --------
    >>> print(table_tex(build(res)[2]))  # doctest: +SKIP
    """
    spec = "l" + "c" * (len(table.columns) - 1)
    if any(len(cell) > 40 for row in table.rows for cell in row):
        spec = "".join("p{0.35\\linewidth}" if _wide(table, k) else ("l" if k == 0 else "c")
                       for k in range(len(table.columns)))  # fmt: skip
    header = " & ".join(escape(c) for c in table.columns) + r" \\"
    body = "\n".join(" & ".join(escape(cell) for cell in row) + r" \\" for row in table.rows)
    caption = f"\\caption{{{escape(table.title)}}}\\label{{tab:{table.number}}}"
    note = f"\\par\\smallskip{{\\footnotesize\\textit{{Note.}} {escape(table.note)}}}" if table.note else ""
    if len(table.rows) > LONG:
        return (
            f"\\begin{{longtable}}{{{spec}}}\n{caption}\\\\\n\\toprule\n{header}\n\\midrule\n\\endfirsthead\n"
            f"\\toprule\n{header}\n\\midrule\n\\endhead\n{body}\n\\bottomrule\n\\end{{longtable}}\n{note}\n"
        )
    return (
        f"\\begin{{table}}[htbp]\n\\centering\n{caption}\n\\begin{{tabular}}{{{spec}}}\n\\toprule\n{header}\n"
        f"\\midrule\n{body}\n\\bottomrule\n\\end{{tabular}}\n{note}\n\\end{{table}}\n"
    )


def _wide(table: Table, column: int) -> bool:
    return any(len(row[column]) > 40 for row in table.rows)
