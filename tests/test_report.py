"""The HTML report: built from a small comparison, its numbers checked against the per-replication
files and the spells they come from, its labels in both languages, offline, and its PNG export."""

from __future__ import annotations

import base64
import gzip
import html as htmllib
import json
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from scipy import stats

from simulation.batch.runner import BatchSpec, long_values, run_batch
from simulation.batch.stats import paired
from simulation.batch.store import write_parquet_atomic
from simulation.report import command, sankey
from simulation.report.build import build
from simulation.report.data import load_results
from simulation.report.labels import LABELS, t
from simulation.report.png import chromium
from simulation.report.targets import applies, read_targets

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/scenarios/tiny.toml"
VARIANT = ROOT / "tests/scenarios/variant_tiny.toml"
REPS, YEARS = 3, 0.5


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    """tiny and its variant, 3 replications of half a year, with the paired comparison."""
    out = tmp_path_factory.mktemp("report") / "compare"
    r = run_batch(
        BatchSpec([str(TINY), str(VARIANT)], replications=REPS, years=YEARS, out=str(out), workers=1, seed=5),
        progress=False,
    )
    write_parquet_atomic(paired(long_values(r.out, r.used), base="tiny"), out / "comparison.parquet")
    return out


@pytest.fixture(scope="module")
def reports(compare_dir):
    res = load_results(compare_dir)
    return {lang: build(res, lang) for lang in ("en", "de")}


def report_cli(*args: str) -> int:
    """`jobpath report ...` through the project's command line, with the module registered as an extension."""
    from simulation import cli

    saved = list(cli.EXTENSIONS)
    cli.EXTENSIONS[:] = [m for m in saved if m != command.__name__] + [command.__name__]
    try:
        return cli.main(["report", *args])
    finally:
        cli.EXTENSIONS[:] = saved


def figure(report, slug_part: str):
    found = [f for name, f in report.figures if slug_part in name]
    assert found, f"no figure named *{slug_part}* in {[n for n, _ in report.figures]}"
    return found[0]


def rep_frames(out: Path, table: str, scenario: str) -> pd.DataFrame:
    """The per-replication Parquet files, read directly (not through the report)."""
    return pd.concat(
        [pd.read_parquet(f) for f in sorted((out / table / scenario).glob("rep-*.parquet"))], ignore_index=True
    )


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    m = float(np.mean(values))
    half = stats.t.ppf(0.975, len(values) - 1) * float(np.std(values, ddof=1)) / np.sqrt(len(values))
    return m, m - half, m + half


def visible_text(report) -> str:
    """What a reader sees: the page without scripts, plus every string inside the figures."""
    page = re.sub(r"<script.*?</script>", " ", report.html, flags=re.S)
    strings: list[str] = []

    def walk(x):
        if isinstance(x, str):
            strings.append(x)
        elif isinstance(x, dict):
            for k, v in x.items():
                if k not in ("template",):
                    walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    for _, fig in report.figures:
        walk(fig.to_plotly_json())
    return htmllib.unescape(page) + "\n" + "\n".join(strings)


def test_cli_writes_self_contained_html(compare_dir, tmp_path):
    out = tmp_path / "report.html"
    assert report_cli(str(compare_dir), "--out", str(out), "--quiet") == 0
    doc = out.read_text(encoding="utf-8")
    # nothing fetched from anywhere: no external scripts, styles, images or frames
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", doc, re.I)
    # plotly.js inline, once, gzip-compressed: it unpacks to the bundle plotly ships
    packed = re.findall(r'<script type="application/octet-stream" id="plotly-gz">(.*?)</script>', doc, re.S)
    assert len(packed) == 1
    assert gzip.decompress(base64.b64decode(packed[0])).decode("utf-8") == get_plotlyjs()
    assert len(doc) < len(get_plotlyjs())  # the whole report smaller than the bundle alone
    divs = re.findall(r'<div id="(fig-\d+)"', doc)
    assert len(divs) == len(set(divs)) >= 10
    assert doc.count("Plotly.newPlot(") == 1  # one drawing function for all figures
    for d in divs:  # each figure's data, as JSON, beside its div
        data = json.loads(
            re.search(rf'<script type="application/json" id="{d}-data">(.*?)</script>', doc, re.S)
            .group(1)
            .replace("<\\/", "</")
        )
        assert data["data"] and "layout" in data


