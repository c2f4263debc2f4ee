"""End to end in headless Debian Chromium: the web app (change a capacity, run, download) and the report.

The app runs as `python -m simulation.app` on a free localhost port. What it runs is checked
against an independent in-process batch of the scenario it lets the planner download. The
app's logic without the page (variant.py) is checked first, without a browser.
"""

from __future__ import annotations

import copy
import io
import math
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from simulation.app import variant as V
from simulation.errors import ScenarioError
from simulation.scenario import load_scenario
from tests.browser import CHROMIUM, ROOT, SKIP_REASON, launch, running_app, watch_errors

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)

SCENARIOS = ROOT / "tests/scenarios"
BROKEN = SCENARIOS / "broken"
RUN = "Run comparison"


def mean_of(d: dict) -> float:
    """The mean of a duration distribution, from its textbook formula."""
    kind = d["dist"]
    if kind == "fixed":
        return d["value"]
    if kind in ("exponential", "gamma", "lognormal"):
        return d["mean"]
    if kind == "uniform":
        return (d["low"] + d["high"]) / 2
    if kind == "weibull":
        return d["scale"] * math.gamma(1 + 1 / d["shape"])
    w = d.get("weights") or [1] * len(d["values"])
    return sum(v * x for v, x in zip(d["values"], w)) / sum(w)


@pytest.mark.parametrize("dist", [
    {"dist": "fixed", "value": 12, "unit": "weeks"}, {"dist": "exponential", "mean": 4},
    {"dist": "uniform", "low": 2, "high": 6}, {"dist": "gamma", "mean": 8, "sd": 2},
    {"dist": "lognormal", "mean": 5, "sd": 3}, {"dist": "weibull", "shape": 1.7, "scale": 3},
    {"dist": "empirical", "values": [1, 2, 6], "weights": [1, 1, 2]}])
def test_duration_factor_scales_the_mean_and_keeps_the_shape(dist):
    scaled = V.scale_duration(dist, 1.5)
    assert mean_of(scaled) == pytest.approx(1.5 * mean_of(dist))
    assert scaled.get("shape") == dist.get("shape") and scaled.get("unit") == dist.get("unit")
    if "sd" in dist:   # same coefficient of variation
        assert scaled["sd"] / scaled["mean"] == pytest.approx(dist["sd"] / dist["mean"])


def test_an_untouched_form_gives_the_base_back():
    """Applying the form's starting values changes nothing but the name (no defaults written in)."""
    base = load_scenario(ROOT / "scenarios/kassel_2024.toml").resolved
    out = V.apply(base, V.current(base))
    assert {k: v for k, v in out.items() if k != "name"} == {k: v for k, v in base.items() if k != "name"}
    assert V.differences(base, out) == ([("name", base.get("name"), out["name"])]
                                        if base.get("name") != out["name"] else [])


def test_variant_toml_reads_back_identical():
    """The downloaded file is plain TOML that reads back to the same content (dates, arrays, tables)."""
    base = load_scenario(ROOT / "scenarios/kassel_2024.toml").resolved
    changes = V.current(base)
    first = next(iter(changes.programmes))
    changes.programmes[first].places = 3
    changes.hazards_off = set(list(base["hazards"])[:2])
    content = V.apply(base, changes)
    text = V.to_toml(content, "a comment\nover two lines")
    assert tomllib.loads(text) == content
    assert text.startswith("# a comment\n# over two lines\n")


