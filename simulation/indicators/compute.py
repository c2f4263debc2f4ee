"""Where indicators are computed: monthly figures from the spells table, never during the run.

One convention for month boundaries, in every table (docs/outputs.md, "Months"): month m is
[edge[m], edge[m+1]), from 00:00 on its first day to 00:00 on the next month's first day. An
event at time t (an inflow, outflow, integration, programme entry, commitment) belongs to the
month whose interval holds t, so an admission at 00:00 on 1 January is a January admission. A
month's end figures (stocks, participants, waiting, caseloads) are those of its last instant,
just before edge[m+1]: spells being [enter, end), one with enter < edge[m+1] <= end. Then
stock(m) = stock(m-1) + inflows(m) - outflows(m) holds exactly. The stock on day one (the one
the first month's flows start from) is that of the start instant: enter <= edge[0] < end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.clock import DAYS_PER_MONTH, Clock
from ..scenario.schema import EXIT_KINDS, INTEGRATION_KINDS, Scenario
from . import kennzahlen

LZB_WINDOW_DAYS = 730   # § 48a SGB II, K3: eLb on at least 638 of the last 730 days
LZB_MIN_DAYS = 638


CHUNK = 4096   # intervals handled together: bounds the (intervals, months) arrays to a few MB


def _overlap_days(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days of each month covered by intervals [a, b), summed over the intervals.

    Summed a chunk of intervals at a time, continuing from the running total, so the sum is
    the same, to the last bit, as one sum over all intervals in their order.
    """
    total = np.zeros(len(edges) - 1)
    for i in range(0, len(a), CHUNK):
        lo = np.maximum(a[i:i + CHUNK, None], edges[None, :-1])
        hi = np.minimum(b[i:i + CHUNK, None], edges[None, 1:])
        days = np.clip(hi - lo, 0.0, None)
        total = (np.concatenate([total[None, :], days]) if i else days).sum(0)   # rows added in order
    return total


