"""What the monthly indicators share, worked out once per run from the spells: `Prepared`.

The month convention is compute.py's (its module docstring): month m is [edge[m], edge[m+1]); an
event belongs to the month holding its instant; month-end figures are those of the month's last
instant, the day-one stock that of the start instant. The LZB rule (§ 48a SGB II, K3: on benefit
on at least 638 of the last 730 days) is here once, for the stock and for integration events.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..engine.clock import Clock
from ..scenario.schema import HOUSEHOLD_TYPES, INTEGRATION_KINDS, Scenario
from ..states import ALONGSIDE, CENSORED, EMPLOYMENT, EXIT, EXIT_PREFIX, PARALLEL_STATES, PROGRAMME

LZB_WINDOW_DAYS = 730  # § 48a SGB II, K3: eLb on at least 638 of the last 730 days
LZB_MIN_DAYS = 638
PARTICIPATING = [PROGRAMME, ALONGSIDE]
BENEFIT_COLUMNS = [
    "person_id",
    "household_id",
    "household_type",
    "non_able",
    "sex",
    "waiting_start",
    "start",
    "end",
    "end_reason",
    "next_state",
]


def month_of(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Month index (0-based) of event times, month m being [edge[m], edge[m+1]); -1 / len outside."""
    return np.searchsorted(edges, t, side="right") - 1


def lzb_window_days(enter: np.ndarray, end: np.ndarray, t) -> np.ndarray:
    """Days of benefit spells [enter, end) within the LZB window, the 730 days before t."""
    return np.clip(np.minimum(end, t) - np.maximum(enter, t - LZB_WINDOW_DAYS), 0.0, None)


def is_lzb(days: np.ndarray) -> np.ndarray:
    """The LZB rule on a person's days on benefit in the window before an instant."""
    return days >= LZB_MIN_DAYS - 1e-9


def by_sex(codes: np.ndarray, n_sexes: int) -> np.ndarray:
    """Counts of all and of each sex level (row 0 all, row j+1 level j)."""
    c = np.bincount(codes, minlength=n_sexes)[:n_sexes]
    return np.r_[c.sum(), c]


def monthly_counts(m: np.ndarray, codes: np.ndarray, n: int, n_sexes: int) -> np.ndarray:
    """Events per month, all and by sex: (n_sexes + 1, n) counts; months outside [0, n) dropped."""
    ok = (m >= 0) & (m < n)
    m, codes = m[ok], codes[ok]
    return np.stack([np.bincount(m, minlength=n)] + [np.bincount(m[codes == j], minlength=n) for j in range(n_sexes)])


def exit_kinds(next_state: pd.Series) -> np.ndarray:
    """The exit kind of each spell's next state ("exit:employment" -> "employment"), "" if none.

    Worked out once per distinct next state (there are few), then looked up per spell.
    """
    codes, names = pd.factorize(next_state.fillna(""))
    kinds = np.asarray([n.removeprefix(EXIT_PREFIX) if n.startswith(EXIT_PREFIX) else "" for n in names], dtype=object)
    return kinds[codes]


def with_households(spells: pd.DataFrame) -> pd.DataFrame:
    """Spells with their household columns; spells written without them (results of earlier versions,
    hand-made tables) are everyone's own household of one: the type single, no non-able members."""
    if "household_id" in spells.columns:
        return spells
    return spells.assign(
        household_id=spells["person_id"].to_numpy(),
        household_type=pd.Categorical(["single"] * len(spells), categories=list(HOUSEHOLD_TYPES)),
        non_able=np.zeros(len(spells), np.int16),
    )


def benefit_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """The spells lived in benefit receipt, with `enter` = the time the spell began."""
    spells = with_households(spells)
    s = spells.loc[~spells["state"].isin([EXIT, *PARALLEL_STATES]).to_numpy(), BENEFIT_COLUMNS]
    enter = s["waiting_start"].fillna(s["start"])
    return s.assign(enter=enter.to_numpy(float))


