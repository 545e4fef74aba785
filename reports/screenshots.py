"""The README's pictures: the top of the demo report in headless Chromium, and its path diagram.

Run ``python -m reports.screenshots docs`` to write ``docs/report.png`` and ``docs/path_diagram.png``
from the demo (500 simulated respondents, seed 1, marked as simulated so the report says so).
Needs Debian's ``chromium`` and the ``playwright`` package (the ``dev`` extra); Playwright drives
the system browser through ``executable_path``, so no browser is downloaded.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import analysis

from .diagram import path_diagram
from .render import render

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
"""Chromium flags for containers and CI: no sandbox (root), no GPU, no calls home."""
VIEWPORT = {"width": 900, "height": 1100}
"""The part of the report page the screenshot shows: title, warning, methods paragraph and Table 1."""


@contextmanager
def chromium() -> Iterator:
    """A headless system Chromium driven by Playwright, closed on exit.

    Examples
    --------
    >>> with chromium() as browser:  # doctest: +SKIP
    ...     browser.new_page().goto(Path("out/report/report.html").resolve().as_uri())
    """
    executable = shutil.which("chromium") or CHROMIUM
    if not Path(executable).is_file():
        raise RuntimeError(f"screenshots need Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("screenshots need the playwright package: pip install -e '.[dev]'") from None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def demo_result(n: int = 500, seed: int = 1) -> analysis.FitResult:
    """The instrument's model fitted to `n` simulated respondents, marked as simulated (as `socialimp demo`)."""
    return analysis.fit(analysis.simulate(n, seed=seed).assign(simulated=True))


def screenshots(out_dir, result: analysis.FitResult | None = None) -> list[Path]:
    """Write ``report.png`` (the top of the HTML report) and ``path_diagram.png`` into `out_dir`.

    Parameters
    ----------
    out_dir : path
        Folder, created if needed.
    result : FitResult, optional
        Whose report to show; default `demo_result()`.

    Examples
    --------
    >>> screenshots("docs")  # doctest: +SKIP
    [PosixPath('docs/report.png'), PosixPath('docs/path_diagram.png')]
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # The browser first: a missing one is said at once, not after the fit.
    with chromium() as browser, tempfile.TemporaryDirectory() as folder:
        result = result or demo_result()
        render(result, folder, formats=("html",))
        page = browser.new_page(viewport=VIEWPORT)
        page.goto((Path(folder) / "report.html").as_uri())
        page.screenshot(path=out / "report.png")
        # At screen resolution: the report's own PNG is drawn at 300 dpi for print.
        (out / "path_diagram.png").write_bytes(path_diagram(result).pipe(format="png"))
    return [out / "report.png", out / "path_diagram.png"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs"), help="folder for the PNGs (docs)")
    args = parser.parse_args(argv)
    try:
        files = screenshots(args.out)
    except RuntimeError as exc:
        print(f"screenshots: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