def _open_at(starts: np.ndarray, ends: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) are open at the last instant before each reference day (a month's end):
    start < ref <= end, i.e. begun before it less ended before it."""
    ok = starts <= ends                                  # (NaN bounds never contain a day)
    begun = np.searchsorted(np.sort(starts[ok]), ref, side="left")
    ended = np.searchsorted(np.sort(ends[ok]), ref, side="left")
    return (begun - ended).astype(np.int64)


def _exit_kinds(next_state: pd.Series) -> np.ndarray:
    """The exit kind of each spell's next state ("exit:employment" -> "employment"), "" if none.

    Worked out once per distinct next state (there are few), then looked up per spell.
    """
    codes, names = pd.factorize(next_state.fillna(""))
    kinds = np.asarray([n.removeprefix("exit:") if n.startswith("exit:") else "" for n in names], dtype=object)
    return kinds[codes]


def _month_of(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Month index (0-based) of event times, month m being [edge[m], edge[m+1]); -1 / len outside."""
    return np.searchsorted(edges, t, side="right") - 1


BENEFIT_COLUMNS = ["person_id", "sex", "waiting_start", "start", "end", "end_reason", "next_state"]


def benefit_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """The spells lived in benefit receipt, with `enter` = the time the spell began."""
    s = spells.loc[~spells["state"].isin(["exit", "alongside"]).to_numpy(), BENEFIT_COLUMNS]
    enter = s["waiting_start"].fillna(s["start"])
    return s.assign(enter=enter.to_numpy(float))


def monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per month: eLb stock, flows, integrations, Integrationsquote and LZB stock."""
    edges = np.asarray(clock.month_edges(), float)
    n_months = len(edges) - 1
    sexes = scenario.attributes["sex"]
    out = pd.DataFrame({"month": clock.month_labels(), "month_end_day": edges[1:]})

    ben = benefit_spells(spells)
    enter, end = ben["enter"].to_numpy(float), ben["end"].to_numpy(float)
    censored = (ben["end_reason"] == "censored").to_numpy(bool)
    end_open = np.where(censored, np.inf, end)
    ref = edges[1:]
    sex = ben["sex"].cat.codes.to_numpy()          # index into `sexes` (the declared levels)
    # eLb stock and LZB stock at each month's end, in all and by sex (row 0: all, row j+1: sex j)
    elb = np.zeros((len(sexes) + 1, n_months), dtype=np.int64)
    lzb = np.zeros((len(sexes) + 1, n_months), dtype=np.int64)
    # LZB: in benefit at the reference date and on >= 638 of the last 730 days
    pid = ben["person_id"].to_numpy()
    order = np.argsort(enter, kind="stable")       # spells by start: those begun by t are a prefix
    enter_s, end_s, pid_s = enter[order], end[order], pid[order]
    size = pid.max() + 1 if len(pid) else 0

    def stock_at(t: float, start: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The benefit spells open at the last instant before t (at t itself on day one: `start`), and which of
        them are long-term (LZB)."""
        now = (enter <= t) & (t < end_open) if start else (enter < t) & (t <= end_open)
        k = np.searchsorted(enter_s, t, side="right")
        days = np.clip(np.minimum(end_s[:k], t) - np.maximum(enter_s[:k], t - LZB_WINDOW_DAYS), 0.0, None)
        total = np.bincount(pid_s[:k], weights=days, minlength=size)
        return now, total[pid[now]] >= LZB_MIN_DAYS - 1e-9

    kz = kennzahlen.Stocks(spells, ben, scenario, edges, size)
    kz.observe(*stock_at(edges[0], start=True), pid, sex)   # day one: the stock the first month's flows start from
    for m, t in enumerate(ref):
        now, long_term = stock_at(t)
        sex_now = sex[now]
        elb[0, m], lzb[0, m] = len(sex_now), long_term.sum()
        for j in range(len(sexes)):
            elb[j + 1, m] = (sex_now == j).sum()
            lzb[j + 1, m] = (long_term & (sex_now == j)).sum()
        kz.observe(now, long_term, pid, sex)
    out["elb_stock"] = elb[0]
    for j, sx in enumerate(sexes):
        out[f"elb_stock_{sx}"] = elb[j + 1]

    # inflows: a benefit spell that follows an exit, or a newcomer's first spell
    main = spells.loc[(spells["state"] != "alongside").to_numpy(), ["person_id", "state", "origin"]]
    person = main["person_id"].to_numpy()
    first = np.r_[True, person[1:] != person[:-1]]
    prev_exit = np.r_[False, (main["state"].to_numpy()[:-1] == "exit")] & ~first
    origin = main["origin"].array                  # categorical: test each origin's name once
    newcomer = first & ~np.asarray(origin.categories.str.startswith("initial"), bool)[origin.codes]
    starts_episode = pd.Series(prev_exit | newcomer, index=main.index)[ben.index].to_numpy()
    m_in = _month_of(enter[starts_episode], edges)
    out["inflows"] = np.bincount(m_in[(m_in >= 0) & (m_in < n_months)], minlength=n_months)

    # outflows: a benefit spell that ends in an exit
    exit_kind = _exit_kinds(ben["next_state"])
    is_exit = exit_kind != ""
    m_out = _month_of(end[is_exit], edges)
    ok = (m_out >= 0) & (m_out < n_months)
    out["outflows"] = np.bincount(m_out[ok], minlength=n_months)
    for kind in EXIT_KINDS:
        sel = exit_kind[is_exit][ok] == kind
        out[f"outflows_{kind}"] = np.bincount(m_out[ok][sel], minlength=n_months)

    # integrations: exits into work/training/self-employment, and entries into programmes
    # that count as integration (e.g. wage subsidy); at most one per person and month
    ev_row = [ben.index.to_numpy()[is_exit]]                # the spell the integration ends or begins
    ev_person = [ben["person_id"].to_numpy()[is_exit]]
    ev_time, ev_kind, ev_sex = [end[is_exit]], [exit_kind[is_exit]], [sex[is_exit]]   # sex as level index
    on_entry = {n: p.integration_on_entry for n, p in scenario.programmes.items() if p.integration_on_entry}
    if on_entry:
        pe = spells[["person_id", "start", "programme", "sex"]][(
            spells["state"].isin(["programme", "alongside"]) & spells["programme"].isin(list(on_entry))
            & (spells["start"] >= 0)).to_numpy()]
        ev_row.append(pe.index.to_numpy())
        ev_person.append(pe["person_id"].to_numpy())
        ev_time.append(pe["start"].to_numpy(float))
        ev_kind.append(pe["programme"].map(on_entry).astype(str).to_numpy())
        ev_sex.append(pe["sex"].cat.codes.to_numpy())
    ev = pd.DataFrame({"person": np.concatenate(ev_person), "time": np.concatenate(ev_time),
                       "kind": np.concatenate(ev_kind), "sex": np.concatenate(ev_sex),
                       "row": np.concatenate(ev_row)})
    ev = ev[ev["kind"].isin(INTEGRATION_KINDS)]
    ev["m"] = _month_of(ev["time"].to_numpy(float), edges)
    ev = ev[(ev["m"] >= 0) & (ev["m"] < n_months)].sort_values("time", kind="stable")
    ev = ev.drop_duplicates(["person", "m"])
    out["integrations"] = np.bincount(ev["m"], minlength=n_months)
    for kind in INTEGRATION_KINDS:
        out[f"integrations_{kind}"] = np.bincount(ev["m"][ev["kind"] == kind], minlength=n_months)
    for j, sx in enumerate(sexes):
        out[f"integrations_{sx}"] = np.bincount(ev["m"][ev["sex"] == j], minlength=n_months)

    # Integrationsquote: integrations over 12 months / mean eLb stock over those months
    for suffix in [""] + [f"_{sx}" for sx in sexes]:
        num = out[f"integrations{suffix}"].rolling(12).sum()
        den = out[f"elb_stock{suffix}"].rolling(12).mean()
        out[f"iq{suffix}"] = num / den.where(den > 0)

    out["lzb_stock"] = lzb[0]
    for j, sx in enumerate(sexes):
        out[f"lzb_stock_{sx}"] = lzb[j + 1]
    out["lzb_share"] = out["lzb_stock"] / out["elb_stock"].where(out["elb_stock"] > 0)

    # § 48a supplementary indicators (K1E2-K1E4, K2E1-K2E4, K3, K3E1-K3E4): columns added after the above
    flows = {"inflows": (m_in, sex[starts_episode]), "outflows": (m_out[ok], sex[is_exit][ok])}
    return kennzahlen.add(out, kz, flows, ev, spells, ben, scenario, edges)


def programme_monthly(spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> pd.DataFrame:
    """One row per programme and month: participants, waiting list, entries, waits and cost."""
    edges = np.asarray(clock.month_edges(), float)
    n_months = len(edges) - 1
    labels = clock.month_labels()
    cols = ["programme", "waiting_start", "start", "end", "end_reason"]
    prog = spells.loc[spells["state"].isin(["programme", "alongside"]).to_numpy(), cols]
    by_name = {name: p for name, p in prog.groupby("programme", sort=False, observed=True)}
    frames = []
    for name, spec in scenario.programmes.items():
        p = by_name.get(name, prog.iloc[:0])
        w0 = p["waiting_start"].to_numpy(float)
        st = p["start"].to_numpy(float)
        en = p["end"].to_numpy(float)
        started = ~np.isnan(st)
        w1 = np.where(started, st, en)
        s0 = st[started]
        s1 = en[started]
        part_days = _overlap_days(s0, s1, edges)
        wait_days = _overlap_days(w0, w1, edges)
        month_len = np.diff(edges)
        ref = edges[1:]
        cens = (p["end_reason"] == "censored").to_numpy(bool)
        s1_open = np.where(cens[started], np.inf, s1)
        w1_open = np.where(cens & ~started, np.inf, w1)
        m_entry = _month_of(s0, edges)
        ok = (m_entry >= 0) & (m_entry < n_months)
        entries = np.bincount(m_entry[ok], minlength=n_months)
        wait_sum = np.bincount(m_entry[ok], weights=(s0 - w0[started])[ok], minlength=n_months)
        frames.append(pd.DataFrame({
            "month": labels,
            "programme": name,
            "participants": part_days / month_len,
            "participants_end": _open_at(s0, s1_open, ref),
            "waiting": wait_days / month_len,
            "waiting_end": _open_at(w0, w1_open, ref),
            "entries": entries,
            "mean_wait_days": np.where(entries > 0, wait_sum / np.maximum(entries, 1), np.nan),
            "cost": part_days / DAYS_PER_MONTH * spec.cost_per_month,
        }))
    if not frames:
        return pd.DataFrame(columns=["month", "programme", "participants", "participants_end", "waiting",
                                     "waiting_end", "entries", "mean_wait_days", "cost"])
    out = pd.concat(frames, ignore_index=True)
    out["programme"] = pd.Categorical(out["programme"], categories=list(scenario.programmes))
    return out
