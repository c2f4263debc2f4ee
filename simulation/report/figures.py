"""The report's plotly figures, built from a `Results` and labelled in the planner's language.

Each function returns one `go.Figure` (or a list), so the HTML report, the PNG export and the
web app show the same pictures.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..engine.timeline import Timeline
from ..indicators import registry
from ..scenario.schema import is_steps
from . import sankey
from .data import Results
from .labels import exit_label, indicator_label, sex_label, t
from .targets import Targets

PALETTE = ["#1f5fa8", "#d1603d", "#2e8b57", "#8a4fb5", "#b8860b", "#c2185b", "#00838f", "#5d4037"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]
HEIGHT = 420


def color(i: int, alpha: float = 1.0) -> str:
    h = PALETTE[i % len(PALETTE)].lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def shown(res: Results, scenario: str) -> str:
    """A scenario as the legend names it: the name its file gives (the file name if none)."""
    return res.display_names().get(scenario, scenario)


def is_percent(indicator: str) -> bool:
    """Shares and changes (by their registry unit) are shown as percent."""
    try:
        return registry.lookup(indicator)[0].percent
    except registry.UnknownColumn:
        return False


def layout(fig: go.Figure, title: str, lang: str, height: int = HEIGHT) -> go.Figure:
    """Common look: title, legend below, number separators of the language."""
    fig.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        template="plotly_white",
        separators=",." if lang == "de" else ".,",
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        hovermode="x unified",
    )
    return fig


def bar_layout(fig: go.Figure) -> None:
    """Grouped bars with the legend at the right (above, a wrapped legend ran into the title)."""
    fig.update_layout(
        barmode="group",
        hovermode="x",
        margin={"t": 60, "r": 20},
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.02, "xanchor": "left"},
    )


def monthly_rows(res: Results, scenario: str, indicator: str) -> pd.DataFrame:
    s = res.summary
    sel = s[(s["scenario"] == scenario) & (s["period_type"] == "month") & (s["indicator"] == indicator)]
    return sel.sort_values("period")


def yearly_rows(res: Results, indicator: str) -> pd.DataFrame:
    s = res.summary
    return s[(s["period_type"] == "year") & (s["indicator"] == indicator)]


def add_series(
    fig: go.Figure,
    rows: pd.DataFrame,
    name: str,
    i: int,
    dash: str = "solid",
    row: int | None = None,
    col: int | None = None,
    legend: bool = True,
    group: str | None = None,
) -> None:
    """A mean line with its 95 % band (the band only where the CI exists)."""
    x = rows["period"].astype(str).tolist()
    where = {"row": row, "col": col} if row else {}
    if rows["ci_low"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=rows["ci_high"].tolist() + rows["ci_low"].tolist()[::-1],
                fill="toself",
                mode="lines",
                fillcolor=color(i, 0.15),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=group or name,
                name=f"{name} 95 %",
            ),
            **where,
        )
    points = int(rows["mean"].notna().sum())
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rows["mean"].tolist(),
            mode="lines" if points > 2 else "lines+markers",
            name=name,
            showlegend=legend,
            legendgroup=group or name,
            line={"color": color(i), "dash": dash, "width": 2},
        ),
        **where,
    )


def add_targets(fig: go.Figure, res: Results, targets: Targets | None, indicator: str, lang: str) -> None:
    """Observed figures of the targets' year: a dotted line at the value, a grey band for low..high."""
    if targets is None:
        return
    months = res.summary.loc[res.summary["period_type"] == "month", "period"].astype(str)
    in_year = sorted(m for m in months.unique() if m.startswith(str(targets.year)))
    if not in_year:
        return
    x0, x1 = in_year[0], in_year[-1]
    for tg, factor in targets.monthly(indicator):
        if tg.low is not None or tg.high is not None:
            lo = (tg.low if tg.low is not None else tg.value) * factor
            hi = (tg.high if tg.high is not None else tg.value) * factor
            fig.add_trace(
                go.Scatter(
                    x=[x0, x1, x1, x0],
                    y=[lo, lo, hi, hi],
                    fill="toself",
                    mode="lines",
                    fillcolor="rgba(120,120,120,0.18)",
                    line={"width": 0},
                    name=f"{t('target_band', lang)} {targets.year}",
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[tg.value * factor] * 2,
                mode="lines",
                line={"color": "#444", "dash": "dot", "width": 2},
                name=f"{t('observed', lang)} {targets.year}",
            )
        )


