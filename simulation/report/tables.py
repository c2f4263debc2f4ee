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


def _local(s: str, lang: str) -> str:
    """English separators to the language's: German 1.234,5 for English 1,234.5."""
    if lang == "de":
        s = s.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return s


def is_rate(indicator: str) -> bool:
    """Rates and shares (shown in %, their differences in percentage points)."""
    return not indicator.startswith("programme.") and is_percent(indicator.split(".")[-1])


def number(x, decimals: int, lang: str, sign: bool = False) -> str:
    """A number with a fixed number of decimals, the language's separators, a sign if asked."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{x:+,.{decimals}f}" if sign else f"{x:,.{decimals}f}"
    if sign and s[1:].strip("0,.") == "":
        s = s[1:]  # no sign on a zero
    return _local(s.replace("-", "−"), lang)


def fmt(x, indicator: str, lang: str) -> str:
    """A level as planners read it: rates in % with one decimal, counts whole, money in whole euros."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if is_rate(indicator):
        return number(100 * x, 1, lang) + " %"
    if indicator.endswith("mean_wait_days"):
        return number(x, 1, lang)
    if _ratio(indicator):
        return number(x, 2, lang)
    return number(x, 0, lang)


def _ratio(indicator: str) -> bool:
    """Ratios of two counts (eLb per household): two decimals."""
    ind = registry.BY_NAME.get(indicator)
    return ind is not None and ind.unit == "ratio"


def fmt_diff(x, indicator: str, lang: str) -> str:
    """A difference of means: rates in percentage points (pp / Pp.) with two decimals, money in whole
    euros, counts with one decimal (a mean over replications), with a sign."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if is_rate(indicator):
        return number(100 * x, 2, lang, sign=True) + " " + t("pp", lang)
    if _ratio(indicator):
        return number(x, 2, lang, sign=True)
    if "cost" in indicator:
        return number(x, 0, lang, sign=True)
    return number(x, 1, lang, sign=True)


def significant(low, high) -> bool | None:
    """Whether the 95 % interval of a difference excludes 0 (None without an interval)."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return None
    return bool(low > 0 or high < 0)


def yes_no(flag: bool | None, lang: str) -> str:
    return "–" if flag is None else t("yes" if flag else "no", lang)


def programme_name(indicator: str, labels: dict[str, str]) -> str:
    return labels.get(indicator.split(".")[1], indicator.split(".")[1]) if indicator.startswith("programme.") else ""


def comparison_rows(res: Results, programmes: bool = False) -> pd.DataFrame:
    """Yearly differences per variant (headline indicators, or the programmes' measures), ordered."""
    comp = res.comparison
    if comp is None or comp.empty:
        return pd.DataFrame()
    y = comp[comp["period_type"] == "year"].copy()
    wanted = [f"programme.{p}.{m}" for p in res.programmes for m in PROGRAMME_MEASURES] if programmes else HEADLINE
    order = {ind: k for k, ind in enumerate(wanted)}
    variants = {v: k for k, v in enumerate(res.scenarios)}
    y = y[y["indicator"].isin(order)]
    y = y.assign(_v=y["variant"].map(variants), _o=y["indicator"].map(order))
    return y.sort_values(["_v", "_o", "period"], kind="stable").drop(columns=["_v", "_o"])


def comparison_numbers(res: Results, lang: str, programmes: bool = False) -> pd.DataFrame:
    """The comparison as numbers (for CSV and Excel): rates in %, their differences in percentage points."""
    rows = []
    names = res.display_names()
    for r in comparison_rows(res, programmes).itertuples():
        k = 100.0 if is_rate(r.indicator) else 1.0
        rows.append(
            {
                t("variant", lang): names.get(r.variant, r.variant),
                t("indicator", lang): indicator_label(r.indicator, lang),
                t("unit", lang): t("unit_pct", lang)
                if k == 100
                else t("unit_count", lang)
                if "cost" not in r.indicator
                else t("euro", lang),
                t("period", lang): str(r.period),
                t("base_mean", lang): k * r.base_mean,
                t("variant_mean", lang): k * r.variant_mean,
                t("difference", lang): k * r.diff_mean,
                t("ci_low", lang): k * r.diff_ci_low,
                t("ci_high", lang): k * r.diff_ci_high,
                t("significant", lang): yes_no(significant(r.diff_ci_low, r.diff_ci_high), lang),
                t("replications", lang): int(r.n),
            }
        )
    return pd.DataFrame(rows)


