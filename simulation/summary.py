"""The short summary `jobpath run` prints: the headline indicators at the end of the horizon."""

from __future__ import annotations

from .indicators import registry


def _pct(x) -> str:
    return "n/a (needs 12 months)" if x != x else f"{100 * x:.1f} %"


def summary(loaded, seed: int, rep, top: int = 5) -> str:
    mo, pm = rep.monthly, rep.programme_monthly
    sexes = loaded.scenario.attributes["sex"]
    last = mo.iloc[-1]
    last12 = mo.tail(12)
    name = loaded.scenario.name or loaded.path
    lines = [
        f"{name}: seed {seed}, {mo['month'].iloc[0]} to {mo['month'].iloc[-1]}, "
        f"{rep.run.customers:,} customers, {rep.run.event_count:,} events, {rep.run.wall_seconds:.1f} s",
        f"  eLb stock (end of {last['month']}):  {int(last['elb_stock']):,} ("
        + ", ".join(f"{sx} {int(last[f'elb_stock_{sx}']):,}" for sx in sexes)
        + ")",
        f"  integrations, last {len(last12)} months: {int(last12['integrations'].sum()):,} ("
        + ", ".join(
            f"{k.replace('_', '-')} {int(last12[f'integrations_{k}'].sum()):,}"
            for k in ("employment", "training", "self_employment")
        )
        + ")",
        f"  Integrationsquote (12 months):  {_pct(last['iq'])} ("
        + ", ".join(f"{sx} {_pct(last[f'iq_{sx}'])}" for sx in sexes)
        + ")",
        f"  LZB stock:  {int(last['lzb_stock']):,} ({_pct(last['lzb_share'])} of eLb; "
        + ", ".join(f"{sx} {int(last[f'lzb_stock_{sx}']):,}" for sx in sexes)
        + ")",
    ]
    if "lzb_activation" in mo:  # the rest of the § 48a set (docs/outputs.md, Kennzahlen)
        known = mo.dropna(subset=["continuous_share"])
        k2e3 = (
            f"{_pct(known['continuous_share'].iloc[-1])} ({known['month'].iloc[-1]})"
            if len(known)
            else "n/a (needs 18 months)"
        )
        lines.append(
            f"  § 48a: inflow rate {_pct(last['inflow_rate'])}, outflow rate {_pct(last['outflow_rate'])} (K1E3/4); "
            f"IQ of LZB {_pct(last['lzb_iq'])} (K3E1); LZB activation {_pct(last['lzb_activation'])} (K3E2); "
            f"continuous employment {k2e3} (K2E3)"
        )
    if loaded.scenario.households is not None and "bg_stock" in mo:  # households (docs/outputs.md)
        ending = last12["integrations_ending_need"].sum() / max(last12["integrations"].sum(), 1)
        lines.append(
            f"  households:  {int(last['bg_stock']):,} BG ({last['elb_per_bg']:.2f} eLb each), "
            f"{int(last['recipients']):,} recipients with {int(last['non_able_members']):,} non-able members; "
            f"{_pct(ending)} of integrations ended the need; {int(last['topped_up_stock']):,} employed, topped up"
        )
    if len(pm):
        end = pm[pm["month"] == last["month"]].sort_values("waiting_end", ascending=False).head(top)
        end = end[end["waiting_end"] > 0]
        if len(end):
            lines.append("  busiest waiting lists (end of horizon):")
            for _, r in end.iterrows():
                wait = pm[pm["programme"] == r["programme"]].tail(12)
                entries = wait["entries"].sum()
                mean_wait = (wait["mean_wait_days"] * wait["entries"]).sum() / entries if entries else float("nan")
                lines.append(
                    f"    {r['programme']:<28} {int(r['waiting_end']):>6,} waiting; "
                    f"mean wait of last year's entrants {mean_wait:,.0f} days"
                )
    pools = getattr(rep, "pool_monthly", None)
    if pools is not None and len(pools):
        lines.append("  pools (end of horizon):")
        for _, r in pools[pools["month"] == pools["month"].iloc[-1]].iterrows():
            places = "unlimited" if r["places"] != r["places"] else f"{r['places']:,.0f}"
            lines.append(
                f"    {r['pool']:<28} {int(r['participants_end']):>6,} in {places} places; "
                f"{int(r['waiting_end']):,} waiting ({r['waiting_list']} list)"
            )
    return "\n".join(lines)


# How the batch texts show the registry's headline indicators (registry.HEADLINE): label and number
# format; one not listed here is shown with its registry label, in percent or as a whole number
SHOWN = {
    "elb_stock": ("eLb stock (yearly mean)", "{:,.0f}"),
    "integrations": ("integrations", "{:,.0f}"),
    "iq": ("Integrationsquote", "{:.2%}"),
    "lzb_stock": ("LZB stock (yearly mean)", "{:,.0f}"),
    "lzb_share": ("LZB share", "{:.1%}"),
}


def headline() -> list[tuple[str, str, str]]:
    """(indicator, label, format) of each headline indicator, in the registry's order."""

    def shown(ind):
        return SHOWN.get(ind.name) or (ind.label_en, "{:.2%}" if ind.percent else "{:,.0f}")

    return [(name, *shown(registry.BY_NAME[name])) for name in registry.HEADLINE]


def batch_text(summary, used: dict, precision: dict | None = None) -> str:
    """Yearly headline indicators per scenario: mean and 95 % confidence interval."""
    lines = []
    yearly = summary[summary["period_type"] == "year"]
    for scenario, reps in used.items():
        s = yearly[yearly["scenario"] == scenario]
        lines.append(f"{scenario}: {len(reps)} replications")
        if precision and scenario in precision:
            p = precision[scenario]
            state = "converged" if p["converged"] else "NOT converged (budget reached)"
            lines.append(
                f"  precision: {state}; "
                + ", ".join(
                    f"{k} half-width {v['relative_half_width']:.2%} of mean" for k, v in p["indicators"].items()
                )
            )
        for ind, label, fmt in headline():
            rows = s[s["indicator"] == ind]
            cells = [
                f"{r.period}: {fmt.format(r.mean)} [{fmt.format(r.ci_low)}, {fmt.format(r.ci_high)}]"
                if r.n > 1
                else f"{r.period}: {fmt.format(r.mean)}"
                for r in rows.itertuples()
            ]
            lines.append(f"  {label:<26} " + "; ".join(cells))
    return "\n".join(lines)


def comparison_text(comp, details: bool = False) -> str:
    """Per variant, the yearly difference to the base with its 95 % CI: counts as counts, shares (rates, quotas)
    in percentage points; with `details` also the variance reduction the common random numbers achieved."""
    lines = []
    yearly = comp[comp["period_type"] == "year"]
    for variant in yearly["variant"].unique():
        v = yearly[yearly["variant"] == variant]
        lines.append(f"{variant} minus {v['base'].iloc[0]} (paired, same random numbers):")
        for ind, label, fmt in headline():
            diff = _points if "%" in fmt else fmt.format
            for r in v[v["indicator"] == ind].itertuples():
                line = (
                    f"  {label:<26} {r.period}: {diff(r.diff_mean):>10} [{diff(r.diff_ci_low)}, {diff(r.diff_ci_high)}]"
                )
                if details:
                    vr = f"{r.variance_reduction:,.0f}x" if r.variance_reduction == r.variance_reduction else "n/a"
                    line += f"  variance reduction {vr}"
                lines.append(line)
    return "\n".join(lines)


def _points(x: float) -> str:
    """A difference of two shares in percentage points (0.0034 is +0.34 pp)."""
    return "n/a" if x != x else f"{100 * x:+.2f} pp"
