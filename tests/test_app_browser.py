"""End to end in headless Debian Chromium: the web app (change a capacity, run, download) and the report.

The app runs as `python -m simulation.app` on a free localhost port. What it runs is checked
against an independent in-process batch of the scenario it lets the planner download. The
app's logic without the page (variant.py) is checked first, without a browser.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import time
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from simulation.app import variant as V
from simulation.errors import ScenarioError
from simulation.report.labels import LABELS
from simulation.scenario import load_scenario
from tests.browser import CHROMIUM, ROOT, SKIP_REASON, launch, running_app, watch_errors

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)

SCENARIOS = ROOT / "tests/scenarios"
BROKEN = SCENARIOS / "broken"
ADD = "Add variant"
LABEL = {k: v["en"] for k, v in LABELS.items()}


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


@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "fixed", "value": 12, "unit": "weeks"},
        {"dist": "exponential", "mean": 4},
        {"dist": "uniform", "low": 2, "high": 6},
        {"dist": "gamma", "mean": 8, "sd": 2},
        {"dist": "lognormal", "mean": 5, "sd": 3},
        {"dist": "weibull", "shape": 1.7, "scale": 3},
        {"dist": "empirical", "values": [1, 2, 6], "weights": [1, 1, 2]},
    ],
)
def test_duration_factor_scales_the_mean_and_keeps_the_shape(dist):
    scaled = V.scale_duration(dist, 1.5)
    assert mean_of(scaled) == pytest.approx(1.5 * mean_of(dist))
    assert scaled.get("shape") == dist.get("shape") and scaled.get("unit") == dist.get("unit")
    if "sd" in dist:  # same coefficient of variation
        assert scaled["sd"] / scaled["mean"] == pytest.approx(dist["sd"] / dist["mean"])


def test_an_untouched_form_gives_the_base_back():
    """Applying the form's starting values changes nothing but the name (no defaults written in)."""
    base = load_scenario(ROOT / "scenarios/kassel_2024.toml").resolved
    out = V.apply(base, V.current(base))
    assert {k: v for k, v in out.items() if k != "name"} == {k: v for k, v in base.items() if k != "name"}
    assert V.differences(base, out) == (
        [("name", base.get("name"), out["name"])] if base.get("name") != out["name"] else []
    )


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


def test_a_failed_run_reports_its_message_not_a_traceback(tmp_path):
    assert (
        V.message_of('Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad\n')
        == "ValueError: bad"
    )
    assert (
        V.message_of("scenarios/a.toml: 2 problems\n  x: expected y\n")
        == "scenarios/a.toml: 2 problems\n  x: expected y"
    )


def test_extends_file_holds_only_the_changed_lines():
    """Tables recurse, a duration is written whole (the loader replaces it whole), a removal falls back."""
    base = load_scenario(SCENARIOS / "tiny.toml").resolved
    ch = V.current(base)
    ch.name = "Längere Kurse"
    ch.programmes["course"].duration_factor = 2.0
    ch.group_factors["outreach"] = 0.5
    ch.inflow_factor = 1.2
    variant = V.apply(base, ch)
    assert V.overrides(base, variant) == {
        "name": ch.name,
        "programmes": {"course": {"duration": {"dist": "gamma", "mean": 16.0, "sd": 4.0}}},
        "hazards": {"outreach_referral": {"rate_per_month": 2.0}},
        "population": {"inflow": {"per_month": 30.0}},
    }
    from simulation.scenario.loader import merge

    assert merge(base, V.overrides(base, variant)) == variant
    ch.programmes["course"].places = None  # unlimited: not sayable as an override
    text = V.extends_toml("tiny.toml", base, V.apply(base, ch))
    assert "extends" not in tomllib.loads(text) and "places" not in tomllib.loads(text)["programmes"]["course"]


def check_messages() -> list[tuple[str, str, str]]:
    """Every problem the bad and broken test files give: (file, field, message)."""
    out = []
    for d in (SCENARIOS / "broken", SCENARIOS / "bad"):
        for f in sorted(d.glob("*.toml")):
            with pytest.raises(ScenarioError) as e:
                load_scenario(f)
            out += [(f.name, path, msg) for path, msg in e.value.problems]
    return out


def test_every_check_message_of_the_test_files_has_a_german_text():
    """The catalogue knows each message of the bad-input corpus: German, the file's values kept, no English
    template words left; in English mode messages are shown as the loader gives them."""
    from simulation.app.messages import english_fragments, german, translate

    found = check_messages()
    assert len(found) > 40
    for name, _path, msg in found:
        de = german(msg)
        assert de is not None, (name, msg)
        assert translate(msg, "en") == msg
        quoted = re.findall(r"'[^']*'", msg)
        assert all(q in de for q in quoted), (name, msg, de)  # names and values as in the file
        left = [frag for frag in english_fragments() if frag in de]
        assert not left, (name, de, left)
    assert (
        german("input should be greater than or equal to 0, found -40")
        == "erwartet: eine Zahl größer oder gleich 0, gefunden: -40"
    )
    assert (
        translate("a message nobody wrote a pattern for", "de")
        == "(Prüfmeldung nur auf Englisch) a message nobody wrote a pattern for"
    )


@pytest.mark.parametrize(
    "extends",
    [
        "../../../../../etc/passwd",
        "/etc/passwd",
        "../tiny.toml/../../x.toml",
        "broken/negative_places.toml",
        "no_such.toml",
        "tiny.toml\\u0000.toml",
    ],
)
def test_an_upload_extends_only_the_apps_scenario_files(extends, tmp_path):
    """`extends` of an uploaded file names one of the files the app offers, or the upload is refused."""
    data = f'extends = "{extends}"\nname = "x"\n'.encode()
    with pytest.raises(ScenarioError) as e:
        V.load_upload(data, "mine.toml", SCENARIOS)
    assert e.value.problems[0][0] == "extends"
    assert "root:" not in str(e.value)  # nothing of another file is echoed
    from simulation.app.messages import german

    assert german(e.value.problems[0][1]) is not None  # and said in German in German mode
    # a file of the offered ones, named by its path or its name, from anywhere
    for ok in ("tiny.toml", "../tiny.toml", "variants/../tiny.toml"):
        got = V.load_upload(f'extends = "{ok}"\nname = "x"\n'.encode(), "mine.toml", SCENARIOS)
        assert got["name"] == "x" and got["programmes"]["course"]["places"] == 40


def test_a_file_variant_downloads_as_written_plus_the_changed_lines():
    """A shipped variant unchanged is its own text; changed, its own tables with the changed lines merged in,
    which the loader resolves to the variant the app ran."""
    from simulation.scenario.loader import merge, read_toml

    path = SCENARIOS / "variant_tiny.toml"
    text = path.read_text(encoding="utf-8")
    resolved = load_scenario(path).resolved
    assert V.file_variant_toml(text, resolved, resolved) == text
    ch = V.current(resolved)
    ch.name = "tiny variant, 36 places"
    ch.programmes["course"].places = 36
    variant = V.apply(resolved, ch)
    out = tomllib.loads(V.file_variant_toml(text, resolved, variant, "a comment"))
    assert out["extends"] == "tiny.toml" and out["programmes"]["course"] == {"places": 36}
    assert out["hazards"] == tomllib.loads(text)["hazards"]
    base = dict(out)
    base.pop("extends")
    assert merge(read_toml(SCENARIOS / "tiny.toml"), base) == variant


