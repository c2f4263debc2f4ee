"""The § 48a SGB II supplementary indicators (Ergänzungsgrößen) from the spells, monthly and by sex.

Definitions follow the Verordnung zur Festlegung der Kennzahlen nach § 48a SGB II (§§ 4-6);
docs/outputs.md gives each one and says where the model has to stand in for the BA's data.
`Stocks` collects what is needed at each month end while compute.py walks the month ends
anyway; `add` turns it, the flows and the integration events into the columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario.schema import INTEGRATION_KINDS, Scenario

ROLL = 12          # months of the rolling sums and averages (§§ 4-6: "in den vergangenen zwölf Monaten")
FOLLOW = 6         # K2E3: months after the integration month in which employment must last
PARTICIPATING = ["programme", "alongside"]


def _by_sex(codes: np.ndarray, n_sexes: int) -> np.ndarray:
    """Counts of all and of each sex level (row 0 all, row j+1 level j)."""
    c = np.bincount(codes, minlength=n_sexes)[:n_sexes]
    return np.r_[c.sum(), c]


class Stocks:
    """Month-end states for the supplementary indicators, at day one and at each month end.

    Per instant: eLb (for the outflow rate's previous-month stock), LZB, LZB taking part in a
    programme (K3E2), single-parent eLb (K2E4), and the persons who became or stopped being
    LZB since the previous instant (K3E3, K3E4).
    """

    def __init__(self, spells: pd.DataFrame, ben: pd.DataFrame, scenario: Scenario, edges: np.ndarray,
                 size: int) -> None:
        self.edges, self.size = edges, size
        self.n_sexes = len(scenario.attributes["sex"])
        rows, n_ref = self.n_sexes + 1, len(edges)
        self.elb = np.zeros((rows, n_ref), dtype=np.int64)
        self.lzb = np.zeros((rows, n_ref), dtype=np.int64)
        self.active = np.zeros((rows, n_ref), dtype=np.int64)
        self.elb_sp = np.zeros((rows, n_ref), dtype=np.int64)
        self.lzb_in = np.zeros((rows, n_ref - 1), dtype=np.int64)
        self.lzb_out = np.zeros((rows, n_ref - 1), dtype=np.int64)
        sp = scenario.indicators.single_parent
        self.single_parent = None if sp is None else (spells.loc[ben.index, sp.attribute] == sp.level).to_numpy(bool)
        started = spells["state"].isin(PARTICIPATING).to_numpy() & spells["start"].notna().to_numpy()
        part = spells.loc[started, ["person_id", "start", "end", "end_reason"]]
        self.p_pid = part["person_id"].to_numpy()
        self.p_start = part["start"].to_numpy(float)
        self.p_end = np.where((part["end_reason"] == "censored").to_numpy(bool), np.inf, part["end"].to_numpy(float))
        self.k = 0
        self.prev = None

    def observe(self, now: np.ndarray, long_term: np.ndarray, pid: np.ndarray, sex: np.ndarray) -> None:
        """Record the next instant: `now` marks the benefit spells open then, `long_term` which are LZB."""
        t, k, ns = self.edges[self.k], self.k, self.n_sexes
        pid_now, sex_now = pid[now], sex[now]
        self.elb[:, k] = _by_sex(sex_now, ns)
        self.lzb[:, k] = _by_sex(sex_now[long_term], ns)
        taking_part = np.zeros(self.size, bool)
        during = (self.p_start <= t) & (t < self.p_end) if k == 0 else (self.p_start < t) & (t <= self.p_end)
        taking_part[self.p_pid[during]] = True          # at the start instant, or a month's last instant
        self.active[:, k] = _by_sex(sex_now[long_term & taking_part[pid_now]], ns)
        if self.single_parent is not None:
            self.elb_sp[:, k] = _by_sex(sex_now[self.single_parent[now]], ns)
        cur = np.full(self.size, -1, dtype=np.int64)     # each person's sex level if LZB now, else -1
        cur[pid_now[long_term]] = sex_now[long_term]
        if self.prev is not None:
            self.lzb_in[:, k - 1] = _by_sex(cur[(cur >= 0) & (self.prev < 0)], ns)
            self.lzb_out[:, k - 1] = _by_sex(self.prev[(self.prev >= 0) & (cur < 0)], ns)
        self.prev = cur
        self.k += 1


def _monthly_counts(m: np.ndarray, codes: np.ndarray, n: int, n_sexes: int) -> np.ndarray:
    """Events per month, all and by sex: (n_sexes + 1, n) counts; months outside [0, n) dropped."""
    ok = (m >= 0) & (m < n)
    m, codes = m[ok], codes[ok]
    return np.stack([np.bincount(m, minlength=n)] + [np.bincount(m[codes == j], minlength=n) for j in range(n_sexes)])


def _change(x: pd.Series) -> pd.Series:
    """Value over the value 12 months before, minus 1 (K1E2, K3): empty without a year behind it."""
    before = x.shift(ROLL)
    return x / before.where(before > 0) - 1


def _quota(num: pd.Series, den: pd.Series) -> pd.Series:
    """Events of the last 12 months over the mean stock of those months (the K2 construction)."""
    n, d = num.rolling(ROLL).sum(), den.rolling(ROLL).mean()
    return n / d.where(d > 0)


def _mean_rate(num: pd.Series, den: pd.Series) -> pd.Series:
    """Monthly rate num / den, averaged over the last 12 months (K1E3, K1E4, K3E3, K3E4)."""
    return (num / den.where(den > 0)).rolling(ROLL).mean()


def _employed_blocks(spells: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Each person's stretches of uninterrupted employment: out of benefit after an exit into
    employment, training or self-employment, or taking part in a programme that counts as an
    integration on entry (subsidised work). Adjoining stretches are merged."""
    on_entry = [n for n, p in scenario.programmes.items() if p.integration_on_entry]
    state = spells["state"].to_numpy()
    keep = state == "exit"                                   # text columns tested on their subsets only
    keep[keep] = spells["exit_kind"][keep].isin(INTEGRATION_KINDS).to_numpy(bool)
    work = np.isin(state, PARTICIPATING) & spells["start"].notna().to_numpy()
    work[work] = spells["programme"][work].isin(on_entry).to_numpy(bool)
    keep |= work
    person = spells["person_id"].to_numpy(np.int64)[keep]
    start, end = spells["start"].to_numpy(float)[keep], spells["end"].to_numpy(float)[keep]
    order = np.lexsort((start, person))
    person, start, end = person[order], start[order], end[order]
    # running maximum of the end within each person (persons sorted: offset each person's ends
    # above all earlier persons'), taken back from the original ends so that it stays exact
    span = (np.max(end) - np.min(start) + 1.0) if len(end) else 1.0
    key = (person - (person[0] if len(person) else 0)) * span + (end - (np.min(start) if len(end) else 0.0))
    run = np.maximum.accumulate(key) if len(key) else key
    at = np.maximum.accumulate(np.where(key == run, np.arange(len(key)), 0)) if len(key) else key.astype(int)
    reach = end[at]
    first = np.r_[True, person[1:] != person[:-1]] if len(person) else np.zeros(0, bool)
    new = first | (start > np.r_[-np.inf, reach[:-1]])
    last = np.r_[np.flatnonzero(new)[1:] - 1, len(new) - 1] if len(new) else np.zeros(0, int)
    return pd.DataFrame({"person": person[new], "start": start[new], "end": reach[last]})


def continuous(ev: pd.DataFrame, spells: pd.DataFrame, scenario: Scenario, edges: np.ndarray) -> np.ndarray:
    """K2E3 per integration event: 1.0 if employed without a break from the integration to the end
    of the sixth month after the integration month, 0.0 if not, NaN if that lies beyond the horizon."""
    n = len(edges) - 1
    m = ev["m"].to_numpy()
    horizon_ok = m + FOLLOW < n
    until = np.where(horizon_ok, edges[np.minimum(m + FOLLOW + 1, n)], np.nan)
    blocks = _employed_blocks(spells, scenario).sort_values("start", kind="stable")
    left = pd.DataFrame({"person": ev["person"].to_numpy(np.int64), "time": ev["time"].to_numpy(float),
                         "pos": np.arange(len(ev))}).sort_values("time", kind="stable")
    hit = pd.merge_asof(left, blocks, left_on="time", right_on="start", by="person", direction="backward")
    end = np.full(len(ev), -np.inf)
    end[hit["pos"].to_numpy()] = hit["end"].fillna(-np.inf).to_numpy()
    return np.where(horizon_ok, (end >= until).astype(float), np.nan)


def lzb_at_event(ev: pd.DataFrame, ben: pd.DataFrame) -> np.ndarray:
    """Whether each integrated person was LZB at the integration: on benefit on at least 638 of
    the 730 days before it (the rule of the LZB stock, applied at the event's instant)."""
    from .compute import LZB_MIN_DAYS, LZB_WINDOW_DAYS
    e = pd.DataFrame({"person_id": ev["person"].to_numpy(), "time": ev["time"].to_numpy(float),
                      "pos": np.arange(len(ev))})
    j = e.merge(ben[["person_id", "enter", "end"]], on="person_id", how="inner")
    t = j["time"].to_numpy()
    days = np.clip(np.minimum(j["end"].to_numpy(float), t) - np.maximum(j["enter"].to_numpy(float),
                                                                          t - LZB_WINDOW_DAYS), 0.0, None)
    total = np.bincount(j["pos"].to_numpy(), weights=days, minlength=len(ev))
    return total >= LZB_MIN_DAYS - 1e-9


def add(out: pd.DataFrame, kz: Stocks, flows: dict, ev: pd.DataFrame, spells: pd.DataFrame, ben: pd.DataFrame,
        scenario: Scenario, edges: np.ndarray) -> pd.DataFrame:
    """`out` with the supplementary columns appended (the columns already there are not touched)."""
    from .compute import _month_of
    n, sexes = len(edges) - 1, scenario.attributes["sex"]
    ns = len(sexes)
    sfx = [""] + [f"_{sx}" for sx in sexes]
    cols: dict[str, np.ndarray | pd.Series] = {}
    nan = np.full(n, np.nan)

    def put(name: str, rows) -> None:             # rows: (ns + 1, n) array or list of per-suffix series
        for j, s in enumerate(sfx):
            cols[f"{name}{s}"] = rows[j]

    def col(name: str, j: int) -> pd.Series:
        c = cols.get(f"{name}{sfx[j]}")
        return pd.Series(out[f"{name}{sfx[j]}"] if c is None else c, dtype=float)

    for name, (m, codes) in flows.items():        # inflows and outflows by sex
        c = _monthly_counts(np.asarray(m), np.asarray(codes), n, ns)
        for j, sx in enumerate(sexes):
            cols[f"{name}_{sx}"] = c[j + 1]

    # K1E2-K1E4: change of the eLb stock; inflow rate (stock of the same month) and outflow rate
    # (stock of the month before; for the first month the day-one stock), averaged over 12 months
    put("elb_change", [_change(col("elb_stock", j)) for j in range(ns + 1)])
    put("inflow_rate", [_mean_rate(col("inflows", j), col("elb_stock", j)) for j in range(ns + 1)])
    put("outflow_rate", [_mean_rate(col("outflows", j), pd.Series(kz.elb[j, :-1], dtype=float))
                         for j in range(ns + 1)])

    # K2E1, K2E2: entries into programmes the scenario marks as marginal / publicly funded employment
    for field, name in (("marginal_employment", "marginal"), ("public_employment", "public")):
        progs = getattr(scenario.indicators, field)
        if not progs:                               # not modelled: empty, not zero
            put(f"{name}_entries", [nan] * (ns + 1))
            put(f"{name}_quota", [nan] * (ns + 1))
            continue
        sel = spells["state"].isin(PARTICIPATING).to_numpy() & spells["programme"].isin(progs).to_numpy() & \
            (spells["start"] >= 0).to_numpy()
        pe = spells.loc[sel, ["start", "sex"]]
        put(f"{name}_entries", _monthly_counts(_month_of(pe["start"].to_numpy(float), edges),
                                               pe["sex"].cat.codes.to_numpy(), n, ns))
        put(f"{name}_quota", [_quota(col(f"{name}_entries", j), col("elb_stock", j)) for j in range(ns + 1)])

    # K2E3: integrations followed by continuous employment over the 6 months after the integration month
    m_ev, sex_ev = ev["m"].to_numpy(), ev["sex"].to_numpy()
    cont = continuous(ev, spells, scenario, edges)
    known = np.arange(n) + FOLLOW < n
    c = _monthly_counts(m_ev[cont == 1.0], sex_ev[cont == 1.0], n, ns).astype(float)
    c[:, ~known] = np.nan
    put("integrations_continuous", c)
    put("continuous_share", [_quota_of_sums(col("integrations_continuous", j), col("integrations", j))
                             for j in range(ns + 1)])

    # K2E4: Integrationsquote of single parents (the attribute level the scenario names)
    sp = scenario.indicators.single_parent
    if sp is None:
        for name in ("elb_stock_single_parent", "integrations_single_parent", "single_parent_iq"):
            put(name, [nan] * (ns + 1))
    else:
        is_sp = (spells.loc[ev["row"].to_numpy(), sp.attribute] == sp.level).to_numpy(bool)
        put("elb_stock_single_parent", kz.elb_sp[:, 1:])
        put("integrations_single_parent", _monthly_counts(m_ev[is_sp], sex_ev[is_sp], n, ns))
        put("single_parent_iq", [_quota(col("integrations_single_parent", j), col("elb_stock_single_parent", j))
                                 for j in range(ns + 1)])

    # K3 and K3E1-K3E4: change of the LZB stock, IQ of LZB, activation, LZB inflow and outflow rates
    put("lzb_change", [_change(col("lzb_stock", j)) for j in range(ns + 1)])
    lzb_ev = lzb_at_event(ev, ben)
    put("integrations_lzb", _monthly_counts(m_ev[lzb_ev], sex_ev[lzb_ev], n, ns))
    put("lzb_iq", [_quota(col("integrations_lzb", j), col("lzb_stock", j)) for j in range(ns + 1)])
    put("lzb_in_programme", kz.active[:, 1:])
    put("lzb_activation", [col("lzb_in_programme", j) / col("lzb_stock", j).where(col("lzb_stock", j) > 0)
                           for j in range(ns + 1)])
    put("lzb_inflows", kz.lzb_in)
    put("lzb_outflows", kz.lzb_out)
    put("lzb_inflow_rate", [_mean_rate(col("lzb_inflows", j), col("lzb_stock", j)) for j in range(ns + 1)])
    put("lzb_outflow_rate", [_mean_rate(col("lzb_outflows", j), pd.Series(kz.lzb[j, :-1], dtype=float))
                             for j in range(ns + 1)])

    extra = pd.DataFrame({k: np.asarray(v) for k, v in cols.items()}, index=out.index)
    return pd.concat([out, extra], axis=1)


def _quota_of_sums(num: pd.Series, den: pd.Series) -> pd.Series:
    """Sum of num over the last 12 months over the sum of den (K2E3); empty if a month is unknown."""
    n, d = num.rolling(ROLL).sum(), den.rolling(ROLL).sum()
    return n / d.where(d > 0)