def test_indicator_series_are_the_replications_mean_and_t_interval(compare_dir, reports):
    """The eLb stock line and band equal mean and 95 % t interval over the replications' monthly files."""
    mo = rep_frames(compare_dir, "monthly", "tiny")
    fig = figure(reports["en"], "elb_stock")
    line = next(tr for tr in fig.data if tr.name == "tiny")
    band = next(tr for tr in fig.data if tr.name == "tiny 95 %")
    months = list(line.x)
    assert months == sorted(mo["month"].unique())
    n = len(months)
    for k, m in enumerate(months):
        vals = mo.loc[mo["month"] == m, "elb_stock"].to_numpy(float)
        assert len(vals) == REPS
        mean, lo, hi = t_interval(vals)
        assert line.y[k] == pytest.approx(mean)
        assert band.y[k] == pytest.approx(hi)  # upper edge forwards, lower edge backwards
        assert band.y[2 * n - 1 - k] == pytest.approx(lo)


def test_lzb_and_iq_by_sex(compare_dir, reports):
    """One line per sex: the mean of the lzb_stock_<sex> columns."""
    mo = rep_frames(compare_dir, "monthly", "variant_tiny")
    fig = figure(reports["de"], "lzb_stock")
    for sx, label in (("female", "Frauen"), ("male", "Männer")):
        tr = next(tr for tr in fig.data if tr.name == f"tiny variant: {label}")  # the name the file gives
        expected = mo.groupby("month")[f"lzb_stock_{sx}"].mean().to_numpy()
        np.testing.assert_allclose(np.asarray(tr.y, float), expected)
    # half a year has no rolling 12-month Integrationsquote: the chart says so instead of drawing nothing
    iq = figure(reports["de"], "_iq")
    assert any("12 simulierte Monate" in (a.text or "") for a in iq.layout.annotations)


def test_yearly_difference_is_the_paired_t_interval(compare_dir, reports):
    """The comparison chart's integrations difference: per replication, variant minus base, summed over 2024."""
    base = rep_frames(compare_dir, "monthly", "tiny").groupby("replication")["integrations"].sum()
    var = rep_frames(compare_dir, "monthly", "variant_tiny").groupby("replication")["integrations"].sum()
    mean, lo, hi = t_interval((var - base).to_numpy(float))
    fig = figure(reports["en"], "difference_yearly")
    tr = next(tr for tr in fig.data if tr.xaxis == "x2")  # second panel: integrations
    assert tr.name == "tiny variant" and list(tr.x) == ["2024"]  # the name the file gives
    assert tr.y[0] == pytest.approx(mean)
    assert tr.error_y.array[0] == pytest.approx(hi - mean)
    assert tr.error_y.arrayminus[0] == pytest.approx(mean - lo)
    # and the table shows the same numbers, German formatted
    row = re.search(r"<td>tiny variant</td><td>Integrationen</td><td>2024</td>(.*?)</tr>", reports["de"].html)
    assert row, "no integrations row in the German comparison table"
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    sign = "+" if round(mean) > 0 else "−" if round(mean) < 0 else ""
    assert cells[2] == sign + f"{abs(mean):.0f}"  # people: whole, with a sign
    significant = lo > 0 or hi < 0
    assert cells[4] == ("ja" if significant else "nein")


def test_cost_budget_is_places_times_cost_times_months(reports):
    """Budget marker of the course: 40 places x 400 EUR x 6 months (tiny.toml, half a year)."""
    fig = figure(reports["en"], "cost")
    marker = next(tr for tr in fig.data if tr.name == f"tiny: {t('budget', 'en')}")
    assert dict(zip(marker.x, marker.y))["course"] == pytest.approx(40 * 400 * 6)
    variant = next(tr for tr in fig.data if tr.name == f"tiny variant: {t('budget', 'en')}")
    assert dict(zip(variant.x, variant.y))["course"] == pytest.approx(32 * 400 * 6)


