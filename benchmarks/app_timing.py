"""The app's timings as a planner meets them, in Debian's Chromium: page load, a comparison of the Kassel baseline
with three variants (5 replications, 2 years, the default workers = all cores), and the time to the complete
results page.

    python -m benchmarks.app_timing [--replications 5] [--years 2]

Prints one line per figure (seconds); docs/app.md quotes them. Not a test: it takes minutes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.browser import ROOT, launch, running_app

VARIANTS = [  # (name, {field label: text}) in English
    ("AGH cut by a third", {"Places · Arbeitsgelegenheiten (AGH, § 16d SGB II)": "214"}),
    ("More course places", {"Places · Integrationskurs (BAMF), general": "760"}),
    ("Outreach doubled", {"Outreach ×": "2"}),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.app_timing")
    p.add_argument("--replications", type=int, default=5)
    p.add_argument("--years", type=float, default=2)
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as logs,
        running_app(ROOT / "scenarios", Path(logs)) as url,
        sync_playwright() as pw,
    ):
        browser = launch(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(600_000)
        t0 = time.perf_counter()
        page.goto(url)
        page.get_by_role("button", name="Add variant").wait_for()
        load = time.perf_counter() - t0
        page.get_by_label("Base scenario", exact=True).first.click()
        page.get_by_role("option", name="Kassel 2024 baseline", exact=True).click()
        page.get_by_text("Integrationskurs (BAMF)").first.wait_for()
        for label, text in (("Years to simulate", f"{args.years:g}"), ("Replications", str(args.replications))):
            box = page.get_by_label(label, exact=True)
            box.fill(text)
            box.press("Enter")
        page.wait_for_timeout(1000)
        for n, (name, fields) in enumerate(VARIANTS, start=1):
            page.get_by_label("Variant name", exact=True).fill(name)
            for label, text in fields.items():
                box = page.get_by_label(label).first
                box.fill(text)
                box.press("Tab")
            page.get_by_role("button", name="Add variant").click()
            page.get_by_text(f"Variants to compare ({n} of at most 5)").wait_for()
        t1 = time.perf_counter()
        page.get_by_role("button", name=f"Compare {len(VARIANTS)} variant(s) with the base").click()
        page.get_by_text("Running:").first.wait_for()
        page.get_by_text("Done:").first.wait_for()
        done = time.perf_counter() - t1
        page.get_by_text("Summary for decision").first.wait_for()
        summary = time.perf_counter() - t1
        page.get_by_role("heading", name="Indicators over time").wait_for()
        page.locator(".js-plotly-plot").last.wait_for()
        page.wait_for_function("() => !document.body.innerText.includes('The figures are being drawn')")
        complete = time.perf_counter() - t1
        browser.close()
    print(f"page load (first screen with the form): {load:.1f} s")
    print(
        f"run: base + {len(VARIANTS)} variants x {args.replications} replications x {args.years:g} years: {done:.1f} s"
    )
    print(f"to the summary for decision: {summary:.1f} s after the click")
    print(f"to the complete results page (every figure drawn): {complete:.1f} s after the click")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
