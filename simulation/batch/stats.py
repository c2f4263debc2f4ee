"""Statistics over replications: means with t confidence intervals, yearly figures, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..indicators import registry

ID = ["scenario", "replication"]


def long_indicators(monthly: pd.DataFrame, programmes: pd.DataFrame) -> pd.DataFrame:
    """All indicators of all replications in one long table: scenario, replication, month, indicator, value."""
    m = monthly.drop(columns=["month_end_day"]).melt(id_vars=ID + ["month"], var_name="indicator")
    p = programmes.copy()
    p["programme"] = p["programme"].astype(str)
    p = p.melt(id_vars=ID + ["month", "programme"], var_name="measure")
    p["indicator"] = "programme." + p["programme"] + "." + p["measure"]
    p = p.drop(columns=["programme", "measure"])
    out = pd.concat([m, p], ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def yearly(monthly: pd.DataFrame, programmes: pd.DataFrame) -> pd.DataFrame:
    """Per replication and calendar year, each column by the yearly rule its registry entry declares."""
    mo = monthly.copy()
    mo["year"] = mo["month"].str[:4]
    cols = [c for c in mo.columns if c not in ID + ["month", "year", "month_end_day"]]
    rule = {c: registry.yearly_rule(c) for c in cols}  # declared with the column, not guessed
    of = {r: [c for c in cols if rule[c] == r] for r in registry.RULES}
    g = mo.groupby(ID + ["year"], sort=True)
    sums = g[of[registry.SUM]].sum()
    sums = sums.where(g[of[registry.SUM]].count() == g.size().to_numpy()[:, None])  # a month not known yet
    y = pd.concat([sums, g[of[registry.MEAN]].mean(), g.size().rename("months")], axis=1).reset_index()
    for col in of[registry.RATIO]:
        num, den = registry.ratio_parts(col)
        y[col] = y[num] / y[den].where(y[den] > 0)
    last = mo.drop_duplicates(ID + ["year"], keep="last").set_index(ID + ["year"])[of[registry.LAST]]
    y = y.merge(last, left_on=ID + ["year"], right_index=True, how="left")
    y = y.rename(columns={"year": "period"}).melt(id_vars=ID + ["period"], var_name="indicator")

    pr = programmes.copy()
    pr["year"] = pr["month"].str[:4]
    pr["programme"] = pr["programme"].astype(str)
    pr["wait_total"] = pr["mean_wait_days"].fillna(0) * pr["entries"]
    g = pr.groupby(ID + ["programme", "year"], sort=True)
    py = pd.concat(
        [g[["entries", "cost", "wait_total"]].sum(), g[["participants", "waiting"]].mean()], axis=1
    ).reset_index()
    py["mean_wait_days"] = py["wait_total"] / py["entries"].where(py["entries"] > 0)
    py = py.drop(columns="wait_total").melt(id_vars=ID + ["programme", "year"], var_name="measure")
    py["indicator"] = "programme." + py["programme"] + "." + py["measure"]
    py = py.drop(columns=["programme", "measure"]).rename(columns={"year": "period"})
    out = pd.concat([y, py], ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def describe(values: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean, standard error and 95 % t interval of `value` over replications, per group."""
    g = values.groupby(by, sort=False)["value"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out["se"] = out["sd"] / np.sqrt(out["n"])
    t = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1))
    half = np.where(out["n"] > 1, t * out["se"], np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.drop(columns="sd")


def summary(monthly: pd.DataFrame, programmes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, period (month and year) and indicator: n, mean, se, 95 % CI."""
    per_month = long_indicators(monthly, programmes).rename(columns={"month": "period"})
    per_month["period_type"] = "month"
    per_year = yearly(monthly, programmes)
    per_year["period_type"] = "year"
    both = pd.concat([per_month, per_year], ignore_index=True)
    return describe(both, ["scenario", "period_type", "period", "indicator"])


def paired(both: pd.DataFrame, base: str) -> pd.DataFrame:
    """Paired differences variant - base per replication, with the variance reduction of pairing.

    `both` is the long table (scenario, replication, period_type, period, indicator, value).
    Variance reduction = (var(base) + var(variant)) / var(difference): how many times more
    replications independent streams would need for the same precision.
    """
    key = ["period_type", "period", "indicator", "replication"]
    b = both[both["scenario"] == base].set_index(key)["value"]
    rows = []
    for variant in [s for s in both["scenario"].unique() if s != base]:
        v = both[both["scenario"] == variant].set_index(key)["value"]
        d = pd.DataFrame({"base": b, "variant": v}).dropna(how="all").reset_index()
        d["value"] = d["variant"] - d["base"]
        g = d.groupby(["period_type", "period", "indicator"], sort=False)
        res = describe(d, ["period_type", "period", "indicator"]).rename(
            columns={"mean": "diff_mean", "se": "diff_se", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}
        )
        extra = g.agg(
            base_mean=("base", "mean"),
            variant_mean=("variant", "mean"),
            var_base=("base", "var"),
            var_variant=("variant", "var"),
            var_diff=("value", "var"),
        ).reset_index()
        res = res.merge(extra, on=["period_type", "period", "indicator"])
        res["variance_reduction"] = (res["var_base"] + res["var_variant"]) / res["var_diff"].where(res["var_diff"] > 0)
        res.insert(0, "variant", variant)
        res.insert(1, "base", base)
        rows.append(res)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