def test_labels_follow_the_language(reports):
    """Every label the English report shows comes out German in the German one, and no English is left."""
    en, de = visible_text(reports["en"]), visible_text(reports["de"])
    german_text = "\n".join(v["de"] for v in LABELS.values())
    used = [k for k, v in LABELS.items() if "{" not in v["en"] and v["en"] in en]
    assert len(used) >= 25
    for k in used:
        assert LABELS[k]["de"] in de, k
        if LABELS[k]["en"] not in german_text:
            assert LABELS[k]["en"] not in de, f"English label of {k!r} in the German report"
    for word in (
        "Integrationsquote",
        "Langzeitleistungsbeziehende",
        "eLb-Bestand",
        "Wartezeit",
        "Eintritte",
        "Kosten",
        "Frauen",
        "Männer",
    ):
        assert word in de


def test_pathways_match_the_spells(compare_dir):
    """Flows out of each origin and into each exit equal counts read directly off the spells."""
    spells = rep_frames(compare_dir, "spells", "tiny")
    f = sankey.flows(spells)
    links = f.links
    out_of = links.groupby("source")["value"].sum()
    into = links.groupby("target")["value"].sum()
    for node in set(out_of.index) & set(into.index):  # programmes: what enters leaves
        assert out_of[node] == pytest.approx(into[node]), node
    first = spells.drop_duplicates(["replication", "person_id"])
    initial = first["origin"].astype(str).str.startswith("initial")
    assert out_of["origin:initial"] == pytest.approx(initial.sum() / REPS)
    assert out_of["origin:inflow"] == pytest.approx((~initial).sum() / REPS)
    main = spells[spells["state"].astype(str) != "alongside"]
    nxt = main["next_state"].astype("string").fillna("")
    for kind, n in nxt[nxt.str.startswith("exit:")].value_counts().items():
        assert into[kind] == pytest.approx(n / REPS), kind


def test_pathways_of_a_hand_made_log():
    """Two people: a course-coaching chain into work; a re-entry after an exit into a programme never joined."""
    rows = [  # person, origin, state, programme, waiting_start, start, end, next_state
        (0, "initial", "prior_benefit", None, np.nan, -50, 0, None),
        (0, "initial", "programme", "course", 0, 10, 100, "programme:coaching"),
        (0, "initial", "programme", "coaching", 100, 100, 150, "exit:employment"),
        (0, "initial", "exit", None, np.nan, 150, 365, None),
        (1, "inflow", "case_management", None, np.nan, 20, 60, "exit:other"),
        (1, "inflow", "exit", None, np.nan, 60, 90, "entry"),
        (1, "inflow", "programme", "course", 90, np.nan, 120, "case_management"),  # waited, never admitted
        (1, "inflow", "alongside", "coaching", 95, 95, 110, None),  # alongside: not a step
        (1, "inflow", "case_management", None, np.nan, 120, 365, None),
    ]
    spells = pd.DataFrame(
        rows, columns=["person_id", "origin", "state", "programme", "waiting_start", "start", "end", "next_state"]
    )
    f = sankey.flows(spells)
    got = {(a, b): v for a, b, v in f.links.itertuples(index=False)}
    assert got == {
        ("origin:initial", "step1:course"): 1,
        ("step1:course", "step2:coaching"): 1,
        ("step2:coaching", "exit:employment"): 1,
        ("origin:inflow", "exit:other"): 1,
        ("origin:reentry", sankey.STILL): 1,
    }
    assert f.episodes == 3


def test_report_of_a_single_run(tmp_path):
    """A `jobpath run` directory gives a report too, without bands (one replication)."""
    from simulation.cli import main

    run_dir = tmp_path / "run"
    assert main(["run", str(TINY), "--years", "0.5", "--seed", "2", "--out", str(run_dir), "--quiet"]) == 0
    assert report_cli(str(run_dir), "--lang", "de", "--quiet") == 0
    doc = (run_dir / "report-de.html").read_text(encoding="utf-8")
    assert t("single_run_note", "de") in doc and t("sec_pathways", "de") in doc
    res = load_results(run_dir)
    fig = figure(build(res, "en"), "elb_stock")
    assert not [tr for tr in fig.data if (tr.name or "").endswith("95 %")]
    mo = pd.read_parquet(run_dir / "monthly.parquet")
    np.testing.assert_allclose(np.asarray(fig.data[0].y, float), mo["elb_stock"].to_numpy(float))