def indicator_figure(
    res: Results, indicator: str, title_key: str, lang: str, targets: Targets | None = None, by_sex: bool = False
) -> go.Figure:
    """Monthly means with 95 % bands per scenario; by_sex adds one line per sex (dashed)."""
    fig = go.Figure()
    parts = [(indicator, t("all", lang), "solid")]
    if by_sex:
        parts += [
            (f"{indicator}_{sx}", sex_label(sx, lang), DASHES[(k + 1) % len(DASHES)]) for k, sx in enumerate(res.sexes)
        ]
    for i, scen in enumerate(res.scenarios):
        for ind, part, dash in parts:
            rows = monthly_rows(res, scen, ind)
            if rows.empty:
                continue
            name = shown(res, scen) if not by_sex else f"{shown(res, scen)}: {part}"
            add_series(fig, rows, name if len(res.scenarios) > 1 or by_sex else t(title_key, lang), i, dash)
    add_targets(fig, res, targets, indicator, lang)
    layout(fig, t(title_key, lang), lang)
    fig.update_xaxes(title=t("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(tickformat=".0%" if is_percent(indicator) else None, rangemode="tozero")
    if not any(len(tr.y or []) and pd.notna(pd.Series(tr.y, dtype=float)).any() for tr in fig.data):
        fig.add_annotation(
            text=t("needs_12_months", lang) if indicator == "iq" else t("no_data", lang),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 15},
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def indicator_figures(res: Results, lang: str, targets: Targets | None) -> list[go.Figure]:
    """The headline series: eLb stock, integrations, IQ by sex, LZB stock by sex, LZB share."""
    return [
        indicator_figure(res, "elb_stock", "elb_stock", lang, targets),
        indicator_figure(res, "integrations", "integrations_per_month", lang, targets),
        indicator_figure(res, "iq", "iq_long", lang, targets, by_sex=True),
        indicator_figure(res, "lzb_stock", "lzb_stock", lang, targets, by_sex=True),
        indicator_figure(res, "lzb_share", "lzb_share", lang, targets),
    ]


def _programme_spec(res: Results, scenario: str, name: str):
    """The programme as the engine reads it (the validated scenario's), or None if the scenario is not known."""
    plan = res.plan(scenario)
    return None if plan is None else plan[0].programmes.get(name)


def _on_first_day(res: Results, scenario: str, value, month: str) -> float:
    """A value over calendar time (a number, or validated steps) on the 1st of a month ("2024-05"), read through
    Timeline as the engine reads it."""
    if not is_steps(value):
        return float(value)
    clock = res.plan(scenario)[1]
    return Timeline.of(value, clock).at(clock.day(_first_day(month)))


def programme_figure(res: Results, name: str, lang: str) -> go.Figure:
    """One programme over time: places used (against places), waiting list, mean wait, entries."""
    label = res.programme_labels(lang).get(name, "")
    sub = _wrap(f"{label} ({name})") if label else []
    title = f"{t('programme', lang)}: {short_label(label, 80).replace('<br>', ' ') if label else name}" + (
        f"<br><sup>{'<br>'.join(sub)}</sup>" if sub else ""
    )
    titles = [t("places_used", lang), t("waiting_list", lang), t("mean_wait", lang), t("entries_per_month", lang)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, shared_xaxes=True, vertical_spacing=0.14)
    cells = [("participants", 1, 1), ("waiting", 1, 2), ("mean_wait_days", 2, 1), ("entries", 2, 2)]
    for i, scen in enumerate(res.scenarios):
        for k, (measure, r, c) in enumerate(cells):
            rows = monthly_rows(res, scen, f"programme.{name}.{measure}")
            if not rows.empty:
                add_series(fig, rows, shown(res, scen), i, row=r, col=c, legend=k == 0)
        spec = _programme_spec(res, scen, name)
        places = None if spec is None else spec.places
        months = monthly_rows(res, scen, f"programme.{name}.participants")["period"].astype(str).tolist()
        if is_steps(places) and months:  # places over calendar time: a step line
            fig.add_trace(
                go.Scatter(
                    x=months,
                    y=[_on_first_day(res, scen, places, m) for m in months],
                    mode="lines",
                    line={"color": color(i), "dash": "dot", "width": 1.5, "shape": "hv"},
                    name=f"{scen}: {t('places', lang)}",
                    legendgroup=scen,
                ),
                row=1,
                col=1,
            )
        elif places is not None and months:
            fig.add_trace(
                go.Scatter(
                    x=[months[0], months[-1]],
                    y=[places, places],
                    mode="lines",
                    line={"color": color(i), "dash": "dot", "width": 1.5},
                    name=f"{shown(res, scen)}: {t('places', lang)}",
                    legendgroup=scen,
                ),
                row=1,
                col=1,
            )
    layout(fig, title, lang, height=580 + 16 * len(sub))
    fig.update_layout(margin={"t": 80 + 16 * len(sub)})
    fig.update_xaxes(tickformat="%Y-%m")
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(hovermode="x")
    return fig


def _wrap(text: str, n: int = 120) -> list[str]:
    """A long label in lines of at most n characters (never cut off)."""
    import textwrap

    return textwrap.wrap(text, n) or [text]


def years(res: Results) -> list[str]:
    return sorted(yearly_rows(res, "elb_stock")["period"].astype(str).unique())


def _first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _per_month_sum(res: Results, scenario: str, programme: str, year: str, value) -> float:
    """A value over calendar time summed over the simulated months of a year (its value on each 1st)."""
    months = monthly_rows(res, scenario, f"programme.{programme}.participants")["period"].astype(str)
    return float(sum(_on_first_day(res, scenario, value, m) for m in months if m.startswith(year)))


def place_months(res: Results, scenario: str, programme: str, year: str, places, months: float) -> float:
    """Places (a number or steps over time) summed over the simulated months of a year."""
    return _per_month_sum(res, scenario, programme, year, places) if is_steps(places) else places * months


def full_occupancy_cost(res: Results, scenario: str, year: str, months: float) -> float:
    """The programmes' cost of full occupancy in a year: places × months × cost per place and month.

    Programmes with unlimited places count nothing. Where a pool with `places` caps its members, the members
    count together as at most the pool's places (at the highest cost per place of its members), never more
    than their own places added up.
    """
    plan = res.plan(scenario)
    if plan is None:
        return 0.0
    sc = plan[0]
    pooled: set[str] = set()
    total = 0.0
    for spec in sc.pools.values():
        members = [p for p in spec.programmes if p in sc.programmes]
        if spec.places is None or not members:
            continue
        pooled.update(members)
        own = sum(_occupancy_cost(res, scenario, p, year, months, limit=False) for p in members)
        cost = max(sc.programmes[p].cost_per_month for p in members)
        total += min(own, place_months(res, scenario, members[0], year, spec.places, months) * cost)
    for p in res.programmes:
        if p not in pooled:
            total += _occupancy_cost(res, scenario, p, year, months)
    return total


def _occupancy_cost(res: Results, scenario: str, programme: str, year: str, months: float, limit: bool = True) -> float:
    """One programme's cost of full occupancy; with unlimited places 0 (limit) or infinite (capped by a pool)."""
    spec = _programme_spec(res, scenario, programme)
    if spec is None or spec.places is None:
        return 0.0 if limit else float("inf")
    return place_months(res, scenario, programme, year, spec.places, months) * spec.cost_per_month


def _months_in(res: Results, scenario: str, year: str) -> float:
    m = yearly_rows(res, "months")
    m = m[(m["scenario"] == scenario) & (m["period"].astype(str) == year)]
    return float(m["mean"].iloc[0]) if len(m) else 12.0


def _bar_labels(res: Results, programmes: list[str], lang: str) -> list[str]:
    """Programmes on a bar chart's axis: their short labels (the name where a label is missing or repeats)."""
    known = res.programme_labels(lang)
    labels = [short_label(known[p], 28) if known.get(p) else p for p in programmes]
    return [lab if labels.count(lab) == 1 else p for lab, p in zip(labels, programmes)]


def _bars(res: Results, measure: str, year: str, programmes: list[str], labels: list[str], fig: go.Figure) -> None:
    """One bar per programme and scenario (mean of the year, 95 % CI as error bar)."""
    for i, scen in enumerate(res.scenarios):
        s = res.summary
        y = s[(s["scenario"] == scen) & (s["period_type"] == "year") & (s["period"].astype(str) == year)]
        y = y.set_index("indicator")
        means, lo, hi = [], [], []
        for p in programmes:
            ind = f"programme.{p}.{measure}"
            m = float(y.at[ind, "mean"]) if ind in y.index else np.nan
            means.append(m)
            lo.append(m - float(y.at[ind, "ci_low"]) if ind in y.index and pd.notna(y.at[ind, "ci_low"]) else 0.0)
            hi.append(float(y.at[ind, "ci_high"]) - m if ind in y.index and pd.notna(y.at[ind, "ci_high"]) else 0.0)
        fig.add_trace(
            go.Bar(
                x=labels,
                y=means,
                name=shown(res, scen),
                marker_color=color(i, 0.85),
                legendgroup=scen,
                error_y={"type": "data", "array": hi, "arrayminus": lo, "visible": True},
            )
        )


def _markers(fig: go.Figure, labels: list[str], values: list[float | None], name: str, i: int) -> None:
    ok = [(lab, v) for lab, v in zip(labels, values) if v is not None]
    if ok:
        fig.add_trace(
            go.Scatter(
                x=[a for a, _ in ok],
                y=[b for _, b in ok],
                mode="markers",
                name=name,
                marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 3}, "color": color(i)},
            )
        )