def test_budget_lever_changes_the_yearly_amount_and_keeps_steps():
    base = load_scenario(SCENARIOS / "tiny_budget.toml").resolved
    ch = V.current(base)
    assert ch.budgets == {"kurse": 60000, "coaching": base["budgets"]["coaching"]["per_year"]}
    ch.budgets["kurse"] = 90000.0
    variant = V.apply(base, ch)
    assert V.overrides(base, variant) == {"budgets": {"kurse": {"per_year": 90000}}}
    assert isinstance(variant["budgets"]["kurse"]["per_year"], int)
    assert variant["budgets"]["coaching"] == base["budgets"]["coaching"]


def test_staffing_and_pool_levers_change_their_line_and_keep_steps():
    base = load_scenario(SCENARIOS / "tiny_staff.toml").resolved
    ch = V.current(base)
    assert ch.staffing == {"regular": 3, "outreach": base["staffing"]["outreach"]["staff"]}
    assert isinstance(ch.staffing["outreach"], list) and ch.pools == {"kurse": 40}
    assert V.apply(base, ch) == base  # untouched: the base back
    ch.staffing["regular"], ch.pools["kurse"] = 4.5, 30.0
    variant = V.apply(base, ch)
    assert V.overrides(base, variant) == {"staffing": {"regular": {"staff": 4.5}}, "pools": {"kurse": {"places": 30}}}
    assert isinstance(variant["pools"]["kurse"]["places"], int)
    assert variant["staffing"]["outreach"] == base["staffing"]["outreach"]  # steps kept
    text = V.extends_toml("tiny_staff.toml", base, variant)
    assert tomllib.loads(text) == {
        "extends": "tiny_staff.toml",
        "staffing": {"regular": {"staff": 4.5}},
        "pools": {"kurse": {"places": 30}},
    }


def test_full_occupancy_counts_a_pools_places_not_its_members_own(tmp_path):
    """tiny: course 40 × 400 + coaching 20 × 900 + Deutsch plus 10 × 200 = 36.000 EUR a month; with the course
    and Deutsch plus in a pool of 40 places (at most 400 a place): 16.000 + 18.000 = 34.000 a month."""
    from simulation.batch.runner import BatchSpec, run_batch
    from simulation.report import tables
    from simulation.report.data import load_results

    run_batch(
        BatchSpec(
            [str(SCENARIOS / "tiny.toml"), str(SCENARIOS / "tiny_staff.toml")],
            replications=2,
            years=1,
            seed=2,
            out=str(tmp_path / "out"),
            workers=1,
        ),
        progress=False,
    )
    res = load_results(tmp_path / "out")
    c = tables.cost_numbers(res).set_index("scenario")["budget"]
    assert c["tiny"] == 12 * 36_000 and c["tiny_staff"] == 12 * 34_000
    from simulation.app import exports

    caseload = exports.staffing_numbers(res)
    assert list(caseload["staffing"]) == ["regular", "outreach"] and set(caseload["scenario"]) == {"tiny_staff"}
    pools = exports.pool_numbers(res)
    assert pools["places"].tolist() == [40.0] and 0 < pools["occupancy"].iloc[0] <= 1.01


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
    page.get_by_role("button", name=ADD).wait_for()
    return errors


def download(page, button: str, to: Path) -> Path:
    with page.expect_download() as d:
        page.get_by_role("button", name=button, exact=True).click()
    d.value.save_as(to)
    return to


def idle(page) -> None:
    """Wait until the page has no run of its script going (Streamlit's status widget gone): a click during a
    rerun can land on a button that is being drawn again, and be lost."""
    page.wait_for_timeout(200)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=30_000)


def click_add(page, lang: str, listed: str) -> None:
    """Click "Add variant" once the page is idle, and wait until the list shows `listed`; a click the page did
    not take (it landed while a field's rerun redrew the button) is made again, a refusal of the form fails."""
    from playwright.sync_api import TimeoutError as Timeout

    for _attempt in range(3):
        idle(page)
        page.get_by_role("button", name=LABELS["add_variant"][lang]).click()
        try:
            page.get_by_text(listed).wait_for(timeout=10_000)
            return
        except Timeout:
            idle(page)
            refused = page.get_by_text(LABELS["invalid_input"][lang])
            assert refused.count() == 0, page.locator("[data-testid=stAlert]").all_inner_texts()
            if page.get_by_text(listed).count():
                return
    raise AssertionError(f"the list never showed {listed!r}")


def one_field(page, label: str) -> None:
    """Wait until one field has this label (while the page runs again, the old one can linger)."""
    page.wait_for_function('l => document.querySelectorAll(`input[aria-label="${l}"]`).length === 1', arg=label)


def fill(page, label: str, text: str) -> None:
    """Type into a text field and leave it (outside a form, Streamlit takes the value on Enter)."""
    one_field(page, label)
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")


def add_variant(page, name: str, fields: dict[str, str], listed: str) -> None:
    """Set a variant's name and levers in the form, add it, wait until the list shows it."""
    page.get_by_label(LABEL["variant_name"], exact=True).fill(name)
    for label, text in fields.items():
        one_field(page, label)
        page.get_by_label(label, exact=True).fill(text)
    click_add(page, "en", listed)


def screenshot(page, name: str, top: str | None = None) -> None:
    """With JOBPATH_SCREENSHOTS=1, the page from the text `top` on, for docs/app_<name>.png."""
    if not os.environ.get("JOBPATH_SCREENSHOTS"):
        return
    size = page.viewport_size
    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(800)
    if top:  # scroll the main pane until `top` is at the top
        page.mouse.move(800, 700)
        for _ in range(5):
            box = page.get_by_text(top).first.bounding_box()
            if box is None or abs(box["y"] - 20) < 30:
                break
            page.mouse.wheel(0, box["y"] - 20)
            page.wait_for_timeout(400)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ROOT / "docs" / f"app_{name}.png"))
    page.set_viewport_size(size)