# households and work beside benefit (docs/outputs.md): shown when a scenario has households
HOUSEHOLD_INDICATORS = (
    "bg_stock",
    "elb_per_bg",
    "non_able_members",
    "recipients",
    "integrations_ending_need",
    "need_ending_share",
    "topped_up_stock",
)


def has_households(res: Results) -> bool:
    """Whether any scenario of the results has households of more than one eLb or non-able members."""
    y = res.summary[(res.summary["period_type"] == "year") & res.summary["indicator"].isin(["bg_stock", "elb_stock"])]
    if y.empty or "bg_stock" not in set(y["indicator"]):
        return False
    wide = y.pivot_table(index=["scenario", "period"], columns="indicator", values="mean", observed=True)
    return bool((wide["bg_stock"] < wide["elb_stock"] - 1e-9).any())


def households_frame(res: Results, lang: str) -> pd.DataFrame:
    """Households (Bedarfsgemeinschaften), their members and work beside benefit per scenario and year."""
    return kennzahlen_frame(res, lang, [registry.BY_NAME[n] for n in HOUSEHOLD_INDICATORS])


def kennzahlen_frame(res: Results, lang: str, indicators: list | None = None) -> pd.DataFrame:
    """The § 48a SGB II indicators (registry entries with a code; or the `indicators` given) per scenario
    and calendar year."""
    if indicators is None:
        indicators = sorted((i for i in registry.INDICATORS if i.code), key=lambda i: i.code)
    y = res.summary[res.summary["period_type"] == "year"]
    periods = sorted(y["period"].astype(str).unique())
    cells = {(r.scenario, str(r.period), r.indicator): r for r in y.itertuples()}
    rows = []
    for ind in indicators:
        if not any(k[2] == ind.name for k in cells):
            continue  # results from before the indicator existed
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


def comparison_frame(res: Results, lang: str, programmes: bool = False) -> pd.DataFrame:
    """Yearly differences per variant as planners read them: levels, difference (rates in percentage
    points), its 95 % interval and whether the replications show it clearly (interval excludes 0)."""
    rows = []
    names = res.display_names()
    for r in comparison_rows(res, programmes).itertuples():
        ind = r.indicator
        rows.append(
            {
                t("variant", lang): names.get(r.variant, r.variant),
                t("indicator", lang): indicator_label(ind, lang),
                t("period", lang): str(r.period),
                t("base_mean", lang): fmt(r.base_mean, ind, lang),
                t("variant_mean", lang): fmt(r.variant_mean, ind, lang),
                t("difference", lang): fmt_diff(r.diff_mean, ind, lang),
                t("ci", lang): f"{fmt_diff(r.diff_ci_low, ind, lang)} … {fmt_diff(r.diff_ci_high, ind, lang)}",
                t("significant", lang): yes_no(significant(r.diff_ci_low, r.diff_ci_high), lang),
                t("replications", lang): int(r.n),
            }
        )
    return pd.DataFrame(rows)


def side_by_side_frame(res: Results, lang: str) -> pd.DataFrame:
    """All variants side by side: one row per indicator and year, the base's level, then per variant its
    difference to the base and whether it is significant."""
    rows = comparison_rows(res)
    if rows.empty:
        return pd.DataFrame()
    names = res.display_names()
    base = res.scenarios[0]
    out = []
    for (ind, period), g in rows.groupby(["indicator", "period"], sort=False):
        row = {
            t("indicator", lang): indicator_label(ind, lang),
            t("period", lang): str(period),
            f"{t('base', lang)}: {names.get(base, base)}": fmt(g["base_mean"].iloc[0], ind, lang),
        }
        for r in g.itertuples():
            sig = significant(r.diff_ci_low, r.diff_ci_high)
            row[names.get(r.variant, r.variant)] = (
                f"{fmt_diff(r.diff_mean, ind, lang)} "
                f"({t('significant_short' if sig else 'not_significant_short', lang)})"
            )
        out.append(row)
    df = pd.DataFrame(out)
    period_order = sorted(df[t("period", lang)].unique())
    ind_order = {indicator_label(i, lang): k for k, i in enumerate(HEADLINE)}
    return (
        df.assign(_i=df[t("indicator", lang)].map(ind_order), _p=df[t("period", lang)].map(period_order.index))
        .sort_values(["_i", "_p"])
        .drop(columns=["_i", "_p"])
        .reset_index(drop=True)
    )