def entries_figures(res: Results, lang: str, targets: Targets | None) -> list[tuple[str, go.Figure]]:
    """Per year: entries per programme against the scenario's quota, and target groups against plan (named)."""
    progs = res.programmes
    labels = _bar_labels(res, progs, lang)
    figs = []
    for year in years(res):
        fig = go.Figure()
        _bars(res, "entries", year, progs, labels, fig)
        for i, scen in enumerate(res.scenarios):
            months = _months_in(res, scen, year)
            specs = [_programme_spec(res, scen, p) for p in progs]
            quota = [None if spec is None else spec.entries_per_year for spec in specs]
            _markers(
                fig,
                labels,
                [
                    _per_month_sum(res, scen, p, year, q) / 12
                    if is_steps(q)
                    else q * months / 12
                    if q is not None
                    else None
                    for p, q in zip(progs, quota)
                ],
                f"{shown(res, scen)}: {t('planned', lang)}",
                i,
            )
        layout(fig, f"{t('entries_vs_plan', lang)} – {year}", lang)
        if not any(tr.type == "scatter" for tr in fig.data):
            fig.add_annotation(
                text=t("no_plan", lang),
                showarrow=False,
                xref="paper",
                yref="paper",
                x=1,
                y=1.08,
                xanchor="right",
                font={"color": "#666"},
            )
        fig.update_yaxes(title=t("entries", lang))
        bar_layout(fig)
        figs.append((f"entries_{year}", fig))
        if targets is not None and str(targets.year) == year and targets.entry_groups():
            figs.append((f"entries_groups_{year}", _group_figure(res, targets, year, lang)))
    return figs