def test_targets_drawn_from_a_targets_file(compare_dir, tmp_path):
    """Observed figures and planned entries of a targets file appear where the file says."""
    f = tmp_path / "targets.toml"
    f.write_text(
        'year = 2024\n[targets.elb]\nlabel = "eLb"\nmetric = "elb_stock_mean"\nvalue = 500\n'
        'low = 450\nhigh = 560\n[targets.course_entries]\nlabel = "entries 2024: course"\n'
        'metric = "entries"\nprogrammes = ["course"]\nvalue = 60\nlow = 50\nhigh = 70\n'
    )
    res = load_results(compare_dir)
    targets = read_targets(f)
    assert applies(targets, res.programmes)
    rep = build(res, "en", targets)
    elb = figure(rep, "elb_stock")
    obs = next(tr for tr in elb.data if tr.name == f"{t('observed', 'en')} 2024")
    assert list(obs.y) == [500, 500]
    band = next(tr for tr in elb.data if tr.name == f"{t('target_band', 'en')} 2024")
    assert sorted(set(band.y)) == [450, 560]
    groups = figure(rep, "entries_groups_2024")
    plan = next(tr for tr in groups.data if tr.name == t("planned", "en"))
    assert list(plan.y) == [60] and plan.error_y.array[0] == 10
    # a targets file naming programmes the scenario lacks is not drawn by default
    assert not applies(read_targets(f), ["coaching"])


def test_unusable_input_exits_2(tmp_path, capsys):
    assert report_cli(str(tmp_path / "missing")) == 2
    assert "expected a results directory" in capsys.readouterr().err
    assert report_cli(str(tmp_path)) == 2
    assert "summary.parquet" in capsys.readouterr().err
    (tmp_path / "summary.parquet").write_text("not parquet")
    assert report_cli(str(tmp_path)) == 2
    assert "unreadable" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(chromium() is None, reason="PNG export renders in Chromium: /usr/bin/chromium is missing")
def test_png_export_writes_every_figure(compare_dir, tmp_path):
    png = tmp_path / "png"
    assert (
        report_cli(str(compare_dir), "--lang", "de", "--out", str(tmp_path / "r.html"), "--png", str(png), "--quiet")
        == 0
    )
    n_figs = len(re.findall(r'<div id="fig-\d+"', (tmp_path / "r.html").read_text(encoding="utf-8")))
    files = sorted(png.glob("*.png"))
    assert len(files) == n_figs
    for f in files:
        head = f.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", head[16:24])
        assert width == 2560 and height >= 800  # 1280 px at scale 2
        assert f.stat().st_size > 20_000  # drawn, not blank


def test_kennzahlen_table_shows_the_yearly_summary(compare_dir, reports):
    """The § 48a table: one row per Kennzahl and scenario, the yearly mean and CI of the summary
    (K3E2 is known after one month; K2E3 needs 18 months and shows as –)."""
    res = load_results(compare_dir)
    s = res.summary.set_index(["scenario", "period_type", "period", "indicator"])
    r = s.loc[("tiny", "year", "2024", "lzb_activation")]
    cell = f"{100 * r['mean']:.1f} % [{100 * r['ci_low']:.1f} %; {100 * r['ci_high']:.1f} %]".replace(".", ",")
    row = re.search(r"<td>K3E2 Aktivierungsquote der LZB</td><td>tiny</td><td>(.*?)</td>", reports["de"].html)
    assert row and row.group(1) == cell
    row = re.search(
        r"<td>K2E3 Continuous employment after integration</td><td>tiny variant</td><td>(.*?)</td>", reports["en"].html
    )
    assert row and row.group(1) == "–"  # the scenario by its name, the indicator's name beside its code
    assert "<th>Szenario</th>" in reports["de"].html.split("K3E2")[0].rsplit("<table", 1)[1]


def test_people_counts_are_whole_with_the_languages_thousands():
    """Differences of people and cases without decimals (German thousands ".", English ","); rates in
    percentage points, waiting times in days with one decimal."""
    from simulation.report.tables import fmt_diff

    assert fmt_diff(1234.6, "lzb_stock", "de") == "+1.235"
    assert fmt_diff(1234.6, "lzb_stock", "en") == "+1,235"
    assert fmt_diff(-12.4, "integrations", "de") == "−12"
    assert fmt_diff(0.3, "integrations", "de") == "0"
    assert fmt_diff(-3.46, "programme.course.entries", "en") == "−3"
    assert fmt_diff(2.35, "programme.course.mean_wait_days", "de") == "+2,4"
    assert fmt_diff(0.0123, "iq", "de") == "+1,23 Pp."
    assert fmt_diff(-152093.6, "cost", "de") == "−152.094"


