"""Paper-ready reports of a fitted model: HTML, PDF, LaTeX and Word tables, path diagram, methods text.

Examples
--------
>>> import analysis, reports
>>> res = analysis.fit(analysis.simulate(500, seed=1))
>>> files = reports.render(res, "out/report", formats=("html", "tex", "docx"))  # doctest: +SKIP
"""

from .criteria import Cutoffs
from .render import FORMATS, render

__all__ = ["FORMATS", "Cutoffs", "render"]
