"""`reports.render()`: every table, the path diagram and the methods paragraph, in every format asked for."""

from __future__ import annotations

from pathlib import Path

from analysis import FitResult, PLSResult

from . import criteria, html, latex, methods, pls, sample, word
from .diagram import write_diagram, write_graph
from .tables import build, construct_label

FORMATS = ("html", "pdf", "tex", "docx")
DIAGRAM_CAPTION = "Structural model with standardized path coefficients (dashed: p ≥ .05)"


def render(
    result: FitResult | PLSResult,
    out_dir,
    formats=FORMATS,
    title: str | None = None,
    *,
    cutoffs: criteria.Cutoffs | dict | None = None,
    labels: dict | str | Path | None = None,
    style: str = "apa",
) -> list[Path]:
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
    cutoffs : Cutoffs or dict, optional
        Fit cutoffs the fit table, the methods paragraph and the summary judge by (default: Hu and
        Bentler 1999 for good fit; see `reports.Cutoffs`); a dict overrides some, ``{"cfi": .90}``.
    labels : dict or path, optional
        Item wordings for the item table when the data have no instrument: variable -> wording, or
        a ``.sav`` file whose variable labels are the wordings.
    style : {"apa", "grid"}
        Word tables: APA 7's horizontal rules only, or every border ("Table Grid").

    Examples
    --------
    >>> reports.render(res, "out/report", formats=("html", "docx"))  # doctest: +SKIP
    >>> reports.render(res, "out/report", cutoffs={"cfi": 0.90, "tli": 0.90}, labels="survey.sav")  # doctest: +SKIP
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    if style not in word.STYLES:
        raise ValueError(f"unknown table style {style!r}; choose from {', '.join(word.STYLES)}")
    cutoffs = criteria.Cutoffs.of(cutoffs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plsem = isinstance(result, PLSResult)
    default = "PLS path model" if plsem else "Structural equation model"
    title = title or (result.instrument.title if result.instrument is not None else default)
    built = pls.build(result) if plsem else build(result, cutoffs, variable_labels(labels))
    text = [pls.paragraph(result) if plsem else methods.paragraph(result, cutoffs)]
    checks = None if plsem else criteria.failures(result, cutoffs, label=lambda c: construct_label(result, c))
    has_paths = plsem or (result.estimates.op == "~").any()
    if plsem:
        svg, files = write_graph(pls.path_diagram(result), out)
    else:
        svg, files = write_diagram(result, out) if has_paths else ("", [])
    figures = [(DIAGRAM_CAPTION, svg)] if has_paths else []
    # Simulated data are announced first, like a failed convergence: the report must not pass for real data.
    notice = sample.notice(result)
    warnings = [notice, *result.warnings] if notice else list(result.warnings)
    page = html.document(title, built, warnings=warnings, figures=figures, paragraphs=text, checks=checks)
    if "html" in formats:
        files.append(_write(out / "report.html", page))
    if "pdf" in formats:
        files.append(_pdf(page, out / "report.pdf"))
    if "tex" in formats:
        files += [_write(out / f"table{t.number}.tex", latex.table_tex(t)) for t in built]
    if "docx" in formats:
        pngs = [(DIAGRAM_CAPTION, out / "path_diagram.png")] if has_paths else []
        files.append(
            word.write_docx(out / "report.docx", title, built, warnings=warnings, figures=pngs, paragraphs=text,
                            checks=checks, style=style)
        )  # fmt: skip
    return files


def variable_labels(labels: dict | str | Path | None) -> dict[str, str]:
    """Item wordings: a dict as given, or the variable labels of a ``.sav`` file (pyreadstat, metadata only).

    Examples
    --------
    >>> variable_labels("survey.sav")["A1"]  # doctest: +SKIP
    'Am indifferent to the feelings of others.'
    """
    if labels is None or isinstance(labels, dict):
        return labels or {}
    path = Path(labels)
    if path.suffix.lower() != ".sav" or not path.is_file():
        raise ValueError(f"labels must be a dict or an existing .sav file, not {str(labels)!r}")
    import pyreadstat

    meta = pyreadstat.read_sav(path, metadataonly=True)[1]
    return {name: text for name, text in meta.column_names_to_labels.items() if text}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _pdf(page: str, path: Path) -> Path:
    # WeasyPrint: pure Python over Pango (a Debian system library), prints our own HTML and CSS, so the PDF
    # shows exactly the HTML report's tables, with table headers repeated across pages.
    from weasyprint import HTML

    HTML(string=page).write_pdf(path)
    return path
