"""PNG export of the report's figures for slides, rendered by kaleido in the system Chromium.

kaleido draws the very plotly figures of the HTML report (one code path, identical pictures);
it drives a headless Chromium, here Debian's /usr/bin/chromium (no browser download).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly.graph_objects as go

SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
WIDTH, SCALE = 1280, 2


class PngError(Exception):
    """PNG export impossible here (no Chromium, or it failed); exit code 2 with this message."""


def chromium() -> str | None:
    """The browser kaleido should use: $BROWSER_PATH, else a system Chromium."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).exists():
        return env
    for p in SYSTEM_CHROMIUM:
        if Path(p).exists():
            return p
    return shutil.which("chromium")


def export(figures: list[tuple[str, go.Figure]], out_dir: str | Path) -> list[Path]:
    """Write each (name, figure) as out_dir/name.png; all in one Chromium session."""
    browser = chromium()
    if browser is None:
        raise PngError(
            "--png: PNG export needs Chromium (e.g. apt-get install chromium, or set BROWSER_PATH); none found"
        )
    os.environ["BROWSER_PATH"] = browser
    import kaleido

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs, paths = [], []
    for name, fig in figures:
        path = out / f"{name}.png"
        height = int(fig.layout.height or 450)
        jobs.append(
            {"fig": fig, "path": str(path), "opts": {"format": "png", "width": WIDTH, "height": height, "scale": SCALE}}
        )
        paths.append(path)
    try:
        # mathjax off: no formulas in these figures, and it would be fetched from a CDN
        kaleido.write_fig_from_object_sync(jobs, kopts={"mathjax": False}, cancel_on_error=True)
    except Exception as e:  # kaleido reports browser failures with its own exception types
        raise PngError(f"--png: rendering the figures in {browser} failed: {e}") from None
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise PngError(f"--png: expected PNG files, found none at {', '.join(missing)}")
    return paths
