"""One self-contained HTML report (plotly.js inline, opens offline) from a results directory.

To keep the file small and quick to open, plotly.js is embedded once, gzip-compressed (the
browser unpacks it with DecompressionStream), each figure's data is stored with five
significant digits, and figures are drawn only when scrolled near.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from . import figures as F
from . import sankey, tables
from .data import Results, load_results
from .labels import t
from .targets import Targets, targets_for

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;max-width:1200px;
padding:0 24px 48px;color:#222}
h1{margin-bottom:4px} h2{border-bottom:2px solid #1f5fa8;padding-bottom:4px;margin-top:40px}
.meta{color:#555} .note{color:#555;font-size:0.92em;max-width:900px}
nav ul{columns:2;list-style:none;padding:0} nav a{color:#1f5fa8}
table.data{border-collapse:collapse;font-size:0.88em;margin:12px 0}
table.data th,table.data td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}
table.data th:nth-child(-n+3),table.data td:nth-child(-n+3){text-align:left}
.figure{margin:12px 0 24px} details{margin:12px 0}
table.summary td,table.summary th{font-size:1.05em}
"""
SIGNIFICANT_DIGITS = 5  # figure data as stored in the file: enough for every axis and hover label
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "width": 1280, "scale": 2},
}


@dataclass
class Report:
    html: str
    figures: list[tuple[str, go.Figure]]  # (file-name slug, figure), in report order


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_")[:60] or "figure"