@needs_chromium
def test_three_variants_side_by_side_survive_a_language_switch(app_url, page, tmp_path):
    """A cut below day-one occupancy, a lever group off and more inflow: run together, the language
    switched while they run; the side-by-side table, the Excel workbook and the variant files."""
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.batch.stats import paired

    errors = open_app(page, app_url)
    fill(page, "Years to simulate", "1")
    fill(page, "Replications", "3")
    fill(page, "Seed", "4")
    assert page.get_by_label("Places · course").input_value() == "40"  # the scenario's value
    page.get_by_text("30 in it on day one").first.wait_for()
    # 20 places for the 30 people in the course on day one: a normal plan, accepted
    add_variant(page, "Kürzung Kurs", {"Places · course": "20"}, "Variants to compare (1 of at most 5)")
    add_variant(page, "Outreach aus", {"Outreach ×": "0"}, "Variants to compare (2 of at most 5)")
    add_variant(
        page, "Mehr Zugänge", {"Monthly inflow × (now 25 a month)": "1.5"}, "Variants to compare (3 of at most 5)"
    )
    screenshot(page, "variants", "Lever groups")
    page.get_by_role("button", name="Compare 3 variant(s) with the base").click()
    page.get_by_text("Running:").wait_for()
    page.get_by_role("radio", name="Deutsch").check(force=True)  # a rerun during the run
    page.get_by_text(re.compile(r"Läuft: \d+ von 12 Replikationen|Fertig: 12 Replikationen")).first.wait_for()
    page.get_by_text("Fertig: 12 Replikationen").wait_for(timeout=120_000)
    page.get_by_text("Zusammenfassung für die Entscheidung").wait_for()
    screenshot(page, "results", "Zusammenfassung für die Entscheidung")

    # all three variants side by side, each with its difference and whether it is significant
    side = page.locator("table").filter(has_text="Basis: tiny").filter(has_text="eLb-Bestand")
    head = side.locator("thead").inner_text()
    assert all(v in head for v in ("Kürzung Kurs", "Outreach aus", "Mehr Zugänge")), head
    body = side.locator("tbody").inner_text()
    assert "Integrationsquote" in body and "Pp." in body and "signifikant" in body
    assert "Varianzreduktion" not in page.locator("body").inner_text()
    summary = page.locator("table").filter(has_text="Kosten der Variante / Kosten bei Vollbelegung")
    assert summary.locator("tbody tr").count() == 3
    # more inflow: more people in benefit, a difference the replications show clearly
    more = summary.locator("tbody tr").filter(has_text="Mehr Zugänge")
    assert "(signifikant)" in more.inner_text()

    archive = zipfile.ZipFile(
        io.BytesIO(download(page, "Ergebnisse herunterladen (zip)", tmp_path / "r.zip").read_bytes())
    )
    shown = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    assert set(shown["variant"]) == {"Kürzung_Kurs", "Outreach_aus", "Mehr_Zugänge"}

    # the Excel workbook holds the comparison, as numbers (rates in %, differences in percentage points)
    book = pd.read_excel(download(page, "Vergleich als Excel-Arbeitsmappe", tmp_path / "v.xlsx"), sheet_name=None)
    assert {"Zusammenfassung", "Vergleich", "Maßnahmen", "Kosten"} <= set(book)
    cmp_sheet = book["Vergleich"]
    iq = cmp_sheet[(cmp_sheet["Kennzahl"] == "Integrationsquote") & (cmp_sheet["Variante"] == "Kürzung Kurs")]
    want = shown[(shown["indicator"] == "iq") & (shown["variant"] == "Kürzung_Kurs") & (shown["period_type"] == "year")]
    assert iq["Differenz"].to_numpy() == pytest.approx(100 * want["diff_mean"].to_numpy())
    assert len(book["Zusammenfassung"]) == 3
    csv = download(page, "Vergleich als CSV", tmp_path / "v.csv")
    assert len(pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig")) >= len(cmp_sheet)

    # the variant file: `extends` the base with only the changed lines; valid; it reproduces the run
    saved = download(page, "Kürzung Kurs", tmp_path / "Kürzung_Kurs.toml")
    text = saved.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data == {"extends": "tiny.toml", "name": "Kürzung Kurs", "programmes": {"course": {"places": 20}}}
    assert len(text.splitlines()) < 12
    shutil.copy(SCENARIOS / "tiny.toml", tmp_path / "tiny.toml")
    assert load_scenario(saved).scenario.programmes["course"].places == 20
    r = run_batch(
        BatchSpec(
            [str(tmp_path / "tiny.toml"), str(saved)],
            replications=3,
            years=1,
            seed=4,
            out=str(tmp_path / "again"),
            workers=1,
        ),
        progress=False,
    )
    again = paired(long_values(r.out, r.used), base="tiny")
    mine = shown[shown["variant"] == "Kürzung_Kurs"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, again.reset_index(drop=True))
    assert not errors, errors


def choose(page, label: str, option: str, multi: bool = False, exact: bool = False) -> None:
    """Pick an option of a select box (or a multiselect); opened again if a rerun of the page closed it."""
    from playwright.sync_api import TimeoutError as Timeout

    for _ in range(6):
        page.get_by_label(label, exact=exact).first.click() if exact else page.get_by_label(label).click()
        if multi:
            page.keyboard.press("ArrowDown")
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except Timeout:  # the list closed (the page ran again): open it again
            page.keyboard.press("Escape")
    raise AssertionError(f"{label}: no option {option!r}")


def run_again(tmp_path: Path, files: list[Path], reps: int, years: float, seed: int, base: str) -> pd.DataFrame:
    """An independent in-process comparison of scenario files: the paired differences, base first."""
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.batch.stats import paired

    r = run_batch(
        BatchSpec(
            [str(f) for f in files], replications=reps, years=years, seed=seed, out=str(tmp_path / "again"), workers=1
        ),
        progress=False,
    )
    return paired(long_values(r.out, r.used), base=base)


# every kind of number field of the form, with what is typed in English and in German (same numbers)
SWITCH_FIELDS = [
    ("places", "course", "35", "35"),
    ("duration_factor", "course", "1.5", "1,5"),
    ("cost_per_month", "course", "1,250.5", "1.250,5"),
    ("cost_per_month", "coaching", "1,200", "1.200"),
    ("entries_per_year", "coaching", "1,000", "1.000"),
    ("group", "Outreach", "0.5", "0,5"),
    ("inflow", "", "1.25", "1,25"),
    ("budget", "kurse", "65,000.5", "65.000,5"),
    ("hazard", "other_exit", "2.5", "2,5"),
]


def switch_label(kind: str, name: str, lang: str) -> str:
    """The accessible name of a number field of the form, as the page writes it in the language."""
    L = {k: v[lang] for k, v in LABELS.items()}
    if kind in ("places", "duration_factor", "cost_per_month", "entries_per_year"):
        return f"{L[kind]} · {name}"
    if kind == "group":
        return f"{name if lang == 'en' else 'Aufsuchende Beratung'} ×"
    if kind == "inflow":
        return L["inflow_factor"].format(per=25)
    if kind == "budget":
        return f"{L['budget_per_year']} · {name}"
    from simulation.report.labels import exit_label

    rate = "0.015" if lang == "en" else "0,015"
    return L["hazard_label"].format(name=name, rate=rate, to=exit_label("other_income", lang))


def fill_switch_fields(page, fields: list, lang: str) -> None:
    for kind, name, en, de in fields:
        box = page.get_by_label(switch_label(kind, name, lang), exact=True)
        if kind == "hazard" and not box.is_visible():
            page.get_by_text(LABELS["switches"][lang]).click()  # open the fold of the single rates
        box.fill(en if lang == "en" else de)
        box.press("Tab")


def switch_to(page, lang: str) -> None:
    """Switch the page's language (again if a rerun swallowed the click) and wait until it is drawn."""
    from playwright.sync_api import TimeoutError as Timeout

    for _ in range(3):
        idle(page)
        page.get_by_role("radio", name="Deutsch" if lang == "de" else "English").check(force=True)
        try:
            page.get_by_role("button", name=LABELS["add_variant"][lang]).wait_for(timeout=15_000)
            break
        except Timeout:
            continue
    idle(page)


@needs_chromium
def test_a_language_switch_keeps_every_number_field_as_its_number(app_url, page):
    """English 1,200 is twelve hundred and German 1,2 is one point two: a switch of language before or after
    filling any kind of field gives the variant made without a switch; fields not touched keep the base's
    value exactly, shown in the new language's format."""
    errors = open_app(page, app_url)
    choose(page, "Base scenario", "tiny with budgets", exact=True)
    page.get_by_text("pays for: course, deutsch_plus").wait_for()
    fill(page, "Years to simulate", "1.5")
    rows = {}
    half = len(SWITCH_FIELDS) // 2
    plans = {
        "plain": [("en", SWITCH_FIELDS)],  # no switch
        "after": [("en", SWITCH_FIELDS[:half]), ("de", SWITCH_FIELDS[half:])],  # en, switch, then de
        "before": [("de", SWITCH_FIELDS[:half]), ("en", SWITCH_FIELDS[half:])],
    }  # de, switch, then en
    lang = "en"
    for n, (name, steps) in enumerate(plans.items(), start=1):
        for step_lang, fields in steps:
            if step_lang != lang:
                switch_to(page, step_lang)
                lang = step_lang
            fill_switch_fields(page, fields, lang)
        if name == "after":  # what was typed in English is shown as the same number in German
            assert (
                page.get_by_label(switch_label("cost_per_month", "course", "de"), exact=True).input_value() == "1.250,5"
            )
            assert (
                page.get_by_label(switch_label("cost_per_month", "deutsch_plus", "de"), exact=True).input_value()
                == "200"
            )
            assert page.get_by_label("Simulierte Jahre", exact=True).input_value() == "1,5"
        page.get_by_label(LABELS["variant_name"][lang], exact=True).fill(name)
        click_add(page, lang, LABELS["variants_list"][lang].format(n=n, max=5))
    switch_to(page, "de")
    assert page.get_by_label(switch_label("budget", "kurse", "de"), exact=True).input_value() == "60.000"
    assert page.get_by_label("Simulierte Jahre", exact=True).input_value() == "1,5"
    listed = page.locator("[data-testid=stHorizontalBlock]").filter(has_text="Entfernen")
    for name in plans:
        row = listed.filter(has_text=name).last
        row.get_by_text(re.compile(r"alle \d+ Änderungen")).click()
        rows[name] = row.get_by_role("list").inner_text()
    assert "1.250,5" in rows["plain"] and "65.000,5" in rows["plain"], rows["plain"]
    assert rows["plain"] == rows["after"] == rows["before"], rows
    assert not errors, errors


def test_follow_language_rewrites_a_text_as_the_same_number():
    """Without a browser: each kind of text through a switch and back reads as the number it was."""
    from simulation.app.page import follow_language, read_number

    for text_en, value, want in [
        ("1,200", 900.0, 1200.0),
        ("1.5", 1.0, 1.5),
        ("", None, None),
        ("900", 900.0, 900.0),
        ("0.123456789", 0.5, 0.1235),
        ("abc", 1.0, None),
    ]:
        state = {"f::lang": "en", "f": text_en}
        follow_language(state, "f", value, "de")
        assert state["f::lang"] == "de"
        if text_en == "abc":
            assert state["f"] == "abc"
            continue
        got = read_number(state["f"], value, "de", optional=True)
        assert got == pytest.approx(want) if want is not None else got is None, (text_en, state["f"])
        follow_language(state, "f", value, "en")
        assert read_number(state["f"], value, "en", optional=True) == got
    # an untouched field is the base's value, unrounded, in either language
    from simulation.app.page import show_number

    state = {"g::lang": "en", "g": show_number(1234.56789, "en")}
    follow_language(state, "g", 1234.56789, "de")
    assert state["g"] == "1.234,57" and read_number(state["g"], 1234.56789, "de", optional=False) == 1234.56789


@needs_chromium
def test_budgets_are_a_lever_and_the_cost_is_against_them(app_url, page, tmp_path):
    """German mode, a base with two budgets (one a plain yearly amount, one cut in 2025): the amount is
    typed in German format, the steps are shown and kept; the summary shows commitments against the
    budgets, the budget table and the § 48a table per variant; the variant file holds the budget line."""
    errors = open_app(page, app_url)
    page.get_by_role("radio", name="Deutsch").check(force=True)
    page.get_by_role("button", name="Variante hinzufügen").wait_for()
    choose(page, "Basisszenario", "tiny with budgets")
    page.get_by_text("finanziert: course, deutsch_plus").wait_for()
    one_field(page, "Budget je Jahr (EUR) · kurse")
    box = page.get_by_label("Budget je Jahr (EUR) · kurse", exact=True)
    assert box.input_value() == "60.000"
    stepped = page.get_by_label("Budget je Jahr (EUR) · coaching", exact=True)  # a plan over time: its steps
    assert stepped.input_value() == "80.000 ab 01.01.2024; 50.000 ab 01.01.2025"  # (kept when left as they are)
    fill(page, "Simulierte Jahre", "2")
    fill(page, "Replikationen", "3")
    fill(page, "Startwert (Seed)", "5")
    page.get_by_label("Name der Variante", exact=True).fill("Mehr Kursgeld")
    box.fill("90.000")  # German thousands
    page.get_by_role("button", name="Variante hinzufügen").click()
    page.get_by_text("kurse: 60.000 € → 90.000 €").wait_for()
    screenshot(page, "budgets_de", "Budgets")
    page.get_by_role("button", name="1 Variante(n) mit der Basis vergleichen").click()
    page.get_by_text("Zusammenfassung für die Entscheidung").wait_for(timeout=120_000)

    # the figures shown, against the results' own budget table
    archive = zipfile.ZipFile(
        io.BytesIO(download(page, "Ergebnisse herunterladen (zip)", tmp_path / "r.zip").read_bytes())
    )
    names = [n for n in archive.namelist() if n.startswith("budget_monthly/Mehr_Kursgeld/")]
    assert len(names) == 3
    bm = pd.concat([pd.read_parquet(io.BytesIO(archive.read(n))) for n in names])
    y25 = bm[bm["month"].astype(str).str.startswith("2025")]
    committed = y25.groupby("replication")["committed"].sum().mean()
    budgets = y25.sort_values("month").groupby("budget")["budget_year"].last().sum()
    assert budgets == 140_000  # 90.000 (changed) + 50.000 (the 2025 step, kept)
    from simulation.report.tables import number

    summary = page.locator("table").filter(has_text="Mittelbindung / Budgets")
    row = summary.locator("tbody tr").filter(has_text="Mehr Kursgeld").inner_text()
    assert f"{number(committed, 0, 'de')} / 140.000 EUR" in row, row
    assert "Vollbelegung" not in summary.inner_text()  # every scenario has budgets: the old figure is not needed
    table = page.locator("table").filter(has_text="Budget des Jahres (EUR)")
    table.locator("tbody tr").first.wait_for()  # drawn after the report is built
    assert table.locator("tbody tr").count() == 2 * 2 * 2  # scenarios x budgets x years
    assert "90.000" in table.inner_text() and "50.000" in table.inner_text()

    # the § 48a indicators, per variant, in German
    page.get_by_role("heading", name="Kennzahlen nach § 48a SGB II").wait_for()
    kz = page.locator("table").filter(has_text="K2 Integrationsquote")
    head = kz.locator("thead").inner_text()
    assert "Basis: tiny with budgets" in head and "Mehr Kursgeld" in head, head
    assert "K3E2 Aktivierungsquote der LZB" in kz.inner_text()
    assert re.search(r"\d+,\d % \[\d+,\d %; \d+,\d %\]", kz.inner_text())
    shown = pd.read_parquet(io.BytesIO(archive.read("summary.parquet")))
    iq = shown[(shown["scenario"] == "Mehr_Kursgeld") & (shown["indicator"] == "iq") & (shown["period"] == "2025")]
    k2 = kz.locator("tbody tr").filter(has_text="K2 Integrationsquote").filter(has_text="2025")
    assert f"{number(100 * iq['mean'].iloc[0], 1, 'de')} %" in k2.locator("td").nth(1).inner_text()
    screenshot(page, "results_budgets_de", "Zusammenfassung für die Entscheidung")

    # the variant file: extends the base, only the budget line; validates and reproduces the run
    saved = download(page, "Mehr Kursgeld", tmp_path / "Mehr_Kursgeld.toml")
    assert tomllib.loads(saved.read_text(encoding="utf-8")) == {
        "extends": "tiny_budget.toml",
        "name": "Mehr Kursgeld",
        "budgets": {"kurse": {"per_year": 90000}},
    }
    for f in ("tiny.toml", "tiny_budget.toml"):
        shutil.copy(SCENARIOS / f, tmp_path / f)
    again = run_again(tmp_path, [tmp_path / "tiny_budget.toml", saved], 3, 2, 5, "tiny_budget")
    mine = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), again.reset_index(drop=True))
    assert not errors, errors