def _group_figure(res: Results, targets: Targets, year: str, lang: str) -> go.Figure:
    """Entries of the targets' programme groups (sum of means) against the planned entries with band."""
    fig = go.Figure()
    groups = targets.entry_groups()
    names = [g.label_in(lang).split(":", 1)[-1].strip() for g in groups]
    for i, scen in enumerate(res.scenarios):
        s = res.summary
        y = s[(s["scenario"] == scen) & (s["period_type"] == "year") & (s["period"].astype(str) == year)]
        y = y.set_index("indicator")["mean"]
        sums = [float(sum(y.get(f"programme.{p}.entries", 0.0) for p in g.programmes)) for g in groups]
        fig.add_trace(go.Bar(x=names, y=sums, name=shown(res, scen), marker_color=color(i, 0.85)))
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[g.value for g in groups],
            mode="markers",
            name=t("planned", lang),
            marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 3}, "color": "#444"},
            error_y={
                "type": "data",
                "array": [(g.high or g.value) - g.value for g in groups],
                "arrayminus": [g.value - (g.low or g.value) for g in groups],
                "color": "#444",
            },
        )
    )
    layout(fig, f"{t('entries_vs_plan', lang)} ({t('group', lang)}) – {year}", lang)
    fig.update_yaxes(title=t("entries", lang))
    bar_layout(fig)
    return fig


