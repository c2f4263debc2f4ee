"""Simulated against observed: a scenario's replications measured on the targets in a TOML file.

    python -m calibration.compare SCENARIO --replications 20 [--targets FILE] [--years Y]
    python -m calibration.compare VARIANT... --baseline BASE --replications 10 [--years 2 --measure-years 2024 2025]

The first form runs seeds 1..N and prints, per target, the observed value, its band, the
simulated mean and the 2.5-97.5 % range of the replications. The second runs the baseline
and the variant with the same seeds (common random numbers) and prints the mean paired
difference of integrations and LZB with a 95 % t-interval.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.run import Replication, replicate
from simulation.scenario import load_scenario

DEFAULT_TARGETS = Path(__file__).parent / "targets" / "kassel.toml"
RESTORED = ("case_management", "programme:life_coaching", "handover")


# --- measuring one replication ---------------------------------------------------------


def _year_rows(rep: Replication, year: int) -> pd.DataFrame:
    mo = rep.monthly
    return mo[mo["month"].str.startswith(str(year))]


def _month_ends(rep: Replication, year: int) -> np.ndarray:
    return _year_rows(rep, year)["month_end_day"].to_numpy(float)


def _year_start(rep: Replication, year: int) -> float:
    """Day of the year's start: the previous month-end, or the scenario start."""
    mo = rep.monthly
    first = int(np.flatnonzero(mo["month"].str.startswith(str(year)).to_numpy())[0])
    return float(mo["month_end_day"].iloc[first - 1]) if first > 0 else 0.0


def elb_stock_mean(rep, year, spec) -> float:
    return float(_year_rows(rep, year)["elb_stock"].mean())


def elb_stock_min(rep, year, spec) -> float:
    return float(_year_rows(rep, year)["elb_stock"].min())


def elb_stock_max(rep, year, spec) -> float:
    return float(_year_rows(rep, year)["elb_stock"].max())


def integrations(rep, year, spec) -> float:
    return float(_year_rows(rep, year)["integrations"].sum())


def iq(rep, year, spec) -> float:
    """Integrations of the year over the mean month-end eLb stock (K2 over a calendar year)."""
    rows = _year_rows(rep, year)
    return float(rows["integrations"].sum() / rows["elb_stock"].mean())


def lzb_share(rep, year, spec) -> float:
    rows = _year_rows(rep, year)
    return float(rows["lzb_stock"].sum() / rows["elb_stock"].sum())


def lzb_stock_mean(rep, year, spec) -> float:
    return float(_year_rows(rep, year)["lzb_stock"].mean())


def entries(rep, year, spec) -> float:
    """Programme entries (main and alongside places) of the year, summed over `programmes`."""
    pm = rep.programme_monthly
    sel = pm["month"].str.startswith(str(year)) & pm["programme"].astype(str).isin(spec["programmes"])
    return float(pm.loc[sel, "entries"].sum())


def non_german_share(rep, year, spec) -> float:
    """Share without German citizenship among the stock on day one."""
    sp = rep.run.spells
    first = sp[sp["origin"].astype(str).str.startswith("initial")].drop_duplicates("person_id")
    return float((first["citizenship"].astype(str) != "german").mean())