@needs_chromium
def test_case_managers_and_pool_places_are_levers_with_the_caseload_shown(app_url, page, tmp_path):
    """German mode, a base with two staffing groups (one with staff over time) and a pool: the case managers
    and the pool's places typed in German format, the steps shown and kept; the results show the caseload
    and the pool's use per year; the variant file holds the two changed lines and reproduces the run."""
    errors = open_app(page, app_url)
    page.get_by_role("radio", name="Deutsch").check(force=True)
    page.get_by_role("button", name="Variante hinzufügen").wait_for()
    choose(page, "Basisszenario", "tiny with staffing and a pool")
    page.get_by_text("gemeinsam für: course, deutsch_plus").wait_for()
    staff, places = "Fallmanagerinnen und Fallmanager · regular", "Plätze des Pools · kurse"
    one_field(page, staff)
    assert page.get_by_label(staff, exact=True).input_value() == "3"
    assert page.get_by_label(places, exact=True).input_value() == "40"
    staff_plan = page.get_by_label("Fallmanagerinnen und Fallmanager · outreach", exact=True)  # staff over time
    assert staff_plan.input_value() == "1 ab 01.01.2024; 0,5 ab 01.01.2025"  # kept when left as it is
    fill(page, "Simulierte Jahre", "2")
    fill(page, "Replikationen", "3")
    fill(page, "Startwert (Seed)", "6")
    page.get_by_label("Name der Variante", exact=True).fill("Mehr Personal")
    page.get_by_label(staff, exact=True).fill("4,5")  # German decimal comma
    page.get_by_label(places, exact=True).fill("30")
    page.get_by_role("button", name="Variante hinzufügen").click()
    page.get_by_text(
        "Reguläre Betreuung: Fallmanagerinnen und Fallmanager 3 → 4,5; Kursplätze: Plätze des Pools 40 → 30"
    ).wait_for()
    screenshot(page, "staffing_pools_de", "Fallmanagerinnen und Fallmanager")
    page.get_by_role("button", name="1 Variante(n) mit der Basis vergleichen").click()
    page.get_by_text("Zusammenfassung für die Entscheidung").wait_for(timeout=120_000)

    # the caseload shown, against the results' own staffing table
    archive = zipfile.ZipFile(
        io.BytesIO(download(page, "Ergebnisse herunterladen (zip)", tmp_path / "r.zip").read_bytes())
    )
    names = [n for n in archive.namelist() if n.startswith("staffing_monthly/Mehr_Personal/")]
    assert len(names) == 3
    sm = pd.concat([pd.read_parquet(io.BytesIO(archive.read(n))) for n in names])
    reg = sm[(sm["staffing"] == "regular") & sm["month"].astype(str).str.startswith("2025")]
    assert set(reg["staff"]) == {4.5}
    caseload = reg.groupby("replication")["caseload"].mean().mean()
    from simulation.report.tables import number

    page.get_by_role("heading", name="Fallmanagement: Betreuungsschlüssel je Jahr").wait_for()
    table = page.locator("table").filter(has_text="Kundinnen und Kunden je Fachkraft")
    table.locator("tbody tr").first.wait_for()
    assert table.locator("tbody tr").count() == 2 * 2 * 2  # scenarios x groups x years
    row = (
        table.locator("tbody tr")
        .filter(has_text="Mehr Personal")
        .filter(has_text="Reguläre Betreuung")
        .filter(has_text="2025")
        .inner_text()
    )
    assert number(caseload, 1, "de") in row and "4,5" in row, row
    pool = page.locator("table").filter(has_text="Teilnehmende / Plätze")
    pool.locator("tbody tr").first.wait_for()  # the page shows its sections as they are ready
    assert pool.locator("tbody tr").count() == 2 * 2
    assert "30,0" in pool.locator("tbody tr").filter(has_text="Mehr Personal").first.inner_text()
    # full occupancy counts the pool's places: 30 × 400 + coaching 20 × 900 = 30.000 EUR a month
    summary = page.locator("table").filter(has_text="Kosten der Variante / Kosten bei Vollbelegung")
    assert "/ 360.000 EUR" in summary.locator("tbody tr").filter(has_text="Mehr Personal").inner_text()
    text = "\n".join(page.locator("[data-testid=stMain], [data-testid=stSidebar]").all_inner_texts())
    found = [frag for frag in english_fragments() if re.search(rf"(?<!\w){re.escape(frag)}(?!\w)", text)]
    assert not found, found
    screenshot(page, "results_staffing_de", "Fallmanagement: Betreuungsschlüssel je Jahr")

    # the variant file: extends the base with the two changed lines only; valid; it reproduces the run
    saved = download(page, "Mehr Personal", tmp_path / "Mehr_Personal.toml")
    assert tomllib.loads(saved.read_text(encoding="utf-8")) == {
        "extends": "tiny_staff.toml",
        "name": "Mehr Personal",
        "staffing": {"regular": {"staff": 4.5}},
        "pools": {"kurse": {"places": 30}},
    }
    for f in ("tiny.toml", "tiny_staff.toml"):
        shutil.copy(SCENARIOS / f, tmp_path / f)
    loaded = load_scenario(saved)
    assert loaded.resolved["staffing"]["regular"]["staff"] == 4.5 and loaded.resolved["pools"]["kurse"]["places"] == 30
    again = run_again(tmp_path, [tmp_path / "tiny_staff.toml", saved], 3, 2, 6, "tiny_staff")
    mine = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), again.reset_index(drop=True))
    assert not errors, errors


