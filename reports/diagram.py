"""The path diagram: constructs as ellipses, standardized paths on the arrows (graphviz).

Significant paths are solid with stars, non-significant ones dashed; items are drawn as boxes only
when asked, since 60 items make a diagram no journal can print.
"""

from __future__ import annotations

from pathlib import Path

import graphviz

from analysis import FitResult

from . import apa
from .tables import construct_label

PNG_DPI = 300  # print resolution; Word places the PNG at its natural size at this density (reports.word)


def path_diagram(result: FitResult, *, items: bool = False) -> graphviz.Digraph:
    """A graphviz graph of the structural model (and its measurement model with `items`).

    Examples
    --------
    >>> path_diagram(res).pipe(format="svg")  # doctest: +SKIP
    """
    graph = graphviz.Digraph("model", graph_attr={"rankdir": "LR", "fontname": "Times", "nodesep": "0.35"},
                             node_attr={"fontname": "Times", "fontsize": "12"}, edge_attr={"fontname": "Times",
                             "fontsize": "11"})  # fmt: skip
    for construct in result.measurement:
        graph.node(construct, construct_label(result, construct), shape="ellipse")
    est = result.estimates
    for row in est[est.op == "~"].itertuples():
        significant = row.pvalue < 0.05
        graph.edge(row.rhs, row.lhs, label=apa.bounded(row.std_all) + apa.stars(row.pvalue),
                   style="solid" if significant else "dashed")  # fmt: skip
    if items:
        for row in est[est.op == "=~"].itertuples():
            graph.node(row.rhs, row.rhs, shape="box")
            graph.edge(row.lhs, row.rhs, label=apa.bounded(row.std_all), arrowsize="0.6")
    return graph


def write_diagram(result: FitResult, folder: Path, *, items: bool = False) -> tuple[str, list[Path]]:
    """Write ``path_diagram.svg/.pdf/.png`` (the PNG at 300 dpi) into `folder`; return the SVG text and the files.

    Needs Graphviz's ``dot`` program (Debian package ``graphviz``).
    """
    return write_graph(path_diagram(result, items=items), folder)


def write_graph(graph: graphviz.Digraph, folder: Path) -> tuple[str, list[Path]]:
    """Write `graph` as ``path_diagram.svg/.pdf/.png`` into `folder`; return the SVG text and the files."""
    files = []
    try:
        for fmt in ("svg", "pdf", "png"):
            target = folder / f"path_diagram.{fmt}"
            target.write_bytes((graph if fmt != "png" else _at_dpi(graph, PNG_DPI)).pipe(format=fmt))
            files.append(target)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "the path diagram needs Graphviz's 'dot' program: install it (Debian: apt-get install graphviz)"
        ) from None
    svg = files[0].read_text(encoding="utf-8")
    return svg[svg.index("<svg") :], files


def _at_dpi(graph: graphviz.Digraph, dpi: int) -> graphviz.Digraph:
    """The graph drawn at `dpi` (print resolution for the PNG; SVG and PDF are vector graphics)."""
    copy = graph.copy()
    copy.graph_attr["dpi"] = str(dpi)
    return copy