def test_an_interval_says_significant_no_relevant_effect_or_too_wide():
    """The indifference zone: 1 % of the base's value for counts and money, 0.5 percentage points for rates; a
    non-significant interval within it rules out a relevant effect, one beyond it needs more replications."""
    from simulation.report.tables import RELEVANT_PP, RELEVANT_SHARE, difference_cell, relevance_zone, verdict

    assert (RELEVANT_SHARE, RELEVANT_PP) == (0.01, 0.005)
    assert relevance_zone("integrations", 4000) == pytest.approx(40)
    assert relevance_zone("lzb_stock", -800) == pytest.approx(8)
    assert relevance_zone("iq", 0.22) == pytest.approx(0.005)
    assert verdict(5, 19, 40) == "significant"
    assert verdict(-30, 35, 40) == "no_relevant_effect"
    assert verdict(-30, 55, 40) == "too_wide"
    assert verdict(float("nan"), 3, 40) is None
    assert difference_cell(12, 5, 19, "integrations", 4000, "de") == "+12 [+5 … +19] signifikant"
    assert (
        difference_cell(2.4, -30.2, 35, "integrations", 4000, "de")
        == "+2 [−30 … +35] nicht signifikant: kein relevanter Effekt (±40)"
    )
    assert (
        difference_cell(0.004, -0.0035, 0.0115, "iq", 0.22, "de")
        == "+0,40 Pp. [−0,35 … +1,15] nicht signifikant: Intervall zu breit, mehr Replikationen nötig"
    )
    assert (
        difference_cell(-0.001, -0.004, 0.002, "iq", 0.22, "en")
        == "−0.10 pp [−0.40 … +0.20] not significant: no relevant effect (±0.50 pp)"
    )
    assert difference_cell(1200.4, 900, 1500, "lzb_stock", 9000, "en") == "+1,200 [+900 … +1,500] significant"


def test_the_summary_shows_each_interval_and_what_it_says(compare_dir, reports):
    """Each difference of the summary: the mean, the 95 % interval of comparison.parquet, and its reading."""
    from simulation.report.tables import difference_cell, summary_frame

    comp = pd.read_parquet(compare_dir / "comparison.parquet")
    comp = comp[(comp["period_type"] == "year") & (comp["variant"] == "variant_tiny")].set_index("indicator")
    res = load_results(compare_dir)
    for lang in ("en", "de"):
        row = summary_frame(res, lang).iloc[0]
        for ind, key in (("integrations", "integrations"), ("iq", "iq_pp"), ("lzb_stock", "lzb_stock")):
            r = comp.loc[ind]
            cell = row[t(key, lang)]
            assert cell == difference_cell(
                r["diff_mean"], r["diff_ci_low"], r["diff_ci_high"], ind, r["base_mean"], lang
            )
            assert "[" in cell and " … " in cell, cell
            words = [t("significant_short", lang), t("too_wide", lang), t("no_relevant_effect", lang, zone="")[:-3]]
            assert any(w in cell for w in words), cell
        # the report: the same cells, the reading and the indifference zone explained beside the table
        doc = htmllib.unescape(reports[lang].html)
        summary = doc[doc.index('id="summary"') : doc.index('id="comparison"')]
        assert row[t("integrations", lang)] in summary
        assert "±1 %" in summary and ("±0.5" if lang == "en" else "±0,5") in summary
        # the side-by-side table writes its differences the same way
        side = doc[doc.index('id="comparison"') :]
        assert row[t("integrations", lang)] in side


def test_cost_definitions_stand_beside_the_cost_columns(reports):
    """'Kosten der Variante' and 'Kosten bei Vollbelegung' are defined right below the summary, in both languages."""
    for lang, words in (
        ("en", ("The variant's cost:", "Cost of all places filled:")),
        ("de", ("Kosten der Variante:", "Kosten bei Vollbelegung:")),
    ):
        doc = htmllib.unescape(reports[lang].html)
        summary = doc[doc.index('id="summary"') : doc.index('id="comparison"')]
        assert t("cost_and_full", lang) in summary
        table_end = summary.index("</table>")
        for w in words:
            assert w in summary[table_end:], (lang, w)
        assert t("cost_definitions", lang) in summary