@needs_chromium
def test_file_variants_shipped_changed_and_uploaded(app_url, page, tmp_path):
    """A shipped variant added as it is, the same file with a line changed, and an uploaded file: compared
    together; each downloads as its file (plus the changed lines), which reproduces the run."""
    errors = open_app(page, app_url)
    fill(page, "Years to simulate", "1")
    fill(page, "Replications", "2")
    fill(page, "Seed", "3")
    choose(page, "… or add scenario files as variants", "variant_tiny.toml", multi=True)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add files").click()
    page.get_by_text("Variants to compare (1 of at most 5)").wait_for()
    # start the levers from the shipped variant: its 32 course places, changed to 36
    choose(page, "Start from", "tiny variant")
    page.wait_for_function("""() => { const f = document.querySelectorAll('input[aria-label="Places · course"]');
        return f.length === 1 && f[0].value === "32"; }""")  # the form starts again from the file
    add_variant(page, "tiny variant, 36 places", {"Places · course": "36"}, "Variants to compare (2 of at most 5)")
    # uploads: refused ones say why (never a traceback), a good one is added
    zone = page.locator("[data-testid=stFileUploader]").filter(has_text="upload a variant file")
    bad = tmp_path / "outside.toml"
    bad.write_text('extends = "../../../etc/passwd"\nname = "outside"\n', encoding="utf-8")
    zone.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_text("named 'passwd', found none").wait_for()
    assert page.get_by_role("button", name="Add uploaded file").is_disabled()
    mine = tmp_path / "faster_course.toml"
    mine.write_text(
        'extends = "tiny.toml"\nname = "Uploaded: faster course"\n\n[programmes.course]\n'
        'duration = { dist = "gamma", mean = 6, sd = 1.5 }\n',
        encoding="utf-8",
    )
    zone.locator("input[type=file]").set_input_files(str(mine))
    page.get_by_role("button", name="Add uploaded file").click()
    page.get_by_text("Variants to compare (3 of at most 5)").wait_for()
    page.get_by_text("course: duration, mean 8 → 6").wait_for()
    screenshot(page, "file_variants", "… or add scenario files as variants")
    page.get_by_role("button", name="Compare 3 variant(s) with the base").click()
    page.get_by_text("Summary for decision").wait_for(timeout=120_000)
    archive = zipfile.ZipFile(io.BytesIO(download(page, "Download results (zip)", tmp_path / "r.zip").read_bytes()))
    shown = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    assert set(shown["variant"]) == {"variant_tiny", "tiny_variant_36_places", "faster_course"}

    d = tmp_path / "downloads"
    d.mkdir()
    shutil.copy(SCENARIOS / "tiny.toml", d / "tiny.toml")
    shipped = download(page, "tiny variant", d / "variant_tiny.toml")
    assert shipped.read_text(encoding="utf-8") == (SCENARIOS / "variant_tiny.toml").read_text(encoding="utf-8")
    changed = download(page, "tiny variant, 36 places", d / "tiny_variant_36_places.toml")
    data = tomllib.loads(changed.read_text(encoding="utf-8"))
    assert data["extends"] == "tiny.toml" and data["programmes"]["course"] == {"places": 36}
    assert data["hazards"] == tomllib.loads(shipped.read_text(encoding="utf-8"))["hazards"]
    uploaded = download(page, "Uploaded: faster course", d / "faster_course.toml")
    assert uploaded.read_text(encoding="utf-8") == mine.read_text(encoding="utf-8")
    assert load_scenario(changed).scenario.programmes["course"].places == 36
    again = run_again(tmp_path, [d / "tiny.toml", shipped, changed, uploaded], 2, 1, 3, "tiny")
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), again.reset_index(drop=True))
    assert not errors, errors