def no_training_share(rep, year, spec) -> float:
    """Share without vocational training among those in case management at mid-year."""
    sp = rep.run.spells
    ends = _month_ends(rep, year)
    t = ends[len(ends) // 2 - 1]
    cm = sp[(sp["state"] == "case_management") & (sp["start"] <= t) & (sp["end"] > t)]
    return float((cm["qualification"].astype(str) == "none").mean())


def _outreach_ends(rep, year) -> pd.DataFrame:
    """Outreach visits that ended in the year, with the state that followed."""
    sp = rep.run.spells
    ends = _month_ends(rep, year)
    lo = _year_start(rep, year)
    o = sp[
        (sp["state"] == "programme")
        & (sp["programme"] == "outreach")
        & sp["start"].notna()
        & (sp["end_reason"] != "censored")
        & (sp["end"] > lo)
        & (sp["end"] <= ends[-1])
    ]
    return o


def _refused(rep, visits: pd.DataFrame) -> pd.Series:
    """Whether the spell after each visit carries outreach = refused."""
    sp = rep.run.spells
    main = sp[~sp["state"].isin(["alongside", "prior_benefit"])]
    nxt = main[(main["state"] == "no_contact")][["person_id", "start", "outreach"]]
    m = (
        visits[["person_id", "end"]]
        .reset_index()
        .merge(nxt, left_on=["person_id", "end"], right_on=["person_id", "start"], how="left")
    )
    return pd.Series((m["outreach"].astype(str) == "refused").to_numpy(), index=m["index"]).groupby(level=0).any()


def outreach_visits(rep, year, spec) -> float:
    return entries(rep, year, {"programmes": ["outreach"]})


def outreach_contact(rep, year, spec) -> float:
    o = _outreach_ends(rep, year)
    return float(o["next_state"].isin(RESTORED).mean()) if len(o) else math.nan


def outreach_left(rep, year, spec) -> float:
    o = _outreach_ends(rep, year)
    return float(o["next_state"].fillna("").str.startswith("exit:").mean()) if len(o) else math.nan


def outreach_refused(rep, year, spec) -> float:
    o = _outreach_ends(rep, year)
    return float(_refused(rep, o).mean()) if len(o) else math.nan


def no_contact_stock(rep, year, spec) -> float:
    """Mean month-end count of people out of contact, including those waiting for a visit."""
    sp = rep.run.spells
    cens = (sp["end_reason"] == "censored").to_numpy()
    end = np.where(cens, np.inf, sp["end"].to_numpy(float))
    nc = (sp["state"] == "no_contact").to_numpy()
    wait = ((sp["state"] == "programme") & (sp["programme"] == "outreach")).to_numpy()
    a = np.where(nc, sp["start"].to_numpy(float), sp["waiting_start"].to_numpy(float))
    started = sp["start"].notna().to_numpy()
    b = np.where(nc, end, np.where(started, sp["start"].to_numpy(float), end))
    sel = nc | wait
    counts = [((a[sel] <= t) & (t < b[sel])).sum() for t in _month_ends(rep, year)]
    return float(np.mean(counts))


def course_wait_days(rep, year, spec) -> float:
    pm = rep.programme_monthly
    p = pm[pm["month"].str.startswith(str(year)) & (pm["programme"].astype(str) == "integration_course")]
    n = p["entries"].sum()
    return float((p["mean_wait_days"].fillna(0) * p["entries"]).sum() / n) if n else math.nan


METRICS: dict[str, Callable] = {
    f.__name__: f
    for f in (
        elb_stock_mean,
        elb_stock_min,
        elb_stock_max,
        integrations,
        iq,
        lzb_share,
        lzb_stock_mean,
        entries,
        non_german_share,
        no_training_share,
        outreach_visits,
        outreach_contact,
        outreach_left,
        outreach_refused,
        no_contact_stock,
        course_wait_days,
    )
}


# --- targets and replications ----------------------------------------------------------


def load_targets(path: str | Path = DEFAULT_TARGETS) -> tuple[int, dict[str, dict]]:
    """The measurement year and the targets of a targets file."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return int(data["year"]), data["targets"]


def measure(rep: Replication, year: int, targets: dict[str, dict]) -> dict[str, float]:
    return {name: METRICS[t["metric"]](rep, year, t) for name, t in targets.items()}


def run_many(scenario: str | Path, seeds, years: float | None = None, progress: bool = False):
    """Yield (seed, Replication) for each seed."""
    loaded = load_scenario(scenario)
    for seed in seeds:
        rep = replicate(loaded, seed, years)
        if progress:
            print(f"  {Path(scenario).name}: seed {seed} done ({rep.run.wall_seconds:.1f} s)", file=sys.stderr)
        yield seed, rep


def compare(
    scenario: str | Path,
    replications: int = 20,
    targets_path: str | Path = DEFAULT_TARGETS,
    years: float | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """One row per target: observed value and band, simulated mean, 2.5-97.5 % range, met or not."""
    year, targets = load_targets(targets_path)
    values = pd.DataFrame(
        [measure(rep, year, targets) for _, rep in run_many(scenario, range(1, replications + 1), years, progress)]
    )
    rows = []
    for name, t in targets.items():
        v = values[name].to_numpy(float)
        mean = float(np.nanmean(v))
        low, high = t.get("low", -math.inf), t.get("high", math.inf)
        rows.append(
            {
                "target": name,
                "label": t.get("label", name),
                "observed": t["value"],
                "low": t.get("low"),
                "high": t.get("high"),
                "sim_mean": mean,
                "sim_p2.5": float(np.nanpercentile(v, 2.5)),
                "sim_p97.5": float(np.nanpercentile(v, 97.5)),
                "met": bool(low <= mean <= high),
                "source": t.get("source", ""),
            }
        )
    return pd.DataFrame(rows)


EFFECT_METRICS = ("integrations", "iq", "lzb_stock_mean", "lzb_share", "elb_stock_mean")


def _measure_years(rep: Replication, years, metrics) -> dict[tuple[int, str], float]:
    spec = {m: {"metric": m} for m in metrics}
    return {(y, m): v for y in years for m, v in measure(rep, y, spec).items()}


def paired(
    baseline: str | Path,
    variants,
    replications: int = 10,
    years: float | None = None,
    measure_years=None,
    metrics=EFFECT_METRICS,
    progress: bool = False,
) -> pd.DataFrame:
    """Each variant minus the baseline with the same seeds (common random numbers).

    One row per variant, year and metric: baseline and variant means, the mean paired
    difference and its 95 % t-interval over the replications. The baseline runs once.
    """
    if isinstance(variants, (str, Path)):
        variants = [variants]
    measure_years = list(measure_years or [load_targets()[0]])
    seeds = range(1, replications + 1)
    base = pd.DataFrame(
        [_measure_years(r, measure_years, metrics) for _, r in run_many(baseline, seeds, years, progress)]
    )
    rows = []
    for variant in variants:
        var = pd.DataFrame(
            [_measure_years(r, measure_years, metrics) for _, r in run_many(variant, seeds, years, progress)]
        )
        for key in base.columns:
            d = (var[key] - base[key]).to_numpy(float)
            half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan
            rows.append(
                {
                    "variant": Path(variant).stem,
                    "year": key[0],
                    "metric": key[1],
                    "baseline": base[key].mean(),
                    "variant_mean": var[key].mean(),
                    "diff": d.mean(),
                    "ci_low": d.mean() - half,
                    "ci_high": d.mean() + half,
                }
            )
    return pd.DataFrame(rows)


# --- printing --------------------------------------------------------------------------


def _fmt(x, ref=None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ref = x if ref is None else ref
    if abs(ref) < 1.5:
        return f"{100 * x:.1f} %"
    return f"{x:,.0f}"


def format_table(df: pd.DataFrame) -> str:
    """A Markdown table of a compare() result."""
    lines = [
        "| target | observed | band | simulated mean | 95 % range of replications | met |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in df.iterrows():
        obs = r["observed"]
        band = f"{_fmt(r['low'], obs)} .. {_fmt(r['high'], obs)}"
        lines.append(
            f"| {r['label']} | {_fmt(obs)} | {band} | {_fmt(r['sim_mean'], obs)} | "
            f"{_fmt(r['sim_p2.5'], obs)} .. {_fmt(r['sim_p97.5'], obs)} | {'yes' if r['met'] else 'no'} |"
        )
    return "\n".join(lines)


def format_paired(df: pd.DataFrame) -> str:
    """A Markdown table of a paired() result."""
    lines = ["| variant | year | metric | baseline | variant | difference | 95 % CI |", "|---|---|---|---|---|---|---|"]
    for _, r in df.iterrows():
        ref = r["baseline"]
        f = (lambda x: f"{100 * x:+.2f} pp") if abs(ref) < 1.5 else (lambda x: f"{x:+,.0f}")
        lines.append(
            f"| {r['variant']} | {r['year']} | {r['metric']} | {_fmt(r['baseline'], ref)} | "
            f"{_fmt(r['variant_mean'], ref)} | {f(r['diff'])} | {f(r['ci_low'])} .. {f(r['ci_high'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m calibration.compare", description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="+", help="scenario file; with --baseline, one or more variants")
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--targets", default=str(DEFAULT_TARGETS))
    p.add_argument("--years", type=float, default=None)
    p.add_argument("--baseline", default=None, help="compare SCENARIO against this baseline (paired seeds)")
    p.add_argument(
        "--measure-years",
        type=int,
        nargs="+",
        default=None,
        help="with --baseline: calendar years to measure (default: the targets' year)",
    )
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.replications < 1 or (a.baseline and a.replications < 2):
        p.error("--replications must be at least 1 (2 with --baseline)")
    if a.baseline:
        years = a.measure_years or [load_targets(a.targets)[0]]
        print(format_paired(paired(a.baseline, a.scenario, a.replications, a.years, years, progress=not a.quiet)))
    else:
        if len(a.scenario) != 1:
            p.error("give one scenario (several only with --baseline)")
        print(format_table(compare(a.scenario[0], a.replications, a.targets, a.years, progress=not a.quiet)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