def test_full_occupancy_counts_unlimited_places_as_the_variant_does(tmp_path):
    """tiny with the coaching unlimited: the cost of all places filled is the course's and Deutsch plus' places
    × cost × months plus the coaching's simulated cost, the same coaching cost as in the variant's cost; the two
    figures differ only by the empty places of the programmes with places."""
    from simulation.report import tables

    text = TINY.read_text(encoding="utf-8")
    limited = 'places = 20\nduration = { dist = "fixed", value = 12, unit = "weeks" }'
    assert limited in text
    (tmp_path / "tiny_open.toml").write_text(
        text.replace(limited, limited.split("\n")[1]).replace('name = "tiny"', 'name = "tiny_open"'), encoding="utf-8"
    )
    run_batch(
        BatchSpec(
            [str(TINY), str(tmp_path / "tiny_open.toml")],
            replications=2,
            years=0.5,
            out=str(tmp_path / "out"),
            workers=1,
            seed=3,
            keep_spells=False,
        ),
        progress=False,
    )
    res = load_results(tmp_path / "out")
    pm = rep_frames(tmp_path / "out", "programme_monthly", "tiny_open")
    pm["programme"] = pm["programme"].astype(str)
    simulated = pm.groupby(["programme", "replication"])["cost"].sum().groupby("programme").mean()
    c = tables.cost_numbers(res).set_index("scenario")
    assert c.loc["tiny", "budget"] == pytest.approx(6 * (40 * 400 + 20 * 900 + 10 * 200))
    assert simulated["coaching"] > 0
    assert c.loc["tiny_open", "budget"] == pytest.approx(6 * (40 * 400 + 10 * 200) + simulated["coaching"])
    assert c.loc["tiny_open", "cost"] == pytest.approx(simulated.sum())
    empty = 6 * (40 * 400 + 10 * 200) - simulated[["course", "deutsch_plus"]].sum()
    assert c.loc["tiny_open", "budget"] - c.loc["tiny_open", "cost"] == pytest.approx(empty)


def test_the_german_report_is_german_throughout(compare_dir, reports, tmp_path):
    """lang="de", the plotly toolbar's texts in German (with the figures' config), no results folder in the
    header of a report the app makes, and year ranges with an en dash."""
    from simulation.report.build import PLOTLY_DE, locale_config
    from simulation.report.tables import when

    de, en = reports["de"].html, reports["en"].html
    assert '<html lang="de">' in de and '<html lang="en">' in en
    config = json.loads(re.search(r"var config = (\{.*?\});\n", de).group(1))
    assert config["locale"] == "de" and config["locales"]["de"] == PLOTLY_DE
    assert PLOTLY_DE["dictionary"]["Download plot as a PNG"] == "Abbildung als PNG herunterladen"
    assert PLOTLY_DE["format"]["decimal"] == "," and PLOTLY_DE["format"]["thousands"] == "."
    assert "locale" not in json.loads(re.search(r"var config = (\{.*?\});\n", en).group(1))
    assert locale_config("en") == {}
    header = re.search(r'<p class="meta">(.*?)</p>', de).group(1)
    assert str(compare_dir) not in header and t("results_dir", "de") not in header
    assert "tiny variant" in header  # the scenarios by their names
    # `jobpath report` names the folder it was given
    out = tmp_path / "r.html"
    assert report_cli(str(compare_dir), "--lang", "de", "--out", str(out), "--quiet") == 0
    header = re.search(r'<p class="meta">(.*?)</p>', out.read_text(encoding="utf-8")).group(1)
    assert htmllib.escape(str(compare_dir)) in header
    assert when(["2024", "2025"], "de") == "in den Jahren 2024–2025"
    assert when(["2024", "2025"], "en") == "in 2024–2025"
    assert when(["2024"], "de") == "im Jahr 2024"
    assert "im Jahr 2024:" in htmllib.unescape(de)