@needs_chromium
def test_a_run_can_be_cancelled(app_url, page):
    open_app(page, app_url)
    fill(page, "Years to simulate", "10")
    fill(page, "Replications", "50")
    add_variant(page, "long", {"Duration × · course": "1.5"}, "Variants to compare (1 of at most 5)")
    page.get_by_role("button", name="Compare 1 variant(s) with the base").click()
    page.get_by_role("button", name="Cancel run").click()
    page.get_by_text("The run was cancelled.").wait_for()
    assert page.get_by_text("Summary for decision").count() == 0
    assert page.get_by_role("button", name="Compare 1 variant(s) with the base").is_enabled()


def _runs_of(years: str, reps: str) -> set[int]:
    """Processes of `jobpath compare` with these (unusual) settings: the runs of one test."""
    import subprocess

    out = subprocess.run(
        ["pgrep", "-f", f"simulation.cli compare .*--replications {reps} --years {years}"],
        capture_output=True,
        text=True,
    ).stdout
    return {int(x) for x in out.split()}


@needs_chromium
def test_no_run_outlives_the_app(browser, tmp_path):
    """A run still going when the app stops is stopped with it (it has its own process group)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    with running_app(SCENARIOS, tmp_path) as url:
        open_app(page, url)
        fill(page, "Years to simulate", "9.75")
        fill(page, "Replications", "47")
        add_variant(page, "long", {"Outreach ×": "0"}, "Variants to compare (1 of at most 5)")
        page.get_by_role("button", name="Compare 1 variant(s) with the base").click()
        page.get_by_text("Running:").wait_for()
        ours = _runs_of("9.75", "47")
        assert len(ours) == 1
    context.close()
    for _ in range(50):
        if not ours & _runs_of("9.75", "47"):
            break
        time.sleep(0.1)
    assert not ours & _runs_of("9.75", "47")


def english_fragments() -> list[str]:
    """Fixed parts of the catalogue's English labels that differ from German (placeholders cut out)."""
    out = set()
    for _key, entry in LABELS.items():
        en, de = entry["en"], entry.get("de", "")
        if en == de:
            continue
        for part in re.split(r"\{[^}]*\}", en):
            part = part.strip(" .,:;()…-–")
            if len(part) >= 8 and part not in de:
                out.add(part)
    return sorted(out)