class Prepared:
    """One run's spells made ready for the indicator functions (registry.py), built once by monthly().

    Instants: k = 0 is the start instant (day one), k = m + 1 the last instant of month m. Stocks
    and counts are "all and by sex": row 0 all, row j + 1 the scenario's sex level j.
    """

    def __init__(self, spells: pd.DataFrame, scenario: Scenario, clock: Clock) -> None:
        self.spells, self.scenario = spells, scenario
        self.edges = np.asarray(clock.month_edges(), float)
        self.n = len(self.edges) - 1  # months
        self.sexes = list(scenario.attributes["sex"])
        self.ns = len(self.sexes)
        self.suffixes = [""] + [f"_{sx}" for sx in self.sexes]
        self.nan = np.full(self.n, np.nan)  # a column not modelled: empty, not zero
        self.cols: dict[str, np.ndarray | pd.Series] = {}  # the columns so far (monthly() adds each indicator's)

        ben = self.ben = benefit_spells(spells)
        self.enter, self.end = ben["enter"].to_numpy(float), ben["end"].to_numpy(float)
        self.sex = ben["sex"].cat.codes.to_numpy()  # index into `sexes` (the declared levels)
        self.pid = ben["person_id"].to_numpy()
        self.size = self.pid.max() + 1 if len(self.pid) else 0  # arrays indexed by person
        self.exit_kind = exit_kinds(ben["next_state"])
        self.is_exit = self.exit_kind != ""  # benefit spells that end in an exit

        self.open, self.lzb_open = self._stocks()  # per instant: rows of `ben` open, and which of them LZB
        self.elb = np.stack([by_sex(self.sex[rows], self.ns) for rows in self.open], axis=1)
        self.lzb = np.stack(
            [by_sex(self.sex[rows][lzb], self.ns) for rows, lzb in zip(self.open, self.lzb_open)], axis=1
        )
        self.instants = {"elb_stock": self.elb, "lzb_stock": self.lzb}  # stocks at every instant, (ns + 1, n + 1)
        self.events = self._integration_events()

    def _stocks(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per instant, the benefit spells open then (rows of `ben`: enter <= t < end on day one, else
        enter < t <= end) and which of them are LZB (the persons' days in the window before t)."""
        enter, end, pid = self.enter, self.end, self.pid
        censored = (self.ben["end_reason"] == CENSORED).to_numpy(bool)
        end_open = np.where(censored, np.inf, end)
        order = np.argsort(enter, kind="stable")  # spells by start: those begun by t are a prefix
        enter_s, end_s, pid_s = enter[order], end[order], pid[order]
        rows, lzb = [], []
        for k, t in enumerate(self.edges):
            now = (enter <= t) & (t < end_open) if k == 0 else (enter < t) & (t <= end_open)
            begun = np.searchsorted(enter_s, t, side="right")
            days = np.bincount(
                pid_s[:begun], weights=lzb_window_days(enter_s[:begun], end_s[:begun], t), minlength=self.size
            )
            rows.append(np.flatnonzero(now))
            lzb.append(is_lzb(days[pid[rows[-1]]]))
        return rows, lzb

    def _integration_events(self) -> pd.DataFrame:
        """Integrations: starts of jobs of a kind that counts ([employment] `integration`, whatever happens
        to benefit), exits into work, training or self-employment, and entries into programmes that
        count as integration (e.g. wage subsidy); at most one per person and month, the first. Columns:
        person, time, kind, sex (level index), row (the spell the integration ends or begins), m (month),
        ends_need (the person left benefit at the integration: a job that covered the need, or an exit)."""
        spells, ben, is_exit = self.spells, self.ben, self.is_exit
        ev_row = [ben.index.to_numpy()[is_exit]]
        ev_person = [self.pid[is_exit]]
        ev_time, ev_kind, ev_sex = [self.end[is_exit]], [self.exit_kind[is_exit]], [self.sex[is_exit]]
        jobs = self.jobs
        if len(jobs):
            ev_row.append(jobs.index.to_numpy())
            ev_person.append(jobs["person_id"].to_numpy())
            ev_time.append(jobs["start"].to_numpy(float))
            ev_kind.append(jobs["kind"].to_numpy(object))
            ev_sex.append(jobs["sex"].cat.codes.to_numpy())
        on_entry = {n: p.integration_on_entry for n, p in self.scenario.programmes.items() if p.integration_on_entry}
        if on_entry:
            pe = spells[["person_id", "start", "programme", "sex"]][
                (
                    spells["state"].isin(PARTICIPATING)
                    & spells["programme"].isin(list(on_entry))
                    & (spells["start"] >= 0)
                ).to_numpy()
            ]
            ev_row.append(pe.index.to_numpy())
            ev_person.append(pe["person_id"].to_numpy())
            ev_time.append(pe["start"].to_numpy(float))
            ev_kind.append(pe["programme"].map(on_entry).astype(str).to_numpy())
            ev_sex.append(pe["sex"].cat.codes.to_numpy())
        ev = pd.DataFrame(
            {
                "person": np.concatenate(ev_person),
                "time": np.concatenate(ev_time),
                "kind": np.concatenate(ev_kind),
                "sex": np.concatenate(ev_sex),
                "row": np.concatenate(ev_row),
            }
        )
        ev = ev[ev["kind"].isin(INTEGRATION_KINDS)]
        ev["m"] = month_of(ev["time"].to_numpy(float), self.edges)
        ev = ev[(ev["m"] >= 0) & (ev["m"] < self.n)].sort_values("time", kind="stable")
        ev = ev.drop_duplicates(["person", "m"])
        # out of benefit at the integration's instant: a benefit spell of theirs ends then in an exit
        left = pd.DataFrame({"person": self.pid[self.is_exit], "time": self.end[self.is_exit], "ends_need": True})
        left = left.drop_duplicates(["person", "time"])
        ev = ev.merge(left, on=["person", "time"], how="left", sort=False).set_axis(ev.index)
        ev["ends_need"] = ev["ends_need"].fillna(False).astype(bool)
        return ev

    @cached_property
    def jobs(self) -> pd.DataFrame:
        """Employment spells of a kind that counts as an integration: person_id, start, end (the horizon if
        open then), sex, kind (its integration kind)."""
        spells = self.spells
        is_job = (spells["state"] == EMPLOYMENT).to_numpy(bool)
        counts = {n: j.integration for n, j in self.scenario.employment.items() if j.integration != "none"}
        j = spells.loc[is_job, ["person_id", "programme", "start", "end", "end_reason", "sex"]]
        j = j[j["programme"].isin(list(counts)).to_numpy(bool)]
        return pd.DataFrame(
            {
                "person_id": j["person_id"].to_numpy(),
                "start": j["start"].to_numpy(float),
                "end": j["end"].to_numpy(float),
                "sex": j["sex"],
                "kind": j["programme"].map(counts).astype(object).to_numpy(),
            },
            index=j.index,
        )

    @cached_property
    def households_open(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per instant: the households in benefit (ids), their type codes and non-able members."""
        hid = self.ben["household_id"].to_numpy()
        htype = self.ben["household_type"].cat.codes.to_numpy()
        non_able = self.ben["non_able"].to_numpy(np.int64)
        out = []
        for rows in self.open:
            ids, first = np.unique(hid[rows], return_index=True)
            at = rows[first]
            out.append((ids, htype[at], non_able[at]))
        return out

    @cached_property
    def lzb_moves(self) -> tuple[np.ndarray, np.ndarray]:
        """Persons who became LZB, and who stopped being LZB, since the instant before: per month, all
        and by sex, (ns + 1, n) each."""
        into = np.zeros((self.ns + 1, self.n), dtype=np.int64)
        out = np.zeros((self.ns + 1, self.n), dtype=np.int64)
        prev = None
        for k, (rows, lzb) in enumerate(zip(self.open, self.lzb_open)):
            cur = np.full(self.size, -1, dtype=np.int64)  # each person's sex level if LZB now, else -1
            cur[self.pid[rows][lzb]] = self.sex[rows][lzb]
            if prev is not None:
                into[:, k - 1] = by_sex(cur[(cur >= 0) & (prev < 0)], self.ns)
                out[:, k - 1] = by_sex(prev[(prev >= 0) & (cur < 0)], self.ns)
            prev = cur
        return into, out

    def col(self, name: str, j: int = 0) -> pd.Series:
        """A column computed before, as float: `name` in all (j = 0) or for sex level j - 1."""
        return pd.Series(self.cols[name + self.suffixes[j]], dtype=float)

    def before(self, stock: str, j: int = 0) -> pd.Series:
        """A stock at the instant before each month (the month before's end; day one for the first)."""
        return pd.Series(self.instants[stock][j, :-1], dtype=float)

    def per_sex(self, name: str, rows) -> dict:
        """The columns `name`, `name_<sex>` from rows all and by sex (an (ns + 1, n) array or a list)."""
        return {name + s: rows[j] for j, s in enumerate(self.suffixes)}