def cost_numbers(res: Results) -> pd.DataFrame:
    """Total programme cost per scenario and year against the budget of full occupancy, and the paired
    difference of each variant's total to the base's (per replication, 95 % t interval).

    Columns: scenario, period, cost, budget, diff_mean, diff_ci_low, diff_ci_high (diff only for variants).
    """
    from ..batch import stats
    from .figures import _months_in, full_occupancy_cost

    if res.kind == "run" or not res.scenarios:
        return pd.DataFrame()
    totals = {}
    for scen in res.scenarios:
        files = sorted((res.path / "programme_monthly" / scen).glob("rep-*.parquet"))
        if not files:
            return pd.DataFrame()
        pm = pd.concat([pd.read_parquet(f, columns=["replication", "month", "cost"]) for f in files], ignore_index=True)
        pm["period"] = pm["month"].astype(str).str[:4]
        totals[scen] = pm.groupby(["period", "replication"])["cost"].sum()
    base = res.scenarios[0]
    rows = []
    for scen in res.scenarios:
        tot = totals[scen]
        for period, vals in tot.groupby(level="period"):
            months = _months_in(res, scen, str(period))
            budget = full_occupancy_cost(res, scen, str(period), months)
            row = {
                "scenario": scen,
                "period": str(period),
                "cost": float(vals.mean()),
                "budget": budget if res.plan(scen) is not None else float("nan"),
                "diff_mean": float("nan"),
                "diff_ci_low": float("nan"),
                "diff_ci_high": float("nan"),
            }
            if scen != base:
                d = (vals.droplevel("period") - totals[base].loc[period]).dropna().rename("value").reset_index()
                d["g"] = 0
                ds = stats.describe(d, ["g"]).iloc[0]
                row.update(
                    diff_mean=float(ds["mean"]), diff_ci_low=float(ds["ci_low"]), diff_ci_high=float(ds["ci_high"])
                )
            rows.append(row)
    return pd.DataFrame(rows)


def budget_numbers(res: Results) -> pd.DataFrame:
    """Spending against the scenarios' `[budgets]`: per scenario, budget and year, the commitments of the
    year's entries (mean over replications) and the year's budget (as in force at the year's last month).

    Columns: scenario, budget, period, committed, budget_year, share. Empty when no scenario has budgets.
    """
    rows = []
    for scen in res.scenarios:
        files = sorted((res.path / "budget_monthly" / scen).glob("rep-*.parquet"))
        if not files:
            continue
        bm = pd.concat(
            [
                pd.read_parquet(f, columns=["replication", "month", "budget", "programme", "committed", "budget_year"])
                for f in files
            ],
            ignore_index=True,
        )
        bm["period"] = bm["month"].astype(str).str[:4]
        spent = bm.groupby(["budget", "period", "replication"])["committed"].sum().groupby(["budget", "period"]).mean()
        last = bm.sort_values("month").groupby(["budget", "period"])["budget_year"].last()
        plan = res.plan(scen)
        order = {b: k for k, b in enumerate(plan[0].budgets if plan is not None else {})}
        for (budget, period), committed in sorted(spent.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])):
            b = float(last.loc[(budget, period)])
            rows.append(
                {
                    "scenario": scen,
                    "budget": str(budget),
                    "period": str(period),
                    "committed": float(committed),
                    "budget_year": b,
                    "share": committed / b if b > 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "budget", "period", "committed", "budget_year", "share"])


def has_budgets(res: Results) -> bool:
    return any((res.path / "budget_monthly" / s).is_dir() for s in res.scenarios)


SUMMARY_INDICATORS = ("integrations", "iq", "lzb_stock")


