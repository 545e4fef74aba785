"""Small inline SVG bar charts for the admin dashboard: no JavaScript, no external files.

Examples
--------
>>> chart = bar_chart(["1", "2", "3"], [4, 9, 2], title="inf_1")
>>> str(chart).startswith("<svg")
True
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, LABEL_H = 220, 90, 14


def bar_chart(labels: Sequence[str], counts: Sequence[float], *, title: str, muted: Sequence[bool] = ()) -> Markup:
    """Vertical bars with their labels below and counts above; `muted` bars (missing codes) are grey.

    The chart carries a ``<title>`` and a ``role="img"`` label listing every count, so it reads
    out as text too.
    """
    if len(labels) != len(counts):
        raise ValueError(f"bar_chart needs one label per count, got {len(labels)} labels and {len(counts)} counts")
    muted = list(muted) or [False] * len(counts)
    top = max([*counts, 1])
    step = WIDTH / max(len(counts), 1)
    plot_h = HEIGHT - 2 * LABEL_H
    bars = []
    for k, (label, count, grey) in enumerate(zip(labels, counts, muted, strict=True)):
        h = plot_h * count / top
        x = k * step + step * 0.1
        y = LABEL_H + plot_h - h
        css = "bar missing" if grey else "bar"
        bars.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" height="{h:.1f}"></rect>'
            f'<text x="{x + step * 0.4:.1f}" y="{y - 2:.1f}" text-anchor="middle">{count:g}</text>'
            f'<text x="{x + step * 0.4:.1f}" y="{HEIGHT - 3}" text-anchor="middle">{escape(label)}</text>'
        )
    described = escape(
        f"{title}: " + ", ".join(f"{label} {count:g}" for label, count in zip(labels, counts, strict=True))
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{described}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(bars)}</svg>'
    )