def test_uploaded_variant_extends_the_apps_scenarios():
    """An uploaded variant's `extends` is looked up in the scenarios directory, as the loader would."""
    data = (SCENARIOS / "variant_tiny.toml").read_bytes()
    expected = load_scenario(SCENARIOS / "variant_tiny.toml").resolved
    assert V.load_upload(data, "variant_tiny.toml", SCENARIOS) == expected
    with pytest.raises(ScenarioError) as e:
        V.load_upload(data, "variant_tiny.toml", SCENARIOS / "broken")
    assert e.value.problems[0][0] == "extends" and "tiny.toml" in e.value.problems[0][1]
    with pytest.raises(ScenarioError, match="UTF-8"):
        V.load_upload(b"\xff\xfe\x00", "x.toml", SCENARIOS)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with running_app(SCENARIOS, tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def open_app(page, url: str) -> list[str]:
    errors = watch_errors(page)
    page.goto(url)
    page.get_by_role("button", name=RUN).wait_for()
    return errors


def download(page, button: str, to: Path) -> Path:
    with page.expect_download() as d:
        page.get_by_role("button", name=button).click()
    d.value.save_as(to)
    return to


@needs_chromium
def test_change_capacity_run_compare_and_download(app_url, page, tmp_path):
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.batch.stats import paired

    errors = open_app(page, app_url)
    page.get_by_label("Years to simulate").fill("0.5")
    page.get_by_label("Replications").fill("2")
    page.get_by_label("Seed").fill("4")
    places = page.get_by_label("Places · course")
    assert places.input_value() == "40"                        # the scenario's value
    places.fill("30")
    page.get_by_text("referral_coaching (").click()             # switch a hazard off
    page.get_by_role("button", name=RUN).click()
    page.get_by_role("button", name="Download variant scenario (TOML)").wait_for(timeout=90_000)
    page.get_by_text("Done: 4 replications").wait_for()
    table = page.locator("table").filter(has_text="Variance reduction")
    assert "tiny_variant" in table.inner_text() and "Integrationsquote" in table.inner_text()
    charts = page.locator("[data-testid=stPlotlyChart]")
    charts.nth(7).wait_for(state="attached")                    # differences, indicators, programmes, pathways
    for k in range(charts.count()):                             # charts draw when scrolled into view
        charts.nth(k).scroll_into_view_if_needed()
        charts.nth(k).locator(".main-svg").first.wait_for()

    # the downloaded variant is the base with exactly the two changes, and valid
    saved = download(page, "Download variant scenario (TOML)", tmp_path / "tiny_variant.toml")
    variant = load_scenario(saved)
    base = load_scenario(SCENARIOS / "tiny.toml")
    expected = copy.deepcopy(base.resolved)
    expected["name"] = "tiny variant"
    expected["programmes"]["course"]["places"] = 30
    expected["hazards"]["referral_coaching"]["rate_per_month"] = 0.0
    assert variant.resolved == expected
    assert variant.scenario.programmes["course"].places == 30

    # the results it shows are those of base and downloaded variant run with the same seed
    archive = zipfile.ZipFile(io.BytesIO(download(page, "Download results (zip)", tmp_path / "r.zip").read_bytes()))
    assert {"summary.parquet", "comparison.parquet", "scenarios/tiny.toml", "scenarios/tiny_variant.toml"} \
        <= set(archive.namelist())
    shutil.copy(SCENARIOS / "tiny.toml", tmp_path / "tiny.toml")
    r = run_batch(BatchSpec([str(tmp_path / "tiny.toml"), str(saved)], replications=2, years=0.5, seed=4,
                            out=str(tmp_path / "again"), workers=1), progress=False)
    again = paired(long_values(r.out, r.used), base="tiny")
    shown = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), again.reset_index(drop=True))

    report = download(page, "Download report (HTML)", tmp_path / "report.html").read_text(encoding="utf-8")
    assert "tiny_variant" in report and not re.search(r"<script\b[^>]*\bsrc=", report)
    assert not errors, errors


@needs_chromium
def test_broken_uploads_give_a_message_not_a_traceback(app_url, page):
    open_app(page, app_url)
    page.get_by_role("radio", name="Deutsch").check(force=True)
    page.get_by_role("button", name="Vergleich rechnen").wait_for()
    upload = page.locator("input[type=file]")
    upload.set_input_files(str(BROKEN / "not_toml.toml"))
    page.get_by_text("Dieses Szenario ist nicht verwendbar").wait_for()
    page.get_by_text("expected a TOML file, found a syntax error").wait_for()
    assert page.get_by_text("not_toml.toml").count() >= 1
    # a file extending the app's tiny.toml, with a negative capacity: the field is named
    upload.set_input_files(str(BROKEN / "negative_places.toml"))
    page.get_by_text("programmes.course.places").wait_for()
    assert page.get_by_role("button", name="Vergleich rechnen").count() == 0   # nothing to run
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and 'File "' not in body


@needs_chromium
def test_report_renders_offline_in_the_browser(browser, tmp_path):
    """`jobpath report` on a comparison, opened from file:// with the network blocked: every plot drawn."""
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.batch.stats import paired
    from simulation.batch.store import write_parquet_atomic
    from simulation.report.command import main as report

    r = run_batch(BatchSpec([str(SCENARIOS / "tiny.toml"), str(SCENARIOS / "variant_tiny.toml")], replications=2,
                            years=0.5, out=str(tmp_path / "cmp"), workers=1), progress=False)
    write_parquet_atomic(paired(long_values(r.out, r.used), base="tiny"), r.out / "comparison.parquet")
    html = tmp_path / "report.html"
    assert report([str(r.out), "--lang", "de", "--out", str(html), "--quiet"]) == 0
    n_figs = len(re.findall(r'<div id="fig-\d+"', html.read_text(encoding="utf-8")))

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.route(re.compile(r"^https?://"), lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(html.as_uri())
    plots = page.locator(".js-plotly-plot")
    plots.nth(n_figs - 1).locator(".main-svg").first.wait_for()
    assert plots.count() == n_figs
    for k in range(n_figs):
        assert plots.nth(k).locator("svg.main-svg").count() >= 1
    # drawn, not just framed: lines of the series, bars, and the flows of the pathways
    assert page.locator(".js-plotly-plot .scatterlayer .trace path.js-line").count() > 20
    assert page.locator(".js-plotly-plot .barlayer .point path").count() > 0
    assert page.locator(".js-plotly-plot .sankey .sankey-link").count() > 5
    assert page.get_by_role("heading", name="Wege der Kundinnen und Kunden").count() == 1
    assert not errors, errors
    assert not requests, requests
    context.close()