class _Page:
    """Collects sections and figures; numbers the figures for their PNG names."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []
        self.figures: list[tuple[str, go.Figure]] = []

    def section(self, anchor: str, title: str, note: str = "") -> None:
        self.toc.append((anchor, title))
        self.parts.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')
        if note:
            self.text(note)

    def text(self, note: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(note)}</p>')

    def figure(self, name: str, fig: go.Figure) -> None:
        """A figure as an empty div (of the figure's height) and its data; drawn when scrolled near."""
        k = len(self.figures) + 1
        self.figures.append((f"{k:02d}_{slug(name)}", fig))
        data = compact(json.loads(pio.to_json(fig, validate=False)))
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
        height = int(fig.layout.height or 450)
        self.parts.append(
            f'<div class="figure"><div id="fig-{k:02d}" class="plot" style="height:{height}px"></div>'
            f'<script type="application/json" id="fig-{k:02d}-data">{text}</script></div>'
        )

    def raw(self, fragment: str) -> None:
        self.parts.append(fragment)


def compact(obj):
    """Figure data with floats rounded to SIGNIFICANT_DIGITS (a third of the characters of full precision)."""
    if isinstance(obj, float):
        return float(f"{obj:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(obj, list):
        return [compact(x) for x in obj]
    if isinstance(obj, dict):
        return {k: compact(v) for k, v in obj.items()}
    return obj


@functools.lru_cache(maxsize=1)
def plotly_gzip_base64() -> str:
    """plotly.js, gzip-compressed (fixed timestamp: the same bytes every time) and base64-encoded."""
    return base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


LOADER = """(async function () {
  var b = atob(document.getElementById("plotly-gz").textContent.trim()), bytes = new Uint8Array(b.length);
  for (var i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);
  var js = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  var s = document.createElement("script"); s.textContent = js; document.head.appendChild(s);
  var config = CONFIG;
  function draw(div) {
    var d = JSON.parse(document.getElementById(div.id + "-data").textContent);
    Plotly.newPlot(div, d.data, d.layout, config);
  }
  var io = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { io.unobserve(e.target); draw(e.target); } });
  }, {rootMargin: "800px 0px"});
  document.querySelectorAll("div.plot").forEach(function (d) { io.observe(d); });
})();"""


def build(res: Results, lang: str = "en", targets: Targets | None = None) -> Report:
    """The report's HTML and figures for loaded results: the summary for decision and the comparison
    first (when there is one), then indicators, programmes, pathways and the figures used."""
    page = _Page()
    if res.comparison is not None and not res.comparison.empty:
        _summary(page, res, lang)
        _comparison(page, res, lang)
    _indicators(page, res, lang, targets)
    _programmes(page, res, lang, targets)
    _pathways(page, res, lang)
    _targets(page, lang, targets)
    return Report(_frame(page, res, lang), page.figures)


def _indicators(page: _Page, res: Results, lang: str, targets: Targets | None) -> None:
    note = t("single_run_note", lang) if res.kind == "run" else t("band_note", lang)
    page.section("indicators", t("sec_indicators", lang), note)
    for name, fig in zip(
        ["elb_stock", "integrations", "iq", "lzb_stock", "lzb_share"], F.indicator_figures(res, lang, targets)
    ):
        page.figure(name, fig)
    page.text(t("kennzahlen_note", lang))
    page.raw(tables.to_html(tables.kennzahlen_frame(res, lang)))
    if tables.has_households(res):
        page.section("households", t("sec_households", lang), t("households_note", lang))
        page.raw(tables.to_html(tables.households_frame(res, lang)))


def _programmes(page: _Page, res: Results, lang: str, targets: Targets | None) -> None:
    page.section("programmes", t("sec_programmes", lang))
    if not res.programmes:
        page.text(t("no_programmes", lang))
        return
    if res.stale:
        page.text(t("stale_note", lang, names=", ".join(res.stale)))
    page.text(t("entries_plan_note", lang))
    for name, fig in F.entries_figures(res, lang, targets):
        page.figure(name, fig)
    costs = F.cost_figures(res, lang)
    if costs:
        page.text(t("budget_note", lang))
    for name, fig in costs:
        page.figure(name, fig)
    for p in res.programmes:
        page.figure(f"programme_{p}", F.programme_figure(res, p, lang))


def _pathways(page: _Page, res: Results, lang: str) -> None:
    page.section("pathways", t("sec_pathways", lang))
    shown = False
    for scen in res.scenarios:
        spells = res.spells(scen)
        if spells is None or spells.empty:
            continue
        flows = sankey.flows(spells)
        if not shown:
            page.text(t("sankey_note", lang, k=flows.replications))
            shown = True
        page.figure(
            f"pathways_{scen}",
            F.sankey_figure(flows, res.display_names().get(scen, scen), lang, res.programme_labels(lang)),
        )
    if not shown:
        page.text(t("no_spells", lang))


def _summary(page: _Page, res: Results, lang: str) -> None:
    """Per variant and year: integrations, IQ in percentage points, LZB and cost, with significance."""
    ys = F.years(res)
    span = ys[0] if len(ys) == 1 else f"{ys[0]}–{ys[-1]}"
    page.section("summary", t("sec_summary", lang), t("summary_note", lang, year=span))
    import pandas as pd

    frames = [tables.summary_frame(res, lang, y) for y in ys]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not df.empty:
        df = df.sort_values(
            [t("variant", lang), t("period", lang)],
            kind="stable",
            key=lambda c: (
                c.map({n: k for k, n in enumerate(res.display_names().values())}) if c.name == t("variant", lang) else c
            ),
        )
    page.raw(tables.to_html(df, "data summary"))
    if len(ys) > 1:
        page.text(t("slow_effects_report", lang))


def _comparison(page: _Page, res: Results, lang: str) -> None:
    page.section("comparison", t("sec_comparison", lang), t("side_note", lang))
    page.raw(tables.to_html(tables.side_by_side_frame(res, lang)))
    page.text(t("comparison_note", lang))
    page.raw(
        f"<details><summary>{html.escape(t('comparison_details', lang))}</summary>"
        f"{tables.to_html(tables.comparison_frame(res, lang))}</details>"
    )
    for fig, name in zip(F.comparison_figures(res, lang), ["difference_yearly", "difference_monthly"]):
        page.figure(name, fig)
    prog = tables.comparison_frame(res, lang, programmes=True)
    if not prog.empty:
        page.raw(f"<details><summary>{html.escape(t('more_rows', lang))}</summary>{tables.to_html(prog)}</details>")


def _targets(page: _Page, lang: str, targets: Targets | None) -> None:
    page.section("targets", t("sec_targets", lang))
    if targets is None:
        page.text(t("targets_none", lang))
        return
    page.text(t("targets_from", lang, file=targets.file.name, year=targets.year))
    page.raw(tables.to_html(tables.targets_frame(targets, lang)))


def _frame(page: _Page, res: Results, lang: str) -> str:
    """The whole document: head with inline plotly.js and style, header, contents, sections."""
    n = max(res.replications.values()) if res.replications else 1
    what = t("report_of_run", lang) if res.kind == "run" else t("report_of_batch", lang, n=n)
    meta = (
        f"{html.escape(t('scenarios', lang))}: {html.escape(', '.join(res.scenarios))} · {html.escape(what)} · "
        f"{html.escape(t('results_dir', lang))}: {html.escape(str(res.path))} · "
        f"{html.escape(t('created', lang))}: {datetime.now().strftime('%Y-%m-%d %H:%M')}"
    )
    toc = "".join(f'<li><a href="#{a}">{html.escape(title)}</a></li>' for a, title in page.toc)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(t('report_title', lang))}: {html.escape(', '.join(res.scenarios))}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f'<h1>{html.escape(t("report_title", lang))}</h1>\n<p class="meta">{meta}</p>\n'
        f"<nav><h3>{html.escape(t('contents', lang))}</h3><ul>{toc}</ul></nav>\n"
        + "\n".join(page.parts)
        + f'\n<script type="application/octet-stream" id="plotly-gz">{plotly_gzip_base64()}</script>\n'
        + f"<script>{LOADER.replace('CONFIG', json.dumps(PLOTLY_CONFIG))}</script>\n"
        + f"<noscript>{html.escape(t('needs_js', lang))}</noscript>\n</body>\n</html>\n"
    )


def default_out(results_dir: Path, lang: str) -> Path:
    return results_dir / ("report.html" if lang == "en" else f"report-{lang}.html")


def write_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_report(
    results_dir: str | Path,
    lang: str = "en",
    out: str | Path | None = None,
    png_dir: str | Path | None = None,
    targets_file: str | None = None,
) -> tuple[Path, Report, list[Path]]:
    """Read a results directory, write the HTML report (and PNGs if asked); return paths and report."""
    res = load_results(results_dir)
    targets = targets_for(targets_file, res.programmes)
    report = build(res, lang, targets)
    out_path = Path(out) if out else default_out(Path(results_dir), lang)
    write_atomic(report.html, out_path)
    pngs: list[Path] = []
    if png_dir:
        from .png import export

        pngs = export(report.figures, png_dir)
    return out_path, report, pngs