def test_targets_table_shows_shares_in_percent_and_sources_in_the_language(tmp_path):
    from simulation.report.tables import targets_frame

    f = tmp_path / "targets.toml"
    f.write_text(
        'year = 2024\n[targets.non_german_share]\nlabel = "share without German citizenship"\n'
        'label_de = "Anteil ohne deutsche Staatsangehörigkeit"\nmetric = "non_german_share"\nvalue = 0.578\n'
        'low = 0.568\nhigh = 0.588\nsource = "[000, 1.2] about 57.8 %"\nsource_de = "[000, 1.2] etwa 57,8 %"\n'
        '[targets.elb]\nlabel = "eLb"\nmetric = "elb_stock_mean"\nvalue = 16907\nsource = "[000, 1.2] May 2023"\n',
        encoding="utf-8",
    )
    targets = read_targets(f)
    de = targets_frame(targets, "de").set_index(t("target", "de"))
    row = de.loc["Anteil ohne deutsche Staatsangehörigkeit"]
    assert row[t("value", "de")] == "57,8 %" and row[t("band", "de")] == "56,8 % – 58,8 %"
    assert row[t("source", "de")] == "[000, 1.2] etwa 57,8 %"
    assert de.loc["eLb", t("value", "de")] == "16.907"
    assert de.loc["eLb", t("source", "de")] == "[000, 1.2] May 2023"  # no German source given: the English one
    en = targets_frame(targets, "en").set_index(t("target", "en"))
    assert en.loc["share without German citizenship", t("value", "en")] == "57.8 %"
    assert en.loc["share without German citizenship", t("source", "en")] == "[000, 1.2] about 57.8 %"


def test_precision_plan_from_the_summary():
    """Too-wide intervals: the replications that would tell them, the budget and the relative precision."""
    from simulation.report.tables import precision_plan

    nums = pd.DataFrame(
        [
            {  # integrations told (significant), IQ too wide, LZB without relevant effect
                "integrations": 50.0, "integrations_low": 20.0, "integrations_high": 80.0, "integrations_base": 4000.0,
                "iq": 0.002, "iq_low": -0.004, "iq_high": 0.008, "iq_base": 0.2,
                "lzb_stock": 1.0, "lzb_stock_low": -5.0, "lzb_stock_high": 7.0, "lzb_stock_base": 9000.0,
            }
        ]
    )  # fmt: skip
    plan = precision_plan(nums, 5)
    # IQ: half-width 0.006, told below max(0.002, 0.005 - 0.002) = 0.003: 5 × (0.006 / 0.003)² = 20
    assert plan["indicators"] == ["iq"] and plan["need"] == 20 and plan["budget"] == 30
    assert plan["precision"] == pytest.approx(0.005 / 0.2)
    assert precision_plan(nums.assign(iq_low=-0.001, iq_high=0.004), 5) is None  # nothing too wide
    assert precision_plan(nums, 5, most=12)["budget"] == 12
    only_cost = nums.assign(iq_low=-0.001, iq_high=0.004, cost=100.0, cost_low=-900.0, cost_high=1100.0, cost_base=1e4)
    plan = precision_plan(only_cost, 5)
    assert plan["indicators"] == ["integrations", "iq", "lzb_stock"] and plan["precision"] == pytest.approx(0.01)


def test_households_section_only_with_households(compare_dir, reports, tmp_path):
    """tiny has no [households]: no section. tiny_households: the section, its cells the summary's means."""
    assert 'id="households"' not in reports["en"].html
    out = tmp_path / "hh"
    run_batch(
        BatchSpec(
            [str(ROOT / "tests/scenarios/tiny_households.toml")], replications=2, years=1, out=str(out), workers=1
        ),
        progress=False,
    )
    res = load_results(out)
    de = build(res, "de").html
    section = de.split('id="households"')[1].split("<h2")[0]
    s = res.summary.set_index(["scenario", "period_type", "period", "indicator"])
    bg = s.loc[("tiny_households", "year", "2024", "bg_stock"), "mean"]
    per = s.loc[("tiny_households", "year", "2024", "elb_per_bg"), "mean"]
    assert f"<td>Bedarfsgemeinschaften</td><td>tiny with households</td><td>{bg:,.0f}".replace(",", ".") in section
    assert f"<td>eLb je Bedarfsgemeinschaft</td><td>tiny with households</td><td>{per:.2f}".replace(".", ",") in section
    assert "Anteil bedarfsdeckender Integrationen" in section and "Aufstocker" in section