@needs_chromium
def test_german_mode_shows_no_english_ui_string(app_url, page):
    """The whole German page, with a run's results and its folds open, against the label catalogue."""
    open_app(page, app_url)
    switch_to(page, "de")
    fill(page, "Simulierte Jahre", "0,5")
    fill(page, "Replikationen", "2")
    page.get_by_label("Name der Variante", exact=True).fill("Jobturbo-ähnlich")
    page.get_by_label("Zuweisungen ins Coaching ×").fill("0")
    page.get_by_label("Plätze · coaching").fill("1.000")  # German thousands: one thousand places
    click_add(page, "de", "coaching: Plätze 20 → 1.000")
    page.get_by_text("Übergangsraten einzeln").click()
    page.get_by_label(re.compile(r"^contact_loss \(0,005 je Monat → kein Kontakt\)")).wait_for()
    screenshot(page, "levers_de", "Hebelgruppen")
    page.get_by_role("button", name="1 Variante(n) mit der Basis vergleichen").click()
    page.get_by_text("Zusammenfassung für die Entscheidung").wait_for(timeout=120_000)
    for fold in ("Einzelheiten: Werte, Differenzen", "Änderungen gegenüber der Basis"):
        page.get_by_text(fold).click()
    page.get_by_text("Mittel Variante").first.wait_for()
    page.get_by_role("heading", name="Kennzahlen nach § 48a SGB II").wait_for()  # scanned with the rest
    text = page.locator("[data-testid=stMain], [data-testid=stSidebar]").all_inner_texts()
    text = "\n".join(text)
    assert len(english_fragments()) > 100  # the catalogue, not a handful of words
    found = [frag for frag in english_fragments() if re.search(rf"(?<!\w){re.escape(frag)}(?!\w)", text)]
    assert not found, found
    # a wrong number: the message in German, naming the field
    page.get_by_label("Dauer × · course").fill("zwei")
    idle(page)
    page.get_by_role("button", name="Variante hinzufügen").click()
    page.get_by_text("Einige Eingaben sind keine verwendbaren Zahlen").wait_for()
    page.get_by_text("erwartet: eine Zahl zwischen 0,05 und 20").wait_for()


@needs_chromium
def test_broken_uploads_give_a_message_not_a_traceback(app_url, page):
    open_app(page, app_url)
    page.get_by_role("radio", name="Deutsch").check(force=True)
    page.get_by_role("button", name="Variante hinzufügen").wait_for()
    upload = page.locator("[data-testid=stSidebar] input[type=file]")
    upload.set_input_files(str(BROKEN / "not_toml.toml"))
    page.get_by_text("Dieses Szenario ist nicht verwendbar").wait_for()
    page.get_by_text("erwartet: eine TOML-Datei, gefunden: ein Syntaxfehler").wait_for()
    assert page.get_by_text("not_toml.toml").count() >= 1
    # a file extending the app's tiny.toml, with a negative capacity: the field is named, the message German
    upload.set_input_files(str(BROKEN / "negative_places.toml"))
    page.get_by_text("programmes.course.places").wait_for()
    page.get_by_text("erwartet: eine Zahl größer oder gleich 0, gefunden: -5").wait_for()
    assert page.get_by_role("button", name="Variante hinzufügen").count() == 0  # nothing to run
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and 'File "' not in body
    assert "input should be" not in body and "expected" not in body


