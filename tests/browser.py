"""Shared helpers for tests in a real browser: Debian's Chromium driven by Playwright, the app in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# as root, without a sandbox; no background connections (this machine's network is closed)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
ROOT = Path(__file__).resolve().parents[1]


def launch(playwright):
    """Headless Debian Chromium (never a browser downloaded by Playwright)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def watch_errors(page) -> list[str]:
    """Collect the page's JavaScript errors and console errors as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return errors


@contextlib.contextmanager
def running_app(scenarios: Path, log_dir: Path, timeout: float = 60):
    """`python -m simulation.app` on a free localhost port; yields its URL; stops its process group."""
    port = free_port()
    log = open(Path(log_dir) / f"app-{port}.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.app", "--port", str(port), "--scenarios", str(scenarios)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, timeout)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


def _wait_healthy(url: str, proc, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app exited with code {proc.returncode}:\n{log.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    log.seek(0)
    raise RuntimeError(f"the app did not answer on {url} within {timeout} s:\n{log.read()}")