def summary_numbers(res: Results, period: str | None = None) -> pd.DataFrame:
    """Per variant, for one year (default the last): difference and significance of integrations, IQ,
    LZB and total cost; the variant's cost and budget."""
    comp = comparison_rows(res)
    if comp.empty:
        return pd.DataFrame()
    period = period or str(comp["period"].astype(str).max())
    comp = comp[comp["period"].astype(str) == period]
    cost = cost_numbers(res)
    spend = budget_numbers(res)
    spend = (
        spend[spend["period"] == period].groupby("scenario")[["committed", "budget_year"]].sum()
        if len(spend)
        else spend
    )
    rows = []
    for v in [s for s in res.scenarios if s != res.scenarios[0]]:
        row = {"variant": v, "period": period}
        for ind in SUMMARY_INDICATORS:
            r = comp[(comp["variant"] == v) & (comp["indicator"] == ind)]
            if len(r):
                r = r.iloc[0]
                row[ind] = r["diff_mean"]
                row[f"{ind}_sig"] = significant(r["diff_ci_low"], r["diff_ci_high"])
        c = cost[(cost["scenario"] == v) & (cost["period"] == period)] if len(cost) else cost
        if len(c):
            c = c.iloc[0]
            row.update(
                cost=c["diff_mean"],
                cost_sig=significant(c["diff_ci_low"], c["diff_ci_high"]),
                cost_total=c["cost"],
                budget=c["budget"],
            )
        if len(spend) and v in spend.index:
            row.update(committed=float(spend.loc[v, "committed"]), budgets=float(spend.loc[v, "budget_year"]))
        rows.append(row)
    return pd.DataFrame(rows)


def summary_frame(res: Results, lang: str, period: str | None = None) -> pd.DataFrame:
    """The executive summary as planners read it: one row per variant, differences to the base."""
    nums = summary_numbers(res, period)
    names = res.display_names()
    rows = []
    for r in nums.to_dict("records"):

        def cell(ind: str, key: str, r: dict = r) -> str:
            if key not in r or pd.isna(r.get(key)):
                return "–"
            mark = r.get(f"{key}_sig")
            return (
                f"{fmt_diff(r[key], ind, lang)} ({t('significant_short' if mark else 'not_significant_short', lang)})"
            )

        rows.append(
            {
                t("variant", lang): names.get(r["variant"], r["variant"]),
                t("period", lang): r["period"],
                t("integrations", lang): cell("integrations", "integrations"),
                t("iq_pp", lang): cell("iq", "iq"),
                t("lzb_stock", lang): cell("lzb_stock", "lzb_stock"),
                t("cost_difference", lang): cell("cost", "cost"),
            }
        )
        if not pd.isna(r.get("budgets", float("nan"))):
            share = r["committed"] / r["budgets"] if r["budgets"] > 0 else float("nan")
            rows[-1][t("commitments_budgets", lang)] = (
                f"{fmt(r['committed'], 'cost', lang)} / {fmt(r['budgets'], 'cost', lang)} {t('euro', lang)}"
                + ("" if pd.isna(share) else f" ({number(100 * share, 0, lang)} %)")
            )
        rows[-1][t("cost_and_full", lang)] = (
            f"{fmt(r.get('cost_total'), 'cost', lang)} / {fmt(r.get('budget'), 'cost', lang)} {t('euro', lang)}"
        )
    df = pd.DataFrame(rows)
    if t("commitments_budgets", lang) in df.columns:  # money against [budgets]: the figure a board decides on
        df[t("commitments_budgets", lang)] = df[t("commitments_budgets", lang)].fillna(t("no_budgets_short", lang))
        if all(not pd.isna(r.get("budgets", float("nan"))) for r in nums.to_dict("records")):
            df = df.drop(columns=[t("cost_and_full", lang)])
    return df


def _decimals(x: float) -> int:
    """As many decimals as the figure was given with (at most 3)."""
    return 0 if float(x).is_integer() else min(3, len(f"{x:g}".split(".")[-1]))


def targets_frame(targets: Targets, lang: str) -> pd.DataFrame:
    rows = []
    for tg in targets.items:
        band = (
            ""
            if tg.low is None and tg.high is None
            else f"{'' if tg.low is None else number(tg.low, _decimals(tg.low), lang)} – "
            f"{'' if tg.high is None else number(tg.high, _decimals(tg.high), lang)}"
        )
        rows.append(
            {
                t("target", lang): tg.label_in(lang),
                t("value", lang): number(tg.value, _decimals(tg.value), lang),
                t("band", lang): band,
                t("source", lang): tg.source,
            }
        )
    return pd.DataFrame(rows)


def to_html(df: pd.DataFrame, css: str = "data") -> str:
    """A plain HTML table (escaped), numbers right-aligned by the stylesheet."""
    if df.empty:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False)
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
