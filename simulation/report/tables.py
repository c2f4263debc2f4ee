"""Tables of the report: the comparison (variant - base with CIs) and the targets used."""

from __future__ import annotations

import html
import math

import pandas as pd

from ..indicators import registry
from .data import Results
from .figures import HEADLINE, is_percent
from .labels import indicator_label, t
from .targets import Targets

PROGRAMME_MEASURES = ("entries", "waiting", "mean_wait_days", "cost")


def fmt(x, indicator: str, lang: str) -> str:
    """A number as planners read it: percent for rates, thousands separators, German decimal comma."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if is_percent(indicator.split(".")[-1]) and not indicator.startswith("programme."):
        v = 100 * x
        s = f"{v:,.2f} %" if abs(v) >= 0.1 or v == 0 else f"{v:.2g} %"
    elif abs(x) >= 100 or float(x).is_integer():
        s = f"{x:,.0f}"
    else:
        s = f"{x:,.2f}"
    if lang == "de":
        s = s.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return s


def comparison_frame(res: Results, lang: str, programmes: bool = False) -> pd.DataFrame:
    """Yearly differences per variant: headline indicators, or the programmes' measures."""
    comp = res.comparison
    if comp is None or comp.empty:
        return pd.DataFrame()
    y = comp[comp["period_type"] == "year"].copy()
    if programmes:
        wanted = [f"programme.{p}.{m}" for p in res.programmes for m in PROGRAMME_MEASURES]
    else:
        wanted = HEADLINE
    order = {ind: k for k, ind in enumerate(wanted)}
    y = y[y["indicator"].isin(order)]
    y = y.assign(_o=y["indicator"].map(order)).sort_values(["variant", "_o", "period"], kind="stable")
    rows = []
    for r in y.itertuples():
        ind = r.indicator
        vr = r.variance_reduction
        rows.append({
            t("variant", lang): r.variant, t("indicator", lang): indicator_label(ind, lang),
            t("period", lang): r.period, t("base_mean", lang): fmt(r.base_mean, ind, lang),
            t("variant_mean", lang): fmt(r.variant_mean, ind, lang), t("difference", lang): fmt(r.diff_mean, ind, lang),
            t("ci_low", lang): fmt(r.diff_ci_low, ind, lang), t("ci_high", lang): fmt(r.diff_ci_high, ind, lang),
            t("replications", lang): int(r.n),
            t("variance_reduction", lang): "–" if pd.isna(vr) else fmt(float(vr), "x", lang) + "×"})
    return pd.DataFrame(rows)


def kennzahlen_frame(res: Results, lang: str) -> pd.DataFrame:
    """The § 48a SGB II indicators (registry entries with a code) per scenario and calendar year."""
    y = res.summary[res.summary["period_type"] == "year"]
    periods = sorted(y["period"].astype(str).unique())
    cells = {(r.scenario, str(r.period), r.indicator): r for r in y.itertuples()}
    rows = []
    for ind in sorted((i for i in registry.INDICATORS if i.code), key=lambda i: i.code):
        if not any(k[2] == ind.name for k in cells):
            continue                        # results from before the indicator existed
        for scen in res.scenarios:
            row = {t("indicator", lang): ind.label(lang), t("scenario", lang): scen}
            for p in periods:
                r = cells.get((scen, p, ind.name))
                v = "–" if r is None else fmt(r.mean, ind.name, lang)
                if r is not None and r.n > 1 and v != "–" and not pd.isna(r.ci_low):
                    v += f" [{fmt(r.ci_low, ind.name, lang)}; {fmt(r.ci_high, ind.name, lang)}]"
                row[p] = v
            rows.append(row)
    return pd.DataFrame(rows)


def targets_frame(targets: Targets, lang: str) -> pd.DataFrame:
    rows = []
    for tg in targets.items:
        band = "" if tg.low is None and tg.high is None else \
            f"{'' if tg.low is None else f'{tg.low:g}'} – {'' if tg.high is None else f'{tg.high:g}'}"
        rows.append({t("target", lang): tg.label, t("value", lang): f"{tg.value:g}", t("band", lang): band,
                     t("source", lang): tg.source})
    return pd.DataFrame(rows)


def to_html(df: pd.DataFrame, css: str = "data") -> str:
    """A plain HTML table (escaped), numbers right-aligned by the stylesheet."""
    if df.empty:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