@needs_chromium
def test_german_mode_check_messages_and_uploader_texts(app_url, page):
    """A variant upload with several problems: each message in German, field paths as in the file; the
    file uploaders' own English texts are replaced (Streamlit has no German for them)."""
    from simulation.app.messages import english_fragments as message_fragments

    open_app(page, app_url)
    page.get_by_role("radio", name="Deutsch").check(force=True)
    page.get_by_role("button", name="Variante hinzufügen").wait_for()
    zone = page.locator("[data-testid=stFileUploader]").filter(has_text="Variantendatei hochladen")
    zone.locator("input[type=file]").set_input_files(str(BROKEN / "route_probabilities.toml"))
    page.get_by_text("Wahrscheinlichkeiten müssen sich zu 1 summieren, gefunden: 0.8").wait_for()
    zone.locator("input[type=file]").set_input_files(str(BROKEN / "unknown_route_target.toml"))
    page.get_by_text(
        re.compile(
            r"erwartet: 'case_management', 'no_contact', 'programme:<name>' mit einer "
            r"definierten Maßnahme \['coaching', 'course', 'deutsch_plus', 'outreach'\]"
        )
    ).wait_for()
    page.get_by_text("routes.course[0].options[0].to").wait_for()
    text = "\n".join(page.locator("[data-testid=stMain], [data-testid=stSidebar]").all_inner_texts())
    found = [f for f in message_fragments() + english_fragments() if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)]
    assert not found, found
    # the uploaders: the English texts are not shown, the German ones are drawn in their place
    for english in ("Drag and drop", "per file", "Browse files", "Upload"):
        assert english not in text, english
    after = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=stFileUploaderDropzoneInstructions] > div')].map(e => getComputedStyle(e, '::after').content)""")
    assert len(after) >= 1 and all(
        "Datei hierher ziehen und ablegen · höchstens 10 MB je Datei · TOML" in a for a in after
    ), after
    button = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p')].map(
        e => [getComputedStyle(e, '::after').content, getComputedStyle(e).visibility])""")
    assert button and all(c == '"Hochladen"' and v == "hidden" for c, v in button), button
    # and in English mode Streamlit's own texts stay
    page.get_by_role("radio", name="English").check(force=True)
    page.get_by_role("button", name="Add variant").wait_for()
    assert (
        page.locator("[data-testid=stFileUploaderDropzoneInstructions]")
        .first.inner_text()
        .strip()
        .endswith("per file • TOML")
    )


@needs_chromium
def test_report_renders_offline_in_the_browser(browser, tmp_path):
    """`jobpath report` on a comparison, opened from file:// with the network blocked: every plot drawn."""
    from simulation.batch.runner import BatchSpec, long_values, run_batch
    from simulation.batch.stats import paired
    from simulation.batch.store import write_parquet_atomic
    from simulation.report.command import main as report

    r = run_batch(
        BatchSpec(
            [str(SCENARIOS / "tiny.toml"), str(SCENARIOS / "variant_tiny.toml")],
            replications=2,
            years=0.5,
            out=str(tmp_path / "cmp"),
            workers=1,
        ),
        progress=False,
    )
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
    plots = page.locator("div.plot")
    assert plots.count() == n_figs
    for k in range(n_figs):  # drawn when scrolled near
        plots.nth(k).scroll_into_view_if_needed()
        plots.nth(k).locator("svg.main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == n_figs
    # drawn, not just framed: lines of the series, bars, and the flows of the pathways
    assert page.locator(".js-plotly-plot .scatterlayer .trace path.js-line").count() > 20
    assert page.locator(".js-plotly-plot .barlayer .point path").count() > 0
    assert page.locator(".js-plotly-plot .sankey .sankey-link").count() > 5
    # the summary for decision comes first, with the significance of each difference
    assert page.locator("h2").first.inner_text() == "Zusammenfassung für die Entscheidung"
    summary = page.locator("table.summary")
    assert "tiny variant" in summary.inner_text() and "signifikant" in summary.inner_text()
    assert "Varianzreduktion" not in page.locator("body").inner_text()
    # titles and legends do not overlap in any figure
    overlaps = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(p => {
        const t = p.querySelector('.gtitle'), l = p.querySelector('.legend');
        if (!t || !l) return false;
        const a = t.getBoundingClientRect(), b = l.getBoundingClientRect();
        return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
    }).map(p => p.id)""")
    assert not overlaps, overlaps
    assert page.get_by_role("heading", name="Wege der Kundinnen und Kunden").count() == 1
    if os.environ.get("JOBPATH_SCREENSHOTS"):
        page.locator("h1").scroll_into_view_if_needed()
        page.set_viewport_size({"width": 1280, "height": 1400})
        page.wait_for_timeout(800)
        page.screenshot(path=str(ROOT / "docs" / "app_report.png"))
    assert not errors, errors
    assert not requests, requests
    context.close()


def test_a_variants_changes_read_as_sentences_with_labels_and_the_languages_numbers():
    """Without a browser: the list of changes speaks of labels, German numbers and dates, never field paths or
    Python text."""
    import datetime as dt

    from simulation.app.changes import describe

    content = {
        "programmes": {"agh": {"label": "Work opportunities", "label_de": "Arbeitsgelegenheiten [000, 4.3]"}},
        "budgets": {"eingliederung": {"label_de": "Eingliederungsbudget"}},
        "staffing": {"regular": {"label_de": "Reguläre Betreuung"}},
        "hazards": {"job": {"to": "exit:employment"}},
    }
    steps = [{"from": dt.date(2024, 1, 1), "value": 18899393}]
    cut = [{"from": dt.date(2024, 1, 1), "value": 15119514.4}]
    assert (
        describe("budgets.eingliederung.per_year", steps, cut, content, "de")
        == "Eingliederungsbudget: 18.899.393 € ab 01.01.2024 → 15.119.514,4 € ab 01.01.2024"
    )
    assert (
        describe("programmes.agh.places", 320, None, content, "de") == "Arbeitsgelegenheiten: Plätze 320 → unbegrenzt"
    )
    assert (
        describe("programmes.agh.cost_per_month", 400, 450.5, content, "en")
        == "Work opportunities: cost per place and month 400 EUR → 450.5 EUR"
    )
    assert (
        describe(
            "staffing.regular.staff",
            [{"from": "2024-01-01", "value": 53}],
            [{"from": "2024-01-01", "value": 53}, {"from": "2024-04-01", "value": 56}],
            content,
            "de",
        )
        == "Reguläre Betreuung: Fallmanagerinnen und Fallmanager 53 ab 01.01.2024 → 53 ab 01.01.2024, 56 ab 01.04.2024"
    )
    assert (
        describe("hazards.job.rate_per_month", 0.02, 0.03, content, "de")
        == "Übergang job (nach Abgang: Beschäftigung): Rate je Monat 0,02 → 0,03"
    )
    for text in (
        describe("budgets.eingliederung.per_year", steps, cut, content, "de"),
        describe("programmes.agh.duration.mean", 8, 12, content, "de"),
    ):
        assert "datetime" not in text and "{" not in text and "budgets." not in text


@needs_chromium
def test_a_skip_link_takes_the_keyboard_past_the_levers_to_add_variant(app_url, page):
    """From the skip link, one Tab reaches "Add variant" (not the hundred fields in between)."""
    errors = open_app(page, app_url)
    link = page.get_by_role("link", name=LABEL["skip_to_add"])
    link.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement && document.activeElement.innerText")
    assert focused and ADD in focused, focused
    assert not errors, errors


def test_plans_are_typed_as_steps_with_dates_in_either_language():
    """Without a browser: the plan notation reads back what it writes, in both languages; steps keep increasing
    dates; a factor scales every step."""
    import datetime as dt

    from simulation.app.page import parse_number, show_number
    from simulation.app.plans import parse_plan, same_plan, scaled, show_plan

    start = dt.date(2024, 1, 1)
    steps = [{"from": start, "value": 53}, {"from": dt.date(2024, 4, 1), "value": 56}]
    assert show_plan(steps, "de", show_number) == "53 ab 01.01.2024; 56 ab 01.04.2024"
    assert show_plan(steps, "en", show_number) == "53 from 2024-01-01; 56 from 2024-04-01"
    for lang in ("de", "en"):
        assert same_plan(parse_plan(show_plan(steps, lang, show_number), lang, start, parse_number), steps)
    assert same_plan(parse_plan("53; 56 ab 01.04.2024", "de", start, parse_number), steps)
    assert parse_plan("1.500", "de", start, parse_number) == 1500
    assert same_plan(
        parse_plan("18.899.393,5 ab 2024-01-01", "de", start, parse_number), [{"from": start, "value": 18899393.5}]
    )
    for bad in ("56 ab 01.04.2024; 53 ab 01.01.2024", "abc", "5 ab 31.02.2024", "", "53; 56"):
        with pytest.raises(ValueError):
            parse_plan(bad, "de", start, parse_number)
    assert same_plan(scaled(steps, 0.8), [{"from": start, "value": 42.4}, {"from": dt.date(2024, 4, 1), "value": 44.8}])


KASSEL = ROOT / "scenarios"


@needs_chromium
@pytest.mark.parametrize(
    "base_file, base_name, field, text, shipped",
    [
        (
            "variants/kassel_2024_2026.toml",
            "Kassel 2024-2026 plan",
            "× all steps · eingliederung",
            "0.8",
            "variants/kassel_2024_2026_budget_cut.toml",
        ),
        (
            "variants/case_managers.toml",
            "Kassel 2024: regular case management as a staffing lever",
            "Case managers · regular",
            "53; 56 from 2024-04-01",
            "variants/case_managers_plus3.toml",
        ),
    ],
    ids=["budget_minus_20_percent", "three_case_managers_from_april"],
)
def test_a_plan_over_time_entered_in_the_form_gives_the_shipped_variants_results(
    browser, tmp_path, base_file, base_name, field, text, shipped
):
    """ "-20 % on a stepped budget" (factor 0.8 on all steps) and "+3 case managers from 01.04.2024" (a step typed
    into the field) entered in the form: the comparison equals the one of the shipped file variant, run here with
    the same seed, years and replications."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    page.set_default_timeout(120_000)
    with running_app(KASSEL, tmp_path) as url:
        errors = open_app(page, url)
        choose(page, "Base scenario", base_name, exact=True)
        one_field(page, field)  # the base's levers are drawn
        fill(page, "Years to simulate", "0.5")
        fill(page, "Replications", "2")
        fill(page, "Seed", "3")
        page.get_by_label(LABEL["variant_name"], exact=True).fill("from the form")
        box = page.get_by_label(field, exact=True)
        box.fill(text)
        box.press("Tab")
        click_add(page, "en", "Variants to compare (1 of at most 5)")
        page.get_by_role("button", name="Compare 1 variant(s) with the base").click()
        page.get_by_text("Summary for decision").first.wait_for(timeout=300_000)
        archive = zipfile.ZipFile(io.BytesIO(download(page, "Download results (zip)", tmp_path / "r.zip").read_bytes()))
        assert not errors, errors
    mine = pd.read_parquet(io.BytesIO(archive.read("comparison.parquet")))
    base_stem = Path(base_file).stem
    again = run_again(tmp_path, [KASSEL / base_file, KASSEL / shipped], 2, 0.5, 3, base_stem)
    again["variant"] = mine["variant"].iloc[0]
    cols = [c for c in mine.columns if c != "base"]
    pd.testing.assert_frame_equal(mine[cols].reset_index(drop=True), again[cols].reset_index(drop=True))