def cost_figures(res: Results, lang: str) -> list[tuple[str, go.Figure]]:
    """Per year: cost per programme against the budget of full occupancy (named)."""
    progs = [p for p in res.programmes if _has_cost(res, p)]
    if not progs:
        return []
    labels = _bar_labels(res, progs, lang)
    figs = []
    for year in years(res):
        fig = go.Figure()
        _bars(res, "cost", year, progs, labels, fig)
        for i, scen in enumerate(res.scenarios):
            months = _months_in(res, scen, year)
            budget = []
            for p in progs:
                spec = _programme_spec(res, scen, p)
                ok = spec is not None and spec.places is not None and spec.cost_per_month > 0
                budget.append(
                    place_months(res, scen, p, year, spec.places, months) * spec.cost_per_month if ok else None
                )
            _markers(fig, labels, budget, f"{shown(res, scen)}: {t('budget', lang)}", i)
        layout(fig, f"{t('cost_vs_budget', lang)} – {year}", lang)
        fig.update_yaxes(title=f"{t('cost', lang)} ({t('euro', lang)})")
        bar_layout(fig)
        figs.append((f"cost_{year}", fig))
    return figs


def _has_cost(res: Results, programme: str) -> bool:
    c = yearly_rows(res, f"programme.{programme}.cost")
    return bool(len(c)) and bool((c["mean"] > 0).any())


def short_label(label: str, width: int = 44) -> str:
    """A programme's label for a diagram: without source references and the part after a colon, parentheses
    dropped if long, wrapped (never cut off) at `width` characters."""
    import textwrap

    text = re.sub(r"\s*\[[^\]]*\]", "", label).strip()
    text = text.split(": ", 1)[0]
    if len(text) > width:
        text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    return "<br>".join(textwrap.wrap(text, width)) or label


def node_label(node: str, lang: str, labels: dict[str, str] | None = None) -> str:
    if node.startswith("origin:"):
        return t(f"origin_{node[7:]}", lang)
    if node.startswith("step"):
        k, _, p = node[4:].partition(":")
        if p == sankey.SMALL:
            return f"{k}. {t('small_programmes', lang, pct=round(100 * sankey.MIN_SHARE))}"
        return f"{k}. {short_label(labels[p]) if labels and labels.get(p) else p}"
    if node == sankey.MORE:
        return f"{sankey.MAX_STEPS + 1}+ {t('more_programmes', lang)}"
    if node == sankey.STILL:
        return t("still_in_benefit", lang)
    return exit_label(node.removeprefix("exit:"), lang)


def node_color(node: str, alpha: float = 1.0) -> str:
    """Grey origins, blue programmes, green integrations, brown other exits, red still in benefit."""
    if node.startswith("origin:"):
        rgb = (127, 140, 141)
    elif node.startswith("exit:"):
        rgb = (46, 139, 87) if node[5:] in ("employment", "training", "self_employment") else (176, 133, 91)
    elif node == sankey.STILL:
        rgb = (192, 57, 43)
    else:
        rgb = (31, 95, 168)
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha})"


