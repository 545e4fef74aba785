"""`reports.render()`: every table, the path diagram and the methods paragraph, in every format asked for."""

from __future__ import annotations

from pathlib import Path

from analysis import FitResult, PLSResult

from . import html, latex, methods, pls, sample, tables, word
from .diagram import write_diagram, write_graph

FORMATS = ("html", "pdf", "tex", "docx")
DIAGRAM_CAPTION = "Structural model with standardized path coefficients (dashed: p ≥ .05)"


def render(result: FitResult | PLSResult, out_dir, formats=FORMATS, title: str | None = None) -> list[Path]:
    """Write the report of `result` into `out_dir`; return the files written.

    Parameters
    ----------
    result : FitResult or PLSResult
        From `analysis.fit()`, or `analysis.pls()` (SmartPLS-style tables: outer model, reliability, HTMT
        with bootstrap intervals, collinearity, paths with f², R² and Q², PLSpredict; R² in the diagram).
    out_dir : path
        Folder, created if needed.
    formats : iterable of {"html", "pdf", "tex", "docx"}
        ``html``: one self-contained page; ``pdf``: that page printed by WeasyPrint; ``tex``: one
        booktabs table per file (``table1.tex`` ...); ``docx``: a Word document with real tables.
    title : str, optional
        Report title (default: the instrument's title, or "Structural equation model").

    Examples
    --------
    >>> reports.render(res, "out/report", formats=("html", "docx"))  # doctest: +SKIP
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plsem = isinstance(result, PLSResult)
    default = "PLS path model" if plsem else "Structural equation model"
    title = title or (result.instrument.title if result.instrument is not None else default)
    built = pls.build(result) if plsem else tables.build(result)
    text = [pls.paragraph(result) if plsem else methods.paragraph(result)]
    has_paths = plsem or (result.estimates.op == "~").any()
    if plsem:
        svg, files = write_graph(pls.path_diagram(result), out)
    else:
        svg, files = write_diagram(result, out) if has_paths else ("", [])
    figures = [(DIAGRAM_CAPTION, svg)] if has_paths else []
    # Simulated data are announced first, like a failed convergence: the report must not pass for real data.
    notice = sample.notice(result)
    warnings = [notice, *result.warnings] if notice else list(result.warnings)
    page = html.document(title, built, warnings=warnings, figures=figures, paragraphs=text)
    if "html" in formats:
        files.append(_write(out / "report.html", page))
    if "pdf" in formats:
        files.append(_pdf(page, out / "report.pdf"))
    if "tex" in formats:
        files += [_write(out / f"table{t.number}.tex", latex.table_tex(t)) for t in built]
    if "docx" in formats:
        pngs = [(DIAGRAM_CAPTION, out / "path_diagram.png")] if has_paths else []
        files.append(
            word.write_docx(out / "report.docx", title, built, warnings=warnings, figures=pngs, paragraphs=text)
        )
    return files


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _pdf(page: str, path: Path) -> Path:
    # WeasyPrint: pure Python over Pango (a Debian system library), prints our own HTML and CSS, so the PDF
    # shows exactly the HTML report's tables, with table headers repeated across pages.
    from weasyprint import HTML

    HTML(string=page).write_pdf(path)
    return path
