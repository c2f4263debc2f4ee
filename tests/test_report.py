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
    sign = "+" if round(mean, 1) > 0 else "−" if round(mean, 1) < 0 else ""
    assert cells[2] == sign + f"{abs(mean):.1f}".replace(".", ",")  # one decimal, a sign, decimal comma
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
        r"<td>K2E3 Continuous employment after integration</td><td>variant_tiny</td><td>(.*?)</td>", reports["en"].html
    )
    assert row and row.group(1) == "–"


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
    from simulation.report.tables import fmt

    assert re.search(
        rf"<td>Bedarfsgemeinschaften</td><td>[^<]+</td><td>{re.escape(fmt(bg, 'bg_stock', 'de'))} \[", section
    )
    assert f"<td>{per:.2f} [".replace(".", ",") in section.split("eLb je Bedarfsgemeinschaft")[1][:80]
    assert "Anteil bedarfsdeckender Integrationen" in section and "Aufstocker" in section