def sankey_figure(flows: sankey.Flows, scenario: str, lang: str, labels: dict[str, str] | None = None) -> go.Figure:
    """The pathways diagram of one scenario (programmes by their labels when given)."""
    index = {n: k for k, n in enumerate(flows.nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.1f",
            textfont={"size": 13, "color": "#111"},
            node={
                "label": [node_label(n, lang, labels) for n in flows.nodes],
                "pad": 18,
                "thickness": 16,
                "color": [node_color(n) for n in flows.nodes],
            },
            link={
                "source": [index[s] for s in flows.links["source"]],
                "target": [index[s] for s in flows.links["target"]],
                "value": flows.links["value"].tolist(),
                "color": [node_color(n, 0.3) for n in flows.links["target"]],
            },
        )
    )
    layout(fig, f"{t('sankey_title', lang)}: {scenario}", lang, height=max(520, 30 * len(flows.nodes)))
    return fig


HEADLINE = list(registry.HEADLINE)


def comparison_figures(res: Results, lang: str) -> list[go.Figure]:
    """Yearly differences variant - base with 95 % CI, and the monthly differences with bands."""
    comp = res.comparison
    if comp is None or comp.empty:
        return []
    variants = list(dict.fromkeys(comp["variant"]))
    names = res.display_names()
    yearly = comp[comp["period_type"] == "year"]
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=[indicator_label(i, lang) for i in HEADLINE],
        horizontal_spacing=0.08,
        vertical_spacing=0.2,
    )
    for k, ind in enumerate(HEADLINE, start=1):
        r, c = (k - 1) // 3 + 1, (k - 1) % 3 + 1
        for i, v in enumerate(variants):
            d = yearly[(yearly["variant"] == v) & (yearly["indicator"] == ind)].sort_values("period")
            fig.add_trace(
                go.Scatter(
                    x=d["period"].astype(str),
                    y=d["diff_mean"],
                    mode="markers",
                    name=names.get(v, v),
                    legendgroup=v,
                    showlegend=k == 1,
                    marker={"color": color(i + 1), "size": 10},
                    error_y={
                        "type": "data",
                        "array": (d["diff_ci_high"] - d["diff_mean"]).fillna(0).tolist(),
                        "arrayminus": (d["diff_mean"] - d["diff_ci_low"]).fillna(0).tolist(),
                    },
                ),
                row=r,
                col=c,
            )
        fig.add_hline(y=0, line={"color": "#888", "width": 1}, row=r, col=c)
        fig.update_yaxes(tickformat=".2~%" if is_percent(ind) else None, row=r, col=c)
    layout(fig, t("diff_chart", lang), lang, height=600)
    fig.update_xaxes(type="category")
    fig.update_layout(hovermode="closest")

    monthly = comp[comp["period_type"] == "month"]
    shown = HEADLINE[:4]  # the first four, in a 2 x 2 grid
    fig2 = make_subplots(
        rows=2, cols=2, subplot_titles=[indicator_label(i, lang) for i in shown], vertical_spacing=0.16
    )
    for k, ind in enumerate(shown):
        r, c = k // 2 + 1, k % 2 + 1
        for i, v in enumerate(variants):
            d = monthly[(monthly["variant"] == v) & (monthly["indicator"] == ind)].sort_values("period")
            rows = d.rename(columns={"diff_mean": "mean", "diff_ci_low": "ci_low", "diff_ci_high": "ci_high"})
            add_series(fig2, rows, names.get(v, v), i + 1, row=r, col=c, legend=k == 0)
        fig2.update_yaxes(tickformat=".2~%" if is_percent(ind) else None, row=r, col=c)
    layout(fig2, t("diff_month_chart", lang), lang, height=560)
    fig2.update_xaxes(tickformat="%Y-%m")
    fig2.update_layout(hovermode="x")
    return [fig, fig2]
