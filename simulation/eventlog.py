"""The event log: one row per person per spell, the only output of the model itself.

Indicators are computed from it afterwards (indicators.py), never counted during the run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

NAN = math.nan

# state of a spell; a person's spells tile their time line without overlap
STATES = ("prior_benefit", "case_management", "no_contact", "handover", "programme", "exit")
# a programme taken in parallel to the state above (e.g. Deutsch+ during a language course)
ALONGSIDE = "alongside"


class EventLog:
    def __init__(self, attribute_names: list[str], attribute_levels: list[list[str]], origins: list[str]) -> None:
        self.attribute_names = attribute_names
        self.attribute_levels = attribute_levels
        self.origins = origins
        self.rows: list[tuple] = []

    def spell(self, c, attrs: tuple, end: float, end_reason: str, next_state: str) -> None:
        """Close the customer's open spell."""
        self.rows.append((c.pid, c.origin, attrs, c.state, c.detail, c.waiting_start,
                          c.since, end, end_reason, next_state))

    def prior_benefit(self, c, start: float, end: float) -> None:
        """Benefit receipt before the customer's first simulated spell (needed for LZB)."""
        self.rows.append((c.pid, c.origin, c.attrs, "prior_benefit", "", NAN, start, end, "simulation_start", ""))

    def alongside(self, c, attrs: tuple, programme: str, start: float, end: float, reason: str) -> None:
        self.rows.append((c.pid, c.origin, attrs, ALONGSIDE, programme, start, start, end, reason, ""))

    def frame(self) -> pd.DataFrame:
        """The spells table (schema documented in docs/outputs.md)."""
        n = len(self.rows)
        cols = list(zip(*self.rows)) if n else [()] * 10
        pid, origin, attrs, state, detail, wstart, start, end, reason, nxt = cols
        df = pd.DataFrame({
            "person_id": np.asarray(pid, dtype=np.int64),
            "origin": pd.Categorical.from_codes(np.asarray(origin, dtype=np.int16), self.origins) if n
            else pd.Categorical([], categories=self.origins),
        })
        codes = np.asarray(attrs, dtype=np.int16).reshape(n, len(self.attribute_names))
        for j, (name, levels) in enumerate(zip(self.attribute_names, self.attribute_levels)):
            df[name] = pd.Categorical.from_codes(codes[:, j], levels, ordered=True)
        df["state"] = pd.Categorical(state, categories=STATES + (ALONGSIDE,))
        df["programme"] = pd.array([d if s in ("programme", "handover", ALONGSIDE) else None for s, d in zip(state, detail)],
                                   dtype="string")
        df["exit_kind"] = pd.array([d if s == "exit" else None for s, d in zip(state, detail)], dtype="string")
        df["waiting_start"] = np.asarray(wstart, dtype=float)
        df["start"] = np.asarray(start, dtype=float)
        df["end"] = np.asarray(end, dtype=float)
        df["end_reason"] = pd.array(reason, dtype="string")
        df["next_state"] = pd.array([x or None for x in nxt], dtype="string")
        return df.sort_values("person_id", kind="stable").reset_index(drop=True)
